"""The stored state: sites, their articles and comments, and the decision log.

Named ``orm`` rather than ``models`` because ``models/`` at the project root
holds the trained classifiers. Articles and comments keep the site's own ids
(``external_id``) and are unique per site; a comment refers to its article
by that id, because sites often post a comment before (or without) its
article. ``Decision`` rows are append-only: every status change of a
comment writes one, and nothing updates or deletes them.
"""

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from moderation.infrastructure.db import as_utc, db, utcnow

EXTERNAL_ID_LENGTH = 255


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Site(db.Model):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # SHA-256 of the API key: keys are long random tokens, so a fast hash
    # is enough and lets a request find its site with one indexed lookup.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Article(db.Model):
    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("site_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_LENGTH))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("site_id", "external_id"),
        # Also serves "the latest comments under an article" (the thread).
        Index("ix_comments_site_article", "site_id", "article_external_id", "id"),
        Index("ix_comments_site_status", "site_id", "status"),
        # The queue: pending comments, oldest first.
        Index("ix_comments_status_received", "status", "received_at", "id"),
        # An author's record at a site.
        Index("ix_comments_site_author", "site_id", "author_id"),
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_LENGTH))
    article_external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_LENGTH))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    author_id: Mapped[str | None] = mapped_column(String(EXTERNAL_ID_LENGTH))
    author_name: Mapped[str | None] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    # The language the site says the comment is in (a language subtag such
    # as "de"); None: detected whenever it is scored.
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16))
    abusive: Mapped[float | None] = mapped_column(Float)
    on_topic: Mapped[float | None] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(64))
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    # The words that pushed each score: {"abusive": [span...], "on_topic": [...]}.
    explanations: Mapped[dict | None] = mapped_column(JSON)
    # Who is reviewing it, until when: moderators taking "the next ten"
    # get disjoint sets (review.claim_next). Not a state change: no decision.
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped by every update: two moderators deciding the same comment at
    # once cannot both succeed silently (optimistic concurrency).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    parent: Mapped["Comment | None"] = relationship(remote_side=[id])
    decisions: Mapped[list["Decision"]] = relationship(
        back_populates="comment", order_by="Decision.id"
    )

    def to_json(self, with_history: bool = False) -> dict:
        data = {
            "id": self.external_id,
            "article_id": self.article_external_id,
            "parent_id": self.parent.external_id if self.parent else None,
            "author": {"id": self.author_id, "name": self.author_name},
            "text": self.text,
            "language": self.language,
            "created_at": as_utc(self.created_at).isoformat(),
            "status": self.status,
            "scores": {"abusive": self.abusive, "on_topic": self.on_topic},
            "reasons": list(self.reasons or []),
            "model_version": self.model_version,
            "explanations": self.explanations,
        }
        if with_history:
            data["history"] = [decision.to_json() for decision in self.decisions]
        return data


class Report(db.Model):
    """A reader's report of a comment, sent by the site; one per reader."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("comment_id", "reader_id"),
        CheckConstraint("reason IN ('abusive', 'off_topic', 'spam', 'other')", name="reason_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    reader_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_LENGTH))
    reason: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def to_json(self) -> dict:
        return {
            "reader_id": self.reader_id,
            "reason": self.reason,
            "text": self.text,
            "reported_at": as_utc(self.reported_at).isoformat(),
        }


class AuthorStanding(db.Model):
    """How moderators treat an author at one site: trusted or banned.

    Authors are the site's own ids and belong to the site: the same id at
    another site is another person. No row means an ordinary author.
    """

    __tablename__ = "author_standings"
    __table_args__ = (
        UniqueConstraint("site_id", "author_id"),
        CheckConstraint("standing IN ('normal', 'trusted', 'banned')", name="standing_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    author_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_LENGTH))
    standing: Mapped[str] = mapped_column(String(16), default="normal")
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuthorAction(db.Model):
    """The log of changes to authors' standing: who, when, why. Append-only."""

    __tablename__ = "author_actions"
    __table_args__ = (Index("ix_author_actions_site_author", "site_id", "author_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    author_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_LENGTH))
    from_standing: Mapped[str] = mapped_column(String(16))
    to_standing: Mapped[str] = mapped_column(String(16))
    moderator: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)
    acted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Moderator(UserMixin, db.Model):
    """A person who reviews comments; admins also manage moderators."""

    __tablename__ = "moderators"
    __table_args__ = (CheckConstraint("role IN ('moderator', 'admin')", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="moderator")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Part of the id kept in the session cookie; raised on sign-out and on a
    # new password, so every cookie issued before stops working.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    def get_id(self) -> str:
        return f"{self.id}.{self.session_generation}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of disabled accounts
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class Decision(db.Model):
    """One change of a comment's status, by the model or by a person."""

    __tablename__ = "decisions"
    # The feed pages by (xid, id). The dashboard's recent days and weeks, and
    # the audit log's dates; moderators' decisions alone (a small part) for
    # the override rates; first decisions (arrivals) for the recent days.
    # A comment's decisions by id: its history, its latest and its first.
    # On PostgreSQL the dashboard's indexes carry the columns it reads.
    __table_args__ = (
        Index("ix_decisions_xid_id", "xid", "id"),
        Index("ix_decisions_decided_at", "decided_at"),
        Index(
            "ix_decisions_moderators_decided_at",
            "decided_at",
            postgresql_where=text("actor_type = 'moderator'"),
            sqlite_where=text("actor_type = 'moderator'"),
            postgresql_include=["comment_id", "id", "to_status"],
        ),
        Index(
            "ix_decisions_first_decided_at",
            "decided_at",
            postgresql_where=text("from_status IS NULL"),
            sqlite_where=text("from_status IS NULL"),
            postgresql_include=["comment_id", "to_status"],
        ),
        Index(
            "ix_decisions_comment_id_id",
            "comment_id",
            "id",
            postgresql_include=["from_status", "to_status", "reasons"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The writing transaction's id on PostgreSQL (0 on SQLite): the feed
    # pages by (xid, id) so that no slow commit lands behind a cursor.
    xid: Mapped[int] = mapped_column(BigInteger, server_default="0")
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # "model" for the automatic policy, "moderator" for a person.
    actor_type: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(255))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)

    comment: Mapped[Comment] = relationship(back_populates="decisions")

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "decided_at": as_utc(self.decided_at).isoformat(),
            "actor_type": self.actor_type,
            "actor": self.actor,
            "from_status": self.from_status,
            "to_status": self.to_status,
            "reasons": list(self.reasons or []),
            "note": self.note,
        }


class HealthProbe(db.Model):
    """One row that ``/health`` rewrites, so a database that can be read but
    not written (disk full, read-only) is reported."""

    __tablename__ = "health_probe"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
