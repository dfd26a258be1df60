"""A drop-in for Perspective API's AnalyzeComment and SuggestCommentScore.

Perspective shuts down on 31 December 2026. Coral Talk, Google's
``googleapiclient`` and plain HTTP scripts call
``<endpoint>/comments:analyze?key=...`` with Perspective's request body;
pointing their endpoint here keeps them working. Every attribute answered
comes from a model of its own (``Scorer.attribute_names``); the others are
refused as Perspective refuses an attribute in a language it lacks, or
dropped when the caller asks for that (``perspective_request``: which
attributes and languages a request asks for, and which are scored). The
wire format of failures is in ``perspective_wire``, text handling (HTML,
spans, UTF-16) in ``perspective_text``.
"""

import hashlib

from flask import Blueprint, current_app, g, jsonify, request

from moderation.domain import live_model
from moderation.domain.labels import ABUSE_ATTRIBUTE, record_feedback
from moderation.domain.sites import site_for_key
from moderation.infrastructure.db import db
from moderation.learning import languages
from moderation.learning.examples import article_text
from moderation.web import limits
from moderation.web.perspective_request import (
    OFF_TOPIC,
    PERSPECTIVE_ATTRIBUTES,
    camel_case,
    request_languages,
    requested_attributes,
    supported,
)
from moderation.web.perspective_text import (
    from_html,
    lone_surrogate,
    plain,
    sentences,
    utf16_offsets,
)
from moderation.web.perspective_wire import (
    PerspectiveError,
    error_response,
    invalid_key_response,
    key_from_request,
    missing_key_response,
    with_cors,
)

bp = Blueprint("perspective", __name__, url_prefix="/v1alpha1")
# "Comment text too long" past 20 KB, counted in UTF-8 bytes as documented.
MAX_COMMENT_BYTES = 20 * 1024


@bp.before_request
def authenticate():
    if request.method == "OPTIONS":  # a browser's CORS preflight carries no key
        return with_cors(current_app.response_class(status=204))
    limits.refuse_address_with_failed_keys()
    key = key_from_request()
    if not key:
        return missing_key_response()
    g.site = site_for_key(key)
    if g.site is None:
        limits.record_failed_key()
        return invalid_key_response()
    limits.count_site_request(g.site)
    return None


@bp.after_request
def cors(response):
    return with_cors(response)


@bp.errorhandler(PerspectiveError)
def perspective_error(exc: PerspectiveError):
    db.session.rollback()
    return error_response(exc.code, exc.message, exc.error_type)


@bp.post("/comments:analyze")
def analyze():
    data = _body()
    comment = _comment(data)
    requested = requested_attributes(data)
    sent, effective, detected = request_languages(data, comment.text)
    drop = data.get("dropUnsupportedAttributes") is True
    context = _context_text(data)
    scorer = _scorer()
    if not sent:
        # The comment, and each span of it, is read in one language: the
        # scorer's choice for the whole text (another language only when
        # the detector is 80% sure of it), reported as the one scored in.
        reading = scorer.languages_of([comment.text])[0]
        if reading != "en":
            effective, detected = [reading], reading
    spoken_in = languages.primary_subtag(effective[0]) if sent else reading
    scored = {
        name: params
        for name, params in requested.items()
        if supported(name, scorer, effective, context, drop)
    }
    spans = sentences(comment.text) if data.get("spanAnnotations") is True else []
    attribute_scores = {}
    if scored:
        texts = [comment.text] + [comment.text[start:end] for start, end in spans]
        article = context if OFF_TOPIC in scored else None  # the encoder reads it only then
        scores = scorer.score(texts, [article] * len(texts), spoken=[spoken_in] * len(texts))
        units = utf16_offsets(comment.original)
        for name, params in scored.items():
            entry = _attribute_entry(name, params, scores, spans, comment, units)
            if entry:
                attribute_scores[name] = entry
    body = {"attributeScores": attribute_scores, "languages": sent or effective}
    if detected:
        body["detectedLanguages"] = [detected]
    if "clientToken" in data:
        body["clientToken"] = data["clientToken"]
    return jsonify(body)


def _body() -> dict:
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # "[" * 100000: Python's parser gives up, the request is bad
        raise PerspectiveError(400, "Invalid JSON payload received: nested too deeply.") from None
    if not isinstance(data, dict):
        raise PerspectiveError(400, "Invalid JSON payload received: the body must be an object.")
    return camel_case(data)


def _comment(data):
    comment = data.get("comment")
    if not isinstance(comment, dict):
        raise PerspectiveError(400, "Comment must be non-empty.", "COMMENT_EMPTY")
    text, kind = comment.get("text"), comment.get("type", "PLAIN_TEXT")
    if not isinstance(text, str) or not text.strip():
        raise PerspectiveError(400, "Comment must be non-empty.", "COMMENT_EMPTY")
    bad = lone_surrogate(text)
    if bad is not None:
        raise PerspectiveError(400, f"comment.text has a lone UTF-16 surrogate at {bad}.")
    if len(text.encode("utf-8")) > MAX_COMMENT_BYTES:
        raise PerspectiveError(400, "Comment text too long.", "COMMENT_TOO_LONG")
    if kind not in ("PLAIN_TEXT", "HTML"):
        raise PerspectiveError(400, "Unknown text type")
    result = from_html(text) if kind == "HTML" else plain(text)
    if not result.text.strip():
        raise PerspectiveError(400, "Comment must be non-empty.", "COMMENT_EMPTY")
    return result


