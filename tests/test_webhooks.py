"""Webhooks: every status change reaches the site, signed, in order, once
per delivery id, even when the site is down for a while."""

import hashlib
import hmac
import json
import socket
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, update

from moderation.domain.comments import record_decision
from moderation.domain.orm import Comment
from moderation.domain.orm_webhooks import OutboxEvent
from moderation.domain.webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, record_attempt
from moderation.infrastructure.db import as_utc, db, utcnow
from tests import sample_data

# The suite's receivers listen on 127.0.0.1, which the policy refuses
# unless an operator allows it.
LOOPBACK_ALLOWED = {"MODERATION_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32"}
# The tests that drive delivery rounds themselves (`flask webhooks run`):
# by default the job queued at each commit would deliver first.
WORKERS_DELIVER = {"MODERATION_WEBHOOK_DELIVERY": "workers"}


@pytest.fixture
def app_config():
    return {**LOOPBACK_ALLOWED, **WORKERS_DELIVER}


class Receiver:
    """A site's endpoint on 127.0.0.1 that can be down, then come back.

    It answers each POST with the next of ``answers`` (the last one again
    once they run out); 3xx answers redirect to /elsewhere. ``trickle``
    sends the status line a byte at a time, slower than any deadline.
    """

    def __init__(self, answers=(204,), trickle=False, delay=0.0):
        with socket.socket() as probe:  # a free port, nothing listening yet
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.received = []
        self.arrived = []  # (time.monotonic(), path) of every request
        self.answers = list(answers)
        self.trickle = trickle
        self.delay = delay
        self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                receiver.arrived.append((time.monotonic(), self.path))
                self.send_response(204)
                self.end_headers()

            def do_POST(self):
                receiver.arrived.append((time.monotonic(), self.path))
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                time.sleep(receiver.delay)
                if receiver.trickle:
                    for byte in b"HTTP/1.1 204 No Content\r\n" * 5:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(0.2)
                    return
                answers = receiver.answers
                status = answers.pop(0) if len(answers) > 1 else answers[0]
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def receiver():
    site = Receiver()
    yield site
    site.stop()


def verify(secret, headers, body) -> bool:
    """How a site checks a delivery (the README shows the same)."""
    parts = dict(item.split("=", 1) for item in headers[SIGNATURE_HEADER].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts["v1"])


def make_all_due(app):
    # Stands in for waiting out the backoff, so the test does not sleep.
    with app.app_context():
        db.session.execute(update(OutboxEvent).values(next_attempt_at=utcnow() - timedelta(1)))
        db.session.commit()


def test_site_down_then_back_gets_every_event_once_signed_in_order(
    app, client, auth, runner, receiver
):
    result = runner.invoke(args=["webhooks", "set", "Example Tribune", receiver.url])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    client.post("/api/v1/articles", json=sample_data.EXAMPLE_ARTICLE, headers=auth)
    for i, text in enumerate([*sample_data.EXAMPLE_COMMENTS, sample_data.SPAM]):
        body = {"id": f"w{i}", "article_id": sample_data.EXAMPLE_ARTICLE["id"], "text": text}
        assert client.post("/api/v1/comments", json=body, headers=auth).status_code == 201
    with app.app_context():  # a moderator changes their mind twice on w2
        comment = db.session.scalar(select(Comment).where(Comment.external_id == "w2"))
        record_decision(comment, "approved", [], "moderator", "maria")
        record_decision(comment, "rejected", ["spam"], "moderator", "maria")
        db.session.commit()

    # The site is down: every attempt fails and is retried later.
    assert "failed 3" in runner.invoke(args=["webhooks", "run", "--once"]).output
    with app.app_context():
        events = db.session.scalars(select(OutboxEvent)).all()
        assert len(events) == 5
        assert all(e.delivered_at is None for e in events)
        assert all(e.last_error.startswith("unreachable") for e in events if e.attempts)
    # Nothing is due before its backoff has passed.
    assert runner.invoke(args=["webhooks", "run", "--once"]).output == ""

    receiver.start()
    for _ in range(4):  # w2's three events go one round at a time, in order
        make_all_due(app)
        runner.invoke(args=["webhooks", "run", "--once"])
    deliveries = [(h, json.loads(b), b) for h, b in receiver.received]
    assert len(deliveries) == 5
    assert all(verify(secret, h, raw) for h, _, raw in deliveries)
    ids = [int(h[DELIVERY_HEADER]) for h, _, _ in deliveries]
    assert len(set(ids)) == 5, "each delivery id exactly once"
    w2 = [p["decision"]["to_status"] for _, p, _ in deliveries if p["comment"]["id"] == "w2"]
    assert w2[-2:] == ["approved", "rejected"], "in order per comment"
    make_all_due(app)
    assert runner.invoke(args=["webhooks", "run", "--once"]).output == ""
    assert len(receiver.received) == 5, "nothing delivered twice"


