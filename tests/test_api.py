"""The JSON API as a site uses it: every endpoint and every kind of bad input."""

import pytest
from sqlalchemy import event

from moderation.domain import policy
from moderation.infrastructure.db import db
from tests import sample_data

ARTICLE_ID = sample_data.EXAMPLE_ARTICLE["id"]


def post_comment(client, auth, comment_id="c1", text=None, **fields):
    body = {
        "id": comment_id,
        "article_id": ARTICLE_ID,
        "text": text or sample_data.EXAMPLE_COMMENTS[0],
    }
    body.update(fields)
    return client.post("/api/v1/comments", json=body, headers=auth)


# --- articles -------------------------------------------------------------


def test_article_is_created_then_updated(client, auth):
    article = {
        "id": "a1",
        "title": "First title",
        "body": "Body text",
        "url": "https://x.example/a1",
    }
    created = client.post("/api/v1/articles", json=article, headers=auth)
    assert created.status_code == 201
    assert created.get_json() == {"id": "a1", "title": "First title", "url": "https://x.example/a1"}
    updated = client.post(
        "/api/v1/articles", json={**article, "title": "Better title"}, headers=auth
    )
    assert updated.status_code == 200
    assert updated.get_json()["title"] == "Better title"


def test_article_with_missing_fields_names_them(client, auth):
    response = client.post("/api/v1/articles", json={"id": "a1"}, headers=auth)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_fields"
    assert set(body["fields"]) == {"title", "body"}


# --- posting comments -----------------------------------------------------


def test_comment_is_scored_decided_and_stored(client, auth, article):
    response = post_comment(client, auth)
    assert response.status_code == 201
    body = response.get_json()
    assert body["id"] == "c1" and body["article_id"] == ARTICLE_ID
    assert 0.0 <= body["scores"]["abusive"] <= 1.0
    assert 0.0 <= body["scores"]["on_topic"] <= 1.0
    assert body["model_version"] == "test-model"
    expected = policy.decide(
        body["scores"]["abusive"], body["scores"]["on_topic"], policy.Thresholds()
    )
    assert body["status"] == expected.status
    assert body["reasons"] == expected.reasons

    stored = client.get("/api/v1/comments/c1", headers=auth).get_json()
    assert stored["status"] == body["status"]
    assert stored["text"] == sample_data.EXAMPLE_COMMENTS[0]


def test_comment_on_unknown_article_is_held_without_on_topic_score(client, auth):
    response = post_comment(client, auth, article_id="never-posted")
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "pending"
    assert "unknown_article" in body["reasons"]
    assert body["scores"]["on_topic"] is None


def test_reposting_same_comment_is_idempotent(client, auth, article):
    first = post_comment(client, auth)
    again = post_comment(client, auth)
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json() == first.get_json()
    history = client.get("/api/v1/comments/c1", headers=auth).get_json()["history"]
    assert len(history) == 1, "a repeat must not decide the comment again"


@pytest.mark.parametrize(
    "changed, said",
    [
        ({"text": "Something else entirely"}, "with a different text"),
        ({"article_id": "another-story"}, f"under article '{ARTICLE_ID}'"),
        ({"parent_id": "c0"}, "as a reply to no comment"),
    ],
)
def test_reposting_same_id_as_another_comment_conflicts(client, auth, article, changed, said):
    post_comment(client, auth, "c0", text="An earlier comment on the accord.")
    post_comment(client, auth)
    response = post_comment(client, auth, **changed)
    assert response.status_code == 409
    assert response.get_json()["error"] == "conflict" and said in response.get_json()["message"]
    stored = client.get("/api/v1/comments/c1", headers=auth).get_json()
    assert stored["text"] == sample_data.EXAMPLE_COMMENTS[0], "the stored comment must not change"


def test_reply_records_its_parent(client, auth, article):
    post_comment(client, auth, comment_id="parent")
    response = post_comment(client, auth, comment_id="reply", text="I agree", parent_id="parent")
    assert response.status_code == 201
    assert response.get_json()["parent_id"] == "parent"


def test_reply_to_unknown_parent_is_404(client, auth, article):
    response = post_comment(client, auth, parent_id="nobody")
    assert response.status_code == 404
    assert "nobody" in response.get_json()["message"]
    assert client.get("/api/v1/comments/c1", headers=auth).status_code == 404


def test_reply_under_another_article_is_rejected(client, auth, article):
    post_comment(client, auth, comment_id="parent")
    response = post_comment(
        client, auth, comment_id="reply", parent_id="parent", article_id="other"
    )
    assert response.status_code == 400
    assert "parent_id" in response.get_json()["fields"]


