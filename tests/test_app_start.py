"""``python app.py`` on a busy or odd port stops at once with a message,
before it creates a database or loads a model."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start(tmp_path, port: str) -> subprocess.CompletedProcess:
    database = tmp_path / "never.sqlite"
    env = {
        **os.environ,
        "PORT": port,
        "HOST": "127.0.0.1",
        "MODERATION_DATABASE_URL": f"sqlite:///{database}",
    }
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert not database.exists(), "nothing should have been started"
    return result


def test_a_busy_port_stops_the_start_with_a_message(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = start(tmp_path, str(port))
    assert result.returncode != 0
    assert f"Port {port} on 127.0.0.1 is not free" in result.stderr
    assert f"PORT={port + 1}" in result.stderr


def test_a_port_that_is_not_a_number_is_named(tmp_path):
    result = start(tmp_path, "http")
    assert result.returncode != 0 and "PORT must be a number from 1 to 65535" in result.stderr


def test_the_web_process_loads_no_training_code(tmp_path):
    """Serving needs the model, not the code that reads data files and
    trains: those stay out of every web worker's memory and start-up."""
    env = {**os.environ, "MODERATION_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    program = (
        "import sys, app, moderation.learning.scoring\n"
        "client = app.app.test_client()\n"
        "assert client.get('/health').status_code in (200, 503)\n"
        "ours = [m for m in sys.modules if m.startswith('moderation.') or m == 'torch']\n"
        "print(' '.join(sorted(ours)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    for training_module in (
        "datasets",
        "training",
        "language_training",
        "evaluation",
        "splits",
        "heads",
        "pairs",
        "abuse_tuning",
        "torch_encoder",
    ):
        assert f"moderation.learning.{training_module}" not in loaded
    assert "torch" not in loaded
