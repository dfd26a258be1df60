"""Retraining as a job run by ``flask jobs work`` in its own process: the
admin page queues it, a worker runs it, and a worker killed mid-run leaves
the run marked failed (never "running" for ever), after which the site can
retrain again."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from moderation.config import PROJECT_ROOT
from moderation.domain.orm_learning import TrainingRun
from moderation.infrastructure.db import db
from tests import sample_data
from tests.moderation_helpers import add_moderator, csrf_token, sign_in, wait_for

STALE_SECONDS = 2


@pytest.fixture
def app_config(tmp_path):
    return {"MODERATION_JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite'}"}


@pytest.fixture
def slow_data(tmp_path):
    """The sample comments many times over: long enough to kill a worker mid-run."""
    rows = sample_data.labelled_comments()
    copies = [
        {**row, "id": f"{row['id']}-{n}", "text": f"{row['text']} n{n}"}
        for n in range(150)
        for row in rows
    ]
    sample_data.write_jsonl(tmp_path / "big.jsonl", copies)
    sample_data.write_jsonl(tmp_path / "articles.jsonl", sample_data.ARTICLES)
    return tmp_path / "big.jsonl", tmp_path / "articles.jsonl"


@pytest.fixture
def start_worker(app, database_url, two_versions, slow_data, tmp_path):
    comments, articles = slow_data
    app.config["MODERATION_BASE_DATA"] = [str(comments)]
    env = {
        **os.environ,
        "MODERATION_DATABASE_URL": database_url,
        "MODERATION_MODEL_DIR": str(two_versions),
        "MODERATION_JOBS_URL": app.config["MODERATION_JOBS_URL"],
        "MODERATION_BASE_DATA": str(comments),
        "MODERATION_BASE_ARTICLES": str(articles),
        "MODERATION_JOB_STALE_SECONDS": str(STALE_SECONDS),
        "SECRET_KEY": "worker-test",
    }
    started = []

    def start():
        log_path = tmp_path / f"worker{len(started)}.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "app", "jobs", "work"],
                cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        process.log = log_path
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def latest_run(app) -> TrainingRun:
    with app.app_context():
        return db.session.scalars(select(TrainingRun).order_by(TrainingRun.id.desc())).first()


def test_a_worker_killed_mid_retraining_leaves_the_run_failed(app, client, start_worker):
    add_moderator(app, "boss", role="admin")
    sign_in(client, "boss")
    token = csrf_token(client, "/admin/models")
    first = start_worker()
    page = client.post("/admin/retrain", data={"csrf_token": token}, follow_redirects=True)
    assert "Retraining queued" in page.get_data(as_text=True)
    # A second click while it is queued or running is refused.
    page = client.post("/admin/retrain", data={"csrf_token": token}, follow_redirects=True)
    assert "already queued or running" in page.get_data(as_text=True)

    assert wait_for(lambda: latest_run(app).progress.startswith("abuse: fitted"), 90), (
        latest_run(app).progress,
        first.log.read_text(),
    )
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert latest_run(app).status == "running"  # as the killed worker left it

    time.sleep(STALE_SECONDS + 1)
    second = start_worker()
    assert wait_for(lambda: latest_run(app).status == "failed", 30), second.log.read_text()
    run = latest_run(app)
    assert "stopped" in run.progress and run.worker
    page = client.get("/admin/models").get_data(as_text=True)
    assert "start the retraining again" in page

    # The failed run no longer blocks the site: the next one runs to the end.
    page = client.post("/admin/retrain", data={"csrf_token": token}, follow_redirects=True)
    assert "Retraining queued" in page.get_data(as_text=True)
    assert wait_for(lambda: latest_run(app).status in ("promoted", "kept"), 90), (
        latest_run(app).progress,
        second.log.read_text(),
    )


def test_a_queued_run_whose_job_the_queue_lost_is_queued_again(app, client, start_worker):
    """Redis restarted without its data, say: the run stays in the database
    as queued, and a worker starting up queues it again and runs it."""
    add_moderator(app, "boss", role="admin")
    sign_in(client, "boss")
    token = csrf_token(client, "/admin/models")
    page = client.post("/admin/retrain", data={"csrf_token": token}, follow_redirects=True)
    assert "Retraining queued" in page.get_data(as_text=True)
    app.extensions["jobs"].queue.flush()  # the queue forgets it
    with app.app_context():
        run = latest_run(app)
        # Older than the grace period a job has to reach a worker.
        db.session.execute(
            update(TrainingRun)
            .where(TrainingRun.id == run.id)
            .values(started_at=run.started_at - timedelta(seconds=STALE_SECONDS + 1))
        )
        db.session.commit()
    worker = start_worker()
    assert wait_for(lambda: latest_run(app).status in ("promoted", "kept"), 90), (
        latest_run(app).progress,
        worker.log.read_text(),
    )
