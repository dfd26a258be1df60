"""The dashboard's figures, each computed by grouped SQL.

Nothing here loads every comment: counts and rates are aggregates, and the
charts' series are grouped by day in the database. What is left to Python
is a few dozen grouped rows. ``benchmarks/dashboard.py`` times it at a
million comments.

The model "gave a verdict" on a comment when it published or rejected it,
or held it as abusive or off-topic. Holds for other reasons (unknown
article, scoring error, premoderation) are not verdicts, so a moderator's
approval of one does not overturn the model.
"""

import json
from datetime import date, datetime, timedelta

from sqlalchemy import String, case, cast, func, literal, select, text
from sqlalchemy.orm import aliased

from moderation.domain.orm import Comment, Decision, Status
from moderation.domain.review import tab_counts
from moderation.infrastructure.db import as_utc, db, utcnow

DAYS = 14
# The rates cover recent weeks: what moderators and the model do now, and
# few enough rows (found by the decisions' time index) at any size.
RATE_DAYS = 28
WEEKS = 8
FLAGS = {"abusive", "off_topic"}


def figures(now: datetime | None = None) -> dict:
    now = now or utcnow()
    if db.session.get_bind().dialect.name == "postgresql":
        # These queries read few rows through indexes; compiling them first
        # (PostgreSQL's JIT, which their cost estimates trigger) took longer
        # than running them. For this transaction only.
        db.session.execute(text("SET LOCAL jit = off"))
    counts = tab_counts()
    oldest = db.session.scalar(
        select(func.min(Comment.received_at)).where(Comment.status == Status.PENDING)
    )
    rate_start = now - timedelta(days=RATE_DAYS)
    # A comment's first decision has no from_status: the model's, on arrival.
    arrived, decided_by_model = db.session.execute(
        select(func.count(), func.sum(_flag(Decision.to_status != Status.PENDING))).where(
            Decision.from_status.is_(None), Decision.decided_at >= rate_start
        )
    ).one()
    reviewed = overturned = 0
    per_reason: dict[str, list[int]] = {}
    weekly: dict[date, list[int]] = {}
    for day, first_status, first_reasons, final_status, count in _reviewed_groups(now):
        model_said = _verdict(first_status, first_reasons)
        if model_said is None:
            continue
        changed = count if final_status != model_said else 0
        tally = weekly.setdefault(_week_of(day), [0, 0])
        tally[0] += count
        tally[1] += changed
        if day < rate_start.date():
            continue
        reviewed += count
        overturned += changed
        for reason in first_reasons or ["none"]:
            tally = per_reason.setdefault(reason, [0, 0])
            tally[0] += count
            tally[1] += changed
    age = (now - as_utc(oldest)).total_seconds() if oldest else None
    return {
        "counts": counts,
        "oldest_pending_seconds": age,
        "rate_days": RATE_DAYS,
        "auto_decision_rate": _share(decided_by_model or 0, arrived),
        "reviewed": reviewed,
        "overturn_rate": _share(overturned, reviewed),
        "overturn_by_reason": {
            reason: {"reviewed": n, "overturned": k, "rate": _share(k, n)}
            for reason, (n, k) in sorted(per_reason.items())
        },
        "per_day": _per_day(now),
        "queue": _queue_over_time(now, counts["pending"], oldest),
        "overturn_by_week": [
            {"week": week, "reviewed": n, "rate": _share(k, n)}
            for week in _last_weeks(now)
            for n, k in [weekly.get(week, (0, 0))]
        ],
    }


def _verdict(first_status: str, first_reasons: list[str]) -> str | None:
    if first_status != Status.PENDING:
        return first_status
    # Held as abusive or off-topic: the model said "not this one".
    return Status.REJECTED if FLAGS & set(first_reasons) else None


def _reviewed_groups(now: datetime):
    """(day of the moderator's last word, the model's first status and
    reasons, the final status, how many), for comments whose latest
    decision is a moderator's taken in the last WEEKS.

    The moderators' recent decisions are found by the time index; each
    one's comment is looked up by scalar subqueries (index probes), which
    the planner cannot turn into joins that scan every decision.
    """
    last, first, later = aliased(Decision), aliased(Decision), aliased(Decision)
    # The model's status and reasons in one probe: "pending|[\"abusive\"]".
    model_said = select(first.to_status + literal("|") + cast(first.reasons, String)).where(
        first.comment_id == last.comment_id, first.from_status.is_(None)
    )
    latest = select(func.max(later.id)).where(later.comment_id == last.comment_id)
    per_decision = (
        select(
            func.date(last.decided_at).label("day"),
            model_said.scalar_subquery().label("model_said"),
            last.to_status.label("final_status"),
        )
        .where(
            last.actor_type == "moderator",
            last.decided_at >= _week_of((now - timedelta(weeks=WEEKS)).date()),
            last.id == latest.scalar_subquery(),
        )
        .subquery()
    )
    columns = (per_decision.c.day, per_decision.c.model_said, per_decision.c.final_status)
    rows = db.session.execute(select(*columns, func.count()).group_by(*columns))
    for day_value, said, final_status, count in rows:
        first_status, _, reasons_text = (said or "|").partition("|")
        yield (
            _as_date(day_value),
            first_status,
            json.loads(reasons_text or "[]"),
            final_status,
            count,
        )


