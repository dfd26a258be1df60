"""Webhooks: every status change reaches the site, signed, in order, once
per delivery id, even when the site is down for a while."""

import hashlib
import hmac
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, update

from moderation.comments import record_decision
from moderation.db import db, utcnow
from moderation.orm import Comment, OutboxEvent
from moderation.webhooks import DELIVERY_HEADER, SIGNATURE_HEADER
from tests import sample_data


class Receiver:
    """A site's endpoint on 127.0.0.1 that can be down, then come back."""

    def __init__(self):
        with socket.socket() as probe:  # a free port, nothing listening yet
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.received = []
        self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self):
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), body))
                self.send_response(204)
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
