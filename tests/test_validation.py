"""Values that parse but cannot be used (a time outside the calendar once in
UTC, a web address Python cannot split) are a 400 that names the field, not
a 500; and an id with a "/" in it can be read back and reported."""

import pytest

from tests import sample_data

ARTICLE_ID = sample_data.EXAMPLE_ARTICLE["id"]
EDGES_OF_TIME = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]


def comment(comment_id, **fields):
    return {
        "id": comment_id,
        "article_id": ARTICLE_ID,
        "text": sample_data.EXAMPLE_COMMENTS[0],
        **fields,
    }


@pytest.mark.parametrize("moment", EDGES_OF_TIME)
def test_a_time_outside_the_calendar_in_utc_is_a_400_naming_the_field(
    client, auth, article, moment
):
    single = client.post("/api/v1/comments", json=comment("c1", created_at=moment), headers=auth)
    assert single.status_code == 400
    assert "created_at" in single.get_json()["fields"]

    batch = client.post(
        "/api/v1/comments/batch",
        json={"comments": [comment("c2", created_at=moment), comment("c3")]},
        headers=auth,
    ).get_json()
    assert [r["status_code"] for r in batch["results"]] == [400, 201]
    assert client.get("/api/v1/comments/c3", headers=auth).status_code == 200

    feed = client.get("/api/v1/comments", query_string={"since": moment}, headers=auth)
    assert feed.status_code == 400 and "since" in feed.get_json()["fields"]


@pytest.mark.parametrize("url", ["http://[::1/x", "https://[abc]/"])
def test_an_address_python_cannot_split_is_a_400_naming_the_url(client, auth, url):
    article = {"id": "a1", "title": "T", "body": "B", "url": url}
    response = client.post("/api/v1/articles", json=article, headers=auth)
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"url": "must be an http or https URL"}


def test_score_names_the_articles_own_fields(client, auth):
    body = {"text": "A fair point.", "article": {"title": "  ", "body": 7}}
    fields = client.post("/api/v1/score", json=body, headers=auth).get_json()["fields"]
    assert set(fields) == {"article.title", "article.body"}


def test_an_id_with_a_slash_is_read_back_and_reported(client, auth, article):
    assert client.post(
        "/api/v1/comments", json=comment("2024/05/c1"), headers=auth
    ).status_code == (201)
    read = client.get("/api/v1/comments/2024%2F05%2Fc1", headers=auth)
    assert read.status_code == 200 and read.get_json()["id"] == "2024/05/c1"
    reported = client.post(
        "/api/v1/comments/2024%2F05%2Fc1/reports",
        json={"reader_id": "r1", "reason": "spam"},
        headers=auth,
    )
    assert reported.status_code == 201 and reported.get_json()["reports"] == 1


def test_created_at_with_an_offset_is_stored_in_utc(client, auth, article):
    body = client.post(
        "/api/v1/comments", json=comment("c1", created_at="2026-01-01T12:00:00+02:00"), headers=auth
    ).get_json()
    assert body["created_at"] == "2026-01-01T10:00:00+00:00"
    stored = client.get("/api/v1/comments/c1", headers=auth).get_json()
    assert stored["created_at"] == "2026-01-01T10:00:00+00:00"


def test_article_url_must_be_a_web_address(client, auth):
    article = {"id": "a1", "title": "T", "body": "B", "url": "javascript:alert(1)"}
    response = client.post("/api/v1/articles", json=article, headers=auth)
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"url": "must be an http or https URL"}
