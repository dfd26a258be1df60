"""Grouped, reproducible train/validation splits.

Comments of one article must never sit on both sides of a split, or the
validation numbers measure memory of the article rather than generalisation
to new ones. Each group (an article, or a lone comment such as a tweet) is
assigned by a hash of its id and the seed: the same data always splits the
same way, and adding data never moves existing groups across.

Where a source comes with an official test split (Civil Comments' SemEval
test set, the Impermium insults test and verification sets, the Unhealthy
Comments test set), that split is the held-out side, whatever the seed: a
number on a split of a training file is not a number on the official test.
The files in other languages come without their official test rows (kept
aside by whoever publishes the data, for evaluation): what they hold is all
"train", so they are split by hash like a source without a test split.
"""

import hashlib

from moderation.learning.languages import primary_subtag

VALIDATION_SHARE = 0.2
# Of the training side, the share of groups that calibrates what is fitted
# on the rest (training.py).
CALIBRATION_SHARE = 0.25
OFFICIAL_TEST_SPLITS = {"test", "verification"}


def group_of(comment) -> str:
    return f"article:{comment.article_id}" if comment.article_id else f"comment:{comment.id}"


def in_validation(group: str, seed: int, share: float = VALIDATION_SHARE) -> bool:
    """Stable grouped split: the same group always lands on the same side."""
    digest = hashlib.sha256(f"{seed}:{group}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def official_split(comment) -> str | None:
    meta = getattr(comment, "meta", None) or {}
    split = meta.get("semeval_split", meta.get("split"))
    return split if isinstance(split, str) else None


def held_out(comment, seed: int) -> bool:
    """Whether ``comment`` is on the held-out side: its source's official
    test split when it has one, otherwise its group's hash."""
    split = official_split(comment)
    if split is not None and language_of_row(comment) == "en":
        return split in OFFICIAL_TEST_SPLITS
    return in_validation(group_of(comment), seed)


def language_of_row(comment) -> str:
    """A labelled row's language: its ``meta.language`` (ISO 639-1), English
    when the file does not say."""
    return stated_language(comment) or "en"


def stated_language(comment) -> str | None:
    """The language a data file states for a row (``meta.language``), if any:
    trusted when scoring, as Perspective trusts a request's ``languages``."""
    meta = getattr(comment, "meta", None) or {}
    language = meta.get("language")
    return primary_subtag(language) if isinstance(language, str) and language.strip() else None
