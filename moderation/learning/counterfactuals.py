"""Counterfactual copies of training comments that name a group of people.

In the public sets a group's name travels with how the set was collected:
HatEval searched for tweets about immigration, so "immigrant" is as common
in its harmless tweets as in its hateful ones, and a model learns the word
as harmless; "Kill all immigrant people" then scored lower than the same
sentence about any other group (worst BNSP 0.81). Each training comment
that names a group gets one copy, with the same labels, in which every
group named is swapped for another drawn at random (counterfactual data
augmentation, Dixon et al. 2018; Garg et al. 2019), so no group's name
says abusive or harmless on its own.

Not copied: the news comments with a natural abuse rate, on which the
abuse score is calibrated (``heads.NATURAL_RATE_SOURCES``), and a site's
own moderators' labels: there a group's name is part of a real discussion
("Chinese investment in Vancouver") that a swap would turn into text no
reader wrote. Some groups of the identity templates (``robustness.py``) are
left out of the list on purpose, so the templates also measure groups the
swap never touched.
"""

import dataclasses
import random
import re

from moderation.learning.heads import NATURAL_RATE_SOURCES

GROUPS = [
    "asian", "african", "latino", "hispanic", "mexican", "chinese", "indian", "arab",
    "jewish", "jew", "muslim", "christian", "catholic", "atheist", "immigrant", "refugee",
    "migrant", "gay", "lesbian", "bisexual", "transgender", "disabled",
]  # fmt: skip
# Plurals swap to plurals: "immigrants" -> "refugees".
GROUP_RE = re.compile(r"\b(" + "|".join(sorted(GROUPS, key=len, reverse=True)) + r")(s?)\b", re.I)


def counterfactuals(rows, seed: int) -> list:
    """One swapped copy of each row that names a group, from sources that
    are not news comments at their natural abuse rate; the same rows and
    seed always give the same copies."""
    rng = random.Random(seed)

    def swap(match: re.Match) -> str:
        word, plural = match.group(1), match.group(2)
        other = rng.choice([g for g in GROUPS if g != word.lower()]) + plural.lower()
        return other.capitalize() if word[0].isupper() else other

    copies = []
    for row in rows:
        if row.source in NATURAL_RATE_SOURCES or not GROUP_RE.search(row.text):
            continue
        copies.append(
            dataclasses.replace(row, id=f"{row.id}~swapped", text=GROUP_RE.sub(swap, row.text))
        )
    return copies
