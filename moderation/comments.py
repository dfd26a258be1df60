"""What happens to a comment from the moment a site posts it.

Every comment is stored, scored and decided in the caller's transaction;
nothing here commits. A comment whose scoring fails is still stored, as
pending with the reason ``scoring_error``: the service never loses one.
Each status a comment takes, including its first, writes a ``Decision``.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .authors import standings
from .datasets import article_text
from .db import db, utcnow
from .errors import ApiError
from .orm import Article, Comment, Decision, Site, Status
from .pairs import THREAD_SIZE
from .policy import Thresholds, decide
from .scoring import Scores, load_scorer
from .validation import ArticleInput, CommentInput
from .webhooks import queue_event

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """The result for one submitted comment: stored (new or again) or an error."""

    comment: Comment | None = None
    created: bool = False
    error: ApiError | None = None


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


def _by_external_id(model, site: Site, ids) -> dict:
    if not ids:
        return {}
    rows = db.session.scalars(
        select(model).where(model.site_id == site.id, model.external_id.in_(set(ids)))
    )
    return {row.external_id: row for row in rows}


def submit_comments(
    site: Site, inputs: list[CommentInput], model_dir: str, thresholds: Thresholds
) -> list[Outcome]:
    """Store, score and decide a batch of comments; one outcome per input."""
    known = _by_external_id(Comment, site, [i.id for i in inputs] + [i.parent_id for i in inputs])
    # Read before any new comment is added: a query would autoflush them
    # before they have a status.
    articles = _by_external_id(Article, site, [i.article_id for i in inputs])
    discussions = _recent_discussion(site, {i.article_id for i in inputs})
    authors = standings(site.id, [i.author_id for i in inputs])
    outcomes: list[Outcome] = []
    fresh: list[tuple[CommentInput, Comment | None, Outcome]] = []
    for item in inputs:
        outcome = Outcome()
        outcomes.append(outcome)
        stored = known.get(item.id)
        if stored is not None:
            if stored.text == item.text:
                outcome.comment = stored
            else:
                outcome.error = ApiError(
                    409, f"Comment '{item.id}' was already posted with a different text."
                )
            continue
        try:
            parent = _parent_of(item, known)
        except ApiError as error:
            outcome.error = error
            continue
        # Registered now so that a repeat later in the same batch is idempotent.
        known[item.id] = _new_comment(site, item, parent)
        fresh.append((item, known[item.id], outcome))

    inputs = (
        [item.text for item, _, _ in fresh],
        [_article_text(articles.get(item.article_id)) for item, _, _ in fresh],
        [_thread(comment, discussions[item.article_id]) for item, comment, _ in fresh],
    )
    scores, version = _score(*inputs, model_dir)
    for (_, comment, outcome), score in zip(fresh, scores):
        _apply_policy(comment, score, version, thresholds, authors.get(comment.author_id))
        outcome.comment, outcome.created = comment, True
    _explain_held(model_dir, [comment for _, comment, _ in fresh], *inputs)
    return outcomes


def _recent_discussion(site: Site, article_ids) -> dict[str, list[str]]:
    """The latest comments under each article, oldest first. Rejected ones
    are left out: they are not part of the discussion readers see."""
    discussions = {}
    for article_id in article_ids:
        latest = db.session.scalars(
            select(Comment.text)
            .where(
                Comment.site_id == site.id,
                Comment.article_external_id == article_id,
                Comment.status != Status.REJECTED,
            )
            .order_by(Comment.id.desc())
            .limit(THREAD_SIZE)
        )
        discussions[article_id] = list(reversed(list(latest)))
    return discussions


def _thread(comment: Comment, discussion: list[str]) -> str:
    """What a comment may be answering: its parent, then the discussion."""
    parts = [comment.parent.text] if comment.parent is not None else []
    return "\n".join(dict.fromkeys(parts + discussion))


def _parent_of(item: CommentInput, known: dict) -> Comment | None:
    if item.parent_id is None:
        return None
    if item.parent_id == item.id:
        raise ApiError(
            400, "A comment cannot reply to itself.", {"parent_id": "is the comment's own id"}
        )
    parent = known.get(item.parent_id)
    if parent is None:
        raise ApiError(404, f"Parent comment '{item.parent_id}' is not known.")
    if parent.article_external_id != item.article_id:
        raise ApiError(
            400,
            "A reply must be under the same article as its parent.",
            {"parent_id": f"belongs to article '{parent.article_external_id}'"},
        )
    return parent


def _new_comment(site: Site, item: CommentInput, parent: Comment | None) -> Comment:
    received = utcnow()
    comment = Comment(
        site_id=site.id,
        external_id=item.id,
        article_external_id=item.article_id,
        parent=parent,
        author_id=item.author_id,
        author_name=item.author_name,
        text=item.text,
        created_at=item.created_at or received,
        received_at=received,
    )
    db.session.add(comment)
    return comment


def _article_text(article: Article | None) -> str | None:
    return article_text(article.title, article.body) if article else None


def _score(texts, article_texts, threads, model_dir):
    if not texts:
        return [], None
    try:
        scorer = load_scorer(model_dir)
        return scorer.score(texts, article_texts, threads), scorer.version
    except Exception:
        # Any failure of the model must not cost the site its comments.
        log.exception("scoring failed for %d comment(s); holding them for moderators", len(texts))
        return [None] * len(texts), None


def _explain_held(model_dir, comments, texts, article_texts, threads) -> None:
    """Store why each comment not published at once was scored as it was.

    Explaining halves scoring throughput, and moderators read the comments
    the policy held or rejected, so published ones are not explained.
    """
    held = [i for i, c in enumerate(comments) if c.status != Status.APPROVED and c.model_version]
    if not held:
        return
    try:
        scored = load_scorer(model_dir).score(
            [texts[i] for i in held],
            [article_texts[i] for i in held],
            [threads[i] for i in held],
            explain=True,
        )
    except Exception:
        log.exception("explaining %d held comment(s) failed; they are held all the same", len(held))
        return
    for i, scores in zip(held, scored):
        comments[i].explanations = scores.explanations


def _apply_policy(
    comment: Comment, scores: Scores | None, version, thresholds, standing=None
) -> None:
    abusive = scores.abusive if scores else None
    on_topic = scores.on_topic if scores else None
    decision = decide(abusive, on_topic, thresholds, standing or "normal")
    comment.abusive, comment.on_topic = abusive, on_topic
    comment.model_version = version
    record_decision(
        comment,
        decision.status,
        decision.reasons,
        actor_type="model",
        actor=f"policy/{version}" if version else "policy/no-model",
    )


def record_decision(comment: Comment, status, reasons, actor_type, actor, note=None) -> Decision:
    """Change a comment's status and log it; the only way a status changes."""
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
    db.session.add(decision)
    queue_event(comment, decision)
    return decision


