"""The stored state of webhook delivery: where each site listens, and the
outbox of status changes waiting to be sent there."""

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from moderation.domain.orm import Comment, Decision
from moderation.infrastructure.db import db, utcnow


class Webhook(db.Model):
    """Where a site wants to hear about every status change of its comments."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), unique=True)
    url: Mapped[str] = mapped_column(String(2048))
    # Kept in clear: the service must sign with it (like any HMAC secret).
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutboxEvent(db.Model):
    """A status change waiting to be delivered to the site's webhook.

    Written in the same transaction as the decision, so a change is never
    committed without its event, nor an event without its change.
    """

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_due", "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    # Which delivery worker is sending it, until when (webhooks.claim_due).
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    decision: Mapped["Decision"] = relationship()
    comment: Mapped[Comment] = relationship()
