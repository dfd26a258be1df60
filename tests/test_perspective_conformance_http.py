"""Perspective API conformance around the request itself: where the key
goes and Google's errors for a bad one, routing errors, size and rate
limits, a missing model, browser callers, what is stored, and
suggestscore.

Sources: [methods], [errors] as cited in ``test_perspective_conformance.py``;
Perspective answers through Google's API front end, so Google's documented
behaviour for every API applies to it too:
- [google-errors] Google's API design guide, "Errors"
  (cloud.google.com/apis/design/errors): the body ``{"error": {"code",
  "message", "status", "details"}}`` and google.rpc.Code's HTTP mapping
  (INVALID_ARGUMENT 400, PERMISSION_DENIED 403, NOT_FOUND 404,
  RESOURCE_EXHAUSTED 429, UNAVAILABLE 503).
- [perspective-51] conversationai/perspectiveapi issue #51, "API Key not
  valid": Perspective answering a wrong key with "API key not valid. Please
  pass a valid API key.", and a wrong URL with Google's "... was not found
  on this server" 404.
- [error-reason] google.api.ErrorReason (googleapis, google/api/
  error_reason.proto): API_KEY_INVALID, an ErrorInfo with domain
  "googleapis.com" and the service in its metadata.
- [missing-key] Google Maps Routes API, "Handle errors"
  (developers.google.com/maps/documentation/routes/handle-errors): no key
  gives 403 PERMISSION_DENIED "The request is missing a valid API key.".
- [api-keys] Google Cloud, "Use API keys to access APIs"
  (cloud.google.com/docs/authentication/api-keys-use): the key as ``?key=``
  or in an ``x-goog-api-key`` header.
- [cors] google/google-api-javascript-client, docs/cors.md: "Google APIs
  support requests and responses using Cross-origin Resource Sharing (CORS)".
- [limits] Perspective's "Limits and errors" page: a quota of 1 QPS per
  project by default.
Where a case is our rule and not Perspective's, its comment says so and
names the issue that set it.
"""

import pytest

from tests.test_perspective_conformance import ANALYZE, ENGLISH, SUGGEST, analyze, error_of


@pytest.mark.parametrize("how", ["query", "x-goog-api-key", "bearer"])
def test_key_in_query_google_header_or_bearer(client, site_key, how):
    # [methods] "append ?key=YOUR_API_KEY"; [api-keys] the x-goog-api-key header. Bearer is
    # our rule (the scheme of this service's own /api/v1), not Perspective's.
    body = {
        "comment": {"text": ENGLISH},
        "languages": ["en"],
        "requestedAttributes": {"TOXICITY": {}},
    }
    path, headers = ANALYZE, {}
    if how == "query":
        path = f"{ANALYZE}?key={site_key}"
    elif how == "x-goog-api-key":
        headers = {"X-Goog-Api-Key": site_key}
    else:
        headers = {"Authorization": f"Bearer {site_key}"}
    assert client.post(path, json=body, headers=headers).status_code == 200


def test_wrong_and_missing_keys_get_googles_errors(client):
    # Wrong key: [perspective-51] the message, [google-errors] INVALID_ARGUMENT is 400,
    # [error-reason] reason API_KEY_INVALID. No key: [missing-key] 403 PERMISSION_DENIED.
    body = {"comment": {"text": ENGLISH}, "requestedAttributes": {"TOXICITY": {}}}
    wrong = error_of(client.post(f"{ANALYZE}?key=nope", json=body), 400, "INVALID_ARGUMENT")
    assert wrong["message"] == "API key not valid. Please pass a valid API key."
    assert wrong["details"][0]["reason"] == "API_KEY_INVALID"
    missing = error_of(client.post(ANALYZE, json=body), 403, "PERMISSION_DENIED")
    assert missing["message"] == "The request is missing a valid API key."


@pytest.mark.parametrize(
    "method, path, code, status",
    [
        ("post", "/v1alpha1/comments:nothing", 404, "NOT_FOUND"),
        ("get", ANALYZE, 405, "UNIMPLEMENTED"),
        ("post", "/v1alpha1", 404, "NOT_FOUND"),
    ],
)
def test_routing_errors_have_perspectives_shape(client, site_key, method, path, code, status):
    # 404: [perspective-51] Google's front end answers a wrong path 404, NOT_FOUND in
    # [google-errors]. 405 for a wrong method is our rule (issue 13, item 3), not
    # Perspective's: Google's front end answers 404; UNIMPLEMENTED is google.rpc's code for
    # a method not served, and Allow is what HTTP clients read.
    response = getattr(client, method)(f"{path}?key={site_key}", json={})
    error_of(response, code, status)
    if code == 405:
        assert "POST" in response.headers["Allow"]


