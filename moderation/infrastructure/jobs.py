"""Background jobs on Huey: work that must not run in a web request.

Retraining, re-scoring held comments, deciding comments that waited for
their article, label imports and webhook delivery run as jobs, so
a web worker that is recycled or killed takes none of them with it, and
they can run on other machines. Where the queue lives comes from
``MODERATION_JOBS_URL``:

- unset: a SQLite file in the instance folder. ``python app.py`` runs a
  consumer thread of its own, so one command still needs no other service;
  under gunicorn, run ``flask --app app jobs work`` beside it.
- ``redis://host:port/db``: Redis, shared by every app instance and by
  ``flask --app app jobs work`` processes on any machines.
- ``memory://``: each job runs at once, in the caller (the tests).

Huey removes a job from the queue when a worker takes it, so a worker
killed mid-job loses the message. No job's loss goes unnoticed: retraining
keeps its state in the database with a heartbeat, and a periodic check
marks it failed when its worker has stopped (``domain.training_runs``,
and so for label imports, ``domain.label_imports``);
re-scoring and deciding comments that waited for their article are found
undone from the comments themselves and queued again by periodic checks
(``comments.requeue_lost_rescoring``, ``late_articles.requeue_lost_waiting``);
webhook delivery is swept every minute (``domain.webhook_jobs``).
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import huey
from flask import Flask, current_app, has_app_context
from huey.consumer import Consumer
from sqlalchemy import Executable, event
from sqlalchemy.orm import Session

from moderation.infrastructure.db import db

logger = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 5.0


def make_queue(url: str, instance_path: str) -> huey.Huey:
    if url == "memory://":
        return huey.MemoryHuey("moderation", immediate=True)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return huey.RedisHuey("moderation", url=url)
    if url.startswith("sqlite:///") or not url:
        filename = url.removeprefix("sqlite:///") or str(Path(instance_path) / "jobs.sqlite")
        return huey.SqliteHuey("moderation", filename=filename)
    raise ValueError(f"MODERATION_JOBS_URL must be redis://, sqlite:/// or memory://, not {url!r}")


class Jobs:
    """The app's queue and the jobs registered on it, by name."""

    def __init__(self, app: Flask, queue):
        self.app = app
        self.queue = queue
        self.tasks: dict[str, object] = {}

    def register(self, name: str, function: Callable, every_minute: bool = False) -> None:
        """Run ``function`` as job ``name``, in an app context of its own."""
        app = self.app

        def in_app_context(*args) -> None:
            # What a job did is in the database; a value returned here would
            # sit in Huey's result store until someone read it.
            with app.app_context():
                function(*args)

        in_app_context.__name__ = name
        if every_minute:
            task = self.queue.periodic_task(huey.crontab(), name=name)(in_app_context)
        else:
            task = self.queue.task(name=name)(in_app_context)
        self.tasks[name] = task

    def enqueue(self, name: str, *args, delay: float | None = None) -> None:
        task = self.tasks[name]
        if delay:
            task.schedule(args=args, delay=delay)
        else:
            task(*args)

    def schedule_once(self, name: str, delay: float) -> None:
        """Run job ``name`` (no arguments) in ``delay`` seconds, unless one
        is already set for that second: callers that reschedule the same
        job do not multiply it."""
        due = int(time.time() + delay)
        if self.queue.put_if_empty(f"{name}@{due}", True, ttl=int(delay) + 60):
            self.tasks[name].schedule(delay=delay)

    def queued_arguments(self, name: str) -> set[tuple]:
        """The arguments of every job ``name`` waiting in the queue."""
        return {tuple(task.args) for task in self.queue.pending() if task.name == name}

    def consumer(self, workers: int = 1, in_process: bool = False) -> Consumer:
        # In ``python app.py`` the consumer shares the process with the web
        # server, whose signal handling (Ctrl+C) must stay the server's.
        kind = _QuietConsumer if in_process else Consumer
        return kind(self.queue, workers=workers, worker_type="thread", periodic=True)


class _QuietConsumer(Consumer):
    def _set_signal_handlers(self):
        pass


def init_app(app: Flask, jobs: dict[str, Callable], every_minute: dict[str, Callable]) -> None:
    queue = make_queue(app.config["MODERATION_JOBS_URL"], app.instance_path)
    registry = Jobs(app, queue)
    for name, function in jobs.items():
        registry.register(name, function)
    for name, function in every_minute.items():
        registry.register(name, function, every_minute=True)
    app.extensions["jobs"] = registry


def enqueue(name: str, *args, delay: float | None = None) -> None:
    """Queue job ``name`` for a worker (at once in ``memory://`` mode)."""
    current_app.extensions["jobs"].enqueue(name, *args, delay=delay)


def enqueue_committed(name: str, *args) -> bool:
    """``enqueue`` for work a committed transaction asked for: a queue that
    is away must not turn what was stored into an error answer (the minute's
    checks queue lost work again). Returns whether it was queued."""
    try:
        enqueue(name, *args)
        return True
    except Exception:
        logger.exception("could not queue job %s%r after a commit", name, args)
        return False


def queued_arguments(name: str) -> set[tuple]:
    return current_app.extensions["jobs"].queued_arguments(name)


def schedule_once(name: str, delay: float) -> None:
    current_app.extensions["jobs"].schedule_once(name, delay)


def worker_name() -> str:
    """This thread of this process on this machine, as the job's row names it."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@contextmanager
def heartbeat(statement: Callable[[], Executable]) -> Iterator[None]:
    """While the block runs, execute ``statement()`` and commit every few
    seconds, on a connection of its own: the job's session may be busy for
    minutes. A periodic check tells a job whose worker died by its stale
    heartbeat. A job that writes should commit inside the block: on
    SQLite a beat waits for the job's write lock."""
    app = current_app._get_current_object()
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            with app.app_context():
                try:
                    db.session.execute(statement())
                    db.session.commit()
                except Exception:  # a locked database, say: the next beat may pass
                    db.session.rollback()
                    logger.warning("a job's heartbeat was not written", exc_info=True)

    beating = threading.Thread(target=beat, daemon=True)
    beating.start()
    try:
        yield
    finally:
        stop.set()
        beating.join()


# Jobs a session asks for, queued when (and only if) its transaction commits.
AFTER_COMMIT = "jobs_after_commit"


def enqueue_after_commit(name: str) -> None:
    """Queue job ``name`` (no arguments) once this transaction commits: a
    job queued before could run first and not see what it is about."""
    db.session.info.setdefault(AFTER_COMMIT, set()).add(name)


# Both events also fire when a savepoint is released or rolled back; the
# jobs wait for the transaction itself.


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return
    names = session.info.pop(AFTER_COMMIT, None)
    if not names or not has_app_context():
        return
    for name in sorted(names):
        try:
            enqueue(name)
        except Exception:  # what was committed stays; the periodic jobs catch up
            logger.exception("could not queue job %s after a commit", name)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(AFTER_COMMIT, None)