def test_replay_sends_again_with_the_same_delivery_id(app, client, auth, runner, receiver):
    receiver.start()
    runner.invoke(args=["webhooks", "set", "Example Tribune", receiver.url])
    body = {"id": "r1", "article_id": "a", "text": "hello"}
    client.post("/api/v1/comments", json=body, headers=auth)
    runner.invoke(args=["webhooks", "run", "--once"])
    ((first_headers, _),) = receiver.received
    event_id = first_headers[DELIVERY_HEADER]
    assert runner.invoke(args=["webhooks", "replay", event_id]).exit_code == 0
    runner.invoke(args=["webhooks", "run", "--once"])
    assert [h[DELIVERY_HEADER] for h, _ in receiver.received] == [event_id, event_id]


def test_sites_without_a_webhook_write_no_events(app, client, auth):
    client.post(
        "/api/v1/comments", json={"id": "n1", "article_id": "a", "text": "hi"}, headers=auth
    )
    with app.app_context():
        assert db.session.scalars(select(OutboxEvent)).all() == []


def test_webhook_url_must_be_http(runner, site_key):
    result = runner.invoke(args=["webhooks", "set", "Example Tribune", "ftp://x"])
    assert result.exit_code != 0 and "http" in result.output


def register_webhook(runner, url):
    result = runner.invoke(args=["webhooks", "set", "Example Tribune", url])
    assert result.exit_code == 0, result.output


@contextmanager
def listening_site(runner, **behaviour):
    """A site that receives deliveries (see ``Receiver``), registered as the
    webhook of the test site, and stopped afterwards."""
    site = Receiver(**behaviour)
    site.start()
    try:
        register_webhook(runner, site.url)
        yield site
    finally:
        site.stop()


def post_plain_comments(client, auth, count, prefix="c"):
    for i in range(count):
        body = {"id": f"{prefix}{i}", "article_id": "a", "text": f"comment {i}"}
        assert client.post("/api/v1/comments", json=body, headers=auth).status_code == 201


def stored_events(app):
    with app.app_context():
        return db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()


def test_a_redirect_is_not_followed_and_is_not_a_delivery(app, client, auth, runner):
    with listening_site(runner, answers=[302, 204]) as site:
        post_plain_comments(client, auth, 1)
        runner.invoke(args=["webhooks", "run", "--once"])
        (event,) = stored_events(app)
        assert event.delivered_at is None
        assert event.last_error == "HTTP 302 (redirects are not followed)"
        assert [path for _, path in site.arrived] == ["/hook"], "/elsewhere never asked"
        make_all_due(app)
        runner.invoke(args=["webhooks", "run", "--once"])
        (event,) = stored_events(app)
        assert event.delivered_at is not None


def test_a_site_that_trickles_its_answer_is_cut_off_at_the_deadline(app, client, auth, runner):
    """The receiver would take 25 s to send its headers; the attempt ends at
    the one-second deadline and counts as failed."""
    app.config["MODERATION_WEBHOOK_DEADLINE_SECONDS"] = 1
    with listening_site(runner, trickle=True):
        post_plain_comments(client, auth, 1)
        started = time.monotonic()
        runner.invoke(args=["webhooks", "run", "--once"])
        assert time.monotonic() - started < 10
        (event,) = stored_events(app)
        assert event.delivered_at is None
        assert event.last_error == "too slow: no complete answer within 1 s"


def test_two_workers_at_once_deliver_every_event_exactly_once(app, client, auth, runner):
    from moderation.domain.webhooks import deliver_due

    with listening_site(runner, delay=0.05) as site:
        post_plain_comments(client, auth, 12)

        def work(name):
            with app.app_context():
                while deliver_due(name) != (0, 0):
                    pass

        workers = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        ids = [headers[DELIVERY_HEADER] for headers, _ in site.received]
        assert len(ids) == len(set(ids)) == 12
        assert all(event.delivered_at is not None for event in stored_events(app))


