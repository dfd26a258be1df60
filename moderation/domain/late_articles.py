"""Comments that arrived before their article, decided again when it comes.

Sites often post a comment before its article. Such a comment is held with
``unknown_article`` because relevance cannot be judged without the article;
once the article is posted, the held comments under it are scored against
it and the policy decides them again, as a logged model decision. Comments
a moderator has already decided (or put back) are left to the moderators.
"""

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import String, cast, select
from sqlalchemy.orm import selectinload

from moderation.domain import live_model
from moderation.domain.authors import standings
from moderation.domain.comments import latest_decision_id, redecide_unless_decided, report_counts
from moderation.domain.orm import Article, Comment, Decision, Status
from moderation.domain.policy import UNKNOWN_ARTICLE, Thresholds
from moderation.infrastructure import jobs
from moderation.infrastructure.db import db, utcnow
from moderation.learning.examples import article_text

log = logging.getLogger(__name__)
NOTE = "decided again: its article was posted"


def decide_waiting_comments(article: Article, thresholds: Thresholds) -> int:
    """Score the comments held for want of ``article`` and decide them
    again; returns how many. A model failure leaves them held."""
    waiting = [
        comment
        for comment in db.session.scalars(
            select(Comment)
            .where(
                Comment.site_id == article.site_id,
                Comment.article_external_id == article.external_id,
                Comment.status == Status.PENDING,
            )
            .options(selectinload(Comment.decisions), selectinload(Comment.parent))
            .order_by(Comment.id)
        )
        if comment.decisions
        and comment.decisions[-1].actor_type == "model"
        and UNKNOWN_ARTICLE in (comment.reasons or [])
    ]
    if not waiting:
        return 0
    body = article_text(article.title, article.body)
    try:
        scorer = live_model.live_scorer_abuse_read()
        scores = scorer.score(
            [c.text for c in waiting],
            [body] * len(waiting),
            [c.parent.text if c.parent else None for c in waiting],
            explain=True,
            spoken=[c.language for c in waiting],
        )
    except Exception:
        log.exception("could not score %d comment(s) waiting for their article", len(waiting))
        return 0
    authors = standings(article.site_id, [c.author_id for c in waiting])
    reported = report_counts(waiting)
    for comment, score in zip(waiting, scores):
        standing = authors.get(comment.author_id, "normal")
        reports = reported.get(comment.id, 0)
        redecide_unless_decided(comment, score, scorer.version, thresholds, standing, NOTE, reports)
    return len(waiting)


def decide_waiting_job(site_id: int, article_external_id: str) -> None:
    """The job queued when an article is posted: scoring its waiting
    comments is the model's time, kept out of the article's request."""
    article = db.session.scalar(
        select(Article).where(
            Article.site_id == site_id, Article.external_id == article_external_id
        )
    )
    if article is None:
        return
    decided = decide_waiting_comments(article, Thresholds.from_config(current_app.config))
    db.session.commit()
    if decided:
        log.info("decided %d comment(s) that waited for article %s", decided, article.external_id)


def requeue_lost_waiting(grace_seconds: float | None = None) -> int:
    """Queue again the job of every article posted more than the grace
    period ago whose comments still wait for it; returns how many.

    The job can be lost with the worker that took it (Huey takes a job off
    the queue when a worker starts it), or never queued (the queue was away
    after the article's commit); a comment that committed while the job
    ran is not seen by it either. Once they are decided, their reasons no
    longer hold ``unknown_article``, so nothing is queued again."""
    if grace_seconds is None:
        grace_seconds = current_app.config["MODERATION_JOB_STALE_SECONDS"]
    cutoff = utcnow() - timedelta(seconds=grace_seconds)
    # The same comments decide_waiting_comments takes.
    articles = db.session.execute(
        select(Comment.site_id, Comment.article_external_id)
        .distinct()
        .join(
            Article,
            (Article.site_id == Comment.site_id)
            & (Article.external_id == Comment.article_external_id),
        )
        .join(Decision, Decision.id == latest_decision_id())
        .where(
            Comment.status == Status.PENDING,
            Decision.actor_type == "model",
            cast(Comment.reasons, String).contains(f'"{UNKNOWN_ARTICLE}"', autoescape=True),
            Article.updated_at < cutoff,
        )
    ).tuples()
    queued = jobs.queued_arguments("decide_waiting_comments")
    lost = [
        (site_id, article_id)
        for site_id, article_id in articles
        if (site_id, article_id) not in queued
    ]
    for site_id, article_id in lost:
        jobs.enqueue("decide_waiting_comments", site_id, article_id)
    if lost:
        log.warning("deciding again the comments of %d article(s) whose job was lost", len(lost))
    return len(lost)
