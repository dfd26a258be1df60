"""A gunicorn worker killed while it stores a batch leaves no half of it."""

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from moderation.config import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_killed_worker_stores_all_of_a_batch_or_none(tmp_path, model_dir):
    database = tmp_path / "kill.sqlite"
    port = free_port()
    env = {
        **os.environ,
        "MODERATION_DATABASE_URL": f"sqlite:///{database}",
        "MODERATION_MODEL_DIR": str(model_dir),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        created = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "sites", "create", "Kill Test"],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        key = created.stdout.strip().splitlines()[-1]
        comments = [{"id": f"k{i}", "article_id": "a", "text": f"comment {i}"} for i in range(500)]

        def send():
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request(
                    "POST",
                    "/api/v1/comments/batch",
                    json.dumps({"comments": comments}),
                    {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
                )
                connection.getresponse().read()
            except OSError:
                pass  # the worker died under it: expected

        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(0.3)
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        for pid in children:
            os.kill(int(pid), signal.SIGKILL)
        sender.join(timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=30)
    with sqlite3.connect(database) as db:
        stored = db.execute("SELECT count(*) FROM comments").fetchone()[0]
        decided = db.execute("SELECT count(DISTINCT comment_id) FROM decisions").fetchone()[0]
    assert stored in (0, 500), f"{stored} of 500 stored: a batch was half-written"
    assert decided == stored, "every stored comment has its decision"
