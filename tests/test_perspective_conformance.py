"""Perspective API conformance: request bodies and responses from its documentation
and from the clients that call it, driven against ``/v1alpha1``.

Sources cited per case:
- [methods] Perspective's API reference, "Methods" (conversationai/perspectiveapi,
  2-api/methods.md): AnalyzeComment / SuggestCommentScore request and response fields.
- [errors] Its "Limits and errors" page: messages and the ErrorType enum
  (COMMENT_TOO_LONG, COMMENT_EMPTY, NO_REQUESTED_ATTRIBUTES,
  LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE, LANGUAGE_DETECTION_FAILED, INVALID_REQUEST).
- [discovery] Its discovery document and the AnalyzeCommentRequest reference
  (dropUnsupportedAttributes; languages auto-detected when omitted).
- [talk] Coral Talk's client, coral-server's services/comments/pipeline/phases
  perspective.ts: key in ``?key=``, ``path.join(endpoint, "comments:analyze")``,
  body ``{comment: {text}, doNotStore, requestedAttributes: {[model]: {}},
  languages: [convertLanguage(locale)]}``; locales en-US/es/fr-FR/de/pt-BR
  become en/es/fr/de/pt.
Google's own sources (error format, keys, CORS) are listed in
``test_perspective_conformance_http.py``. Where a case is our rule and not
Perspective's, its comment says so and names the issue that set it.
"""

import pytest

from moderation.learning.loaded_models import load_scorer
from moderation.web.perspective_request import PERSPECTIVE_ATTRIBUTES
from tests import sample_data

ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"
ENGLISH = "What kind of idiot name is foo? Sorry, I like your name."  # [methods] example
SPANISH = "Hola, ¿cómo estás? Me gusta mucho este artículo sobre la ciudad."


@pytest.fixture
def model_attributes(app):
    return load_scorer(app.config["MODERATION_MODEL_DIR"]).attribute_names


def analyze(client, key, body, **kwargs):
    return client.post(f"{ANALYZE}?key={key}", json=body, **kwargs)


def error_of(response, code, status, error_type=None):
    assert response.status_code == code, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code and error["status"] == status and error["message"]
    if error_type:
        assert error["details"] == [
            {
                "@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error",
                "errorType": error_type,
            }
        ]
    return error


def test_documented_example_gets_summary_and_sentence_spans(client, site_key):
    # [methods] "AnalyzeComment example": spans [0,31) and [32,56) for its two sentences.
    body = {
        "comment": {"text": ENGLISH},
        "languages": ["en"],
        "requestedAttributes": {"TOXICITY": {}},
        "spanAnnotations": True,
    }
    result = analyze(client, site_key, body).get_json()
    toxicity = result["attributeScores"]["TOXICITY"]
    assert toxicity["summaryScore"]["type"] == "PROBABILITY"
    assert 0 <= toxicity["summaryScore"]["value"] <= 1
    assert [(s["begin"], s["end"]) for s in toxicity["spanScores"]] == [(0, 31), (32, 56)]
    assert result["languages"] == ["en"]


@pytest.mark.parametrize("endpoint", ["/v1alpha1", "/v1alpha1/"])
def test_talk_request_by_url_change(client, site_key, endpoint):
    # [talk] formatBody("comments:analyze") for an en-US tenant, path joined to the endpoint.
    body = {
        "comment": {"text": sample_data.INSULT},
        "doNotStore": True,
        "requestedAttributes": {"TOXICITY": {}},
        "languages": ["en"],
    }
    path = (endpoint.rstrip("/") + "/comments:analyze").replace("//", "/")
    response = client.post(f"{path}?key={site_key}", json=body)
    assert response.status_code == 200
    value = response.get_json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
    polite = analyze(client, site_key, {**body, "comment": {"text": "Schools need the money"}})
    assert polite.get_json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"] < value


def test_every_model_attribute_is_answered(client, site_key, model_attributes):
    # [methods] "You can specify multiple attribute names ... in a single request."
    body = {
        "comment": {"text": sample_data.INSULT},
        "languages": ["en"],
        "requestedAttributes": {name: {} for name in model_attributes},
    }
    scores = analyze(client, site_key, body).get_json()["attributeScores"]
    assert set(scores) == set(model_attributes)
    for name in model_attributes:
        assert 0 <= scores[name]["summaryScore"]["value"] <= 1


