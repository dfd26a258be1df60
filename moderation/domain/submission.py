"""What happens to comments from the moment a site posts them.

In three steps, so that no lock is held while the model works:
``prepare`` reads what scoring needs (existing ids, parents, articles, the
latest comments under each article) in a few queries; ``score`` runs the
model once for all the new comments, with no database work; ``store``
writes them and their first decisions, one multi-row INSERT per table.
The API ends the reading transaction before scoring and writes under
``db.write_lock()``; ``submit_comments`` does all three in the caller's
transaction. Nothing here commits.

A comment whose scoring fails is still stored, as pending with the reason
``scoring_error``: the service never loses one. Each new comment gets its
first ``Decision`` in the same transaction.
"""

import logging

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from moderation.domain import live_model
from moderation.domain.authors import standings
from moderation.domain.discussions import articles_and_discussions
from moderation.domain.first_decisions import insert_first_decisions
from moderation.domain.new_comments import NewComment, Outcome, Submission
from moderation.domain.orm import Comment, Status
from moderation.domain.policy import Thresholds, decide
from moderation.domain.refusals import ApiError
from moderation.domain.validation import CommentInput
from moderation.infrastructure.db import db, utcnow
from moderation.learning.attributes import SPAM

log = logging.getLogger(__name__)


def prepare(site, inputs: list[CommentInput]) -> Submission:
    """Read what storing and scoring ``inputs`` needs; answer the repeats.

    Without replies, ids are not looked up: the INSERT skips one already
    stored and ``store`` answers it as a repeat, so the usual post makes
    one query before its INSERTs."""
    parent_ids = [i.parent_id for i in inputs if i.parent_id is not None]
    known: dict[str, Comment | NewComment] = {}
    if parent_ids:
        existing = _existing(site.id, [i.id for i in inputs] + parent_ids)
        known.update((c.external_id, c) for c in existing)
    articles, discussions = articles_and_discussions(site.id, {i.article_id for i in inputs})
    authors = standings(site.id, [i.author_id for i in inputs])
    submission = Submission(site.id, [], [])
    received = utcnow()
    for item in inputs:
        outcome = Outcome()
        submission.outcomes.append(outcome)
        if item.id in known:
            _repeat(outcome, known[item.id], item)
            continue
        try:
            parent = _parent_of(item, known)
        except ApiError as error:
            outcome.error = error
            continue
        new = NewComment(
            item,
            site.id,
            received,
            parent,
            articles.get(item.article_id),
            _thread(parent, discussions.get(item.article_id, [])),
        )
        new.standing = authors.get(item.author_id, "normal")
        new.outcomes.append(outcome)
        outcome.created = True
        # Registered now so that a repeat later in the same batch is idempotent.
        known[item.id] = new
        submission.new.append(new)
    return submission


def _repeat(outcome: Outcome, stored, item: CommentInput) -> None:
    if difference := _differs(stored, item):
        outcome.error = ApiError(409, f"Comment '{item.id}' was already posted {difference}.")
    elif isinstance(stored, NewComment):
        stored.outcomes.append(outcome)  # answered once the first is scored
    else:
        outcome.comment = stored.to_json()


def _differs(stored, item: CommentInput) -> str | None:
    """How a repeat of ``stored`` (a stored or a new comment) differs from it:
    a repeat is the same comment sent again, not another under its id."""
    if isinstance(stored, NewComment):
        article, parent = stored.item.article_id, stored.item.parent_id
    else:
        article = stored.article_external_id
        parent = stored.parent.external_id if stored.parent else None
    if stored.text != item.text:
        return "with a different text"
    if article != item.article_id:
        return f"under article '{article}'"
    if parent != item.parent_id:
        return f"as a reply to '{parent}'" if parent else "as a reply to no comment"
    return None


def _existing(site_id: int, ids) -> list[Comment]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.site_id == site_id, Comment.external_id.in_(ids))
            .options(selectinload(Comment.parent))
        )
    )


def _thread(parent, discussion: list[str]) -> str:
    """What a comment may be answering: its parent, then the discussion."""
    parts = [parent.text] if parent is not None else []
    return "\n".join(dict.fromkeys(parts + discussion))


def _parent_of(item: CommentInput, known: dict):
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


