"""The site's feed of decisions: every decision exactly once, in order.

A site polls ``GET /api/v1/comments`` with the cursor it was last given.
Ids are drawn when a transaction writes, not when it commits, so paging by
id alone would skip a decision whose slow transaction commits below a
cursor the site has already passed. Instead each decision records the id
of the transaction that wrote it (``Decision.xid``), the feed pages by
``(xid, id)``, and on PostgreSQL it shows only decisions whose transaction
is older than every transaction still running: anything that commits
later has a larger ``xid`` than the cursor, so nothing can land behind it.
SQLite runs one writer at a time, so its ids commit in order; ``xid`` is 0
there and the feed pages by id.

A decision's ``xid`` is raised to its comment's previous decision's when a
transaction that began writing earlier decides the same comment after a
younger one: each comment's decisions then stay in the order they were made.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Text, cast, event, func, select, tuple_
from sqlalchemy.orm import selectinload

from moderation.domain.orm import Comment, Decision, Site
from moderation.infrastructure.db import db

# Decision ids are 32-bit integers on every database; xid8 fits a BIGINT.
LARGEST_ID = 2**31 - 1
LARGEST_XID = 2**63 - 1
# "<xid>.<id>"; a bare id is a cursor from before transaction ids were kept,
# whose decisions all have xid 0.
CURSOR = re.compile(r"(?:([0-9]{1,19})\.)?([0-9]{1,10})")


@dataclass(frozen=True)
class Cursor:
    xid: int = 0
    id: int = 0

    def __str__(self) -> str:
        return f"{self.xid}.{self.id}"

    @classmethod
    def parse(cls, raw: str) -> "Cursor | None":
        """The cursor a site sent back, or None when it is not one of ours."""
        match = CURSOR.fullmatch(raw)
        if match is None:
            return None
        xid, id_ = int(match.group(1) or 0), int(match.group(2))
        if xid > LARGEST_XID or id_ > LARGEST_ID:
            return None
        return cls(xid, id_)

    @classmethod
    def after(cls, decision: Decision) -> "Cursor":
        return cls(decision.xid, decision.id)


def _as_bigint(xid8):
    return cast(cast(xid8, Text), BigInteger)


@event.listens_for(Decision, "before_insert")
def _stamp_writing_transaction(mapper, connection, decision: Decision) -> None:
    if connection.dialect.name != "postgresql" or decision.from_status is None:
        # A comment's first decision has nothing to follow: the column's
        # default, the transaction's id, is enough, and keeps batch inserts
        # of new comments batched.
        return
    previous = (
        select(func.coalesce(func.max(Decision.xid), 0))
        .where(Decision.comment_id == decision.comment_id)
        .scalar_subquery()
    )
    # Evaluated by the INSERT itself, inside the writing transaction, after
    # the UPDATE of the comment has locked it against other deciders.
    decision.xid = func.greatest(_as_bigint(func.pg_current_xact_id()), previous)


def decision_feed(
    site: Site,
    after: Cursor,
    limit: int,
    status: str | None = None,
    article_id: str | None = None,
    since: datetime | None = None,
) -> tuple[list[Decision], bool]:
    """Decisions on the site's comments after the cursor, oldest first."""
    query = (
        select(Decision)
        .join(Decision.comment)
        .where(
            Comment.site_id == site.id,
            tuple_(Decision.xid, Decision.id) > tuple_(after.xid, after.id),
        )
        .options(selectinload(Decision.comment).selectinload(Comment.parent))
        .order_by(Decision.xid, Decision.id)
        .limit(limit + 1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        oldest_running = _as_bigint(func.pg_snapshot_xmin(func.pg_current_snapshot()))
        query = query.where(Decision.xid < oldest_running)
    if status:
        query = query.where(Decision.to_status == status)
    if article_id:
        query = query.where(Comment.article_external_id == article_id)
    if since:
        query = query.where(Decision.decided_at >= since)
    decisions = list(db.session.scalars(query))
    return decisions[:limit], len(decisions) > limit
