"""Commands for a model's life at a site: ``models`` and ``labels``.

``models list|promote|rollback`` change which version the service scores
with; running workers pick the change up at their next comment, because
the scorer reads ``models/CURRENT`` on every call and keeps each version it
has loaded. ``labels export|import`` move the site's own labels in and out.
"""

import getpass
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from . import artifacts, labels
from .db import db

models_cli = AppGroup("models", help="List, promote and roll back model versions.")
labels_cli = AppGroup("labels", help="Export and import the site's own labels.")
by_option = click.option("--by", default=getpass.getuser, help="Who is doing this (logged).")


def _model_dir() -> Path:
    return Path(current_app.config["MODERATION_MODEL_DIR"])


@models_cli.command("list")
def models_list():
    """Versions with their held-out numbers; * marks the current one."""
    model_dir = _model_dir()
    current = artifacts.current_version(model_dir)
    promoted = {p["version"]: p for p in artifacts.promotions(model_dir)}
    for version in artifacts.versions(model_dir):
        metrics = artifacts.read_manifest(model_dir, version).get("metrics", {})
        abuse = metrics.get("abuse", {}).get("validation", {}).get("all", {})
        on_topic = metrics.get("on_topic", {}).get("validation", {}).get("all", {})
        who = promoted.get(version)
        click.echo(
            f"{'*' if version == current else ' '} {version}  "
            f"abuse AUC {abuse.get('roc_auc')}  on-topic AUC {on_topic.get('roc_auc')}"
            + (f"  promoted by {who['by']} at {who['at']}" if who else "")
        )


@models_cli.command("promote")
@click.argument("version")
@by_option
def models_promote(version, by):
    """Make VERSION the one the service scores with."""
    try:
        entry = artifacts.promote(_model_dir(), version, by)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{entry['version']} is now current (was {entry['previous']}).")


@models_cli.command("rollback")
@by_option
def models_rollback(by):
    """Go back to the version the current one replaced."""
    try:
        entry = artifacts.rollback(_model_dir(), by)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Rolled back: {entry['version']} is current again (was {entry['previous']}).")


@labels_cli.command("export")
@click.argument("output", type=click.File("w", lazy=False))
def labels_export(output):
    """Write moderators' decisions and imported labels as JSON Lines."""
    lines = labels.export_lines()
    for line in lines:
        output.write(line + "\n")
    click.echo(f"Exported {len(lines)} labels.", err=True)


@labels_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def labels_import(path):
    """Import labels from JSON Lines or CSV (id,text,abusive,on_topic,article_id):
    all of them, or none when any line is bad."""
    try:
        found = labels.parse(Path(path).read_text(encoding="utf-8"), Path(path).name)
    except labels.LabelFileError as exc:
        raise click.ClickException(f"{exc}:\n" + "\n".join(exc.problems)) from None
    except UnicodeDecodeError:
        raise click.ClickException("the file is not UTF-8 text; nothing was imported") from None
    count = labels.store(found)
    db.session.commit()
    click.echo(f"Imported {count} labels.")


def init_app(app) -> None:
    app.cli.add_command(models_cli)
    app.cli.add_command(labels_cli)