def test_author_and_created_at_are_kept(client, auth, article):
    response = post_comment(
        client, auth, author={"id": 42, "name": "Saamia"}, created_at="2011-02-26T09:30:00Z"
    )
    body = response.get_json()
    assert body["author"] == {"id": "42", "name": "Saamia"}
    assert body["created_at"] == "2011-02-26T09:30:00+00:00"


@pytest.mark.parametrize(
    "fields, bad_field",
    [
        ({"text": ""}, "text"),
        ({"text": 12}, "text"),
        ({"id": None}, "id"),
        ({"id": ["x"]}, "id"),
        ({"article_id": ""}, "article_id"),
        ({"created_at": "yesterday"}, "created_at"),
        ({"author": "Saamia"}, "author"),
        ({"author": {"name": 5}}, "author.name"),
    ],
)
def test_invalid_comment_fields_are_named(client, auth, fields, bad_field):
    body = {"id": "c1", "article_id": ARTICLE_ID, "text": "Hello", **fields}
    response = client.post("/api/v1/comments", json=body, headers=auth)
    assert response.status_code == 400
    assert bad_field in response.get_json()["fields"]


def test_text_over_the_limit_is_400_and_not_stored(client, auth):
    response = post_comment(client, auth, text="x" * 20001)
    assert response.status_code == 400
    assert "20000" in response.get_json()["fields"]["text"]
    assert client.get("/api/v1/comments/c1", headers=auth).status_code == 404


