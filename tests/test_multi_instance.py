"""Several machines' worth of processes on one database and one Redis, as
the README's "Scaling out" runs them: two app instances on their own ports
and two job workers (which also deliver webhooks). Runs when the suite runs
on PostgreSQL with ``MODERATION_TEST_REDIS_URL`` set (``.ci/run`` does)."""

import os
import re
import socket
import subprocess
import sys
import time

import pytest
import requests
from sqlalchemy import select

from moderation.config import PROJECT_ROOT
from moderation.domain.orm_learning import TrainingRun
from moderation.domain.webhooks import set_webhook
from moderation.infrastructure.db import db
from tests import sample_data
from tests.moderation_helpers import PASSWORD, add_moderator, wait_for
from tests.test_webhooks import LOOPBACK_ALLOWED, Receiver

REDIS_URL = os.environ.get("MODERATION_TEST_REDIS_URL")


@pytest.fixture
def app_config():
    return dict(LOOPBACK_ALLOWED)


@pytest.fixture
def cluster(app, database_url, two_versions, tmp_path):
    if not database_url.startswith("postgresql") or not REDIS_URL:
        pytest.skip("needs PostgreSQL and MODERATION_TEST_REDIS_URL")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    rows = sample_data.labelled_comments()
    many = [
        {**r, "id": f"{r['id']}-{n}", "text": f"{r['text']} n{n}"} for n in range(20) for r in rows
    ]
    sample_data.write_jsonl(tmp_path / "base.jsonl", many)
    sample_data.write_jsonl(tmp_path / "articles.jsonl", sample_data.ARTICLES)
    env = {
        **os.environ,
        "MODERATION_DATABASE_URL": database_url,
        "MODERATION_MODEL_DIR": str(two_versions),
        "MODERATION_JOBS_URL": REDIS_URL,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "MODERATION_LOGIN_RATE_LIMIT": "4 per minute",
        "MODERATION_MODEL_CHECK_SECONDS": "1",
        "MODERATION_BASE_DATA": str(tmp_path / "base.jsonl"),
        "MODERATION_BASE_ARTICLES": str(tmp_path / "articles.jsonl"),
        "MODERATION_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
        "SECRET_KEY": "one secret for every instance",
        "HOST": "127.0.0.1",
    }
    processes = Processes(env, tmp_path)
    yield processes
    processes.stop_all()


class Processes:
    def __init__(self, env, folder):
        self.env, self.folder, self.running = env, folder, {}

    def start(self, name, *command, port=None):
        env = {**self.env, "PORT": str(port)} if port else self.env
        with open(self.folder / f"{name}.log", "a") as log:
            self.running[name] = subprocess.Popen(
                [sys.executable, *command], cwd=PROJECT_ROOT, env=env, stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        if port:
            assert wait_for(lambda: _answers(port), 60), self.log(name)

    def stop(self, name):
        process = self.running.pop(name)
        process.terminate()
        process.wait(timeout=20)

    def stop_all(self):
        for name in list(self.running):
            self.stop(name)

    def log(self, name):
        return (self.folder / f"{name}.log").read_text()


def _answers(port) -> bool:
    try:
        # The first /health loads the model: seconds on a loaded machine.
        return requests.get(f"http://127.0.0.1:{port}/health", timeout=30).ok
    except requests.ConnectionError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def signed_in(base) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = session.post(
        f"{base}/login", data={"username": "boss", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.ok and "Sign in" not in answer.text[:2000]
    return session


def form_token(session, url) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', session.get(url).text).group(1)


def test_two_instances_and_two_job_workers(app, site_key, cluster):
    add_moderator(app, "boss", role="admin")
    receiver = Receiver()
    receiver.start()
    with app.app_context():
        from moderation.domain.orm import Site

        site = db.session.scalar(select(Site))
        set_webhook(site, receiver.url)
        db.session.commit()
    port_a, port_b = free_port(), free_port()
    a, b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    try:
        cluster.start("a", "app.py", port=port_a)
        cluster.start("b", "app.py", port=port_b)
        for name in ("jobs1", "jobs2"):
            cluster.start(name, "-m", "flask", "--app", "app", "jobs", "work")
        key = {"Authorization": f"Bearer {site_key}"}

        # Posts through both instances; each sees what the other stored.
        for n, base in enumerate([a, b, a, b]):
            body = {"id": f"c{n}", "article_id": "a1", "text": f"A reader's comment {n}"}
            assert (
                requests.post(f"{base}/api/v1/comments", json=body, headers=key).status_code == 201
            )
        assert requests.get(f"{b}/api/v1/comments/c0", headers=key).json()["id"] == "c0"
        assert requests.get(f"{a}/api/v1/comments/c3", headers=key).json()["id"] == "c3"

        # Each comment's event reaches the site exactly once: both job workers deliver.
        assert wait_for(lambda: len(receiver.received) >= 4, 30), cluster.log("jobs1")
        time.sleep(2)  # time for a duplicate to arrive, if there were one
        delivered = sorted(
            re.search(rb'"id": ?"(c\d)"', body).group(1) for _, body in receiver.received
        )
        assert delivered == [b"c0", b"c1", b"c2", b"c3"]

        # The comments waited for their article; once it is posted on A, a
        # job worker decides them again, and B shows it.
        waiting = requests.get(f"{b}/api/v1/comments/c0", headers=key).json()
        assert "unknown_article" in waiting["reasons"]
        article = {**sample_data.EXAMPLE_ARTICLE, "id": "a1"}
        assert requests.post(f"{a}/api/v1/articles", json=article, headers=key).status_code == 201

        def decided_again():
            comment = requests.get(f"{b}/api/v1/comments/c0", headers=key).json()
            return "unknown_article" not in comment["reasons"]

        assert wait_for(decided_again, 30), cluster.log("jobs1") + cluster.log("jobs2")

        # Rate limits are counted in Redis: wrong passwords on A count on B.
        def wrong_password(base):
            session = requests.Session()
            token = form_token(session, f"{base}/login")
            form = {"username": "nobody", "password": "wrong", "csrf_token": token}
            return session.post(f"{base}/login", data=form).status_code

        assert [wrong_password(base) for base in (a, a, b, b)] == [401] * 4
        assert wrong_password(b) == 429 and wrong_password(a) == 429

        # A promotion on A is what B serves within seconds.
        redis_flush_login_limits()
        admin_a = signed_in(a)
        token = form_token(admin_a, f"{a}/admin/models")
        admin_a.post(f"{a}/admin/models/promote", data={"version": "v2", "csrf_token": token})
        assert wait_for(lambda: requests.get(f"{b}/health").json()["model_version"] == "v2", 10)

        # A retraining queued on A runs on a job worker and outlives A's restart.
        token = form_token(admin_a, f"{a}/admin/models")
        page = admin_a.post(f"{a}/admin/retrain", data={"csrf_token": token}).text
        assert "Retraining queued" in page
        cluster.stop("a")
        cluster.start("a", "app.py", port=port_a)

        def finished():
            with app.app_context():
                run = db.session.scalars(
                    select(TrainingRun).order_by(TrainingRun.id.desc())
                ).first()
                db.session.rollback()
                return run.status in ("promoted", "kept")

        assert wait_for(finished, 120), cluster.log("jobs1") + cluster.log("jobs2")
        page = signed_in(a).get(f"{a}/admin/models").text
        assert "promoted" in page or "kept" in page
    finally:
        receiver.stop()


def redis_flush_login_limits():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter("LIMITS*"):
        client.delete(key)