def test_a_delivery_tells_the_site_everything_about_the_decision(app, client, auth, runner):
    with listening_site(runner) as site:
        post_plain_comments(client, auth, 1)
        with app.app_context():
            comment = db.session.scalar(select(Comment))
            first_status = comment.status
            record_decision(comment, "rejected", ["spam"], "moderator", "maria", note="a bot")
            db.session.commit()
            scores = {"abusive": comment.abusive, "on_topic": comment.on_topic}
            model_version = comment.model_version
        assert "delivered 1, failed 0" in runner.invoke(args=["webhooks", "run", "--once"]).output
        runner.invoke(args=["webhooks", "run", "--once"])
        (_, _), (headers, body) = site.received
        assert headers["Content-Type"] == "application/json"
        payload = json.loads(body)
        decided_at = payload["decision"].pop("decided_at")
        assert payload == {
            "delivery_id": int(headers[DELIVERY_HEADER]),
            "event": "comment.status_changed",
            "comment": {
                "id": "c0",
                "article_id": "a",
                "status": "rejected",
                "reasons": ["spam"],
                "scores": scores,
                "model_version": model_version,
            },
            "decision": {
                "from_status": first_status,
                "to_status": "rejected",
                "actor_type": "moderator",
                "actor": "maria",
                "note": "a bot",
            },
        }
        assert abs(utcnow() - datetime.fromisoformat(decided_at)) < timedelta(minutes=1)


@pytest.mark.parametrize(
    "answer, error",
    [
        (200, None),
        (299, None),
        (300, "HTTP 300 (redirects are not followed)"),
        (399, "HTTP 399 (redirects are not followed)"),
        (400, "HTTP 400"),
        (503, "HTTP 503"),
    ],
)
def test_only_a_2xx_answer_is_a_delivery(app, client, auth, runner, answer, error):
    with listening_site(runner, answers=[answer]):
        post_plain_comments(client, auth, 1)
        runner.invoke(args=["webhooks", "run", "--once"])
        (event,) = stored_events(app)
        assert (event.delivered_at is not None, event.last_error) == (error is None, error)


def test_failed_attempts_are_retried_after_a_doubling_wait_of_at_most_ten_minutes(app):
    app.config["MODERATION_WEBHOOK_FIRST_RETRY_SECONDS"] = 3
    event = OutboxEvent(attempts=0, claimed_by="w1", claimed_until=utcnow())
    waits = []
    with app.app_context():
        for _ in range(10):
            before = utcnow()
            record_attempt(event, "HTTP 500")
            waits.append(round((event.next_attempt_at - before).total_seconds()))
        assert event.attempts == 10 and event.last_error == "HTTP 500"
        assert (event.claimed_by, event.claimed_until) == (None, None)
        record_attempt(event, None)
    assert waits == [3, 6, 12, 24, 48, 96, 192, 384, 600, 600]
    assert event.attempts == 11 and event.delivered_at is not None and event.last_error is None


def test_a_delivery_the_policy_refuses_is_recorded_and_retried(app, client, auth, runner):
    with listening_site(runner) as site:
        post_plain_comments(client, auth, 1)
        app.config["MODERATION_WEBHOOK_ALLOWED_NETWORKS"] = ""  # the operator takes it back
        assert "failed 1" in runner.invoke(args=["webhooks", "run", "--once"]).output
        (event,) = stored_events(app)
        assert event.last_error.startswith("refused: ") and as_utc(event.next_attempt_at) > utcnow()
        assert site.received == []


def test_setting_the_webhook_again_replaces_its_url_and_secret(app, client, auth, runner):
    old, new = Receiver(), Receiver()
    new.start()
    try:
        first = runner.invoke(args=["webhooks", "set", "Example Tribune", old.url])
        second = runner.invoke(args=["webhooks", "set", "Example Tribune", new.url])
        secrets = [result.output.strip().splitlines()[-1] for result in (first, second)]
        assert all(secret.startswith("whsec_") for secret in secrets)
        assert secrets[0] != secrets[1]
        post_plain_comments(client, auth, 1)
        runner.invoke(args=["webhooks", "run", "--once"])
        ((headers, body),) = new.received
        assert verify(secrets[1], headers, body) and not verify(secrets[0], headers, body)
    finally:
        new.stop()
