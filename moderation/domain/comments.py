"""Comments once stored: their decisions, re-scoring, the site's feed.

New comments arrive through ``submission``. Nothing here commits, but
the job that re-scores held comments after a promotion. Each
status a comment takes, including its first, writes a ``Decision``.
"""

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from moderation.domain import live_model
from moderation.domain.authors import standings
from moderation.domain.orm import Article, Comment, Decision, Report, Site, Status
from moderation.domain.policy import Thresholds, decide
from moderation.domain.validation import ArticleInput
from moderation.domain.webhooks import queue_event
from moderation.infrastructure import jobs
from moderation.infrastructure.db import as_utc, db, utcnow
from moderation.learning.attributes import SPAM
from moderation.learning.examples import article_text

log = logging.getLogger(__name__)


def upsert_article(site: Site, data: ArticleInput) -> tuple[Article, bool]:
    article = db.session.scalar(
        select(Article).where(Article.site_id == site.id, Article.external_id == data.id)
    )
    created = article is None
    if created:
        article = Article(site_id=site.id, external_id=data.id)
        db.session.add(article)
    article.title, article.body, article.url = data.title, data.body, data.url
    article.updated_at = utcnow()
    return article, created


def _article_text(article: Article | None) -> str | None:
    return article_text(article.title, article.body) if article else None


def record_decision(comment: Comment, status, reasons, actor_type, actor, note=None) -> Decision:
    """Change a comment's status and log it; the only way a stored comment's
    status changes (a new comment's first decision is written with it)."""
    decision = Decision(
        comment=comment,
        actor_type=actor_type,
        actor=actor,
        from_status=comment.status,
        to_status=str(status),
        reasons=list(reasons),
        note=note,
        decided_at=utcnow(),
    )
    comment.status = str(status)
    comment.reasons = list(reasons)
    if comment.id is not None:
        # Written even when unchanged, so the row's version check runs: a
        # moderator confirming a status another has just changed conflicts.
        flag_modified(comment, "status")
    db.session.add(decision)
    queue_event(comment, decision)
    return decision


def rescore_pending(thresholds: Thresholds, fresh: bool = False) -> tuple[int, int]:
    """Score the comments the policy held with the current model, and decide
    them again. Comments a moderator put back in the queue are left alone.
    Returns (re-scored, changed)."""
    held = [
        c
        for c in db.session.scalars(
            select(Comment)
            .where(Comment.status == Status.PENDING)
            .options(selectinload(Comment.decisions), selectinload(Comment.parent))
        )
        if c.decisions[-1].actor_type == "model"
    ]
    if not held:
        return 0, 0
    keys = {(c.site_id, c.article_external_id) for c in held}
    articles = {
        (a.site_id, a.external_id): a
        for a in db.session.scalars(
            select(Article).where(Article.external_id.in_({k[1] for k in keys}))
        )
    }

    scorer = live_model.live_scorer_abuse_read(fresh)
    scores = scorer.score(
        [c.text for c in held],
        [_article_text(articles.get((c.site_id, c.article_external_id))) for c in held],
        [c.parent.text if c.parent else "" for c in held],
        # Explained again: the queue marks words by the new model's weights,
        # not the old one's beside the new score.
        explain=True,
        spoken=[c.language for c in held],
    )
    sites = {c.site_id for c in held}
    authors = {
        (site_id, author): standing
        for site_id in sites
        for author, standing in standings(
            site_id, [c.author_id for c in held if c.site_id == site_id]
        ).items()
    }
    reported = report_counts(held)
    changed = 0
    for comment, score in zip(held, scores):
        standing = authors.get((comment.site_id, comment.author_id), "normal")
        note = "re-scored with a new model"
        reports = reported.get(comment.id, 0)
        args = (score, scorer.version, thresholds, standing, note, reports)
        changed += bool(redecide_unless_decided(comment, *args))
    return len(held), changed


