"""Jobs a transaction asks for run once it commits: not when a savepoint
inside it is released, and not forgotten when a savepoint rolls back."""

import pytest
from sqlalchemy import text

from moderation.infrastructure import jobs
from moderation.infrastructure.db import db


@pytest.fixture
def ran(app):
    calls = []
    app.extensions["jobs"].register("note_it", lambda: calls.append("ran"))
    return calls


def test_a_job_waits_for_the_commit_not_a_savepoint(app, ran):
    with app.app_context():
        jobs.enqueue_after_commit("note_it")
        with db.session.begin_nested():
            db.session.execute(text("SELECT 1"))
        assert ran == [], "a released savepoint is not the commit"
        db.session.commit()
        assert ran == ["ran"]


def test_a_savepoint_rolled_back_keeps_the_jobs_of_its_transaction(app, ran):
    with app.app_context():
        jobs.enqueue_after_commit("note_it")
        with pytest.raises(ValueError), db.session.begin_nested():
            raise ValueError("the savepoint's work is undone")
        db.session.commit()
        assert ran == ["ran"]


def test_a_rolled_back_transaction_runs_none_of_its_jobs(app, ran):
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        jobs.enqueue_after_commit("note_it")
        db.session.rollback()
        db.session.commit()
        assert ran == []
