"""The dashboard's figures, each computed by grouped SQL.

Nothing here loads every comment: counts and rates are aggregates, and the
charts' series (``dashboard_charts``) are grouped by day in the database. What is left to Python
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

from moderation.domain.dashboard_charts import as_date, per_day, queue_over_time
from moderation.domain.orm import Comment, Decision, Status
from moderation.domain.review import tab_counts
from moderation.infrastructure.db import as_utc, db, utcnow

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
        "per_day": per_day(now),
        "queue": queue_over_time(now, counts["pending"], oldest),
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
            as_date(day_value),
            first_status,
            json.loads(reasons_text or "[]"),
            final_status,
            count,
        )


def _flag(condition):
    return case((condition, 1), else_=0)


def _last_weeks(now: datetime) -> list[date]:
    this_week = _week_of(as_utc(now).date())
    return [this_week - timedelta(weeks=i) for i in reversed(range(WEEKS + 1))]


def _week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None
