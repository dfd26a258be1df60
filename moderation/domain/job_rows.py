"""Rows that follow a job (a retraining run, a label import): finding those a
dead worker or a lost queue left behind.

Huey takes a job off the queue when a worker starts it, so a worker that
dies leaves its row "running" with a heartbeat that has stopped; a queue
that loses its data (Redis restarted without it) leaves rows "queued" that
no job will ever take. Both tables have ``status``, ``started_at`` and
``heartbeat_at`` for this.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from moderation.infrastructure import jobs
from moderation.infrastructure.db import db, utcnow


def _cutoff(seconds: float | None):
    return utcnow() - timedelta(
        seconds=seconds or current_app.config["MODERATION_JOB_STALE_SECONDS"]
    )


def stopped(model, stale_seconds: float | None = None) -> list:
    """Rows still running whose worker has not beaten for ``stale_seconds``."""
    cutoff = _cutoff(stale_seconds)
    query = select(model).where(model.status == "running", model.heartbeat_at < cutoff)
    return list(db.session.scalars(query).all())


def requeue_lost(model, job: str, grace_seconds: float | None = None) -> int:
    """Queue ``job`` again for every row still queued after the grace period
    whose job the queue no longer holds; returns how many."""
    cutoff = _cutoff(grace_seconds)
    query = select(model.id).where(model.status == "queued", model.started_at < cutoff)
    held = jobs.queued_arguments(job)
    lost = [row_id for row_id in db.session.scalars(query).all() if (row_id,) not in held]
    for row_id in lost:
        jobs.enqueue(job, row_id)
    return len(lost)
