"""Test-only gunicorn settings: the project's, plus a hold inside the
transaction of the first request that stores comments.

Used by test_worker_kill.py alone. That request's worker flushes every row
of the batch, writes what its open transaction holds to the file named by
``HOLD_MARKER`` and then waits, without committing, to be killed. Workers
forked later find the marker and do not hold.
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
    from moderation.orm import Comment

    @event.listens_for(Session, "after_flush")
    def note_comments(session, _):
        if any(isinstance(row, Comment) for row in session.new):
            session.info["stores_comments"] = True

    @event.listens_for(Session, "before_commit")
    def hold(session):
        new_comments = any(isinstance(row, Comment) for row in session.new)
        if not (session.info.get("stores_comments") or new_comments) or marker.exists():
            return
        session.flush()
        count = {
            table: session.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("comments", "decisions")
        }
        partial = marker.with_suffix(".partial")
        partial.write_text(json.dumps({"pid": os.getpid(), **count}))
        partial.rename(marker)
        time.sleep(HOLD_SECONDS)
