"""The site's feed of decisions: cursor paging, filters, settling."""

import pytest

from tests import sample_data
from tests.test_api import ARTICLE_ID, post_comment


def test_feed_pages_through_decisions_with_a_cursor(client, auth, article):
    for i in range(5):
        post_comment(
            client, auth, comment_id=f"f{i}", text=f"{sample_data.EXAMPLE_COMMENTS[1]} {i}"
        )
    first = client.get("/api/v1/comments?limit=2", headers=auth).get_json()
    assert [item["id"] for item in first["items"]] == ["f0", "f1"]
    assert first["has_more"] is True
    second = client.get(f"/api/v1/comments?limit=2&cursor={first['next_cursor']}", headers=auth)
    assert [item["id"] for item in second.get_json()["items"]] == ["f2", "f3"]
    rest = client.get(f"/api/v1/comments?cursor={second.get_json()['next_cursor']}", headers=auth)
    rest = rest.get_json()
    assert [item["id"] for item in rest["items"]] == ["f4"]
    assert rest["has_more"] is False
    # Polling again from the last cursor finds nothing new, and keeps the cursor.
    again = client.get(f"/api/v1/comments?cursor={rest['next_cursor']}", headers=auth).get_json()
    assert again["items"] == [] and again["next_cursor"] == rest["next_cursor"]


def test_feed_filters_by_status_article_and_time(client, auth, article):
    post_comment(client, auth, comment_id="here")
    post_comment(client, auth, comment_id="elsewhere", article_id="unknown-article")
    pending = client.get("/api/v1/comments?status=pending", headers=auth).get_json()["items"]
    assert "elsewhere" in [item["id"] for item in pending]
    assert all(item["decision"]["to_status"] == "pending" for item in pending)
    by_article = client.get(f"/api/v1/comments?article_id={ARTICLE_ID}", headers=auth).get_json()
    assert [item["id"] for item in by_article["items"]] == ["here"]
    future = client.get("/api/v1/comments?since=2999-01-01T00:00:00Z", headers=auth).get_json()
    assert future["items"] == []


@pytest.mark.parametrize(
    "query, field",
    [
        ("status=maybe", "status"),
        ("cursor=abc", "cursor"),
        ("limit=0", "limit"),
        ("since=soon", "since"),
    ],
)
def test_feed_rejects_bad_parameters(client, auth, query, field):
    response = client.get(f"/api/v1/comments?{query}", headers=auth)
    assert response.status_code == 400
    assert field in response.get_json()["fields"]


def test_feed_waits_for_decisions_to_settle(client, auth, article, app):
    """A decision younger than the settling delay is left for the next poll,
    so no slower transaction can commit an id below the site's cursor."""
    post_comment(client, auth)
    app.config["MODERATION_FEED_SETTLE_SECONDS"] = 60
    assert client.get("/api/v1/comments", headers=auth).get_json()["items"] == []
    app.config["MODERATION_FEED_SETTLE_SECONDS"] = 0
    assert len(client.get("/api/v1/comments", headers=auth).get_json()["items"]) == 1


@pytest.mark.parametrize(
    "query", ["cursor=²", "limit=²", "cursor=" + "9" * 30, "cursor=3000000000"]
)
def test_feed_rejects_numbers_it_cannot_use(client, auth, query):
    assert client.get(f"/api/v1/comments?{query}", headers=auth).status_code == 400
