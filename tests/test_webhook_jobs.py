"""Webhook delivery by jobs, the default: a commit that writes events
queues a delivery job, which sends them and comes back for retries (the
tests run jobs at once, and a scheduled retry when the test says)."""

import time
from datetime import datetime

import pytest

from moderation.domain.webhooks import DELIVERY_JOB
from tests.test_webhooks import (
    LOOPBACK_ALLOWED,
    listening_site,
    post_plain_comments,
    stored_events,
)


@pytest.fixture
def app_config():
    return {**LOOPBACK_ALLOWED, "MODERATION_WEBHOOK_FIRST_RETRY_SECONDS": 0.05}


def scheduled_deliveries(app) -> list:
    queue = app.extensions["jobs"].queue
    return [task for task in queue.scheduled() if task.name == DELIVERY_JOB]


def run_scheduled(app) -> None:
    """What the consumer's scheduler does when their time comes."""
    queue = app.extensions["jobs"].queue
    for task in queue.read_schedule(datetime(2100, 1, 1)):
        queue.execute(task, timestamp=task.eta)


def test_a_decision_reaches_the_site_with_no_worker_running(app, client, auth, runner):
    with listening_site(runner) as site:
        post_plain_comments(client, auth, 2)
        # Delivered by the job the commit queued: nobody ran `webhooks run`.
        assert len(site.received) == 2
        assert all(event.delivered_at for event in stored_events(app))
        assert scheduled_deliveries(app) == []  # nothing left to retry


def test_a_failed_delivery_is_retried_by_a_scheduled_job(app, client, auth, runner):
    with listening_site(runner, answers=[500, 204]) as site:
        post_plain_comments(client, auth, 1)
        (event,) = stored_events(app)
        assert event.delivered_at is None and event.last_error == "HTTP 500"
        assert len(scheduled_deliveries(app)) == 1  # back when the retry is due
        time.sleep(0.1)
        run_scheduled(app)
        (event,) = stored_events(app)
        assert event.delivered_at is not None and event.attempts == 2
        assert len(site.received) == 2


def test_delivery_jobs_can_be_left_to_delivery_workers(app, client, auth, runner):
    app.config["MODERATION_WEBHOOK_DELIVERY"] = "workers"
    with listening_site(runner) as site:
        post_plain_comments(client, auth, 1)
        assert site.received == [] and stored_events(app)[0].delivered_at is None
        assert "delivered 1" in runner.invoke(args=["webhooks", "run", "--once"]).output


def test_an_event_waiting_behind_its_comments_earlier_one_does_not_wake_the_job(
    app, client, auth, runner
):
    """While a site's receiver is down, a comment's second event waits for
    its first: the job comes back when the first is due, not every second."""
    from datetime import timedelta

    from sqlalchemy import select, update

    from moderation.domain.comments import record_decision
    from moderation.domain.orm import Comment
    from moderation.domain.orm_webhooks import OutboxEvent
    from moderation.domain.webhook_jobs import seconds_to_next_attempt
    from moderation.infrastructure.db import db, utcnow

    with listening_site(runner, answers=[500] * 10):
        post_plain_comments(client, auth, 1)
        with app.app_context():
            record_decision(db.session.scalar(select(Comment)), "rejected", ["spam"], "test", "t")
            db.session.commit()
            first, second = db.session.scalars(select(OutboxEvent.id).order_by(OutboxEvent.id))
            for event_id, due in ((first, 60), (second, -10)):
                db.session.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.id == event_id)
                    .values(next_attempt_at=utcnow() + timedelta(seconds=due), claimed_until=None)
                )
            db.session.commit()
            assert 50 < seconds_to_next_attempt() <= 60
