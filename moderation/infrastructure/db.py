"""Database handles and lifecycle.

The schema is owned by the Alembic migrations in ``migrations/``; nothing
here calls ``create_all``. ``ensure_schema`` runs those migrations on first
start so that ``python app.py`` works on an empty SQLite file.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import current_app, has_request_context, request
from flask_migrate import Migrate, upgrade
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from moderation.config import PROJECT_ROOT

SQLITE_BUSY_TIMEOUT_MS = 5000
MIGRATIONS_DIR = str(PROJECT_ROOT / "migrations")


class Base(DeclarativeBase):
    # Named constraints let later migrations drop or alter them on SQLite,
    # where Alembic rebuilds tables and must know every constraint by name.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
# Batch mode lets Alembic alter tables on SQLite, which has no ALTER COLUMN.
migrate = Migrate(directory=MIGRATIONS_DIR, render_as_batch=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything stored here is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if _is_sqlite(dbapi_connection):
        cursor = dbapi_connection.cursor()
        # Foreign keys are off by default in SQLite; the schema relies on them.
        cursor.execute("PRAGMA foreign_keys=ON")
        # Readers do not block the writer (WAL), and a writer waits for
        # another instead of failing at once with "database is locked".
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()
        # Let SQLAlchemy, not the sqlite3 module, open transactions (below):
        # otherwise releasing a savepoint commits everything before it.
        dbapi_connection.isolation_level = None


_write_lock_wanted: ContextVar[bool] = ContextVar("write_lock_wanted", default=False)


@contextmanager
def write_lock() -> Iterator[None]:
    """The transaction begun inside takes SQLite's write lock at its start.

    For views marked ``reads_before_writing``: they read and score with no
    lock (and no transaction) held, then write in a short transaction
    begun here. No effect on PostgreSQL, whose rows lock as they are written.
    """
    token = _write_lock_wanted.set(True)
    try:
        yield
    finally:
        _write_lock_wanted.reset(token)


_only_reading: ContextVar[bool] = ContextVar("only_reading", default=False)


@contextmanager
def only_reading() -> Iterator[None]:
    """The transaction begun inside only reads: on SQLite it does not take
    the write lock, even in a request that writes (which would otherwise
    wait for another writer to read one row)."""
    token = _only_reading.set(True)
    try:
        yield
    finally:
        _only_reading.reset(token)


def reads_before_writing(view):
    """Mark a view that ends its reading transaction and writes in a new
    one under ``write_lock()``: its reads do not take the write lock."""
    view.reads_before_writing = True
    return view


def _request_writes() -> bool:
    if not has_request_context() or request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    view = current_app.view_functions.get(request.endpoint)
    return not getattr(view, "reads_before_writing", False)


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name == "sqlite":
        # A request that writes takes the write lock first: a transaction
        # that read before another writer committed could not write at all
        # ("database is locked" at once, whatever the busy timeout).
        immediate = not _only_reading.get() and (_write_lock_wanted.get() or _request_writes())
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def init_app(app) -> None:
    db.init_app(app)
    migrate.init_app(app, db)
    synchronous = app.config.get("MODERATION_SQLITE_SYNCHRONOUS", "FULL").upper()
    if synchronous not in ("FULL", "NORMAL"):
        raise ValueError("MODERATION_SQLITE_SYNCHRONOUS must be FULL or NORMAL")
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_synchronous(synchronous))


def _sqlite_synchronous(level: str):
    # FULL: a commit is on disk when it returns (survives power loss).
    # NORMAL (WAL): survives a crash of the process, not of the machine;
    # the last commits before a power cut may be lost, never corrupted.
    def set_level(dbapi_connection, connection_record):
        dbapi_connection.execute(f"PRAGMA synchronous={level}")

    return set_level


def schema_is_missing() -> bool:
    return not inspect(db.engine).has_table("comments")


def schema_is_behind() -> bool:
    """Whether the database is not at this release's migration head: never
    migrated, or last migrated by an earlier release."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with db.engine.connect() as connection:
        applied = set(MigrationContext.configure(connection).get_current_heads())
    return applied != set(ScriptDirectory(MIGRATIONS_DIR).get_heads())


def ensure_schema(app) -> bool:
    """Bring the schema up to date; return True when it was just created."""
    with app.app_context():
        missing = schema_is_missing()
        upgrade(directory=MIGRATIONS_DIR)
        return missing
