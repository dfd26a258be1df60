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
from moderation.infrastructure.db import db, utcnow

REASONS = ("abusive", "off_topic", "spam", "other")
MAX_REPORT_TEXT = 2000


def add_report(
    comment: Comment, reader_id: str, reason: str, text: str | None, thresholds: Thresholds
) -> tuple[Report, bool]:
    """Store a reader's report; returns it and whether it is new."""
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
    # Exactly at the threshold: once a moderator has looked at a reported
    # comment and kept it, later reports do not send it back again.
    if count == thresholds.report_threshold and comment.status == Status.APPROVED:
        record_decision(
            comment,
            Status.PENDING,
            [REPORTED],
            actor_type="readers",
            actor="reports",
            note=f"reported by {count} reader{'' if count == 1 else 's'}",
        )
    return report, True


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