def report_counts(comments) -> dict[int, int]:
    """How many readers reported each of ``comments`` (none: absent)."""
    ids = [c.id for c in comments]
    if not ids:
        return {}
    counted = (
        select(Report.comment_id, func.count())
        .where(Report.comment_id.in_(ids))
        .group_by(Report.comment_id)
    )
    return {comment_id: count for comment_id, count in db.session.execute(counted)}


def latest_decision_id():
    """A comment's latest decision's id, as a subquery of a query of comments."""
    earlier = aliased(Decision)
    return (
        select(func.max(earlier.id))
        .where(earlier.comment_id == Comment.id)
        .correlate(Comment)
        .scalar_subquery()
    )


def rescore_pending_job() -> None:
    """The job queued after each promotion or rollback: held comments are
    decided again by the model now live, as ``flask models rescore-pending``
    would, without anyone having to run it."""
    scored, changed = rescore_pending(Thresholds.from_config(current_app.config), fresh=True)
    db.session.commit()
    log.info("re-scored %d held comment(s) with the live model; %d changed", scored, changed)


def requeue_lost_rescoring(grace_seconds: float | None = None) -> bool:
    """Queue the re-scoring again when comments the model holds still carry
    another version's scores well after the last promotion or rollback.

    Huey takes a job off the queue when a worker starts it, so a worker
    that dies during the re-scoring (or a queue that was away at the
    promotion's commit) leaves them so for ever; the job, run again,
    decides them with the live model. Once it has run, every such comment
    carries the live version, so this queues nothing more. Returns whether
    it queued one."""
    if grace_seconds is None:
        grace_seconds = current_app.config["MODERATION_JOB_STALE_SECONDS"]
    last_change = live_model.history(limit=1)
    cutoff = utcnow() - timedelta(seconds=grace_seconds)
    # Before the grace period is out, the promotion's own job may be on its way.
    if not last_change or as_utc(last_change[0].promoted_at) > cutoff:
        return False
    # The same comments rescore_pending takes: pending, the model's last word.
    outdated = db.session.scalar(
        select(Comment.id)
        .join(Decision, Decision.id == latest_decision_id())
        .where(
            Comment.status == Status.PENDING,
            Decision.actor_type == "model",
            Comment.model_version.is_not(None),
            Comment.model_version != last_change[0].version,
        )
        .limit(1)
    )
    if outdated is None or () in jobs.queued_arguments("rescore_pending"):
        return False
    jobs.enqueue("rescore_pending")
    log.warning("re-scoring held comments again: the job after the last promotion did not finish")
    return True


def redecide(
    comment: Comment, score, version: str, thresholds, standing: str, note: str, reports: int = 0
) -> bool:
    """Give a stored comment new scores and let the policy decide it again,
    as the model (``reports``: how many readers reported it meanwhile); a
    decision is recorded when its status or reasons change. Returns whether
    they did."""
    decision = decide(
        score.abusive, score.on_topic, thresholds, standing, score.attributes.get(SPAM), reports
    )
    comment.abusive, comment.on_topic = score.abusive, score.on_topic
    comment.model_version = version
    if score.explanations is not None:
        comment.explanations = score.explanations
    if decision.status == comment.status and decision.reasons == comment.reasons:
        return False
    record_decision(
        comment,
        decision.status,
        decision.reasons,
        actor_type="model",
        actor=f"policy/{version}",
        note=note,
    )
    return True


def redecide_unless_decided(comment: Comment, *args) -> bool | None:
    """``redecide`` in a savepoint of its own: a comment a moderator decided
    while the model scored (its row changed since it was read) keeps that
    decision, and the others are decided still; None for it."""
    try:
        with db.session.begin_nested():
            return redecide(comment, *args)
    except StaleDataError:
        log.info("comment %s changed while the model scored it: its change stands", comment.id)
        return None


def find_comment(site: Site, external_id: str) -> Comment | None:
    return db.session.scalar(
        select(Comment)
        .where(Comment.site_id == site.id, Comment.external_id == external_id)
        .options(selectinload(Comment.decisions), selectinload(Comment.parent))
    )