def test_body_over_the_limit_is_a_413_in_perspectives_shape(app, client, site_key):
    # Our rule (issue 13, item 3), not Perspective's: the body limit is the operator's
    # (MODERATION_MAX_BODY_BYTES) and its 413 takes [google-errors]' shape. Perspective's
    # own limit is on the text (COMMENT_TOO_LONG, [errors]).
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = analyze(client, site_key, {"comment": {"text": "x" * 2000}})
    error_of(response, 413, "INVALID_ARGUMENT", "INVALID_REQUEST")


def test_rate_limit_is_resource_exhausted_with_retry_after(app, client, site_key):
    # [limits] a per-project quota; past it, RESOURCE_EXHAUSTED, HTTP 429 ([google-errors]).
    # The limit per site (MODERATION_API_RATE_LIMIT) and Retry-After are our rule (issue 12,
    # item 5), not Perspective's.
    app.config["MODERATION_API_RATE_LIMIT"] = "2 per minute"
    body = {
        "comment": {"text": ENGLISH},
        "languages": ["en"],
        "requestedAttributes": {"TOXICITY": {}},
    }
    responses = [analyze(client, site_key, body) for _ in range(3)]
    error_of(responses[-1], 429, "RESOURCE_EXHAUSTED")
    assert int(responses[-1].headers["Retry-After"]) > 0


def test_no_model_is_503_without_a_path(app, client, site_key, tmp_path):
    # [google-errors] UNAVAILABLE, HTTP 503, "The service is currently unavailable". No
    # server path in the message is our rule (issue 13, item 3).
    app.config["MODERATION_MODEL_DIR"] = str(tmp_path / "secret-location")
    body = {
        "comment": {"text": ENGLISH},
        "languages": ["en"],
        "requestedAttributes": {"TOXICITY": {}},
    }
    response = analyze(client, site_key, body)
    error = error_of(response, 503, "UNAVAILABLE")
    assert "secret-location" not in response.get_data(as_text=True) and "/" not in error["message"]


def test_browser_callers_get_cors_and_a_preflight(client, site_key):
    # [cors] Google APIs answer browsers from other origins. Any origin, and the headers
    # allowed in the preflight, are our rule (issue 13, item 5): the key, not a cookie, is
    # the credential.
    preflight = client.options(
        ANALYZE,
        headers={
            "Origin": "https://forum.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-goog-api-key",
        },
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "x-goog-api-key" in preflight.headers["Access-Control-Allow-Headers"].lower()
    body = {
        "comment": {"text": ENGLISH},
        "languages": ["en"],
        "requestedAttributes": {"TOXICITY": {}},
    }
    for response in (
        analyze(client, site_key, body, headers={"Origin": "https://forum.example"}),
        client.post(ANALYZE, json=body, headers={"Origin": "https://forum.example"}),
    ):
        assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("do_not_store", [True, False])
def test_analyze_stores_nothing(client, site_key, auth, runner, tmp_path, do_not_store):
    # [methods] doNotStore: "Whether the API is permitted to store comment and context".
    # Storing nothing either way is our rule (issue 13, item 4): analyze never stores.
    body = {"comment": {"text": ENGLISH}, "languages": ["en"], "doNotStore": do_not_store,
            "requestedAttributes": {"TOXICITY": {}}}  # fmt: skip
    assert analyze(client, site_key, body).status_code == 200
    assert client.get("/api/v1/comments", headers=auth).get_json()["items"] == []
    out = tmp_path / "labels.jsonl"
    assert runner.invoke(args=["labels", "export", str(out)]).exit_code == 0
    assert out.read_text() == ""


def test_suggestscore_documented_example(client, site_key):
    # [methods] "SuggestCommentScore example" and its response {"clientToken": ...}.
    body = {
        "comment": {
            "text": "I guess it comes down a simple choice: Get busy living, or get busy dying."
        },
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0}}},
        "communityId": "/forum/movies",
        "clientToken": "comment-53922",
        "languages": ["en"],
    }
    response = client.post(f"{SUGGEST}?key={site_key}", json=body)
    assert response.status_code == 200 and response.get_json() == {"clientToken": "comment-53922"}
