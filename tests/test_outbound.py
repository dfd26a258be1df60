"""Where webhooks may point: public addresses only, unless the operator
allows a network; checked at registration and again after resolving the
name at delivery time."""

import socket

import pytest
from sqlalchemy import select

from moderation.domain.orm_webhooks import Webhook
from moderation.infrastructure.db import db
from tests.test_webhooks import (
    WORKERS_DELIVER,
    Receiver,
    post_plain_comments,
    register_webhook,
    stored_events,
)


@pytest.mark.parametrize(
    "url, kind",
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://127.0.0.1:8000/hook", "loopback"),
        ("http://localhost/hook", "loopback"),
        ("http://10.0.0.5/hook", "private"),
        ("https://192.168.1.1/hook", "private"),
        ("http://[::1]/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://0.0.0.0/hook", "unspecified"),
        ("http://240.0.0.1/hook", "reserved"),
        ("http://100.64.0.1/hook", "non-public"),
        # Some clouds' metadata service; Python 3.11.7 calls it global.
        ("http://192.0.0.192/latest/", "non-public"),
        # IPv4 inside IPv6: 6to4 and NAT64 lead to the loopback.
        ("http://[2002:7f00:1::]/hook", "loopback"),
        ("http://[64:ff9b::7f00:1]/hook", "loopback"),
        ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook", "private"),
    ],
)
def test_webhooks_cannot_point_inside_the_network(app, runner, site_key, url, kind):
    app.config["MODERATION_WEBHOOK_ALLOWED_NETWORKS"] = ""
    result = runner.invoke(args=["webhooks", "set", "Example Tribune", url])
    assert result.exit_code != 0
    assert f"{kind} address" in result.output
    assert "MODERATION_WEBHOOK_ALLOWED_NETWORKS" in result.output
    with app.app_context():
        assert db.session.scalars(select(Webhook)).all() == []


def test_an_operator_can_allow_a_private_network(app, runner, site_key):
    app.config["MODERATION_WEBHOOK_ALLOWED_NETWORKS"] = "10.0.0.0/8, 127.0.0.1/32"
    register_webhook(runner, "http://10.1.2.3/hook")
    # The same network reached through a NAT64 gateway (DNS64 networks).
    register_webhook(runner, "http://[64:ff9b::a01:203]/hook")
    refused = runner.invoke(args=["webhooks", "set", "Example Tribune", "http://192.168.0.1/"])
    assert refused.exit_code != 0 and "private" in refused.output


@pytest.fixture
def app_config():
    return dict(WORKERS_DELIVER)


@pytest.fixture
def receiver():
    site = Receiver()
    yield site
    site.stop()


def test_delivery_checks_the_address_again_after_resolving(
    app, client, auth, runner, receiver, monkeypatch
):
    """A name that resolved to a public address when it was registered and
    to this machine when the event is sent (DNS rebinding) reaches nothing."""
    receiver.start()
    app.config["MODERATION_WEBHOOK_ALLOWED_NETWORKS"] = ""
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["93.184.216.34", "127.0.0.1"])

    def rebinding_dns(host, port, *args, **kwargs):
        if host != "hooks.example.com":
            return real_getaddrinfo(host, port, *args, **kwargs)
        address = next(answers, "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    register_webhook(runner, f"http://hooks.example.com:{receiver.port}/hook")
    post_plain_comments(client, auth, 1)
    assert "failed 1" in runner.invoke(args=["webhooks", "run", "--once"]).output
    (event,) = stored_events(app)
    assert event.delivered_at is None
    assert event.last_error.startswith("refused: hooks.example.com resolves to 127.0.0.1")
    assert receiver.received == [], "no connection was made"


def test_a_mistyped_allowed_network_stops_the_start(model_dir):
    from moderation import create_app

    with pytest.raises(ValueError, match="'10.0.0/33' is not a network"):
        create_app({"MODERATION_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32, 10.0.0/33"})
