"""Grouped, reproducible train/validation splits.

Comments of one article must never sit on both sides of a split, or the
validation numbers measure memory of the article rather than generalisation
to new ones. Each group (an article, or a lone comment such as a tweet) is
assigned by a hash of its id and the seed: the same data always splits the
same way, and adding data never moves existing groups across.
"""

import hashlib

VALIDATION_SHARE = 0.2


def group_of(comment) -> str:
    return f"article:{comment.article_id}" if comment.article_id else f"comment:{comment.id}"


def in_validation(group: str, seed: int, share: float = VALIDATION_SHARE) -> bool:
    """Stable grouped split: the same group always lands on the same side."""
    digest = hashlib.sha256(f"{seed}:{group}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share
