"""The ``flask --app app ...`` commands operators run, one module per subject."""

import functools

import click
from flask_migrate.cli import db as migrate_commands
from sqlalchemy.exc import DBAPIError

from moderation.commands import (
    account_commands,  # noqa: F401  (adds its commands to the sites and moderators groups)
    job_commands,
    model_commands,
    service_commands,
    vectors_commands,
)
from moderation.infrastructure.db import schema_is_behind


def init_app(app) -> None:
    service_commands.init_app(app)
    model_commands.init_app(app)
    job_commands.init_app(app)
    vectors_commands.init_app(app)
    for command in app.cli.commands.values():
        if command is not migrate_commands:  # `flask db`: the way out
            _explain_database_errors(command)


def _explain_database_errors(command) -> None:
    """A command that fails on a database not migrated to this release's
    schema (never migrated, or code upgraded without ``db upgrade``) says
    what to do, rather than printing SQLAlchemy's traceback, and so does
    one that cannot reach the database; any other database error is raised
    as it was. Commands are module-level objects shared by every app, so
    each is wrapped once."""
    for child in getattr(command, "commands", {}).values():
        _explain_database_errors(child)
    callback = command.callback
    if callback is None or getattr(callback, "explains_database_errors", False):
        return

    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except DBAPIError as exc:
            try:
                behind = schema_is_behind()
            except DBAPIError:
                raise click.ClickException(f"cannot reach the database: {exc.orig}") from None
            if not behind:
                raise
            raise click.ClickException(
                f"the database is not migrated to this release's schema ({exc.orig}): "
                "run `flask --app app db upgrade` (`python app.py` does it when it starts)"
            ) from None

    run.explains_database_errors = True
    command.callback = run
