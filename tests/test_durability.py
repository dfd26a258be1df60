"""A 201 means the comment is stored: killing the worker the moment the
answer arrives loses nothing (run on PostgreSQL by `.ci/run`)."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from moderation.config import PROJECT_ROOT
from moderation.domain.orm import Comment
from moderation.infrastructure.db import db


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def workers_of(server: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def wait_until_serving(port: int, server: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited before serving"
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer /health within {seconds} s")


def test_a_201_survives_the_worker_being_killed_right_after(app, database_url, model_dir, site_key):
    port = free_port()
    env = {
        **os.environ,
        "MODERATION_DATABASE_URL": database_url,
        "MODERATION_MODEL_DIR": str(model_dir),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"],
        cwd=PROJECT_ROOT,
        env={**env, "GUNICORN_CMD_ARGS": "--access-logfile /dev/null"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    answered = []
    try:
        for attempt in range(3):
            wait_until_serving(port, server)
            (worker,) = workers_of(server)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            body = {"id": f"durable-{attempt}", "article_id": "a", "text": f"Comment {attempt}"}
            connection.request(
                "POST",
                "/api/v1/comments",
                json.dumps(body),
                {"Authorization": f"Bearer {site_key}", "Content-Type": "application/json"},
            )
            response = connection.getresponse()
            answer = json.loads(response.read())
            os.kill(worker, signal.SIGKILL)
            assert response.status == 201, answer
            answered.append((body["id"], answer["status"]))
            # The master replaces the worker; the next attempt waits for it.
            deadline = time.monotonic() + 30
            while worker in workers_of(server) and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        server.terminate()
        server.wait(timeout=30)
    with app.app_context():
        stored = db.session.execute(select(Comment.external_id, Comment.status)).all()
        decided = {c.external_id: len(c.decisions) for c in db.session.scalars(select(Comment))}
    assert sorted(stored) == sorted(answered)
    assert set(decided.values()) == {1}