def score(submission: Submission, thresholds: Thresholds) -> None:
    """Score and decide the new comments in one pass of the model, which
    also explains, from the same features, those the policy will not
    publish (moderators read those; explaining the rest would only cost)."""
    new = submission.new
    if not new:
        return
    texts = [c.text for c in new]
    articles = [c.article for c in new]
    threads = [c.thread for c in new]
    scorer = None
    try:
        scorer = live_model.live_scorer(comments=len(new))
        scores = scorer.score(
            texts,
            articles,
            threads,
            explain=lambda s: _held(s, thresholds),
            spoken=[c.item.language for c in new],
        )
        version = scorer.version
    except Exception:
        # Any failure of the model must not cost the site its comments.
        log.exception("scoring failed for %d comment(s); holding them for moderators", len(new))
        scores, version = [None] * len(new), None
    for comment, scored in zip(new, scores):
        comment.abusive = scored.abusive if scored else None
        comment.on_topic = scored.on_topic if scored else None
        comment.model_version = version
        spam = scored.attributes.get(SPAM) if scored else None
        decision = decide(comment.abusive, comment.on_topic, thresholds, comment.standing, spam)
        comment.status, comment.reasons = str(decision.status), list(decision.reasons)
        comment.explanations = scored.explanations if scored else None


def _held(scores, thresholds) -> bool:
    """Whether the policy keeps a comment with these scores from readers."""
    spam = scores.attributes.get(SPAM)
    return decide(scores.abusive, scores.on_topic, thresholds, spam=spam).status != Status.APPROVED


def store(submission: Submission) -> list[Outcome]:
    """Write the new comments and their first decisions (and webhook
    events); return one outcome per input. A comment another request
    stored since ``prepare`` read is answered as a repeat, not stored twice."""
    stored: list[NewComment] = []
    waiting = list(submission.new)
    while waiting:
        # Replies to comments of the same batch wait for their parent's id.
        ready, later = [], []
        for comment in waiting:
            parent_waits = isinstance(comment.parent, NewComment) and not comment.parent.id
            (later if parent_waits else ready).append(comment)
        if not ready:
            raise AssertionError("a reply precedes its parent in the batch")
        waiting = later
        ids = _insert_comments([c.row() for c in ready])
        lost = []
        for comment in ready:
            comment.id = ids.get(comment.external_id)
            (stored if comment.id else lost).append(comment)
        if lost:
            _answer_as_repeats(submission.site_id, lost)
    insert_first_decisions(submission.site_id, stored)
    for comment in stored:
        for outcome in comment.outcomes:
            outcome.comment = comment.to_json()
        for repeat in comment.outcomes[1:]:
            repeat.created = False
    return submission.outcomes


def _insert_comments(rows: list[dict]) -> dict[str, int]:
    """The id of each row inserted, by external id; a row whose id the site
    already has is skipped.

    SQLAlchemy compiles an ON CONFLICT statement afresh on every call (it
    does not cache them), which costs more than the INSERT itself; the plain
    INSERT is compiled once per process and runs in a savepoint, and only
    a repeat or a race with another request pays for the other."""
    table = Comment.__table__
    returning = (table.c.external_id, table.c.id)
    try:
        with db.session.begin_nested():
            return dict(
                db.session.execute(insert(table).returning(*returning), rows).tuples().all()
            )
    except IntegrityError:
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(table)
            .on_conflict_do_nothing(index_elements=["site_id", "external_id"])
            .returning(*returning)
        )
        return dict(db.session.execute(statement, rows).tuples().all())


def _answer_as_repeats(site_id: int, lost: list[NewComment]) -> None:
    """Comments a concurrent request stored first: the same text is a
    repeat (200), another text a conflict (409)."""
    existing = {c.external_id: c for c in _existing(site_id, [c.external_id for c in lost])}
    for comment in lost:
        # Replies to it later in the batch reply to the stored one.
        comment.id = existing[comment.external_id].id
        for outcome in comment.outcomes:
            outcome.created = False
            _repeat(outcome, existing[comment.external_id], comment.item)


def submit_comments(site, inputs: list[CommentInput], thresholds: Thresholds) -> list[Outcome]:
    """Store, score and decide comments in the caller's transaction."""
    submission = prepare(site, inputs)
    score(submission, thresholds)
    return store(submission)
