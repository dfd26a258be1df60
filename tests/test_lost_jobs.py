"""Jobs the queue lost are done all the same: a worker that died during
re-scoring or deciding the comments that waited for their article (Huey
had already taken the job off the queue) leaves comments that the
periodic checks find and queue again, once, and only after the job has had
its time to run."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from moderation.domain import comments, late_articles
from moderation.domain.live_model import ModelPromotion
from moderation.domain.orm import Article
from moderation.infrastructure.db import db, utcnow
from tests import sample_data
from tests.job_helpers import lose_the_queued_jobs, queued, run_the_queued_jobs, waiting_queue
from tests.test_model_cli import assert_decided_again_by, hold_the_example_comments

ARTICLE = sample_data.EXAMPLE_ARTICLE
LONG_AGO = timedelta(minutes=5)


@pytest.fixture
def app_config(tmp_path):
    return waiting_queue(tmp_path)


def sweep(app, check) -> object:
    with app.app_context():
        return check()


def test_held_comments_are_rescored_when_the_promotions_job_was_lost(
    app, client, auth, runner, two_versions
):
    hold_the_example_comments(app, client, auth)
    lose_the_queued_jobs(app)
    assert runner.invoke(args=["models", "promote", "v2"]).exit_code == 0
    assert "rescore_pending" in queued(app)
    lose_the_queued_jobs(app)

    # Within the grace period the promotion's own job may still be on its way.
    assert sweep(app, comments.requeue_lost_rescoring) is False
    with app.app_context():
        db.session.execute(update(ModelPromotion).values(promoted_at=utcnow() - LONG_AGO))
        db.session.commit()
    assert sweep(app, comments.requeue_lost_rescoring) is True
    assert sweep(app, comments.requeue_lost_rescoring) is False, "queued once, not twice"
    run_the_queued_jobs(app)
    assert_decided_again_by(client, auth, "v2")
    assert sweep(app, comments.requeue_lost_rescoring) is False, "nothing left to re-score"


def test_comments_waiting_for_their_article_are_decided_when_its_job_was_lost(app, client, auth):
    body = {"id": "early", "article_id": ARTICLE["id"], "text": sample_data.EXAMPLE_COMMENTS[0]}
    assert client.post("/api/v1/comments", json=body, headers=auth).status_code == 201
    assert client.post("/api/v1/articles", json=ARTICLE, headers=auth).status_code == 201
    assert queued(app).count("decide_waiting_comments") == 1
    lose_the_queued_jobs(app)
    assert client.get("/api/v1/comments/early", headers=auth).get_json()["reasons"] == [
        "unknown_article"
    ]

    assert sweep(app, late_articles.requeue_lost_waiting) == 0, "the job may be on its way"
    with app.app_context():
        db.session.execute(update(Article).values(updated_at=utcnow() - LONG_AGO))
        db.session.commit()
    assert sweep(app, late_articles.requeue_lost_waiting) == 1
    assert sweep(app, late_articles.requeue_lost_waiting) == 0, "queued once, not twice"
    run_the_queued_jobs(app)

    early = client.get("/api/v1/comments/early", headers=auth).get_json()
    assert "unknown_article" not in early["reasons"]
    assert early["history"][-1]["note"] == late_articles.NOTE
    assert sweep(app, late_articles.requeue_lost_waiting) == 0, "nothing left waiting"