def _context_text(data) -> str | None:
    context = data.get("context") or {}
    entries = context.get("entries") if isinstance(context, dict) else None
    if entries is None:
        return None
    if not isinstance(entries, list):
        raise PerspectiveError(400, "context.entries must be a list.")
    texts = [entry.get("text") for entry in entries if isinstance(entry, dict)]
    texts = [text for text in texts if isinstance(text, str) and text.strip()]
    for text in texts:
        bad = lone_surrogate(text)
        if bad is not None:
            raise PerspectiveError(400, f"context.entries has a lone UTF-16 surrogate at {bad}.")
    return article_text(None, "\n\n".join(texts)) if texts else None


def _scorer():
    # Imported here: scikit-learn is seconds of every command's start.
    from moderation.learning.loaded_models import ModelUnavailable

    try:
        # Never the on-topic encoder: with it (articles read whole) 1 call in
        # 193 passed Talk's 800 ms at 8 clients; OFF_TOPIC keeps its scale.
        # The abuse stage reads the comment's first 128 word pieces only,
        # about 12 ms, and reads every comment even where posts are read
        # `decisive`: a client compares TOXICITY with its own thresholds.
        return live_model.live_scorer_abuse_read(for_scores=True)
    except ModelUnavailable as exc:
        # The reason (with the model directory's path) goes to the log only.
        current_app.logger.error("Perspective analyze without a model: %s", exc)
        raise PerspectiveError(503, "The service is currently unavailable.", None) from exc


def _attribute_entry(name, params, scores, spans, comment, units) -> dict:
    values = [_value(name, s) for s in scores]
    threshold = params.get("scoreThreshold", 0)
    entry = {}
    span_scores = []
    for (start, end), value in zip(spans, values[1:]):
        if value >= threshold:
            begin, finish = comment.original_span(start, end)
            span_scores.append(
                {"begin": units[begin], "end": units[finish], "score": _probability(value)}
            )
    if span_scores:
        entry["spanScores"] = span_scores
    if values[0] >= threshold:
        entry["summaryScore"] = _probability(values[0])
    return entry


def _value(name, scores) -> float:
    if name == OFF_TOPIC:
        return round(1.0 - scores.on_topic, 4)
    return scores.attributes[name]


def _probability(value: float) -> dict:
    return {"value": value, "type": "PROBABILITY"}


@bp.post("/comments:suggestscore")
def suggest_score():
    """Feedback on a score: the site's label for that comment, the latest
    feedback winning, per attribute named (see ``labels.record_feedback``)."""
    data = _body()
    comment = _comment(data)
    sent, effective, _ = request_languages(data, comment.text)
    unsupported = [code for code in effective if not languages.takes_feedback(code)]
    values = _suggested(data.get("attributeScores"))
    if unsupported:
        name = next(iter(data["attributeScores"]))
        raise PerspectiveError(
            400,
            f"Attribute {name} does not support request languages: {', '.join(unsupported)}",
            "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
        )
    token = data.get("clientToken")
    community = data.get("communityId")
    for field, value in (("clientToken", token), ("communityId", community)):
        if value is not None and (not isinstance(value, str) or len(value) > 255):
            raise PerspectiveError(400, f"{field} must be a string of at most 255 characters.")
    if "\x00" in comment.text + (token or "") + (community or ""):
        raise PerspectiveError(400, "Text must not contain the NUL character (U+0000).")
    if data.get("doNotStore") is not True and values:
        record_feedback(
            site_id=g.site.id,
            comment_id=token or "text:" + hashlib.sha256(comment.text.encode()).hexdigest()[:16],
            text=comment.text,
            values=values,
            community_id=community,
        )
        db.session.commit()
    return jsonify({"clientToken": token} if token else {})


# Coral Talk's feedback names its moderator's decision, not an attribute
# ({"APPROVED" | "DELETED": {"summaryScore": {"value": 1}}}, coral-server's
# notifyPerspectiveModerationDecision): read as the abuse label, since a
# deletion is what TOXICITY predicts (though a moderator may delete for spam).
TALK_DECISIONS = {"APPROVED": False, "DELETED": True}


def _suggested(scores) -> dict[str, float]:
    if not isinstance(scores, dict) or not scores:
        raise PerspectiveError(400, "attributeScores must give at least one attribute's score.")
    values = {}
    for name, entry in scores.items():
        known = name in PERSPECTIVE_ATTRIBUTES or name in (OFF_TOPIC, *TALK_DECISIONS)
        if not known:
            raise PerspectiveError(400, f"Unknown requested attribute: {name}")
        summary = entry.get("summaryScore") if isinstance(entry, dict) else None
        if summary is None and isinstance(entry, dict) and entry.get("spanScores"):
            continue  # spans alone: accepted; no label here learns from spans
        value = summary.get("value") if isinstance(summary, dict) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise PerspectiveError(400, f"{name}.summaryScore.value must be a number from 0 to 1.")
        values[name] = float(value)
    for decision, deleted in TALK_DECISIONS.items():
        if decision in values:
            value = values.pop(decision)
            values.setdefault(ABUSE_ATTRIBUTE, value if deleted else 1.0 - value)
    return values
