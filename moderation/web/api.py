"""The JSON API sites call, under ``/api/v1``.

Views parse the request, call the domain modules and serialise; each
request that writes commits once, at the end.
"""

import re

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError

from moderation.domain import live_model, policy, submission
from moderation.domain.comments import find_comment, upsert_article
from moderation.domain.feed import Cursor, decision_feed
from moderation.domain.orm import HealthProbe, Status
from moderation.domain.refusals import ApiError
from moderation.domain.sites import site_for_key
from moderation.domain.validation import (
    FieldErrors,
    parse_article,
    parse_comment,
    parse_score_request,
    require_object,
    timestamp_field,
)
from moderation.infrastructure import jobs
from moderation.infrastructure.db import db, reads_before_writing, utcnow, write_lock
from moderation.learning.examples import article_text
from moderation.web import limits
from moderation.web.openapi import SPEC

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# ASCII digits only ("²".isdigit() is true), and small enough for a BIGINT.
WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")
health_bp = Blueprint("health", __name__)


def _config(name):
    return current_app.config[name]


@bp.before_request
def authenticate():
    if request.endpoint == "api.openapi":
        return
    limits.refuse_address_with_failed_keys()
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        limits.record_failed_key()
        raise ApiError(401, "Send the site's API key as 'Authorization: Bearer <key>'.")
    site = site_for_key(key.strip())
    if site is None:
        limits.record_failed_key()
        raise ApiError(401, "The API key is not valid.")
    limits.count_site_request(site)
    g.site = site


def json_body():
    if not request.is_json:
        raise ApiError(415, "Send the body as JSON with 'Content-Type: application/json'.")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "The request body is not valid JSON.", error="invalid_json")
    return data


def thresholds() -> policy.Thresholds:
    return policy.Thresholds.from_config(current_app.config)


def _submit(inputs) -> list[submission.Outcome]:
    """Read, then score with no transaction open, then write in one short
    transaction: the model's time holds no lock and no pooled connection."""
    submitted = submission.prepare(g.site, inputs)
    # Nothing is written yet: give back the connection (on SQLite, the read
    # snapshot, which a later write could not upgrade).
    db.session.close()
    submission.score(submitted, thresholds())
    with write_lock():
        outcomes = submission.store(submitted)
        db.session.commit()
    return outcomes


@bp.post("/articles")
def post_article():
    data = parse_article(json_body(), _config("MODERATION_MAX_TEXT_CHARS"))
    for attempt in (1, 2):
        article, created = upsert_article(g.site, data)
        try:
            db.session.flush()
            # Read before the commit expires them (a read after it would
            # begin a transaction, and on SQLite take the write lock).
            site_id, body = g.site.id, {"id": article.external_id, "title": article.title,
                                        "url": article.url}  # fmt: skip
            db.session.commit()
            break
        except IntegrityError:
            # Another request created it first: update that one instead.
            db.session.rollback()
            if attempt == 2:
                raise
    # Comments held until their article came are decided again by a job:
    # scoring them is the model's time, not this request's.
    jobs.enqueue_committed("decide_waiting_comments", site_id, body["id"])
    return jsonify(body), 201 if created else 200


@bp.post("/comments")
@reads_before_writing
def post_comment():
    item = parse_comment(json_body(), _config("MODERATION_MAX_TEXT_CHARS"))
    (outcome,) = _submit([item])
    if outcome.error:
        raise outcome.error
    return jsonify(outcome.comment), 201 if outcome.created else 200


@bp.post("/comments/batch")
@reads_before_writing
def post_comments_batch():
    data = require_object(json_body())
    items = data.get("comments")
    limit = _config("MODERATION_BATCH_LIMIT")
    if not isinstance(items, list) or not items:
        raise ApiError(400, "Send {'comments': [...]}.", {"comments": "must be a non-empty list"})
    if len(items) > limit:
        raise ApiError(413, f"A batch holds at most {limit} comments; this one has {len(items)}.")
    results: list[dict] = [{} for _ in items]
    valid, positions = [], []
    for index, raw in enumerate(items):
        try:
            valid.append(parse_comment(raw, _config("MODERATION_MAX_TEXT_CHARS")))
            positions.append(index)
        except ApiError as error:
            results[index] = _item_error(index, raw, error)
    for index, outcome in zip(positions, _submit(valid)):
        if outcome.error:
            results[index] = _item_error(index, items[index], outcome.error)
        else:
            results[index] = {
                "index": index,
                "status_code": 201 if outcome.created else 200,
                "comment": outcome.comment,
            }
    failed = sum("error" in r for r in results)
    return jsonify({"results": results, "stored": len(items) - failed, "failed": failed})


