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
# Arrivals whose comment ids span at most this many ids per arrival are
# joined with that range of comments in one pass; others looked up by id.
SPAN_FOR_A_RANGE = 4
# Comment ids per "IN (...)" list: well under SQLite's limit on parameters.
IN_LIST = 500
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
    one's comment is looked up by one scalar subquery (an index probe),
    which the planner cannot turn into a join that scans every decision.
    The probe reads the comment's decisions once and answers both
    questions: the model's status and reasons ("pending|[\"abusive\"]",
    "" when it has none), or NULL when a later decision exists.
    """
    last, others = aliased(Decision), aliased(Decision)
    first_said = case(
        (
            others.from_status.is_(None),
            others.to_status + literal("|") + cast(others.reasons, String),
        )
    )
    model_said = select(
        case((func.max(others.id) == last.id, func.coalesce(func.max(first_said), literal(""))))
    ).where(others.comment_id == last.comment_id)
    per_decision = (
        select(
            func.date(last.decided_at).label("day"),
            model_said.scalar_subquery().label("model_said"),
            last.to_status.label("final_status"),
        )
        .where(
            last.actor_type == "moderator",
            last.decided_at >= _week_of((now - timedelta(weeks=WEEKS)).date()),
        )
        .subquery()
    )
    columns = (per_decision.c.day, per_decision.c.model_said, per_decision.c.final_status)
    # Grouped with the probe computed once per row; the groups of decisions
    # that are not their comment's latest (NULL) are dropped here.
    rows = db.session.execute(select(*columns, func.count()).group_by(*columns))
    for day_value, said, final_status, count in rows:
        if said is None:
            continue
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
    decision, found by its time index), by their status now.

    Where the arrivals' comment ids are close together (ids grow with
    time, as they do in service), their comments are read in one pass over
    that range of ids and joined; otherwise (ids out of time order, e.g.
    after an import) each is looked up by id. Either way every arrival is
    counted once: the range only bounds what is read.
    """
    start = _day_start(now) - timedelta(days=DAYS - 1)
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
        days.setdefault(_as_date(day_value), dict.fromkeys(Status, 0))[Status(status)] = count
    return _days_list(days)


def _days_list(days: dict[date, dict]) -> list[dict]:
    return [{"day": d, **{s.value: n for s, n in v.items()}} for d, v in sorted(days.items())]


def _queue_over_time(now: datetime, pending_now: int, oldest_now) -> list[dict]:
    """The queue's size and its oldest wait at the end of each of the last
    DAYS, worked back from now through the decisions that put comments in
    the queue or took them out, and the comments waiting at each day's end
    (only those of the window are read). One pass over the window's
    decisions serves both."""
    start = _day_start(now) - timedelta(days=DAYS - 1)
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
