"""A posted comment on its way in: before it is stored (``NewComment``,
with everything its row and its answer need) and the answer to the site
(``Outcome``). Used by submission.py, which reads, scores and stores them.
"""

from dataclasses import dataclass, field
from datetime import datetime

from moderation.domain.orm import Comment
from moderation.domain.refusals import ApiError
from moderation.domain.validation import CommentInput
from moderation.infrastructure.db import as_utc


@dataclass
class Outcome:
    """The result for one submitted comment: stored (new or again) or an error.

    ``comment`` is the comment as the API shows it (``Comment.to_json``)."""

    comment: dict | None = None
    created: bool = False
    error: ApiError | None = None


@dataclass(eq=False)  # each is itself: compared by identity
class NewComment:
    """A comment not stored yet, with everything its row and answer need."""

    item: CommentInput
    site_id: int
    received_at: datetime
    parent: "NewComment | Comment | None"
    article: str | None
    thread: str
    id: int | None = None
    status: str | None = None
    reasons: list = field(default_factory=list)
    abusive: float | None = None
    on_topic: float | None = None
    model_version: str | None = None
    # The author's standing at the site (authors.py): trusted, banned or normal.
    standing: str = "normal"
    explanations: dict | None = None
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.item.text

    @property
    def external_id(self) -> str:
        return self.item.id

    @property
    def article_external_id(self) -> str:
        return self.item.article_id

    def row(self) -> dict:
        return {
            "site_id": self.site_id,
            "external_id": self.item.id,
            "article_external_id": self.item.article_id,
            "parent_id": self.parent.id if self.parent is not None else None,
            "author_id": self.item.author_id,
            "author_name": self.item.author_name,
            "text": self.item.text,
            "language": self.item.language,
            "created_at": self.item.created_at or self.received_at,
            "received_at": self.received_at,
            "status": self.status,
            "abusive": self.abusive,
            "on_topic": self.on_topic,
            "model_version": self.model_version,
            "reasons": self.reasons,
            "explanations": self.explanations,
        }

    def to_json(self) -> dict:
        """What ``Comment.to_json`` shows once it is stored, from the values in hand."""
        return {
            "id": self.item.id,
            "article_id": self.item.article_id,
            "parent_id": self.parent.external_id if self.parent is not None else None,
            "author": {"id": self.item.author_id, "name": self.item.author_name},
            "text": self.item.text,
            "language": self.item.language,
            "created_at": as_utc(self.item.created_at or self.received_at).isoformat(),
            "status": self.status,
            "scores": {"abusive": self.abusive, "on_topic": self.on_topic},
            "reasons": list(self.reasons),
            "model_version": self.model_version,
            "explanations": self.explanations,
        }


@dataclass
class Submission:
    site_id: int
    outcomes: list[Outcome]
    new: list[NewComment]