def test_attributes_without_a_model_are_refused_or_dropped(client, site_key, model_attributes):
    # [discovery] dropUnsupportedAttributes: "any requested attribute that is requested
    # but not supported for the language detected will be dropped ... instead of
    # returning an error"; [errors] "Attribute <attr_name> does not support request
    # languages: <lang1, lang2>".
    missing = sorted(PERSPECTIVE_ATTRIBUTES - set(model_attributes))
    body = {
        "comment": {"text": ENGLISH},
        "languages": ["en"],
        "requestedAttributes": {"TOXICITY": {}, missing[0]: {}},
    }
    error = error_of(
        analyze(client, site_key, body),
        400,
        "INVALID_ARGUMENT",
        "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
    )
    assert error["message"] == f"Attribute {missing[0]} does not support request languages: en"
    dropped = analyze(client, site_key, {**body, "dropUnsupportedAttributes": True})
    assert dropped.status_code == 200
    assert set(dropped.get_json()["attributeScores"]) == {"TOXICITY"}


def test_unknown_attribute_is_an_invalid_request_even_when_dropping(client, site_key):
    # [errors] "Unknown requested attribute: <attr_name>"; any other format error: INVALID_REQUEST.
    body = {
        "comment": {"text": ENGLISH},
        "languages": ["en"],
        "requestedAttributes": {"NOT_AN_ATTRIBUTE": {}},
        "dropUnsupportedAttributes": True,
    }
    error = error_of(analyze(client, site_key, body), 400, "INVALID_ARGUMENT", "INVALID_REQUEST")
    assert error["message"] == "Unknown requested attribute: NOT_AN_ATTRIBUTE"


