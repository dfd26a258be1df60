"""Entry point: ``python app.py`` serves; ``flask --app app ...`` runs commands."""

import os
import socket
import sys


def _port_or_exit(host: str, raw_port: str) -> int:
    """The port to serve on, checked before anything slow (loading the
    model, migrating) happens: a busy or odd port stops the start at once."""
    if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
        sys.exit(f"PORT must be a number from 1 to 65535, not {raw_port!r}.")
    port = int(raw_port)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            sys.exit(
                f"Port {port} on {host} is not free ({exc.strerror}): stop what uses it, "
                f"or start on another port, e.g. PORT={port + 1} .venv/bin/python app.py"
            )
    return port


if __name__ == "__main__":
    HOST = os.environ.get("HOST", "127.0.0.1")
    PORT = _port_or_exit(HOST, os.environ.get("PORT", "5000"))

from moderation import create_app  # noqa: E402
from moderation.infrastructure.db import ensure_schema  # noqa: E402

app = create_app()

if __name__ == "__main__":
    if ensure_schema(app):
        print(
            "Created an empty database. Create a site and its API key with:\n"
            "  .venv/bin/flask --app app sites create 'My News Site'"
        )
    # One command, no other service: jobs (retraining and the like) run in a
    # thread of this process, from the queue's SQLite file.
    if not app.config["MODERATION_JOBS_URL"]:
        app.extensions["jobs"].consumer(in_process=True).start()
    app.run(host=HOST, port=PORT)
