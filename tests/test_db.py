"""The schema comes from the migrations, on SQLite and on PostgreSQL."""

import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from moderation import create_app
from moderation.infrastructure.db import MIGRATIONS_DIR, db, ensure_schema

TABLES = {"sites", "articles", "comments", "decisions", "alembic_version"}


def test_first_start_creates_the_schema_once(tmp_path, model_dir):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.sqlite'}",
            "MODERATION_MODEL_DIR": str(model_dir),
            "SECRET_KEY": "x",
        }
    )
    assert ensure_schema(app) is True
    assert ensure_schema(app) is False
    with app.app_context():
        assert set(inspect(db.engine).get_table_names()) >= TABLES
        # The migrations turn them off for themselves: the service's
        # connections keep enforcing them (a start on an up-to-date file).
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_migrations_downgrade_and_upgrade_cleanly_on_sqlite(tmp_path, model_dir):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'roundtrip.sqlite'}",
            "MODERATION_MODEL_DIR": str(model_dir),
            "SECRET_KEY": "x",
        }
    )
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        downgrade(directory=MIGRATIONS_DIR, revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        upgrade(directory=MIGRATIONS_DIR)
        assert set(inspect(db.engine).get_table_names()) >= TABLES


@pytest.mark.postgresql
def test_suite_database_is_postgresql_when_asked(app):
    url = os.environ.get("MODERATION_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("MODERATION_TEST_DATABASE_URL does not name a PostgreSQL database")
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        assert set(inspect(db.engine).get_table_names()) >= TABLES


def test_database_down_gives_503_and_health_says_so(model_dir):
    unreachable = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "MODERATION_MODEL_DIR": str(model_dir),
            "SECRET_KEY": "x",
        }
    ).test_client()
    response = unreachable.post(
        "/api/v1/comments", json={"id": "c"}, headers={"Authorization": "Bearer any"}
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"] == "service_unavailable"
    health = unreachable.get("/health")
    assert health.status_code == 503
    assert health.get_json()["database"] is False


def test_rolling_back_undoes_work_done_in_a_savepoint(app, site_key):
    """On SQLite too: releasing a savepoint must not commit the transaction."""
    from sqlalchemy import select, text

    from moderation.domain.orm import Site

    with app.app_context():
        with db.session.begin_nested():
            db.session.execute(text("UPDATE sites SET name = 'Renamed'"))
        db.session.rollback()
        assert db.session.scalar(select(Site.name)) == "Example Tribune"


def test_sqlite_uses_wal_and_waits_for_locks(app):
    from sqlalchemy import text

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite settings")
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_postgresql_gets_a_connection_pool():
    from moderation.config import engine_options

    options = engine_options("postgresql+psycopg://u@h/db")
    assert options["pool_pre_ping"] is True and options["pool_size"] >= 5
    assert engine_options("sqlite:///x.sqlite") == {}


@pytest.mark.postgresql
def test_queue_and_feed_queries_can_use_their_indexes(app):
    """EXPLAIN on PostgreSQL, with sequential scans discouraged so that the
    plan shows whether an index serves the query (test tables are tiny)."""
    from sqlalchemy import text

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("EXPLAIN plans are checked on PostgreSQL")
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        queue_plan = " ".join(
            db.session.execute(
                text(
                    "EXPLAIN SELECT id FROM comments WHERE status = 'pending' "
                    "ORDER BY received_at, id LIMIT 25"
                )
            ).scalars()
        )
        assert "ix_comments_status_received" in queue_plan
        feed_plan = " ".join(
            db.session.execute(
                text(
                    "EXPLAIN SELECT d.id FROM decisions d JOIN comments c ON c.id = d.comment_id "
                    "WHERE c.site_id = 1 AND (d.xid, d.id) > (5, 100) "
                    "AND d.xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
                    "ORDER BY d.xid, d.id LIMIT 100"
                )
            ).scalars()
        )
        assert "Seq Scan" not in feed_plan and "decisions" in feed_plan
        db.session.rollback()


def test_no_free_database_connection_is_a_503_with_retry_after(
    app, auth, database_url, model_dir, monkeypatch
):
    """A pool of one connection that waits half a second: while something
    else holds the connection, a request is told to come back later."""
    from moderation.config import engine_options

    if database_url.startswith("postgresql"):
        monkeypatch.setenv("MODERATION_DB_POOL_SIZE", "1")
        monkeypatch.setenv("MODERATION_DB_MAX_OVERFLOW", "0")
        monkeypatch.setenv("MODERATION_DB_POOL_TIMEOUT", "0.5")
        options = engine_options(database_url)
    else:  # SQLite files get the same kind of pool, configured directly
        options = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.5}
    small = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": options,
            "MODERATION_MODEL_DIR": str(model_dir),
            "SECRET_KEY": "x",
        }
    )
    with small.app_context():
        engine = db.engine
    client = small.test_client()
    held = engine.connect()
    try:
        response = client.get("/api/v1/policy", headers=auth)
    finally:
        held.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "nothing was stored" in response.get_json()["message"]
    assert client.get("/api/v1/policy", headers=auth).status_code == 200
    engine.dispose()


def test_a_write_lock_held_past_the_busy_timeout_is_a_503_and_stores_nothing(app, client, auth):
    """SQLite's counterpart of an exhausted pool: one writer at a time, and
    a request that cannot get the lock in time is told to retry."""
    from sqlalchemy import func, select, text

    from moderation.domain.orm import Comment
    from tests.test_feed import elsewhere

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL has no database-wide write lock")
        db.session.execute(text("UPDATE sites SET name = name"))  # takes the write lock
        body = {"id": "locked", "article_id": "a", "text": "hello"}
        # From another thread: a request here would share this session.
        response = elsewhere(client.post, "/api/v1/comments", json=body, headers=auth)
        db.session.rollback()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_migrations_downgrade_and_upgrade_a_sqlite_database_holding_comments(tmp_path, model_dir):
    """Downgrades rebuild tables other tables point at: with comments and
    their decisions stored, that must neither fail nor lose them."""
    from sqlalchemy import func, select

    from moderation.domain.orm import Comment, Decision
    from tests import sample_data

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'full.sqlite'}",
            "MODERATION_MODEL_DIR": str(model_dir),
            "SECRET_KEY": "x",
            "MODERATION_JOBS_URL": "memory://",
        }
    )
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        from moderation.domain.sites import create_site

        _, key = create_site("Example Tribune")
        db.session.commit()
    client = app.test_client()
    auth = {"Authorization": f"Bearer {key}"}
    client.post("/api/v1/articles", json=sample_data.EXAMPLE_ARTICLE, headers=auth)
    for i, said in enumerate(sample_data.EXAMPLE_COMMENTS):
        body = {"id": f"c{i}", "article_id": sample_data.EXAMPLE_ARTICLE["id"], "text": said}
        assert client.post("/api/v1/comments", json=body, headers=auth).status_code == 201
    with app.app_context():
        db.engine.dispose()
        downgrade(directory=MIGRATIONS_DIR, revision="-2")
        upgrade(directory=MIGRATIONS_DIR)
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 2
        assert db.session.scalar(select(func.count()).select_from(Decision)) == 2