def test_body_over_the_configured_limit_is_413(client, auth, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = post_comment(client, auth, text="x" * 2000)
    assert response.status_code == 413
    assert response.get_json()["error"] == "payload_too_large"


def test_malformed_json_is_400(client, auth):
    response = client.post(
        "/api/v1/comments", data="{not json", headers={**auth, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_json"


def test_json_that_is_not_an_object_is_400(client, auth):
    response = client.post("/api/v1/comments", json=["a", "list"], headers=auth)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_json"


def test_non_json_body_is_415(client, auth):
    response = client.post("/api/v1/comments", data="text=hi", headers=auth)
    assert response.status_code == 415
    assert response.get_json()["error"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}]
)
def test_missing_or_wrong_key_is_401(client, headers):
    response = client.get("/api/v1/policy", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def test_wrong_method_is_405_json(client, auth):
    response = client.delete("/api/v1/comments", headers=auth)
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"


def test_unknown_comment_is_404(client, auth):
    response = client.get("/api/v1/comments/nope", headers=auth)
    assert response.status_code == 404
    assert response.get_json() == {"error": "not_found", "message": "Comment 'nope' is not known."}


def test_unknown_api_route_is_404_json(client, auth):
    response = client.get("/api/v1/nothing-here", headers=auth)
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_sites_cannot_see_each_others_comments(app, client, auth, article):
    from moderation.domain.sites import create_site

    post_comment(client, auth)
    with app.app_context():
        _, other_key = create_site("Other Gazette")
        db.session.commit()
    other = {"Authorization": f"Bearer {other_key}"}
    assert client.get("/api/v1/comments/c1", headers=other).status_code == 404
    assert client.get("/api/v1/comments", headers=other).get_json()["items"] == []


# --- batch ----------------------------------------------------------------


def test_batch_stores_good_items_and_reports_bad_ones(client, auth, article):
    comments = [
        {"id": "b1", "article_id": ARTICLE_ID, "text": sample_data.EXAMPLE_COMMENTS[0]},
        {"id": "b2", "article_id": ARTICLE_ID},
        {"id": "b3", "article_id": ARTICLE_ID, "text": sample_data.EXAMPLE_COMMENTS[1]},
        "not an object",
        {"id": "b4", "article_id": ARTICLE_ID, "text": "A reply", "parent_id": "b1"},
    ]
    response = client.post("/api/v1/comments/batch", json={"comments": comments}, headers=auth)
    assert response.status_code == 200
    body = response.get_json()
    assert body["stored"] == 3 and body["failed"] == 2
    results = body["results"]
    assert [r["status_code"] for r in results] == [201, 400, 201, 400, 201]
    assert results[1]["error"]["fields"] == {"text": "is required"}
    assert results[4]["comment"]["parent_id"] == "b1"
    for comment_id in ("b1", "b3", "b4"):
        assert client.get(f"/api/v1/comments/{comment_id}", headers=auth).status_code == 200


def test_batch_repeats_and_conflicts_per_item(client, auth, article):
    post_comment(client, auth, comment_id="old")
    comments = [
        {"id": "old", "article_id": ARTICLE_ID, "text": sample_data.EXAMPLE_COMMENTS[0]},
        {"id": "old", "article_id": ARTICLE_ID, "text": "changed"},
        {"id": "new", "article_id": ARTICLE_ID, "text": "First"},
        {"id": "new", "article_id": ARTICLE_ID, "text": "First"},
    ]
    body = client.post(
        "/api/v1/comments/batch", json={"comments": comments}, headers=auth
    ).get_json()
    assert [r["status_code"] for r in body["results"]] == [200, 409, 201, 200]


def test_batch_over_the_limit_is_refused_whole(client, auth, app):
    app.config["MODERATION_BATCH_LIMIT"] = 3
    comments = [{"id": f"x{i}", "article_id": ARTICLE_ID, "text": "hi"} for i in range(4)]
    response = client.post("/api/v1/comments/batch", json={"comments": comments}, headers=auth)
    assert response.status_code == 413
    assert client.get("/api/v1/comments/x0", headers=auth).status_code == 404


def test_batch_needs_a_list(client, auth):
    response = client.post("/api/v1/comments/batch", json={"comments": {}}, headers=auth)
    assert response.status_code == 400
    assert "comments" in response.get_json()["fields"]


# --- score, policy, health -------------------------------------------------


def test_score_decides_without_storing(client, auth):
    body = {"text": sample_data.INSULT, "article": {"title": "T", "body": "Some article body"}}
    response = client.post("/api/v1/score", json=body, headers=auth)
    assert response.status_code == 200
    result = response.get_json()
    assert set(result) == {"scores", "decision", "model_version", "language"}
    scores = result["scores"]
    expected = policy.decide(scores["abusive"], scores["on_topic"], policy.Thresholds())
    assert result["decision"] == {"status": expected.status, "reasons": expected.reasons}
    assert client.get("/api/v1/comments", headers=auth).get_json()["items"] == []


def test_score_without_article_has_no_on_topic(client, auth):
    result = client.post("/api/v1/score", json={"text": "Hello"}, headers=auth).get_json()
    assert result["scores"]["on_topic"] is None
    assert "unknown_article" in result["decision"]["reasons"]


def test_score_rejects_bad_article(client, auth):
    response = client.post("/api/v1/score", json={"text": "Hi", "article": "x"}, headers=auth)
    assert response.status_code == 400
    assert "article" in response.get_json()["fields"]


def test_policy_shows_thresholds_and_text(client, auth):
    body = client.get("/api/v1/policy", headers=auth).get_json()
    assert body["policy"].startswith("Comments are moderated")
    assert body["thresholds"] == {
        "reject_abusive": 0.9,
        "hold_abusive": 0.5,
        "hold_on_topic": 0.3,
        "premoderation": False,
        "report_threshold": 3,
        "reject_banned": True,
        "hold_spam": 0.5,
    }
    assert set(body["reasons"]) >= {"abusive", "off_topic", "spam", "unknown_article"}


def test_a_site_over_its_rate_limit_gets_429_with_retry_after(client, auth, app):
    app.config["MODERATION_API_RATE_LIMIT"] = "3 per minute"
    codes = [client.get("/api/v1/policy", headers=auth).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/policy", headers=auth)
    assert response.get_json()["error"] == "too_many_requests"
    assert response.headers["Retry-After"] == "60"


def test_every_response_carries_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_openapi_document_describes_every_api_route(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {
        (path.replace("{comment_id}", "<path:comment_id>"), method.upper())
        for path, operations in spec["paths"].items()
        for method in operations
    }
    served = {
        (rule.rule.removeprefix("/api/v1"), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1") and rule.endpoint != "api.openapi"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served == documented


def test_nothing_touches_the_database_after_a_post_commits(app, client, auth, article):
    """The answer is made before the commit: a failure after it could only
    report an error for comments that were in fact stored."""

    from moderation.infrastructure.db import db

    after_commit = []
    with app.app_context():
        engine = db.engine
    committed = {"done": False}

    def on_commit(connection):
        committed["done"] = True

    def on_execute(connection, cursor, statement, *args):
        if committed["done"]:
            after_commit.append(statement)

    event.listen(engine, "commit", on_commit)
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        batch = [
            {"id": f"b{i}", "article_id": ARTICLE_ID, "text": f"comment {i}"} for i in range(3)
        ]
        response = client.post("/api/v1/comments/batch", json={"comments": batch}, headers=auth)
    finally:
        event.remove(engine, "commit", on_commit)
        event.remove(engine, "before_cursor_execute", on_execute)
    assert response.get_json()["stored"] == 3
    assert committed["done"] and after_commit == []
