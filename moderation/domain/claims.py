"""Who is reviewing which pending comments, as moderators see it.

Claims come from "Take the next 25" (``review.claim_next``). A claimed
comment is hidden from everyone else's pending list, so the page says how
many are claimed, by whom and until when; an admin can release a
moderator's claims (someone who left for lunch). A claim is not a change
of the comment: releasing one writes no decision.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from moderation.domain.orm import Comment, Status
from moderation.infrastructure.db import as_utc, db, utcnow


@dataclass
class Claim:
    moderator: str
    count: int
    until: datetime


def current_claims() -> list[Claim]:
    """Pending comments claimed right now, per moderator, busiest first."""
    rows = db.session.execute(
        select(Comment.claimed_by, func.count(), func.max(Comment.claimed_until))
        .where(Comment.status == Status.PENDING, Comment.claimed_until >= utcnow())
        .group_by(Comment.claimed_by)
        .order_by(func.count().desc(), Comment.claimed_by)
    )
    return [Claim(name, count, as_utc(until)) for name, count, until in rows]


def release(moderator: str) -> int:
    """Give a moderator's claimed comments back to the queue; how many."""
    result = db.session.execute(
        update(Comment)
        .where(
            Comment.claimed_by == moderator,
            Comment.status == Status.PENDING,
            Comment.claimed_until >= utcnow(),
        )
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
