"""Perspective API conformance around the request itself: where the key
goes and Google's errors for a bad one, routing errors, size and rate
limits, a missing model, browser callers, what is stored, and
suggestscore. Sources as cited in ``test_perspective_conformance.py``."""

import pytest

from tests.test_perspective_conformance import ANALYZE, ENGLISH, SUGGEST, analyze, error_of


@pytest.mark.parametrize("how", ["query", "x-goog-api-key", "bearer"])
def test_key_in_query_google_header_or_bearer(client, site_key, how):
    # [methods] "append ?key=YOUR_API_KEY"; Google APIs also take X-Goog-Api-Key.
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
    # [google] wrong key: 400 INVALID_ARGUMENT API_KEY_INVALID; no key: 403 PERMISSION_DENIED.
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
    response = getattr(client, method)(f"{path}?key={site_key}", json={})
    error_of(response, code, status)
    if code == 405:
        assert "POST" in response.headers["Allow"]


def test_body_over_the_limit_is_a_413_in_perspectives_shape(app, client, site_key):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = analyze(client, site_key, {"comment": {"text": "x" * 2000}})
    error_of(response, 413, "INVALID_ARGUMENT", "INVALID_REQUEST")


def test_rate_limit_is_resource_exhausted_with_retry_after(app, client, site_key):
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
