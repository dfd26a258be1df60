"""Label files imported by a job: uploaded on the admin page, read by a job worker.

A large file takes longer to check and store than a web request should
last, so the page only stores the upload and queues the job. The upload is
kept in the database (``LabelImport.content``) until the job has read it:
app instances and job workers may be on different machines, and the
database is the one place they all reach. The row is the truth about the
import: queued, running (with the worker's name and a heartbeat), then
imported (how many labels) or failed (each bad line by its number; a file
is imported whole or not at all). While an import is queued or running,
its ``active_for`` key (unique) refuses a second one for the same site.

The labels and the row's result are written in one transaction, so a
worker killed mid-import stored nothing: a periodic check marks the import
failed once its heartbeat is stale, and queues again an import whose job
the queue no longer holds, as for retraining (``training_runs``).
"""

import logging

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from moderation.domain import job_rows, label_files
from moderation.domain.orm import Site
from moderation.domain.orm_learning import LabelImport
from moderation.infrastructure import jobs
from moderation.infrastructure.db import db, utcnow

log = logging.getLogger(__name__)
JOB = "import_labels"
# Bad lines kept for the page: enough to fix a file by, not a second copy of it.
MOST_PROBLEMS = 200
RECENT = 5


class AlreadyImporting(ValueError):
    pass


def queue_import(content: bytes, filename: str, site: Site | None, by: str) -> LabelImport:
    """A new queued import, flushed (the caller commits, then enqueues its id)."""
    row = LabelImport(
        site_id=site.id if site else None, filename=filename, size=len(content),
        content=content, started_by=by, status="queued", progress="waiting for a job worker",
        active_for=f"site:{site.id}" if site else "no site",
    )  # fmt: skip
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        # The caller rolls back: the session is unusable until it does.
        raise AlreadyImporting("an import of these labels is already queued or running") from None
    return row


def recent() -> list[LabelImport]:
    return list(
        db.session.scalars(select(LabelImport).order_by(LabelImport.id.desc()).limit(RECENT))
    )


def run_job(import_id: int) -> None:
    """The job: check every line, then store them all, or none."""
    # Taken in one conditional update: an import queued twice (see
    # requeue_lost_imports) is run once.
    taken = db.session.execute(
        update(LabelImport)
        .where(LabelImport.id == import_id, LabelImport.status == "queued")
        .values(status="running", worker=jobs.worker_name(), heartbeat_at=utcnow(),
                progress="checking every line")
    ).rowcount  # fmt: skip
    db.session.commit()
    if not taken:
        return  # already taken, or marked failed while it waited
    row = db.session.get(LabelImport, import_id)
    with jobs.heartbeat(lambda: _beat(import_id)):
        try:
            found = label_files.parse(row.content.decode("utf-8"), row.filename)
            _note(import_id, f"{len(found)} labels checked; storing them")
            site = db.session.get(Site, row.site_id) if row.site_id else None
            count = label_files.store(found, site)
            outcome = {
                "status": "imported",
                "imported": count,
                "progress": f"imported {count} labels",
            }
        except label_files.LabelFileError as exc:
            shown = exc.problems[:MOST_PROBLEMS]
            more = f", the first {len(shown)} listed" if len(shown) < len(exc.problems) else ""
            outcome = {
                "status": "failed", "problems": shown,
                "progress": f"nothing imported: {len(exc.problems)} problem(s){more}",
            }  # fmt: skip
        except UnicodeDecodeError:
            outcome = {
                "status": "failed",
                "progress": "nothing imported: the file is not UTF-8 text",
            }
        except Exception as exc:  # shown on the admin page, not only in a worker's log
            log.exception("label import %s failed", import_id)
            outcome = {"status": "failed", "progress": f"nothing imported: {exc}"}
        if outcome["status"] == "failed":
            db.session.rollback()  # whatever was stored before it failed
        if not _finish(import_id, **outcome):
            # Marked failed by the periodic check (no heartbeat for too long):
            # the page says nothing was imported, so nothing is.
            db.session.rollback()
            return
        db.session.commit()


def _beat(import_id: int):
    return (
        update(LabelImport)
        .where(LabelImport.id == import_id, LabelImport.status == "running")
        .values(heartbeat_at=utcnow())
    )


def _note(import_id: int, message: str) -> None:
    db.session.execute(
        update(LabelImport).where(LabelImport.id == import_id).values(progress=message)
    )
    db.session.commit()


def _finish(import_id: int, status: str, progress: str, **result) -> bool:
    """Record how the import ended, if it is still running; the uploaded
    file is no longer needed. Returns whether it was still running."""
    return bool(
        db.session.execute(
            update(LabelImport)
            .where(LabelImport.id == import_id, LabelImport.status == "running")
            .values(status=status, progress=progress, finished_at=utcnow(), content=None,
                    active_for=None, **result)
        ).rowcount
    )  # fmt: skip


def check_imports() -> None:
    """Every minute, on some worker: no import is left running or queued for ever."""
    fail_stopped_imports()
    requeue_lost_imports()


def fail_stopped_imports(stale_seconds: float | None = None) -> int:
    """Mark failed every running import whose worker stopped beating; returns how many."""
    stopped = job_rows.stopped(LabelImport, stale_seconds)
    for row in stopped:
        _finish(
            row.id, "failed",
            f"nothing imported: its worker ({row.worker}) stopped during '{row.progress}'; "
            "upload the file again",
        )  # fmt: skip
    db.session.commit()
    return len(stopped)


def requeue_lost_imports(grace_seconds: float | None = None) -> int:
    """Queue again every import still queued after the grace period whose
    job the queue no longer holds; returns how many."""
    return job_rows.requeue_lost(LabelImport, JOB, grace_seconds)
