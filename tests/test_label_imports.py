"""A file of labels uploaded on the admin page is imported by a job worker:
the page answers at once, then shows how far the import got and what came
of it (how many labels, or every bad line by its number, with nothing
stored). One import per site at a time; a worker that dies mid-import
leaves it failed, never "running" for ever."""

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from moderation.domain import label_imports
from moderation.domain.orm_learning import LabelImport
from moderation.infrastructure.db import db, utcnow
from moderation.web.inputs import SLACK
from tests.job_helpers import lose_the_queued_jobs, queued, run_the_queued_jobs, waiting_queue
from tests.moderation_helpers import add_moderator, csrf_token, sign_in

GOOD = b"id,text,abusive,on_topic,article_id\nx,You idiot,1,,\ny,Good point,0,1,a7\n"
BAD = b'{"id": "a", "text": "ok", "abusive": 0}\n{"id": "b", "text": "x", "abusive": 7}\n'


@pytest.fixture
def app_config(tmp_path):
    return waiting_queue(tmp_path)


@pytest.fixture
def admin(app, client, site_key):
    add_moderator(app, "boss", role="admin")
    sign_in(client, "boss")
    return client


def upload(admin, content: bytes, filename: str):
    """What the page's form sends: the file, for the site chosen (the only one)."""
    page = admin.get("/admin/labels").get_data(as_text=True)
    site_id = re.search(r'<option value="(\d+)">Example Tribune</option>', page).group(1)
    token = csrf_token(admin, "/admin/labels")
    return admin.post(
        "/admin/labels",
        data={"file": (io.BytesIO(content), filename), "site_id": site_id, "csrf_token": token},
        follow_redirects=True,
    )


def imports_table(page: str) -> str:
    return page[page.index('aria-label="Label imports"') :]


def downloaded(admin) -> str:
    return admin.get("/admin/labels.jsonl").get_data(as_text=True)


def test_an_upload_is_queued_then_imported_by_a_job(app, admin):
    response = upload(admin, GOOD, "good.csv")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Import of good.csv queued for a job worker" in page
    assert "<td>good.csv</td><td>queued</td>" in imports_table(page)
    assert queued(app) == [label_imports.JOB]
    assert '"id": "x"' not in downloaded(admin), "nothing imported before a worker runs it"

    # A second file for the same site waits for the first.
    response = upload(admin, GOOD, "again.csv")
    assert response.status_code == 400
    assert "An import of labels for Example Tribune is already queued" in response.get_data(
        as_text=True
    )

    run_the_queued_jobs(app)
    page = admin.get("/admin/labels").get_data(as_text=True)
    assert "<td>good.csv</td><td>imported</td>" in imports_table(page)
    assert "imported 2 labels" in page and "Reload to see progress" not in page
    assert '"id": "x"' in downloaded(admin) and '"id": "y"' in downloaded(admin)


def test_a_bad_file_shows_its_numbered_lines_and_stores_nothing(app, admin):
    upload(admin, BAD, "bad.jsonl")
    run_the_queued_jobs(app)
    page = admin.get("/admin/labels").get_data(as_text=True)
    table = imports_table(page)
    assert "<td>bad.jsonl</td><td>failed</td>" in table
    assert "nothing imported: 1 problem(s)" in table
    assert "<li>line 2: &#39;abusive&#39; must be 0, 1 or empty</li>" in table
    assert '"id": "a"' not in downloaded(admin), "not even the good line"
    # The failed import no longer holds the site: the corrected file goes in.
    assert "queued for a job worker" in upload(admin, GOOD, "fixed.csv").get_data(as_text=True)


def test_a_file_larger_than_an_api_body_is_taken_and_one_over_its_own_limit_refused(app, admin):
    # Its own limit, not the API's: label files run to megabytes.
    app.config["MAX_CONTENT_LENGTH"] = len(GOOD) // 2
    assert "queued for a job worker" in upload(admin, GOOD, "good.csv").get_data(as_text=True)
    lose_the_queued_jobs(app)
    with app.app_context():
        db.session.execute(update(LabelImport).values(status="failed", active_for=None))
        db.session.commit()

    app.config["MODERATION_MAX_LABEL_FILE_BYTES"] = len(GOOD) - 1
    response = upload(admin, GOOD, "good.csv")
    assert response.status_code == 400
    assert f"good.csv is larger than the limit of {len(GOOD) - 1} bytes" in response.get_data(
        as_text=True
    )
    # Far over it: refused before the body is read, with a page that says why.
    response = upload(admin, GOOD + b"z" * (SLACK + len(GOOD)), "huge.csv")
    assert response.status_code == 413
    assert "The upload is larger than the limit of" in response.get_data(as_text=True)
    assert queued(app) == []


def test_an_import_whose_worker_died_is_marked_failed_and_a_lost_one_runs_again(app, admin):
    upload(admin, GOOD, "good.csv")
    lose_the_queued_jobs(app)
    with app.app_context():
        # Queued longer than a job takes to reach a worker: the queue lost it.
        db.session.execute(update(LabelImport).values(started_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
        assert label_imports.requeue_lost_imports() == 1
        assert label_imports.requeue_lost_imports() == 0, "queued once, not twice"
    lose_the_queued_jobs(app)
    with app.app_context():
        # Taken by a worker that then stopped beating (killed mid-import).
        db.session.execute(
            update(LabelImport).values(
                status="running", worker="w1:42", progress="2 labels checked; storing them",
                heartbeat_at=utcnow() - timedelta(minutes=5),
            )
        )  # fmt: skip
        db.session.commit()
        assert label_imports.fail_stopped_imports() == 1
    page = admin.get("/admin/labels").get_data(as_text=True)
    assert "<td>good.csv</td><td>failed</td>" in imports_table(page)
    assert "its worker (w1:42) stopped during &#39;2 labels checked; storing them&#39;" in page
    assert '"id": "x"' not in downloaded(admin)
    assert "queued for a job worker" in upload(admin, GOOD, "good.csv").get_data(as_text=True)
