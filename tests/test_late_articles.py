"""A comment held because its article was unknown is decided again when
the article is posted, as a logged model decision."""

from sqlalchemy import select

from moderation.domain import review
from moderation.domain.late_articles import NOTE
from moderation.domain.orm import Comment, Moderator
from moderation.domain.policy import Thresholds, decide
from moderation.infrastructure.db import db
from tests import sample_data
from tests.moderation_helpers import add_moderator

ARTICLE = sample_data.EXAMPLE_ARTICLE


def post(client, auth, comment_id, text):
    body = {"id": comment_id, "article_id": ARTICLE["id"], "text": text}
    return client.post("/api/v1/comments", json=body, headers=auth).get_json()


def test_posting_the_article_decides_its_waiting_comments_again(client, auth):
    early = post(client, auth, "early", sample_data.EXAMPLE_COMMENTS[0])
    assert early["status"] == "pending" and early["reasons"] == ["unknown_article"]
    assert client.post("/api/v1/articles", json=ARTICLE, headers=auth).status_code == 201

    now = client.get("/api/v1/comments/early", headers=auth).get_json()
    assert "unknown_article" not in now["reasons"]
    assert now["scores"]["on_topic"] is not None
    expected = decide(now["scores"]["abusive"], now["scores"]["on_topic"], Thresholds())
    assert (now["status"], now["reasons"]) == (expected.status, expected.reasons)
    latest = now["history"][-1]
    assert latest["actor_type"] == "model" and latest["note"] == NOTE
    assert latest["from_status"] == "pending" and len(now["history"]) == 2
    feed = client.get("/api/v1/comments", headers=auth).get_json()["items"]
    assert [item["decision"]["note"] for item in feed if item["id"] == "early"] == [None, NOTE]


def test_a_comment_a_moderator_has_decided_is_left_to_the_moderators(app, client, auth):
    post(client, auth, "kept", sample_data.EXAMPLE_COMMENTS[1])
    add_moderator(app)
    with app.app_context():
        maria = db.session.scalar(select(Moderator))
        comment = db.session.scalar(select(Comment).where(Comment.external_id == "kept"))
        review.decide(comment, maria, "reject", comment.version, "spam")
        db.session.commit()
    client.post("/api/v1/articles", json=ARTICLE, headers=auth)
    # Updating the article again changes nothing either.
    client.post("/api/v1/articles", json=ARTICLE, headers=auth)
    history = client.get("/api/v1/comments/kept", headers=auth).get_json()["history"]
    assert [d["actor_type"] for d in history] == ["model", "moderator"]


def test_another_sites_article_of_the_same_id_releases_nothing(app, client, auth):
    from moderation.domain.sites import create_site

    post(client, auth, "mine", sample_data.EXAMPLE_COMMENTS[0])
    with app.app_context():
        _, other_key = create_site("Other Gazette")
        db.session.commit()
    other = {"Authorization": f"Bearer {other_key}"}
    client.post("/api/v1/articles", json=ARTICLE, headers=other)
    mine = client.get("/api/v1/comments/mine", headers=auth).get_json()
    assert mine["reasons"] == ["unknown_article"] and len(mine["history"]) == 1


def test_an_article_is_stored_and_answered_though_the_job_queue_is_away(
    app, client, auth, monkeypatch
):
    """The article committed: a queue that cannot be reached leaves its
    waiting comments to the minute's check, not a 500 to the site."""
    from moderation.infrastructure import jobs

    def queue_away(*_, **__):
        raise ConnectionError("the job queue cannot be reached")

    post(client, auth, "early", sample_data.EXAMPLE_COMMENTS[0])
    monkeypatch.setattr(jobs, "enqueue", queue_away)
    assert client.post("/api/v1/articles", json=ARTICLE, headers=auth).status_code == 201
    assert client.post("/api/v1/articles", json=ARTICLE, headers=auth).status_code == 200
    monkeypatch.undo()
    still = client.get("/api/v1/comments/early", headers=auth).get_json()
    assert still["reasons"] == ["unknown_article"]  # decided when the check queues the job
    with app.app_context():
        from moderation.domain.late_articles import requeue_lost_waiting

        assert requeue_lost_waiting(grace_seconds=0) == 1
    assert (
        "unknown_article"
        not in client.get("/api/v1/comments/early", headers=auth).get_json()["reasons"]
    )