def _per_day(now: datetime) -> list[dict]:
    """Comments that arrived each day of the last DAYS (their first
    decision, found by its time index), by their status now."""
    start = _day_start(now) - timedelta(days=DAYS - 1)
    status_now = select(Comment.status).where(Comment.id == Decision.comment_id)
    arrivals = (
        select(
            func.date(Decision.decided_at).label("day"),
            status_now.scalar_subquery().label("status"),
        )
        .where(Decision.decided_at >= start, Decision.from_status.is_(None))
        .subquery()
    )
    rows = db.session.execute(
        select(arrivals.c.day, arrivals.c.status, func.count()).group_by(
            arrivals.c.day, arrivals.c.status
        )
    )
    days = {start.date() + timedelta(days=i): dict.fromkeys(Status, 0) for i in range(DAYS)}
    for day_value, status, count in rows:
        days.setdefault(_as_date(day_value), dict.fromkeys(Status, 0))[Status(status)] = count
    return [{"day": d, **{s.value: n for s, n in v.items()}} for d, v in sorted(days.items())]


def _queue_over_time(now: datetime, pending_now: int, oldest_now) -> list[dict]:
    """The queue's size and its oldest wait at the end of each of the last
    DAYS, worked back from now through the decisions that put comments in
    the queue or took them out (grouped by day), and the comments waiting
    at each day's end (only those of the window are read)."""
    start = _day_start(now) - timedelta(days=DAYS - 1)
    day = func.date(Decision.decided_at)
    entered = func.sum(_flag(Decision.to_status == Status.PENDING))
    left = func.sum(_flag(Decision.from_status == Status.PENDING))
    net = {
        _as_date(d): (e or 0) - (x or 0)
        for d, e, x in db.session.execute(
            select(day, entered, left).where(Decision.decided_at >= start).group_by(day)
        )
    }
    waits = _oldest_waits(start, now)
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


def _oldest_waits(start: datetime, now: datetime) -> dict[date, datetime | None]:
    """The arrival of the longest-waiting comment at the end of each day."""
    # Comments that went in or out of the queue during the window...
    received = select(Comment.received_at).where(Comment.id == Decision.comment_id)
    events = db.session.execute(
        select(
            Decision.comment_id,
            Decision.decided_at,
            Decision.to_status,
            received.scalar_subquery(),
        )
        .where(
            Decision.decided_at >= start,
            (Decision.to_status == Status.PENDING) | (Decision.from_status == Status.PENDING),
        )
        .order_by(Decision.id)
    ).all()
    # ...and those waiting all through it (received before, pending now, untouched since).
    untouched = db.session.scalar(
        select(func.min(Comment.received_at)).where(
            Comment.status == Status.PENDING,
            Comment.received_at < start,
            ~select(Decision.id)
            .where(Decision.comment_id == Comment.id, Decision.decided_at >= start)
            .exists(),
        )
    )
    # Waiting at the window's start: moved comments whose first event took them out.
    waiting: dict[int, datetime] = {}
    seen: set[int] = set()
    for comment_id, _, to_status, received in events:
        if comment_id not in seen and to_status != Status.PENDING:
            waiting[comment_id] = as_utc(received)
        seen.add(comment_id)
    floor = as_utc(untouched) if untouched else None
    result, index = {}, 0
    for i in range(DAYS):
        end = min(start + timedelta(days=i + 1), now)
        while index < len(events) and as_utc(events[index][1]) < end:
            comment_id, decided_at, to_status, received = events[index]
            if to_status == Status.PENDING:
                waiting.setdefault(comment_id, as_utc(decided_at))
            else:
                waiting.pop(comment_id, None)
            index += 1
        arrivals = [t for t in waiting.values() if t < end] + ([floor] if floor else [])
        result[(start + timedelta(days=i + 1)).date()] = min(arrivals) if arrivals else None
    return result


def _flag(condition):
    return case((condition, 1), else_=0)


def _day_start(moment: datetime) -> datetime:
    return as_utc(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _last_weeks(now: datetime) -> list[date]:
    this_week = _week_of(as_utc(now).date())
    return [this_week - timedelta(weeks=i) for i in reversed(range(WEEKS + 1))]


def _week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None
