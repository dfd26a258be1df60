"""Retraining as a job: queued from the admin page, run by a job worker.

The run's row is the truth about it: queued, running (with the worker's
name and a heartbeat), then promoted, kept or failed. The queue may lose a
job whose worker is killed (Huey takes a job off the queue when a worker
starts it), so a periodic check marks a running run whose heartbeat has
gone stale as failed, saying why, and queues again a run whose job the
queue no longer holds: never silently lost. While a run is
queued or running, its ``active_for`` key (unique) refuses a second one for
the same site.
"""

from pathlib import Path

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from moderation.domain import job_rows
from moderation.domain.orm_learning import TrainingRun
from moderation.domain.policy import Thresholds
from moderation.infrastructure import jobs
from moderation.infrastructure.db import db, utcnow


class AlreadyRunning(ValueError):
    pass


def _active_key(site_id: int | None) -> str:
    return f"site:{site_id}" if site_id is not None else "every site"


def queue_run(by: str, site_id: int | None = None) -> TrainingRun:
    """A new queued run, flushed (the caller commits, then enqueues its id)."""
    run = TrainingRun(
        started_by=by, site_id=site_id, status="queued", progress="waiting for a job worker",
        active_for=_active_key(site_id),
    )  # fmt: skip
    db.session.add(run)
    try:
        db.session.flush()
    except IntegrityError:
        # The caller rolls back: the session is unusable until it does.
        raise AlreadyRunning("a retraining of these labels is already queued or running") from None
    return run


def run_job(run_id: int) -> None:
    """The job: train, gate, maybe promote; the row says how far it got."""
    from moderation.domain import retraining

    # Taken in one conditional update: if the job was queued twice (see
    # requeue_lost_runs), only one worker runs it.
    taken = db.session.execute(
        update(TrainingRun)
        .where(TrainingRun.id == run_id, TrainingRun.status == "queued")
        .values(
            status="running", worker=jobs.worker_name(), heartbeat_at=utcnow(), progress="starting"
        )
    ).rowcount
    db.session.commit()
    if not taken:
        return  # already taken, or marked failed while it waited
    run = db.session.get(TrainingRun, run_id)
    config = current_app.config
    request = retraining.Request(
        data=config["MODERATION_BASE_DATA"],
        articles=config.get("MODERATION_BASE_ARTICLES"),
        word_vectors=config.get("MODERATION_BASE_WORD_VECTORS"),
        encoder=config.get("MODERATION_BASE_ENCODER"),
        abuse_stage=config.get("MODERATION_BASE_ABUSE_STAGE"),
        from_decisions=True,
        by=run.started_by,
        site_id=run.site_id,
    )

    def note(message: str) -> None:
        db.session.execute(
            update(TrainingRun).where(TrainingRun.id == run_id).values(progress=message)
        )
        db.session.commit()

    with jobs.heartbeat(lambda: _beat(run_id)):
        try:
            if not request.data:
                raise ValueError("this job worker has no MODERATION_BASE_DATA to train on")
            outcome = retraining.run(
                Path(config["MODERATION_MODEL_DIR"]), request, Thresholds.from_config(config),
                log=note,
            )  # fmt: skip
            status, message = ("promoted" if outcome.promoted else "kept"), outcome.note
        except Exception as exc:  # reported on the admin page, never lost in a worker's log
            db.session.rollback()
            current_app.logger.exception("retraining %s failed", run_id)
            outcome, status, message = None, "failed", f"failed: {exc}"
    _finish(run_id, status, message, outcome.version if outcome else None)
    db.session.commit()


def _beat(run_id: int):
    return (
        update(TrainingRun)
        .where(TrainingRun.id == run_id, TrainingRun.status == "running")
        .values(heartbeat_at=utcnow())
    )


def _finish(run_id: int, status: str, message: str, version: str | None) -> None:
    db.session.execute(
        update(TrainingRun)
        .where(TrainingRun.id == run_id)
        .values(status=status, progress=message, version=version, finished_at=utcnow(),
                active_for=None)
    )  # fmt: skip


def requeue_lost_runs(grace_seconds: float | None = None) -> int:
    """Queue again every run still queued after the grace period whose job
    the queue no longer holds (Redis restarted without its data, say);
    returns how many."""
    return job_rows.requeue_lost(TrainingRun, "retrain", grace_seconds)


def check_runs() -> None:
    """Every minute, on some worker: no run is left running or queued for ever."""
    fail_stopped_runs()
    requeue_lost_runs()


def fail_stopped_runs(stale_seconds: float | None = None) -> int:
    """Mark failed every running run whose worker stopped beating; returns how many."""
    stopped = job_rows.stopped(TrainingRun, stale_seconds)
    for run in stopped:
        _finish(
            run.id, "failed",
            f"failed: its worker ({run.worker}) stopped during '{run.progress}'; "
            "start the retraining again",
            None,
        )  # fmt: skip
    db.session.commit()
    return len(stopped)