def _item_error(index, raw, error: ApiError) -> dict:
    body = {"error": error.error, "message": error.message}
    if error.fields:
        body["fields"] = error.fields
    item_id = raw.get("id") if isinstance(raw, dict) else None
    return {"index": index, "id": item_id, "status_code": error.status, "error": body}


@bp.get("/comments/<path:comment_id>")
def get_comment(comment_id):
    comment = find_comment(g.site, comment_id)
    if comment is None:
        raise ApiError(404, f"Comment '{comment_id}' is not known.")
    return jsonify(comment.to_json(with_history=True))


@bp.get("/comments")
def comment_feed():
    errors = FieldErrors()
    status = request.args.get("status") or None
    if status and status not in {s.value for s in Status}:
        errors["status"] = "must be one of pending, approved, rejected"
    since = timestamp_field(request.args, "since", errors)
    raw_cursor = request.args.get("cursor", "0")
    cursor = Cursor.parse(raw_cursor)
    if cursor is None:
        errors["cursor"] = "must be a cursor returned by this endpoint"
    limit = request.args.get("limit", str(_config("MODERATION_FEED_PAGE_SIZE")))
    if not WHOLE_NUMBER.fullmatch(limit) or not 1 <= int(limit) <= 1000:
        errors["limit"] = "must be a whole number from 1 to 1000"
    errors.raise_if_any("Some query parameters are invalid.")
    decisions, has_more = decision_feed(
        g.site,
        after=cursor,
        limit=int(limit),
        status=status,
        article_id=request.args.get("article_id") or None,
        since=since,
    )
    items = [{**d.comment.to_json(), "decision": d.to_json()} for d in decisions]
    next_cursor = str(Cursor.after(decisions[-1])) if decisions else raw_cursor
    return jsonify({"items": items, "next_cursor": next_cursor, "has_more": has_more})


@bp.post("/score")
def score():
    text_, article, language = parse_score_request(
        json_body(), _config("MODERATION_MAX_TEXT_CHARS")
    )
    try:
        scorer = live_model.live_scorer()
    except Exception as exc:
        raise ApiError(503, f"No model is available to score with: {exc}") from exc
    explain = request.args.get("explain", "0").lower() in {"1", "true", "yes"}
    (scores,) = scorer.score(
        [text_], [article_text(*article) if article else None], explain=explain, spoken=[language]
    )
    decision = policy.decide(scores.abusive, scores.on_topic, thresholds())
    body = {
        "scores": {"abusive": scores.abusive, "on_topic": scores.on_topic},
        "decision": {"status": str(decision.status), "reasons": decision.reasons},
        "model_version": scorer.version,
        # The language it was read in: as the site will see it decided.
        "language": scores.language,
    }
    if explain:
        body["explanations"] = scores.explanations
    return jsonify(body)


@bp.get("/openapi.json")
def openapi():
    """The API's description; needs no key."""
    return jsonify(SPEC)


@bp.get("/policy")
def get_policy():
    return jsonify(policy.describe(thresholds(), _config("MODERATION_POLICY_TEXT")))


@health_bp.get("/health")
def health():
    """``ok`` (200) when the database takes a write and a model is loaded;
    ``degraded`` otherwise: 503 when the database cannot be read or written
    (nothing could be stored), 200 when only the model is missing (comments
    are still stored, and held)."""
    database_ok = database_writable = True
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        database_ok = database_writable = False
    if database_ok:
        database_writable = _database_takes_a_write()
    try:
        model_version = live_model.live_scorer().version
    except Exception:
        model_version = None
    healthy = database_writable and model_version is not None
    body = {
        "status": "ok" if healthy else "degraded",
        "database": database_ok,
        "database_writable": database_writable,
        "model_version": model_version,
    }
    return jsonify(body), 200 if database_writable else 503


def _database_takes_a_write() -> bool:
    """Rewrite the probe row and commit: a full disk or a read-only database
    fails here, as it would for the next comment."""
    # The write opens its own transaction: on SQLite, a transaction that has
    # already read cannot write once another connection has committed.
    db.session.rollback()
    try:
        db.session.execute(
            update(HealthProbe).where(HealthProbe.id == 1).values(checked_at=utcnow())
        )
        db.session.commit()
        return True
    except Exception as exc:
        db.session.rollback()
        current_app.logger.error("database refuses writes: %s", type(exc).__name__)
        return False
