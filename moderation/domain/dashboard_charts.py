"""The dashboard's charts over the last DAYS: comments per day by status,
and the queue's size and longest wait at the end of each day.

Like the summary figures (``dashboard``), each series is grouped in the
database or worked out from the window's decisions alone: nothing here
reads every comment.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from moderation.domain.orm import Comment, Decision, Status
from moderation.infrastructure.db import as_utc, db

DAYS = 14
# Arrivals whose comment ids span at most this many ids per arrival are
# joined with that range of comments in one pass; others looked up by id.
SPAN_FOR_A_RANGE = 4
# Comment ids per "IN (...)" list: well under SQLite's limit on parameters.
IN_LIST = 500


def per_day(now: datetime) -> list[dict]:
    """Comments that arrived each day of the last DAYS (their first
    decision, found by its time index), by their status now.

    Where the arrivals' comment ids are close together (ids grow with
    time, as they do in service), their comments are read in one pass over
    that range of ids and joined; otherwise (ids out of time order, e.g.
    after an import) each is looked up by id. Either way every arrival is
    counted once: the range only bounds what is read.
    """
    start = day_start(now) - timedelta(days=DAYS - 1)
    arrived = (Decision.decided_at >= start, Decision.from_status.is_(None))
    # "+ 0": read the window's arrivals, not the comment index from its ends.
    lowest, highest, arrivals = db.session.execute(
        select(
            func.min(Decision.comment_id + 0), func.max(Decision.comment_id + 0), func.count()
        ).where(*arrived)
    ).one()
    days = {start.date() + timedelta(days=i): dict.fromkeys(Status, 0) for i in range(DAYS)}
    if not arrivals:
        return _days_list(days)
    day = func.date(Decision.decided_at).label("day")
    if highest - lowest < SPAN_FOR_A_RANGE * arrivals:
        in_range = (Comment.id == Decision.comment_id) & Comment.id.between(lowest, highest)
        per_arrival = select(day, Comment.status.label("status")).join(Comment, in_range)
    else:
        status_now = select(Comment.status).where(Comment.id == Decision.comment_id)
        per_arrival = select(day, status_now.scalar_subquery().label("status"))
    per_arrival = per_arrival.where(*arrived).subquery()
    rows = db.session.execute(
        select(per_arrival.c.day, per_arrival.c.status, func.count()).group_by(
            per_arrival.c.day, per_arrival.c.status
        )
    )
    for day_value, status, count in rows:
        days.setdefault(as_date(day_value), dict.fromkeys(Status, 0))[Status(status)] = count
    return _days_list(days)


def _days_list(days: dict[date, dict]) -> list[dict]:
    return [{"day": d, **{s.value: n for s, n in v.items()}} for d, v in sorted(days.items())]


def queue_over_time(now: datetime, pending_now: int, oldest_now) -> list[dict]:
    """The queue's size and its oldest wait at the end of each of the last
    DAYS, worked back from now through the decisions that put comments in
    the queue or took them out, and the comments waiting at each day's end
    (only those of the window are read). One pass over the window's
    decisions serves both."""
    start = day_start(now) - timedelta(days=DAYS - 1)
    events = _queue_events(start)
    # In minus out per UTC day: every decision that counts is an event.
    net: dict[date, int] = {}
    for _, decided_at, from_status, to_status in events:
        change = (to_status == Status.PENDING) - (from_status == Status.PENDING)
        day = decided_at.date()
        net[day] = net.get(day, 0) + change
    waits = _oldest_waits(start, now, events)
    points, size = [], pending_now
    for i in reversed(range(DAYS)):
        end = start + timedelta(days=i + 1)
        oldest = waits.get(end.date())
        points.append(
            {
                "day": end.date() - timedelta(days=1),
                "size": size,
                "oldest_wait_hours": (
                    round((min(end, now) - oldest).total_seconds() / 3600, 1) if oldest else None
                ),
            }
        )
        size -= net.get(end.date() - timedelta(days=1), 0)
    return list(reversed(points))


def _queue_events(start: datetime) -> list[tuple[int, datetime, str | None, str]]:
    """(comment, when in UTC, from, to) of each decision since ``start``
    that put a comment in the queue or took it out, in the order taken."""
    rows = db.session.execute(
        select(Decision.comment_id, Decision.decided_at, Decision.from_status, Decision.to_status)
        .where(
            Decision.decided_at >= start,
            (Decision.to_status == Status.PENDING) | (Decision.from_status == Status.PENDING),
        )
        .order_by(Decision.id)
    )
    return [(c, as_utc(at), before, after) for c, at, before, after in rows]


def _oldest_waits(start: datetime, now: datetime, events) -> dict[date, datetime | None]:
    """The arrival of the longest-waiting comment at the end of each day."""
    # Comments that went in or out of the queue during the window (events)
    # and those waiting all through it (received before, pending now,
    # untouched since).
    untouched = db.session.scalar(
        select(func.min(Comment.received_at)).where(
            Comment.status == Status.PENDING,
            Comment.received_at < start,
            ~select(Decision.id)
            .where(Decision.comment_id == Comment.id, Decision.decided_at >= start)
            .exists(),
        )
    )
    # Waiting at the window's start: moved comments whose first event took
    # them out. Only their arrival times are read.
    first_out: list[int] = []
    seen: set[int] = set()
    for comment_id, _, _, to_status in events:
        if comment_id not in seen and to_status != Status.PENDING:
            first_out.append(comment_id)
        seen.add(comment_id)
    waiting = _received(first_out)
    floor = as_utc(untouched) if untouched else None
    result, index = {}, 0
    for i in range(DAYS):
        end = min(start + timedelta(days=i + 1), now)
        while index < len(events) and events[index][1] < end:
            comment_id, decided_at, _, to_status = events[index]
            if to_status == Status.PENDING:
                waiting.setdefault(comment_id, decided_at)
            else:
                waiting.pop(comment_id, None)
            index += 1
        arrivals = [t for t in waiting.values() if t < end] + ([floor] if floor else [])
        result[(start + timedelta(days=i + 1)).date()] = min(arrivals) if arrivals else None
    return result


def _received(comment_ids: list[int]) -> dict[int, datetime]:
    """When each of these comments arrived, in the order given."""
    found: dict[int, datetime] = {}
    for i in range(0, len(comment_ids), IN_LIST):
        part = comment_ids[i : i + IN_LIST]
        found.update(
            db.session.execute(
                select(Comment.id, Comment.received_at).where(Comment.id.in_(part))
            ).all()
        )
    return {c: as_utc(found[c]) for c in comment_ids if c in found}


def day_start(moment: datetime) -> datetime:
    return as_utc(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
