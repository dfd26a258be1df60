"""A drop-in for Perspective API's AnalyzeComment and SuggestCommentScore.

Perspective shuts down on 31 December 2026. Coral Talk and many smaller
tools call ``<endpoint>/comments:analyze?key=...`` with Perspective's
request body; pointing their endpoint setting here keeps them working.
Errors use Perspective's (Google's) shape: ``{"error": {"code", "message",
"status", "details": [{"errorType": ...}]}}``.
"""

import hashlib
import re

from flask import Blueprint, current_app, g, jsonify, request

from .datasets import article_text
from .db import db
from .labels import site_label, store
from .sites import site_for_key

bp = Blueprint("perspective", __name__, url_prefix="/v1alpha1")
SUPPORTED = ("TOXICITY", "SEVERE_TOXICITY", "OFF_TOPIC")
LANGUAGES = ("en",)
SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")


class PerspectiveError(Exception):
    def __init__(self, code: int, message: str, error_type: str = "", status: str = ""):
        super().__init__(message)
        self.code, self.message, self.error_type = code, message, error_type
        self.status = status or {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED"}.get(
            code, "UNAVAILABLE"
        )


@bp.errorhandler(PerspectiveError)
def perspective_error(exc: PerspectiveError):
    body = {"code": exc.code, "message": exc.message, "status": exc.status}
    if exc.error_type:
        body["details"] = [
            {
                "@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error",
                "errorType": exc.error_type,
            }
        ]
    return jsonify(error=body), exc.code


@bp.before_request
def authenticate():
    scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
    key = request.args.get("key") or (bearer.strip() if scheme.lower() == "bearer" else "")
    site = site_for_key(key) if key else None
    if site is None:
        raise PerspectiveError(401, "API key not valid. Please pass a valid API key.")
    g.site = site


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise PerspectiveError(400, "Invalid JSON payload received: the body must be an object.")
    return data


def _comment_text(data) -> str:
    comment = data.get("comment")
    text = comment.get("text") if isinstance(comment, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise PerspectiveError(400, "Comment must be non-empty.", "COMMENT_EMPTY")
    if len(text) > current_app.config["MODERATION_MAX_TEXT_CHARS"]:
        raise PerspectiveError(400, "Comment text too long.", "COMMENT_TOO_LONG")
    return text


def _languages(data) -> list[str]:
    languages = data.get("languages") or ["en"]
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        raise PerspectiveError(400, "languages must be a list of language codes.")
    unsupported = [x for x in languages if x.lower().split("-")[0] not in LANGUAGES]
    if unsupported:
        raise PerspectiveError(
            400,
            f"Attribute TOXICITY does not support request languages: {', '.join(unsupported)}",
            "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
        )
    return [x.lower() for x in languages]


def _context_text(data) -> str | None:
    context = data.get("context") or {}
    entries = context.get("entries") if isinstance(context, dict) else None
    if entries is None:
        return None
    if not isinstance(entries, list):
        raise PerspectiveError(400, "context.entries must be a list.")
    texts = [e.get("text") for e in entries if isinstance(e, dict) and e.get("text")]
    return article_text(None, "\n\n".join(texts)) if texts else None


@bp.post("/comments:analyze")
def analyze():
    data = _body()
    text = _comment_text(data)
    languages = _languages(data)
    requested = data.get("requestedAttributes")
    if not isinstance(requested, dict) or not requested:
        raise PerspectiveError(400, "requestedAttributes must name at least one attribute.")
    for name in requested:
        if name not in SUPPORTED:
            raise PerspectiveError(400, f"Unknown attribute: {name}", "ATTRIBUTE_NOT_SUPPORTED")
    context = _context_text(data)
    if "OFF_TOPIC" in requested and context is None:
        raise PerspectiveError(
            400, "OFF_TOPIC needs the article's text in context.entries.", "CONTEXT_MISSING"
        )
    from .scoring import load_scorer

    try:
        scorer = load_scorer(current_app.config["MODERATION_MODEL_DIR"])
    except Exception as exc:
        raise PerspectiveError(503, f"No model available: {exc}", status="UNAVAILABLE") from exc
    spans = _sentences(text) if data.get("spanAnnotations") else []
    texts = [text] + [text[start:end] for start, end in spans]
    scores = scorer.score(texts, [context] * len(texts))
    attribute_scores = {}
    for name in requested:
        values = [_attribute(name, s) for s in scores]
        entry = {"summaryScore": _probability(values[0])}
        if spans:
            entry["spanScores"] = [
                {"begin": start, "end": end, "score": _probability(value)}
                for (start, end), value in zip(spans, values[1:])
            ]
        attribute_scores[name] = entry
    body = {
        "attributeScores": attribute_scores,
        "languages": languages,
        "detectedLanguages": ["en"],
    }
    if "clientToken" in data:
        body["clientToken"] = data["clientToken"]
    return jsonify(body)


def _attribute(name, scores) -> float:
    if name == "TOXICITY":
        return scores.abusive
    if name == "SEVERE_TOXICITY":
        # No separate model: the abuse probability squared, so only comments
        # the model is sure about score high. Documented in the README.
        return round(scores.abusive**2, 4)
    return round(1.0 - scores.on_topic, 4)


def _probability(value: float) -> dict:
    return {"value": value, "type": "PROBABILITY"}


def _sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in SENTENCE_RE.finditer(text):
        start, end = match.start(), match.end()
        while start < end and text[start].isspace():
            start += 1
        if start < end:
            spans.append((start, end))
    return spans


@bp.post("/comments:suggestscore")
def suggest_score():
    """Feedback on a score: stored as a labelled example for retraining."""
    data = _body()
    text = _comment_text(data)
    _languages(data)
    scores = data.get("attributeScores")
    if not isinstance(scores, dict) or not scores:
        raise PerspectiveError(400, "attributeScores must give at least one attribute's score.")
    values = {}
    for name, entry in scores.items():
        value = (
            (entry or {}).get("summaryScore", {}).get("value") if isinstance(entry, dict) else None
        )
        if name not in SUPPORTED:
            raise PerspectiveError(400, f"Unknown attribute: {name}", "ATTRIBUTE_NOT_SUPPORTED")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise PerspectiveError(400, f"{name}.summaryScore.value must be a number from 0 to 1.")
        values[name] = value
    toxic = values.get("TOXICITY", values.get("SEVERE_TOXICITY"))
    off_topic = values.get("OFF_TOPIC")
    token = str(data.get("clientToken") or "")
    label = site_label(
        id=token or hashlib.sha256(text.encode()).hexdigest()[:16],
        text=text,
        abusive=None if toxic is None else int(toxic >= 0.5),
        on_topic=None if off_topic is None else int(off_topic < 0.5),
        article_id=None,
        source=f"suggestscore:{data.get('communityId') or g.site.name}",
    )
    store([label])
    db.session.commit()
    return jsonify({"clientToken": token} if token else {})
