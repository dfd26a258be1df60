"""The long-running delivery worker (``flask webhooks run``) as operators
run it: a process of its own that must see new events after idle rounds,
retry on the backoff schedule, keep each comment's events in order, and
outlive a round that fails."""

import json
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from moderation.config import PROJECT_ROOT
from moderation.domain.comments import record_decision
from moderation.domain.orm import Comment
from moderation.domain.orm_webhooks import OutboxEvent
from moderation.domain.webhooks import DELIVERY_HEADER
from moderation.infrastructure.db import db, write_lock
from tests.moderation_helpers import wait_for
from tests.test_webhooks import LOOPBACK_ALLOWED, WORKERS_DELIVER, Receiver

FIRST_RETRY = 0.5
INTERVAL = 0.1


@pytest.fixture
def app_config():
    return {**LOOPBACK_ALLOWED, **WORKERS_DELIVER}


@pytest.fixture
def worker(database_url, model_dir, tmp_path):
    """``flask webhooks run`` in its own process; yields its stderr's path."""
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "MODERATION_DATABASE_URL": database_url,
        "MODERATION_MODEL_DIR": str(model_dir),
        "MODERATION_WEBHOOK_FIRST_RETRY_SECONDS": str(FIRST_RETRY),
        "SECRET_KEY": "worker-test",
        **LOOPBACK_ALLOWED,
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "webhooks", "run"]
    with open(log, "w") as stderr:
        process = subprocess.Popen(
            [*command, "--interval", str(INTERVAL)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    process.log = log
    yield process
    process.terminate()
    process.wait(timeout=10)


def deliveries(receiver):
    """(delivery id, comment id, status) of every request, in arrival order."""
    return [
        (int(headers[DELIVERY_HEADER]), payload["comment"]["id"], payload["comment"]["status"])
        for headers, payload in ((h, json.loads(b)) for h, b in receiver.received)
    ]


def undelivered(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.delivered_at.is_(None))
        )


def decide(app, comment_id, *statuses):
    # As the queue's views do on SQLite: take the write lock when the
    # transaction begins, or a worker's commit between our read and our write
    # makes the write fail at once ("database is locked").
    with app.app_context(), write_lock():
        comment = db.session.scalar(select(Comment).where(Comment.external_id == comment_id))
        for status in statuses:
            record_decision(comment, status, [], "moderator", "maria")
        db.session.commit()


def test_worker_retries_on_schedule_in_order_after_idle_rounds(app, client, auth, runner, worker):
    site = Receiver(answers=[500, 500, 500, 204])
    site.start()
    try:
        result = runner.invoke(args=["webhooks", "set", "Example Tribune", site.url])
        assert result.exit_code == 0, result.output
        time.sleep(1)  # several idle rounds: the worker must still see what comes next
        assert worker.poll() is None, worker.log.read_text()
        body = {"id": "c0", "article_id": "a", "text": "a comment"}
        assert client.post("/api/v1/comments", json=body, headers=auth).status_code == 201
        decide(app, "c0", "approved", "rejected")

        assert wait_for(lambda: len(site.received) == 6), (deliveries(site), worker.log.read_text())
        received = deliveries(site)
        first_id = received[0][0]
        # The first event fails three times, with the same delivery id each time...
        assert [r[0] for r in received[:4]] == [first_id] * 4
        # ...and the moderator's two decisions wait for it, then follow in order.
        assert [r[2] for r in received[4:]] == ["approved", "rejected"]
        assert received[4][0] < received[5][0]
        times = [moment for moment, _ in site.arrived[:4]]
        gaps = [later - earlier for earlier, later in zip(times, times[1:])]
        for gap, expected in zip(gaps, [FIRST_RETRY, 2 * FIRST_RETRY, 4 * FIRST_RETRY]):
            # Never early; late by at most a round and a loaded machine's slack.
            assert expected - 0.05 <= gap < expected + 1.5, gaps
        assert worker.poll() is None, "the worker is still running"
    finally:
        site.stop()


def test_worker_outlives_a_round_the_database_refuses(app, client, auth, runner, worker):
    """SQLite: another writer holds the lock past the busy timeout, so a
    round fails; the worker logs it and delivers once the lock is gone."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL waits for row locks instead of failing the round")
    site = Receiver()
    site.start()
    try:
        runner.invoke(args=["webhooks", "set", "Example Tribune", site.url])
        body = {"id": "c0", "article_id": "a", "text": "a comment"}
        assert client.post("/api/v1/comments", json=body, headers=auth).status_code == 201
        # Delivered and recorded: were the lock taken between the POST and the
        # record, the first event would stay claimed and the next wait for it.
        assert wait_for(lambda: undelivered(app) == 0), worker.log.read_text()
        assert len(site.received) == 1
        # The lock is taken when the transaction begins (see decide()), then
        # held past the worker's busy timeout until the commit.
        with app.app_context(), write_lock():
            comment = db.session.scalar(select(Comment).where(Comment.external_id == "c0"))
            record_decision(comment, "approved", [], "moderator", "maria")
            db.session.flush()
            assert wait_for(lambda: "webhook round failed" in worker.log.read_text(), 15)
            db.session.commit()
        assert wait_for(lambda: len(site.received) == 2), worker.log.read_text()
        assert deliveries(site)[-1][2] == "approved"
        assert worker.poll() is None
    finally:
        site.stop()
