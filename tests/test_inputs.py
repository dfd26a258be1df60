"""Text no database can store, and JSON too deep to parse, are refused with a
400 that names the field, on every route, and never lose a batch."""

import pytest
from sqlalchemy import func, select

from moderation.domain.orm import Comment
from moderation.domain.orm_learning import LabelledExample
from moderation.infrastructure.db import db
from tests import sample_data
from tests.moderation_helpers import add_moderator, csrf_token, sign_in

NUL = "\x00"
SURROGATE = "\ud83d"
ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"


def comment(comment_id, text="A fair point about the accord with Moscow.", **fields):
    return {
        "id": comment_id,
        "article_id": sample_data.EXAMPLE_ARTICLE["id"],
        "text": text,
        **fields,
    }


def stored_comments(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))


def test_batch_with_unstorable_items_stores_the_others_on_every_retry(app, client, auth, article):
    items = [comment(f"c{i}") for i in range(6)]
    items[2] = comment("c2", text=f"Fine{NUL}then")
    items[4] = comment("c4", author={"id": "u1", "name": f"Ann {SURROGATE}"})
    for _attempt in range(2):
        response = client.post("/api/v1/comments/batch", json={"comments": items}, headers=auth)
        assert response.status_code == 200
        body = response.get_json()
        assert (body["stored"], body["failed"]) == (4, 2)
        nul, surrogate = body["results"][2], body["results"][4]
        assert nul["status_code"] == 400 and nul["id"] == "c2"
        assert nul["error"]["fields"] == {
            "text": "contains a NUL character (U+0000) at position 4, which cannot be stored"
        }
        assert surrogate["error"]["fields"] == {
            "author.name": "contains a lone surrogate (U+D83D) at position 4,"
            " which cannot be stored"
        }
    assert stored_comments(app) == 4


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/api/v1/comments", comment("c1", text=f"{NUL}hi"), "text"),
        ("/api/v1/comments", comment(f"c{SURROGATE}"), "id"),
        ("/api/v1/articles", {**sample_data.EXAMPLE_ARTICLE, "title": f"A{NUL}"}, "title"),
        ("/api/v1/score", {"text": f"ok {SURROGATE}"}, "text"),
        ("/api/v1/score", {"text": "ok", "article": {"body": NUL}}, "article.body"),
    ],
)
def test_unstorable_text_in_a_body_is_400_naming_the_field(app, client, auth, path, body, field):
    response = client.post(path, json=body, headers=auth)
    assert response.status_code == 400
    assert "cannot be stored" in response.get_json()["fields"][field]
    assert stored_comments(app) == 0


@pytest.mark.parametrize(
    "path, field",
    [
        ("/api/v1/comments/a%00b", "comment_id"),
        ("/api/v1/comments?article_id=a%00b", "article_id"),
        ("/api/v1/comments?status=approved&since=2026%00", "since"),
    ],
)
def test_unstorable_text_in_the_url_is_400_naming_the_parameter(client, auth, path, field):
    response = client.get(path, headers=auth)
    assert response.status_code == 400
    problem = response.get_json()["fields"][field]
    assert problem.startswith("contains a NUL character (U+0000) at position ")


@pytest.mark.parametrize(
    "path, body, field",
    [
        (
            ANALYZE,
            {"comment": {"text": f"hi {SURROGATE}"}, "requestedAttributes": {"TOXICITY": {}}},
            "comment.text",
        ),
        (
            SUGGEST,
            {
                "comment": {"text": f"hi{NUL}"},
                "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.9}}},
            },
            "comment.text",
        ),
    ],
)
def test_perspective_refuses_unstorable_text_in_its_own_error_shape(
    app, client, site_key, path, body, field
):
    response = client.post(f"{path}?key={site_key}", json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert f"Invalid value at '{field}'" in error["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LabelledExample)) == 0


def test_suggestscore_client_token_over_255_characters_is_400_and_stores_nothing(
    app, client, site_key
):
    body = {
        "comment": {"text": "A fair point."},
        "languages": ["en"],
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.1}}},
        "clientToken": "t" * 256,
    }
    response = client.post(f"{SUGGEST}?key={site_key}", json=body)
    assert response.status_code == 400
    assert "clientToken" in response.get_json()["error"]["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LabelledExample)) == 0


@pytest.mark.parametrize(
    "path", ["/queue?q=a%00b", "/queue?article=a%00b", "/audit?moderator=ma%00ria"]
)
def test_moderators_pages_refuse_unstorable_filters_with_a_message(app, client, path):
    add_moderator(app)
    sign_in(client)
    response = client.get(path)
    assert response.status_code == 400
    assert "cannot be stored" in response.get_data(as_text=True)


def test_sign_in_with_a_nul_in_the_name_is_a_clear_400(app, client):
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": "ma\x00ria", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 400
    assert "&#39;username&#39; contains a NUL character" in response.get_data(as_text=True)


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("path", ["/api/v1/comments", "/api/v1/comments/batch", "/api/v1/score"])
def test_deeply_nested_json_is_a_400_not_a_crash(client, auth, path):
    response = client.post(path, data=DEEP, content_type="application/json", headers=auth)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_json"
    assert "nested more than 64 levels" in response.get_json()["message"]


def test_deeply_nested_json_is_a_400_on_perspective_and_the_queue(app, client, site_key):
    response = client.post(f"{ANALYZE}?key={site_key}", data=DEEP, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.get_json()["error"]["message"]
    add_moderator(app)
    sign_in(client)
    token = csrf_token(client, "/queue")
    response = client.post(
        "/queue/decide",
        data=DEEP,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400
    assert "nested" in response.get_json()["error"]


def test_moderately_nested_json_is_still_accepted(client, auth, article):
    body = comment("c1", extra=[[[["fine"]]]])
    assert client.post("/api/v1/comments", json=body, headers=auth).status_code == 201
