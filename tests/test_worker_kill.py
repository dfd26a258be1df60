"""A gunicorn worker killed while it stores a batch leaves no half of it.

The worker is held inside its transaction (tests/gunicorn_hold.conf.py):
every row of the batch is written but not committed when the test kills it.
Nothing of the batch may then be stored; sent again to the replacement
worker, all of it is.
"""

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from moderation.config import PROJECT_ROOT
from tests.moderation_helpers import wait_for

BATCH = 500


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthy(port) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/health")
        return connection.getresponse().status == 200
    except OSError:
        return False


def workers(server) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def post_batch(port, key, comments) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(
        "POST",
        "/api/v1/comments/batch",
        json.dumps({"comments": comments}),
        {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def stored_rows(database) -> tuple[int, int]:
    with sqlite3.connect(database) as db:
        comments = db.execute("SELECT count(*) FROM comments").fetchone()[0]
        decided = db.execute("SELECT count(DISTINCT comment_id) FROM decisions").fetchone()[0]
    return comments, decided


def test_killed_worker_stores_all_of_a_batch_or_none(tmp_path, model_dir):
    database = tmp_path / "kill.sqlite"
    marker = tmp_path / "held.json"
    port = free_port()
    env = {
        **os.environ,
        "MODERATION_DATABASE_URL": f"sqlite:///{database}",
        "MODERATION_MODEL_DIR": str(model_dir),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "HOLD_MARKER": str(marker),
    }
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "tests/gunicorn_hold.conf.py", "app:app"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        answering = f"gunicorn answering /health:\n{log.read_text()}"
        assert wait_for(lambda: healthy(port), 60), answering
        created = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "sites", "create", "Kill Test"],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        key = created.stdout.strip().splitlines()[-1]
        comments = [
            {"id": f"k{i}", "article_id": "a", "text": f"comment {i}"} for i in range(BATCH)
        ]
        (worker,) = workers(server)

        answer = {}

        def send():
            try:
                answer["response"] = post_batch(port, key, comments)
            except OSError as exc:
                answer["error"] = exc

        sender = threading.Thread(target=send)
        sender.start()
        assert wait_for(marker.exists, 60), "the worker holding the batch's transaction"
        held = json.loads(marker.read_text())
        # The whole batch is written inside the open transaction, by the one worker.
        assert held == {"pid": worker, "comments": BATCH, "decisions": BATCH}
        assert sender.is_alive() and answer == {}, "the request is still in flight"

        os.kill(worker, signal.SIGKILL)
        sender.join(timeout=30)
        assert not sender.is_alive()
        assert "response" not in answer, f"a killed worker answered: {answer}"
        assert isinstance(answer["error"], ConnectionError), answer

        assert stored_rows(database) == (0, 0), "nothing of an uncommitted batch is stored"

        # The master forks a replacement, which stores the batch sent again.
        assert wait_for(lambda: workers(server) not in ([], [worker]), 60), "a replacement worker"
        assert wait_for(lambda: healthy(port), 60), "the replacement answering /health"
        status, body = post_batch(port, key, comments)
        assert status == 200 and body["stored"] == BATCH, body
        assert all(r["status_code"] == 201 for r in body["results"])
        assert stored_rows(database) == (BATCH, BATCH)
    finally:
        server.terminate()
        server.wait(timeout=30)
