"""Comments that arrived before their article, decided again when it comes.

Sites often post a comment before its article. Such a comment is held with
``unknown_article`` because relevance cannot be judged without the article;
once the article is posted, the held comments under it are scored against
it and the policy decides them again, as a logged model decision. Comments
a moderator has already decided (or put back) are left to the moderators.
"""

import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from moderation.domain import live_model
from moderation.domain.authors import standings
from moderation.domain.comments import redecide
from moderation.domain.orm import Article, Comment, Status
from moderation.domain.policy import UNKNOWN_ARTICLE, Thresholds
from moderation.infrastructure.db import db
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
        scorer = live_model.live_scorer(comments=len(waiting))
        scores = scorer.score(
            [c.text for c in waiting],
            [body] * len(waiting),
            [c.parent.text if c.parent else None for c in waiting],
            explain=True,
        )
    except Exception:
        log.exception("could not score %d comment(s) waiting for their article", len(waiting))
        return 0
    authors = standings(article.site_id, [c.author_id for c in waiting])
    for comment, score in zip(waiting, scores):
        standing = authors.get(comment.author_id, "normal")
        redecide(comment, score, scorer.version, thresholds, standing, NOTE)
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
