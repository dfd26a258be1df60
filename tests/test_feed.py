"""The site's feed of decisions: cursor paging, filters, and every decision
exactly once even when transactions commit out of order."""

import threading

import pytest
from sqlalchemy import select, update

from moderation.domain.comments import record_decision
from moderation.domain.feed import Cursor
from moderation.domain.orm import Comment, Decision
from moderation.infrastructure.db import db
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


@pytest.mark.parametrize(
    "query", ["cursor=²", "limit=²", "cursor=" + "9" * 30, "cursor=3000000000"]
)
def test_feed_rejects_numbers_it_cannot_use(client, auth, query):
    assert client.get(f"/api/v1/comments?{query}", headers=auth).status_code == 400


def test_a_full_last_page_says_there_is_nothing_more(client, auth, article):
    for i in range(4):
        post_comment(client, auth, comment_id=f"p{i}", text=f"{sample_data.SPAM} {i}")
    first = client.get("/api/v1/comments?limit=2", headers=auth).get_json()
    assert first["has_more"] is True
    second = client.get(f"/api/v1/comments?limit=2&cursor={first['next_cursor']}", headers=auth)
    assert [item["id"] for item in second.get_json()["items"]] == ["p2", "p3"]
    assert second.get_json()["has_more"] is False


def test_since_includes_decisions_made_at_that_moment(client, auth, article):
    """A site may resume from the time of the last decision it saw."""
    for i in range(2):
        post_comment(client, auth, comment_id=f"t{i}", text=f"{sample_data.SPAM} {i}")
    last = client.get("/api/v1/comments", headers=auth).get_json()["items"][-1]
    since = {"since": last["decision"]["decided_at"]}
    items = client.get("/api/v1/comments", query_string=since, headers=auth).get_json()["items"]
    assert items[-1]["decision"]["id"] == last["decision"]["id"]


@pytest.mark.parametrize(
    "raw, cursor",
    [("12.34", Cursor(12, 34)), ("34", Cursor(0, 34)), ("0.0", Cursor(0, 0))],
)
def test_a_cursor_reads_back_as_the_position_it_names(raw, cursor):
    assert Cursor.parse(raw) == cursor
    assert Cursor.parse(str(cursor)) == cursor


@pytest.mark.parametrize(
    "cursor, status",
    [
        # The largest transaction id and decision id the database can hold.
        (f"{2**63 - 1}.{2**31 - 1}", 200),
        (f"{2**63}.0", 400),
        (f"0.{2**31}", 400),
    ],
)
def test_cursors_up_to_the_largest_ids_are_accepted(client, auth, cursor, status):
    response = client.get(f"/api/v1/comments?cursor={cursor}", headers=auth)
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["items"] == []


def test_a_cursor_from_before_transaction_ids_still_pages_by_id(app, client, auth, article):
    for i in range(3):
        post_comment(client, auth, comment_id=f"old{i}", text=f"{sample_data.SPAM} {i}")
    with app.app_context():  # as the migration leaves decisions made before it
        db.session.execute(update(Decision).values(xid=0))
        db.session.commit()
    items = client.get("/api/v1/comments", headers=auth).get_json()["items"]
    first_id = items[0]["decision"]["id"]
    # Sites upgrading keep the bare decision id they stored as their cursor.
    rest = client.get(f"/api/v1/comments?cursor={first_id}", headers=auth).get_json()
    assert [item["id"] for item in rest["items"]] == ["old1", "old2"]


def poll(client, auth, cursor="0"):
    """What a site's poller does: follow next_cursor until has_more is false."""
    seen = []
    while True:
        page = client.get(f"/api/v1/comments?limit=2&cursor={cursor}", headers=auth).get_json()
        seen += [(item["id"], item["decision"]["id"]) for item in page["items"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return seen, cursor


def elsewhere(function, *args, **kwargs):
    """Call in a thread of its own, with its own app context and session."""
    result = []
    thread = threading.Thread(target=lambda: result.append(function(*args, **kwargs)))
    thread.start()
    thread.join()
    return result[0]


def _decide_in_open_transaction(comment_id, status):
    """Record a moderator's decision and flush it: its id is drawn, but the
    transaction stays open until the caller commits."""
    comment = db.session.scalar(select(Comment).where(Comment.external_id == comment_id))
    db.session.refresh(comment)
    decision = record_decision(comment, status, [], "moderator", "maria")
    db.session.flush()
    return decision.id


def test_a_slow_transaction_cannot_make_the_poller_miss_a_decision(app, client, auth, article):
    """A decision whose transaction draws its id first and commits last is
    still delivered, once, after the faster ones that committed meanwhile."""
    post_comment(client, auth, comment_id="early", text=sample_data.EXAMPLE_COMMENTS[1])
    seen, cursor = poll(client, auth)

    def post_later_comments():
        other = app.test_client()
        for i in range(3):
            text = f"{sample_data.EXAMPLE_COMMENTS[1]} {i}"
            assert post_comment(other, auth, comment_id=f"late{i}", text=text).status_code == 201

    with app.app_context():
        slow_id = _decide_in_open_transaction("early", "rejected")
        writer = threading.Thread(target=post_later_comments)
        writer.start()
        # PostgreSQL commits the later comments now; SQLite makes them wait
        # for the slow transaction's write lock.
        writer.join(timeout=2 if db.engine.dialect.name == "sqlite" else 30)
        # From another thread: a request here would share this open session.
        while_open, cursor = elsewhere(poll, client, auth, cursor)
        db.session.commit()
    writer.join()
    after_commit, _ = poll(client, auth, cursor)

    delivered = seen + while_open + after_commit
    decision_ids = [decision for _, decision in delivered]
    assert len(decision_ids) == len(set(decision_ids)) == 5, "every decision exactly once"
    assert slow_id in decision_ids
    assert [comment for comment, _ in delivered] == ["early", "early", "late0", "late1", "late2"]


@pytest.mark.postgresql
def test_each_comment_s_decisions_arrive_in_the_order_they_were_made(app, client, auth, article):
    """A transaction that began writing before another, but decides the same
    comment after it, still comes after it in the feed."""
    post_comment(client, auth, comment_id="a", text=sample_data.EXAMPLE_COMMENTS[1])
    post_comment(client, auth, comment_id="b", text=sample_data.EXAMPLE_COMMENTS[1])
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite runs one writer at a time")
        _decide_in_open_transaction("a", "rejected")  # the older transaction
        with app.app_context():  # a younger one decides b and commits first
            _decide_in_open_transaction("b", "rejected")
            db.session.commit()
        _decide_in_open_transaction("b", "approved")
        db.session.commit()
    delivered, _ = poll(client, auth)
    statuses = client.get("/api/v1/comments/b", headers=auth).get_json()["history"]
    made = [decision["id"] for decision in statuses]
    assert [decision for comment, decision in delivered if comment == "b"] == made
    assert [d["to_status"] for d in statuses][-2:] == ["rejected", "approved"]