@pytest.mark.parametrize(
    "body, message, error_type",
    [
        # [errors] "Comment must be non-empty." / COMMENT_EMPTY
        ({"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}},
         "Comment must be non-empty.", "COMMENT_EMPTY"),
        ({"requestedAttributes": {"TOXICITY": {}}}, "Comment must be non-empty.", "COMMENT_EMPTY"),
        # [errors] "Missing requested_attributes" / NO_REQUESTED_ATTRIBUTES
        ({"comment": {"text": ENGLISH}}, "Missing requested_attributes", "NO_REQUESTED_ATTRIBUTES"),
        ({"comment": {"text": ENGLISH}, "requestedAttributes": {}},
         "Missing requested_attributes", "NO_REQUESTED_ATTRIBUTES"),
        # [errors] "Requested score type <score_type> is not supported by attribute <attr_name>"
        ({"comment": {"text": ENGLISH}, "languages": ["en"],
          "requestedAttributes": {"TOXICITY": {"scoreType": "STD_DEV_SCORE"}}},
         "Requested score type STD_DEV_SCORE is not supported by attribute TOXICITY",
         "INVALID_REQUEST"),
        # [errors] "Unknown text type"
        ({"comment": {"text": ENGLISH, "type": "MARKDOWN"},
          "requestedAttributes": {"TOXICITY": {}}},
         "Unknown text type", "INVALID_REQUEST"),
        # [errors] "Unable to detect language" / LANGUAGE_DETECTION_FAILED (languages omitted)
        ({"comment": {"text": "👍👍 12345"}, "requestedAttributes": {"TOXICITY": {}}},
         "Unable to detect language", "LANGUAGE_DETECTION_FAILED"),
    ],
)  # fmt: skip
def test_documented_errors(client, site_key, body, message, error_type):
    error = error_of(analyze(client, site_key, body), 400, "INVALID_ARGUMENT", error_type)
    assert error["message"] == message


def test_comment_limit_is_20_kb_in_bytes(client, site_key):
    # [errors] COMMENT_TOO_LONG "Comment text too long."; [methods] text is "utf8 raw text",
    # so the limit counts UTF-8 bytes: 7,000 "é" are 14,000 bytes, 7,000 "€" 21,000.
    fits = {"comment": {"text": "é" * 7000}, "languages": ["en"], "requestedAttributes": {}}
    fits["requestedAttributes"] = {"TOXICITY": {}}
    assert analyze(client, site_key, fits).status_code == 200
    too_long = {**fits, "comment": {"text": "€" * 7000}}
    error = error_of(
        analyze(client, site_key, too_long), 400, "INVALID_ARGUMENT", "COMMENT_TOO_LONG"
    )
    assert error["message"] == "Comment text too long."


@pytest.mark.parametrize("locale", ["es", "fr", "de", "pt"])
def test_talk_tenants_in_other_languages_are_refused_not_scored(client, site_key, locale):
    # [talk] convertLanguage: es -> es, fr-FR -> fr, de -> de, pt-BR -> pt.
    body = {"comment": {"text": SPANISH}, "doNotStore": True,
            "requestedAttributes": {"TOXICITY": {}}, "languages": [locale]}  # fmt: skip
    error = error_of(
        analyze(client, site_key, body),
        400,
        "INVALID_ARGUMENT",
        "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
    )
    assert error["message"] == f"Attribute TOXICITY does not support request languages: {locale}"


def test_language_is_detected_when_omitted(client, site_key):
    # [methods] "If unspecified, the API will auto-detect the comment language";
    # "languages: ... If no languages were specified, the API returns the auto-detected language."
    body = {"comment": {"text": SPANISH}, "requestedAttributes": {"TOXICITY": {}}}
    error = error_of(
        analyze(client, site_key, body),
        400,
        "INVALID_ARGUMENT",
        "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
    )
    assert error["message"].endswith("request languages: es")
    english = analyze(client, site_key, {**body, "comment": {"text": ENGLISH}}).get_json()
    assert english["languages"] == ["en"] and english["detectedLanguages"] == ["en"]


def test_languages_are_echoed_as_sent(client, site_key):
    # [methods] "languages: Mirrors the request's languages."
    body = {"comment": {"text": ENGLISH}, "requestedAttributes": {"TOXICITY": {}},
            "languages": ["EN-us"]}  # fmt: skip
    result = analyze(client, site_key, body).get_json()
    assert result["languages"] == ["EN-us"] and result["detectedLanguages"] == ["en"]


def test_score_threshold_leaves_out_lower_scores(client, site_key):
    # [methods] scoreThreshold: "The API won't return scores that are below this threshold".
    body = {"comment": {"text": ENGLISH}, "languages": ["en"], "spanAnnotations": True,
            "requestedAttributes": {"TOXICITY": {}}}  # fmt: skip
    full = analyze(client, site_key, body).get_json()["attributeScores"]["TOXICITY"]
    summary = full["summaryScore"]["value"]
    spans = [s["score"]["value"] for s in full["spanScores"]]
    cut = (min([summary, *spans]) + max([summary, *spans])) / 2
    body["requestedAttributes"]["TOXICITY"]["scoreThreshold"] = cut
    kept = analyze(client, site_key, body).get_json()["attributeScores"].get("TOXICITY", {})
    assert ("summaryScore" in kept) == (summary >= cut)
    assert [s["score"]["value"] for s in kept.get("spanScores", [])] == [
        v for v in spans if v >= cut
    ]
    body["requestedAttributes"]["TOXICITY"]["scoreThreshold"] = 1.01
    assert analyze(client, site_key, body).get_json()["attributeScores"] == {}


def test_html_is_stripped_and_spans_point_into_the_markup(client, site_key):
    # [methods] comment.type: "PLAIN_TEXT" or "HTML", "Currently only PLAIN_TEXT is
    # supported". Stripping HTML and pointing spans into the markup is our rule
    # (issue 13, item 4), not Perspective's: it refuses HTML.
    markup = "<p>You are a <b>worthless</b> idiot &amp; should shut up.</p><p>Thanks.</p>"
    body = {"comment": {"text": markup, "type": "HTML"}, "languages": ["en"],
            "spanAnnotations": True, "requestedAttributes": {"TOXICITY": {}}}  # fmt: skip
    html_result = analyze(client, site_key, body).get_json()["attributeScores"]["TOXICITY"]
    plain = {**body, "comment": {"text": "You are a worthless idiot & should shut up."}}
    plain_result = analyze(client, site_key, plain).get_json()["attributeScores"]["TOXICITY"]
    first = html_result["spanScores"][0]
    assert markup[first["begin"] : first["end"]] == (
        "You are a <b>worthless</b> idiot &amp; should shut up."
    )
    assert first["score"] == plain_result["spanScores"][0]["score"]
    assert markup[html_result["spanScores"][1]["begin"] : html_result["spanScores"][1]["end"]] == (
        "Thanks."
    )


def test_span_offsets_count_utf16_code_units(client, site_key):
    # Perspective's clients are JavaScript ([talk], perspective-api-client): text.slice(begin,
    # end) counts UTF-16 code units, so an emoji (one code point, two units) shifts later spans.
    # [methods] does not name the unit: UTF-16 is our reading (issue 13, item 7).
    text = "I love this 😀. You are a worthless idiot."
    body = {"comment": {"text": text}, "languages": ["en"], "spanAnnotations": True,
            "requestedAttributes": {"TOXICITY": {}}}  # fmt: skip
    spans = analyze(client, site_key, body).get_json()["attributeScores"]["TOXICITY"]["spanScores"]
    units = text.encode("utf-16-le")
    sliced = [units[2 * s["begin"] : 2 * s["end"]].decode("utf-16-le") for s in spans]
    assert sliced == ["I love this 😀.", "You are a worthless idiot."]
    assert spans[1]["begin"] == text.index("You") + 1


def test_lone_surrogate_is_a_400_not_a_crash(client, site_key):
    # Our rule (issue 12, item 2), not Perspective's: text that cannot be stored is a 400
    # naming the field, in Google's error shape and INVALID_REQUEST, Perspective's type for
    # "any other request format error" ([errors]).
    raw = '{"comment": {"text": "bad \\ud83d here"}, "requestedAttributes": {"TOXICITY": {}}}'
    response = client.post(f"{ANALYZE}?key={site_key}", data=raw, content_type="application/json")
    error_of(response, 400, "INVALID_ARGUMENT", "INVALID_REQUEST")
    raw = (
        '{"comment": {"text": "fine"}, "languages": ["en"], "context": {"entries": '
        '[{"text": "bad \\udc00"}]}, "requestedAttributes": {"OFF_TOPIC": {}}}'
    )
    response = client.post(f"{ANALYZE}?key={site_key}", data=raw, content_type="application/json")
    error_of(response, 400, "INVALID_ARGUMENT", "INVALID_REQUEST")


def test_deeply_nested_json_is_a_400_not_a_crash(client, site_key):
    # Our rule (issue 12, item 3), not Perspective's: a body too deep to parse is a 400
    # INVALID_REQUEST ([errors]), never a 500.
    response = client.post(
        f"{ANALYZE}?key={site_key}", data="[" * 100_000, content_type="application/json"
    )
    error_of(response, 400, "INVALID_ARGUMENT", "INVALID_REQUEST")


def test_client_token_is_echoed(client, site_key):
    # [methods] clientToken: "An opaque token that is echoed back in the response."
    body = {"comment": {"text": ENGLISH}, "languages": ["en"],
            "requestedAttributes": {"TOXICITY": {}}, "clientToken": "token-7"}  # fmt: skip
    assert analyze(client, site_key, body).get_json()["clientToken"] == "token-7"


def test_fields_by_their_proto_names_are_read_as_their_json_names(client, site_key):
    """proto3's JSON mapping: servers take ``requested_attributes`` as they
    take ``requestedAttributes`` (Google's does)."""
    text = "You are a worthless idiot and should shut up. The vote was fair."
    camel = {
        "comment": {"text": text},
        "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.0}},
        "spanAnnotations": True,
        "clientToken": "t-1",
        "languages": ["en"],
    }
    proto = {
        "comment": {"text": text},
        "requested_attributes": {"TOXICITY": {"score_threshold": 0.0}},
        "span_annotations": True,
        "client_token": "t-1",
        "languages": ["en"],
    }
    answer = analyze(client, site_key, proto)
    assert answer.status_code == 200
    assert answer.get_json() == analyze(client, site_key, camel).get_json()
    assert answer.get_json()["clientToken"] == "t-1"
    assert "spanScores" in answer.get_json()["attributeScores"]["TOXICITY"]
