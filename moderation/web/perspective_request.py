"""What an AnalyzeComment request asks to have scored, and in which languages.

The attributes requested with their options, the languages the comment is
taken to be in (as sent, or detected), and for each attribute whether it is
scored, dropped (``dropUnsupportedAttributes``) or refused with Perspective's
error. ``perspective_api`` parses the rest of the request and scores.
"""

from moderation.learning import languages
from moderation.web.perspective_wire import PerspectiveError

# Every attribute Perspective has offered (its "Attributes & languages"
# page, production and experimental): these are refused like an attribute
# without the language, any other name is an unknown attribute.
PERSPECTIVE_ATTRIBUTES = frozenset(
    {
        "TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "PROFANITY", "THREAT",
        "SEXUALLY_EXPLICIT", "FLIRTATION", "ATTACK_ON_AUTHOR", "ATTACK_ON_COMMENTER",
        "INCOHERENT", "INFLAMMATORY", "LIKELY_TO_REJECT", "OBSCENE", "SPAM", "UNSUBSTANTIAL",
        "TOXICITY_EXPERIMENTAL", "SEVERE_TOXICITY_EXPERIMENTAL", "IDENTITY_ATTACK_EXPERIMENTAL",
        "INSULT_EXPERIMENTAL", "PROFANITY_EXPERIMENTAL", "THREAT_EXPERIMENTAL",
        "AFFINITY_EXPERIMENTAL", "COMPASSION_EXPERIMENTAL", "CURIOSITY_EXPERIMENTAL",
        "NUANCE_EXPERIMENTAL", "PERSONAL_STORY_EXPERIMENTAL", "REASONING_EXPERIMENTAL",
        "RESPECT_EXPERIMENTAL",
    }
)  # fmt: skip
# Perspective withdrew OFF_TOPIC; here it is 1 - on_topic against the
# article given in context.entries.
OFF_TOPIC = "OFF_TOPIC"


# The request's fields by their proto names: proto3's JSON mapping has
# servers accept them beside the lowerCamelCase ones, and Google's does.
PROTO_NAMES = {
    name: name.split("_")[0] + "".join(part.title() for part in name.split("_")[1:])
    for name in (
        "requested_attributes", "span_annotations", "do_not_store", "client_token",
        "session_id", "community_id", "drop_unsupported_attributes", "attribute_scores",
        "score_type", "score_threshold", "summary_score", "span_scores",
    )
}  # fmt: skip


def camel_case(value):
    """``value`` with every field named by its proto name renamed to its
    JSON name (attribute names, in capitals, are never field names)."""
    if isinstance(value, dict):
        return {PROTO_NAMES.get(key, key): camel_case(item) for key, item in value.items()}
    if isinstance(value, list):
        return [camel_case(item) for item in value]
    return value


def requested_attributes(data) -> dict[str, dict]:
    requested = data.get("requestedAttributes")
    if requested is None or requested == {}:
        raise PerspectiveError(400, "Missing requested_attributes", "NO_REQUESTED_ATTRIBUTES")
    if not isinstance(requested, dict):
        raise PerspectiveError(400, "requestedAttributes must map attribute names to options.")
    for name, params in requested.items():
        if params is None:
            requested[name] = params = {}
        if not isinstance(params, dict):
            raise PerspectiveError(400, f"requestedAttributes.{name} must be an object.")
        score_type = params.get("scoreType") or "PROBABILITY"
        if score_type != "PROBABILITY":
            raise PerspectiveError(
                400, f"Requested score type {score_type} is not supported by attribute {name}"
            )
        threshold = params.get("scoreThreshold", 0)
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise PerspectiveError(400, f"requestedAttributes.{name}.scoreThreshold: a number.")
    return requested


def request_languages(data, text) -> tuple[list[str] | None, list[str], str | None]:
    """(languages as sent, languages scored in, language detected). As
    Perspective does, languages sent are trusted: the comment is read in
    the first of them."""
    sent = data.get("languages")
    if sent is not None and (
        not isinstance(sent, list) or not all(isinstance(x, str) and x.strip() for x in sent)
    ):
        raise PerspectiveError(400, "languages must be a list of language codes.")
    detected = languages.detect(text)
    if sent:
        return sent, sent, detected
    if detected is None:
        raise PerspectiveError(400, "Unable to detect language", "LANGUAGE_DETECTION_FAILED")
    return None, [detected], detected


def supported(name, scorer, effective, context, drop) -> bool:
    """Whether ``name`` is scored; False when it is dropped; raises otherwise.
    An attribute is scored in the languages the model has it for: every
    served attribute in English, TOXICITY in the other languages the model
    was trained on, OFF_TOPIC (the English on-topic model) in English only."""
    if name not in PERSPECTIVE_ATTRIBUTES and name != OFF_TOPIC:
        raise PerspectiveError(400, f"Unknown requested attribute: {name}")
    if name == OFF_TOPIC:
        unsupported = [code for code in effective if languages.primary_subtag(code) != "en"]
    else:
        unsupported = [
            code for code in effective if not scorer.reads(languages.primary_subtag(code), name)
        ]
    if unsupported:
        if drop:
            return False
        raise PerspectiveError(
            400,
            f"Attribute {name} does not support request languages: {', '.join(unsupported)}",
            "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
        )
    if name == OFF_TOPIC and context is None:
        if drop:
            return False
        raise PerspectiveError(400, "OFF_TOPIC needs the article's text in context.entries.")
    return True
