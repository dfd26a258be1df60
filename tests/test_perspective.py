"""The Perspective-compatible endpoints, with the bodies Coral Talk sends."""

import json

import pytest

from tests import sample_data

ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"


# Not a training row: the model has to recognise the article's words.
ABOUT_THE_ACCORD = "Pakistan should share intelligence about the Taliban with Russia."


@pytest.fixture
def key(site_key):
    return site_key


def talk_analyze(text):
    # What Coral Talk builds (its perspective service): key in the query.
    return {
        "comment": {"text": text},
        "doNotStore": True,
        "requestedAttributes": {"TOXICITY": {}},
        "languages": ["en"],
    }


def talk_suggest(text, value, comment_id="c-1"):
    context = json.dumps({"url": "https://news.example/a", "Coral_comment_id": comment_id})
    return {
        "comment": {"text": text},
        "context": {"entries": [{"text": context}]},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": value}}},
        "languages": ["en"],
        "communityId": "Coral:https://news.example",
        "clientToken": f"comment:{comment_id}",
    }


def test_talk_analyze_request_gets_a_toxicity_probability(client, key):
    response = client.post(f"{ANALYZE}?key={key}", json=talk_analyze(sample_data.INSULT))
    assert response.status_code == 200
    body = response.get_json()
    summary = body["attributeScores"]["TOXICITY"]["summaryScore"]
    assert summary["type"] == "PROBABILITY" and 0 <= summary["value"] <= 1
    assert body["languages"] == ["en"] and body["detectedLanguages"] == ["en"]
    polite = client.post(f"{ANALYZE}?key={key}", json=talk_analyze(sample_data.POLITE))
    assert (
        polite.get_json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"] < summary["value"]
    )


def test_bearer_header_works_too_and_nothing_is_stored(client, key, auth):
    response = client.post(ANALYZE, json=talk_analyze("hello"), headers=auth)
    assert response.status_code == 200
    assert client.get("/api/v1/comments", headers=auth).get_json()["items"] == []


def test_all_attributes_spans_context_and_client_token(client, key):
    body = {
        "comment": {"text": f"{ABOUT_THE_ACCORD} {sample_data.SPAM}"},
        "requestedAttributes": {"TOXICITY": {}, "SEVERE_TOXICITY": {}, "OFF_TOPIC": {}},
        "spanAnnotations": True,
        "context": {"entries": [{"text": sample_data.EXAMPLE_ARTICLE["body"]}]},
        "clientToken": "abc",
    }
    result = client.post(f"{ANALYZE}?key={key}", json=body).get_json()
    assert result["clientToken"] == "abc"
    scores = result["attributeScores"]
    assert set(scores) == {"TOXICITY", "SEVERE_TOXICITY", "OFF_TOPIC"}
    assert (
        scores["SEVERE_TOXICITY"]["summaryScore"]["value"]
        <= scores["TOXICITY"]["summaryScore"]["value"]
    )
    text = body["comment"]["text"]
    for span in scores["OFF_TOPIC"]["spanScores"]:
        assert text[span["begin"] : span["end"]].strip()
        assert span["score"]["type"] == "PROBABILITY"
    last = scores["OFF_TOPIC"]["spanScores"][-1]["score"]["value"]
    first = scores["OFF_TOPIC"]["spanScores"][0]["score"]["value"]
    assert last > first, "the spam sentence is the more off-topic one"


@pytest.mark.parametrize(
    "body, status, error_type",
    [
        ({"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}}, 400, "COMMENT_EMPTY"),
        (
            {"comment": {"text": "hi"}, "requestedAttributes": {"FLIRTATION": {}}},
            400,
            "ATTRIBUTE_NOT_SUPPORTED",
        ),
        (
            {
                "comment": {"text": "hi"},
                "requestedAttributes": {"TOXICITY": {}},
                "languages": ["de"],
            },
            400,
            "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
        ),
        (
            {"comment": {"text": "hi"}, "requestedAttributes": {"OFF_TOPIC": {}}},
            400,
            "CONTEXT_MISSING",
        ),
        ({"comment": {"text": "hi"}}, 400, None),
        (["not", "an", "object"], 400, None),
    ],
)
def test_malformed_requests_get_perspective_errors(client, key, body, status, error_type):
    response = client.post(f"{ANALYZE}?key={key}", json=body)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == status and error["status"] == "INVALID_ARGUMENT" and error["message"]
    if error_type:
        assert error["details"][0]["errorType"] == error_type


def test_wrong_key_is_unauthenticated(client):
    response = client.post(f"{ANALYZE}?key=nope", json=talk_analyze("hi"))
    assert response.status_code == 401
    assert response.get_json()["error"]["status"] == "UNAUTHENTICATED"


def test_talk_feedback_becomes_labels(client, key, runner, tmp_path):
    ok = client.post(f"{SUGGEST}?key={key}", json=talk_suggest("You absolute flumph", 1, "c-1"))
    assert ok.status_code == 200 and ok.get_json() == {"clientToken": "comment:c-1"}
    client.post(f"{SUGGEST}?key={key}", json=talk_suggest("Thanks for the report", 0, "c-2"))
    out = tmp_path / "labels.jsonl"
    assert runner.invoke(args=["labels", "export", str(out)]).exit_code == 0
    rows = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert rows["comment:c-1"]["abusive"] == 1 and rows["comment:c-2"]["abusive"] == 0
    assert rows["comment:c-1"]["source"] == "suggestscore:Coral:https://news.example"


@pytest.mark.parametrize(
    "scores",
    [
        {},
        {"TOXICITY": {"summaryScore": {"value": 2}}},
        {"TOXICITY": {"summaryScore": {}}},
        {"NOPE": {"summaryScore": {"value": 1}}},
    ],
)
def test_malformed_feedback_is_refused_and_not_stored(client, key, scores, runner, tmp_path):
    body = talk_suggest("text", 1)
    body["attributeScores"] = scores
    response = client.post(f"{SUGGEST}?key={key}", json=body)
    assert response.status_code == 400
    out = tmp_path / "labels.jsonl"
    runner.invoke(args=["labels", "export", str(out)])
    assert out.read_text() == ""
