"""Serving under the shipped gunicorn.conf.py: the operator's logs work.

The configuration runs the migrations in gunicorn's master before forking;
Alembic's logging setup once silenced every logger that existed by then,
gunicorn's own included, so production logged nothing.
"""

import http.client
import json
import os
import subprocess
import sys
import time

from moderation.config import PROJECT_ROOT
from tests.test_worker_kill import free_port


def request(port, method, path, body=None, headers=None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path, body, headers or {})
    response = connection.getresponse()
    response.read()
    return response.status


def test_requests_are_in_the_access_log_and_5xx_in_the_error_log(tmp_path):
    port = free_port()
    no_model = tmp_path / "no-model"  # so scoring answers 503
    no_model.mkdir()
    env = {
        **os.environ,
        "MODERATION_DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite'}",
        "MODERATION_MODEL_DIR": str(no_model),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    access_log, error_log = tmp_path / "access.log", tmp_path / "error.log"
    with open(access_log, "w") as stdout, open(error_log, "w") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        started = False
        for _ in range(150):
            try:
                started = request(port, "GET", "/health") == 200
                break
            except OSError:
                time.sleep(0.2)
        assert started, error_log.read_text()
        created = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "sites", "create", "Log Test"],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        key = created.stdout.strip().splitlines()[-1]
        status = request(
            port,
            "POST",
            "/api/v1/score",
            json.dumps({"text": "hello"}),
            {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        assert status == 503
    finally:
        server.terminate()
        server.wait(timeout=30)

    access = access_log.read_text()
    assert '"GET /health HTTP/1.1" 200' in access
    assert '"POST /api/v1/score HTTP/1.1" 503' in access
    errors = error_log.read_text()
    assert "Booting worker" in errors, "gunicorn's own error log survives the migrations"
    assert "POST /api/v1/score answered 503: No model is available" in errors
    assert "Traceback (most recent call last)" in errors
    assert key not in access + errors
