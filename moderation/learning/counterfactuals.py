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

A name is swapped for another of the same form (a plural for a plural;
"chinese" and "jewish" have none, so they stand in for singulars only),
keeping its capitals; "disabled" is left out because it is as often a verb
("I disabled my account"). Each row draws from its own seeded generator,
so adding a row changes no other row's copy.

Not copied: the news comments with a natural abuse rate, on which the
abuse score is calibrated (``heads.NATURAL_RATE_SOURCES``), and a site's
own moderators' labels: there a group's name is part of a real discussion
("Chinese investment in Vancouver") that a swap would turn into text no
reader wrote. Some groups of the identity templates (``robustness.py``) are
left out of the list on purpose, so the templates also measure groups the
swap never touched.
"""

import dataclasses
import functools
import random
import re

from moderation.learning.heads import NATURAL_RATE_SOURCES

# Names with a plural made by adding "s" ("muslims"); then names without one.
COUNTABLE = [
    "african american", "asian", "african", "latino", "hispanic", "mexican", "indian",
    "arab", "jew", "muslim", "christian", "catholic", "atheist", "immigrant", "refugee",
    "migrant", "gay", "lesbian", "bisexual", "transgender",
]  # fmt: skip
UNCOUNTABLE = ["chinese", "jewish"]
GROUPS = COUNTABLE + UNCOUNTABLE
# Longest first, so that "African-American" is one name, not "African".
GROUP_RE = re.compile(
    r"\b("
    + "|".join(g.replace(" ", "[ -]") for g in sorted(GROUPS, key=len, reverse=True))
    + r")(s?)\b",
    re.IGNORECASE,
)
# Two names of one group: neither is swapped for the other.
SAME_GROUP = {"jew": "jewish", "jewish": "jew"}


def counterfactuals(rows, seed: int) -> list:
    """One swapped copy of each row that names a group, from sources that
    are not news comments at their natural abuse rate."""
    copies = []
    for row in rows:
        if row.source in NATURAL_RATE_SOURCES or not GROUP_RE.search(row.text):
            continue
        rng = random.Random(f"{seed}:{row.id}")
        text = GROUP_RE.sub(functools.partial(_other, rng=rng), row.text)
        if text == row.text:
            continue
        # Rater spans point into the original text.
        meta = None if row.meta is None else {k: v for k, v in row.meta.items() if k != "spans"}
        copies.append(dataclasses.replace(row, id=f"{row.id}~swapped", text=text, meta=meta))
    return copies


def _other(match: re.Match, rng: random.Random) -> str:
    word, plural = match.group(1), match.group(2)
    name = word.lower().replace("-", " ")
    if plural and name not in COUNTABLE:  # "chineses" is no name
        return match.group(0)
    choices = COUNTABLE if plural else GROUPS
    other = rng.choice([g for g in choices if g not in (name, SAME_GROUP.get(name))])
    other += plural.lower()
    if word.isupper():
        return other.upper()
    return other.title() if word[0].isupper() else other
