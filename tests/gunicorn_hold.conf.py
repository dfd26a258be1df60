"""Test-only gunicorn settings: the project's, plus a hold inside the
transaction of the first request that stores comments.

Used by test_worker_kill.py alone. Before that request's worker commits the
rows of the batch, it writes what its open transaction holds to the file
named by ``HOLD_MARKER`` and then waits, without committing, to be killed.
Workers forked later find the marker and do not hold.
"""

import json
import os
import time
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.orm import Session

_project = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
exec(compile(_project.read_text(), str(_project), "exec"))

HOLD_SECONDS = 120


def post_fork(server, worker):
    marker = Path(os.environ["HOLD_MARKER"])
    if marker.exists():
        return

    @event.listens_for(Session, "before_commit")
    def hold(session):
        # Comments are written with multi-row INSERTs (no ORM objects): a
        # transaction that is about to commit comments sees them counted.
        if marker.exists() or session.in_nested_transaction():
            return  # a savepoint released, not the transaction's commit
        count = {
            table: session.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("comments", "decisions")
        }
        if not count["comments"]:
            return
        partial = marker.with_suffix(".partial")
        partial.write_text(json.dumps({"pid": os.getpid(), **count}))
        partial.rename(marker)
        time.sleep(HOLD_SECONDS)