def rescore_pending(model_dir: str, thresholds: Thresholds) -> tuple[int, int]:
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
    scorer = load_scorer(model_dir)
    scores = scorer.score(
        [c.text for c in held],
        [_article_text(articles.get((c.site_id, c.article_external_id))) for c in held],
        [c.parent.text if c.parent else "" for c in held],
    )
    changed = 0
    for comment, score in zip(held, scores):
        standing = standings(comment.site_id, [comment.author_id]).get(comment.author_id)
        decision = decide(score.abusive, score.on_topic, thresholds, standing or "normal")
        comment.abusive, comment.on_topic = score.abusive, score.on_topic
        comment.model_version = scorer.version
        if decision.status != comment.status or decision.reasons != comment.reasons:
            record_decision(
                comment,
                decision.status,
                decision.reasons,
                actor_type="model",
                actor=f"policy/{scorer.version}",
                note="re-scored with a new model",
            )
            changed += 1
    return len(held), changed


def find_comment(site: Site, external_id: str) -> Comment | None:
    return db.session.scalar(
        select(Comment)
        .where(Comment.site_id == site.id, Comment.external_id == external_id)
        .options(selectinload(Comment.decisions), selectinload(Comment.parent))
    )


def decision_feed(
    site: Site,
    after_id: int,
    limit: int,
    status: str | None = None,
    article_id: str | None = None,
    since: datetime | None = None,
    settle_seconds: float = 0.0,
) -> tuple[list[Decision], bool]:
    """Decisions on the site's comments after ``after_id``, oldest first.

    A site polls this with the last id it saw and publishes or withdraws
    each comment as its decisions arrive, including moderators' later ones.
    Decisions younger than ``settle_seconds`` are left for the next poll:
    ids are handed out when a transaction writes, not when it commits, so a
    slow transaction could otherwise commit an id below a cursor the site
    has already passed.
    """
    settled = utcnow() - timedelta(seconds=settle_seconds)
    query = (
        select(Decision)
        .join(Decision.comment)
        .where(Comment.site_id == site.id, Decision.id > after_id, Decision.decided_at <= settled)
        .options(selectinload(Decision.comment).selectinload(Comment.parent))
        .order_by(Decision.id)
        .limit(limit + 1)
    )
    if status:
        query = query.where(Decision.to_status == status)
    if article_id:
        query = query.where(Comment.article_external_id == article_id)
    if since:
        query = query.where(Decision.decided_at >= since)
    decisions = list(db.session.scalars(query))
    return decisions[:limit], len(decisions) > limit
