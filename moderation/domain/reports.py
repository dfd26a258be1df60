"""Readers' reports of comments, sent by the site.

A report is idempotent per reader: the same reader reporting a comment
again changes nothing. When a published comment's reports reach the
policy's threshold, it goes back to the queue (pending, reason
``reported``): a decision in the log and the feed, which the site acts on
by withdrawing the comment until a moderator decides.
"""

from sqlalchemy import func, select

from moderation.domain.comments import record_decision
from moderation.domain.orm import Comment, Report, Status
from moderation.domain.policy import REPORTED, Thresholds
from moderation.infrastructure.db import as_utc, db, utcnow

REASONS = ("abusive", "off_topic", "spam", "other")
MAX_REPORT_TEXT = 2000


def add_report(
    comment: Comment, reader_id: str, reason: str, text: str | None, thresholds: Thresholds
) -> tuple[Report, bool]:
    """Store a reader's report; returns it and whether it is new."""
    # One report of a comment at a time (PostgreSQL): two arriving together
    # would each count the other's as not there, and neither would reach
    # the threshold. SQLite writes one transaction at a time anyway.
    db.session.execute(select(Comment.id).where(Comment.id == comment.id).with_for_update())
    existing = db.session.scalar(
        select(Report).where(Report.comment_id == comment.id, Report.reader_id == reader_id)
    )
    if existing is not None:
        return existing, False
    report = Report(
        comment_id=comment.id, reader_id=reader_id, reason=reason, text=text, reported_at=utcnow()
    )
    db.session.add(report)
    count = count_for(comment)
    if count >= thresholds.report_threshold and reports_send_back(comment):
        record_decision(
            comment,
            Status.PENDING,
            [REPORTED],
            actor_type="readers",
            actor="reports",
            note=f"reported by {count} reader{'' if count == 1 else 's'}",
        )
    return report, True


def reports_send_back(comment: Comment) -> bool:
    """Whether enough reports send ``comment`` back to the queue: a published
    comment that reports never sent back before and that no moderator has
    decided since its first report (a moderator who kept it, with its
    reports before them, has answered them)."""
    if comment.status != Status.APPROVED:
        return False
    if any(REPORTED in (decision.reasons or []) for decision in comment.decisions):
        return False
    first = db.session.scalar(
        select(func.min(Report.reported_at)).where(Report.comment_id == comment.id)
    )
    return not any(
        decision.actor_type == "moderator" and as_utc(decision.decided_at) >= as_utc(first)
        for decision in comment.decisions
    )


def count_for(comment: Comment) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Report).where(Report.comment_id == comment.id)
    )


def for_comments(comments) -> dict[int, list[Report]]:
    """Each comment's reports, oldest first, for the cards."""
    ids = [c.id for c in comments]
    found: dict[int, list[Report]] = {}
    if ids:
        for report in db.session.scalars(
            select(Report).where(Report.comment_id.in_(ids)).order_by(Report.id)
        ):
            found.setdefault(report.comment_id, []).append(report)
    return found
