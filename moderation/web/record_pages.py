"""The moderators' record: the audit log of every decision, and the
dashboard's figures. Routes of the queue's blueprint (``queue.audit``,
``queue.dashboard``), so they share its sign-in check."""

from datetime import UTC, date, datetime, timedelta

from flask import render_template, request
from sqlalchemy import select

from moderation.domain import dashboard as dashboard_figures
from moderation.domain import review
from moderation.domain.orm import Moderator
from moderation.infrastructure.db import db
from moderation.web import charts
from moderation.web.queue_pages import bp, page_number


@bp.get("/audit")
def audit():
    moderator = request.args.get("moderator", "")
    start, end, problems = _dates(request.args)
    page = page_number(request.args.get("page", "1"))
    decisions, total = review.audit_log(moderator, start, end, page)
    names = db.session.scalars(select(Moderator.username).order_by(Moderator.username))
    return render_template(
        "audit.html",
        decisions=decisions,
        total=total,
        page=page,
        pages=max(1, -(-total // review.PER_PAGE)),
        moderators=list(names),
        chosen=moderator,
        start=request.args.get("from", ""),
        end=request.args.get("to", ""),
        problems=problems,
    )


def _dates(args):
    problems, parsed = [], []
    for name in ("from", "to"):
        raw = args.get(name, "").strip()
        value = None
        if raw:
            try:
                value = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
            except ValueError:
                problems.append(f"'{raw}' is not a date like 2026-11-28; that filter was ignored.")
        parsed.append(value)
    start, end = parsed
    # "to" is inclusive: everything decided on that day (the last day there
    # is has no next one: no end then).
    end = end + timedelta(days=1) if end and end.date() < date.max else None
    return start, end, problems


@bp.get("/dashboard")
def dashboard():
    return render_template(
        "dashboard.html", stats=dashboard_figures.figures(), charts=charts, zip=zip
    )
