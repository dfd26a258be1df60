"""What moderators do: the queue they read and the decisions they take.

Every decision goes through ``record_decision`` (so it is logged and shows
in the site's feed) and checks the version of the comment the moderator
was looking at: if someone else decided it in the meantime, the decision
is refused with a ``Conflict`` that says who, instead of overwriting.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, cast, func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload

from moderation.domain.comments import record_decision
from moderation.domain.orm import Article, Comment, Decision, Moderator, Report, Status
from moderation.domain.policy import Thresholds
from moderation.infrastructure.db import as_utc, db, utcnow

REJECT_REASONS = {"abusive": "Abusive", "off_topic": "Off-topic", "spam": "Spam", "other": "Other"}
FILTER_REASONS = (
    "abusive",
    "off_topic",
    "unknown_article",
    "scoring_error",
    "premoderation",
    "reported",
    "author_banned",
    "author_trusted",
)
SORTS = {
    "oldest": "Oldest first",
    "newest": "Newest first",
    "abuse": "Highest abuse",
    "uncertain": "Most useful to review (most uncertain)",
}
UNDO_NOTE = "undo of decision "
TABS = ("pending", "reported", "approved", "rejected", "all")
PER_PAGE = 25


class Conflict(Exception):
    """The comment changed since the moderator saw it."""


class InvalidAction(ValueError):
    pass


def decide(
    comment: Comment, moderator: Moderator, action: str, version: int, reason=None, note=None
):
    """Approve or reject one comment, as seen at ``version``."""
    if not isinstance(reason, (str, type(None))) or not isinstance(note, (str, type(None))):
        raise InvalidAction("reason and note must be text")
    _check_version(comment, version)
    if action == "approve":
        status, reasons = Status.APPROVED, []
    elif action == "reject":
        if reason not in REJECT_REASONS:
            raise InvalidAction(f"choose a reason to reject: {', '.join(REJECT_REASONS)}")
        if reason == "other" and not (note or "").strip():
            raise InvalidAction("say why in a note when the reason is 'other'")
        status, reasons = Status.REJECTED, [reason]
    else:
        raise InvalidAction(f"unknown action {action!r}")
    # Confirming the model's decision labels the comment; repeating a
    # moderator's only repeats an event in the site's feed.
    latest = comment.decisions[-1] if comment.decisions else None
    unchanged = comment.status == status and list(comment.reasons or []) == reasons
    if unchanged and latest is not None and latest.actor_type == "moderator":
        raise InvalidAction(f"{latest.actor} has already set it to {status}{_as(reasons)}")
    return record_decision(comment, status, reasons, "moderator", moderator.username, note)


def undo(comment: Comment, moderator: Moderator, version: int) -> Decision:
    """Put a comment back as it was before its latest moderator decision."""
    _check_version(comment, version)
    history = comment.decisions
    latest = history[-1]
    if latest.actor_type != "moderator" or len(history) < 2:
        raise InvalidAction("the latest decision on this comment was not a moderator's")
    if _is_undo(latest, history[-2]):
        # Undoing the undo would re-apply the decision it took back.
        raise InvalidAction("the latest decision was itself an undo: decide the comment anew")
    if latest.actor != moderator.username and not moderator.is_admin:
        raise InvalidAction(f"only {latest.actor} or an admin can undo {latest.actor}'s decision")
    before = history[-2]
    return record_decision(
        comment,
        before.to_status,
        before.reasons,
        "moderator",
        moderator.username,
        note=f"{UNDO_NOTE}{latest.id}",
    )


def _is_undo(decision: Decision, before: Decision) -> bool:
    """Whether ``decision`` undid ``before``: its note names it and it put
    back the status ``before`` had changed (a moderator's own note alone,
    however worded, is no undo)."""
    return decision.note == f"{UNDO_NOTE}{before.id}" and (decision.to_status == before.from_status)


def _as(reasons: list[str]) -> str:
    return f" as {', '.join(reasons)}" if reasons else ""


def _check_version(comment: Comment, version: int) -> None:
    if comment.version != version:
        latest = comment.decisions[-1]
        when = as_utc(latest.decided_at).strftime("%H:%M:%S UTC")
        raise Conflict(
            f"{latest.actor} has just set this comment to {latest.to_status} ({when}). "
            "Nothing was changed; the card now shows the comment as it is."
        )


CLAIM_MINUTES = 15
CLAIM_ATTEMPTS = 3


def claim_next(moderator: Moderator, count: int) -> list[int]:
    """Reserve the oldest pending comments nobody else is reviewing.

    One UPDATE picks and claims them, so two moderators asking at once never
    get the same comment: PostgreSQL skips rows another claim has locked;
    SQLite runs one writer at a time, and a claim that started from a stale
    read is retried. Plain UPDATEs: a claim is not a change of the comment
    and must not bump its version. Returns the ids now claimed.
    """
    name = moderator.username
    for attempt in range(CLAIM_ATTEMPTS):
        try:
            return _claim(name, count)
        except OperationalError:
            # SQLite: another writer committed after this transaction read.
            db.session.rollback()
            if attempt == CLAIM_ATTEMPTS - 1:
                raise
    return []


def _claim(name: str, count: int) -> list[int]:
    now = utcnow()
    until = now + timedelta(minutes=CLAIM_MINUTES)
    free = or_(
        Comment.claimed_until.is_(None), Comment.claimed_until < now, Comment.claimed_by == name
    )
    candidates = (
        select(Comment.id)
        .where(Comment.status == Status.PENDING, free)
        .order_by(Comment.received_at, Comment.id)
        .limit(count)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    db.session.execute(
        update(Comment)
        .where(Comment.id.in_(candidates.scalar_subquery()), free)
        .values(claimed_by=name, claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    return list(
        db.session.scalars(
            select(Comment.id)
            .where(Comment.claimed_by == name, Comment.claimed_until == until)
            .order_by(Comment.id)
        )
    )


@dataclass
class QueueFilters:
    tab: str = "pending"
    article: str = ""
    reason: str = ""
    text: str = ""
    abusive_min: float | None = None
    abusive_max: float | None = None
    on_topic_min: float | None = None
    on_topic_max: float | None = None
    sort: str = "oldest"
    page: int = 1
    # "mine": only the comments this moderator has claimed; otherwise those
    # claimed by someone else are left out of the pending tab.
    mine: bool = False
    moderator: str = ""


def queue(filters: QueueFilters, thresholds: Thresholds) -> tuple[list[Comment], int]:
    """One page of comments matching ``filters``, and how many match in all."""
    query = select(Comment)
    if filters.tab == "reported":
        query = query.where(Comment.status == Status.PENDING, _has_reports())
    elif filters.tab != "all":
        query = query.where(Comment.status == filters.tab)
    claimed_now = Comment.claimed_until >= utcnow()
    if filters.mine:
        query = query.where(Comment.claimed_by == filters.moderator, claimed_now)
    elif filters.tab in ("pending", "reported") and filters.moderator:
        query = query.where(
            or_(
                ~claimed_now,
                Comment.claimed_until.is_(None),
                Comment.claimed_by == filters.moderator,
            )
        )
    if filters.article:
        query = query.where(Comment.article_external_id == filters.article)
    if filters.reason:
        # JSON lists are stored as text on both SQLite and PostgreSQL.
        query = query.where(cast(Comment.reasons, String).like(f'%"{filters.reason}"%'))
    if filters.text:
        query = query.where(Comment.text.ilike(f"%{_escape_like(filters.text)}%", escape="\\"))
    for column, low, high in (
        (Comment.abusive, filters.abusive_min, filters.abusive_max),
        (Comment.on_topic, filters.on_topic_min, filters.on_topic_max),
    ):
        if low is not None:
            query = query.where(column >= low)
        if high is not None:
            query = query.where(column <= high)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    query = query.order_by(*_order(filters.sort, thresholds), Comment.id)
    query = query.options(selectinload(Comment.parent), selectinload(Comment.decisions))
    page = max(1, filters.page)
    rows = db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE))
    return list(rows), total


def _has_reports():
    return select(Report.id).where(Report.comment_id == Comment.id).exists()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _order(sort: str, thresholds: Thresholds):
    if sort == "newest":
        return [Comment.received_at.desc()]
    if sort == "abuse":
        return [Comment.abusive.is_(None).desc(), Comment.abusive.desc()]
    if sort == "uncertain":
        # Nearest the hold threshold first: a moderator's verdict on these
        # is what the model most needs to learn. Unscored comments lead.
        distance = func.abs(Comment.abusive - thresholds.hold_abusive)
        return [Comment.abusive.is_(None).desc(), distance]
    return [Comment.received_at]


def tab_counts(moderator: str = "") -> dict[str, int]:
    """Comments per tab. Given a moderator, the pending count is what their
    pending tab lists: without the comments others have claimed."""
    rows = db.session.execute(select(Comment.status, func.count()).group_by(Comment.status))
    counts = {tab: 0 for tab in TABS}
    for status, count in rows:
        counts[status] = count
    counts["all"] = sum(counts[s] for s in ("pending", "approved", "rejected"))
    counts["reported"] = db.session.scalar(
        select(func.count()).where(Comment.status == Status.PENDING, _has_reports())
    )
    if moderator:
        counts["pending"] -= db.session.scalar(
            select(func.count()).where(
                Comment.status == Status.PENDING,
                Comment.claimed_until >= utcnow(),
                Comment.claimed_by != moderator,
            )
        )
    return counts


def articles_by_id(comments: list[Comment]) -> dict[tuple[int, str], Article]:
    keys = {(c.site_id, c.article_external_id) for c in comments}
    if not keys:
        return {}
    rows = db.session.scalars(
        select(Article).where(
            Article.site_id.in_({s for s, _ in keys}),
            Article.external_id.in_({a for _, a in keys}),
        )
    )
    return {(a.site_id, a.external_id): a for a in rows if (a.site_id, a.external_id) in keys}


def audit_log(
    moderator: str = "", start: datetime | None = None, end: datetime | None = None, page=1
):
    query = select(Decision).where(Decision.actor_type == "moderator")
    if moderator:
        query = query.where(Decision.actor == moderator)
    if start:
        query = query.where(Decision.decided_at >= start)
    if end:
        query = query.where(Decision.decided_at < end)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.options(selectinload(Decision.comment))
        .order_by(Decision.id.desc())
        .limit(PER_PAGE)
        .offset((max(1, page) - 1) * PER_PAGE)
    )
    return list(rows), total
