"""Commands for a model's life at a site: ``train``, ``models``, ``labels``.

``train`` builds a candidate and puts it through the evaluation gate
(gate.py) before it goes live. ``models list|promote|rollback`` show and
change which version the service scores with, as recorded in the database
(domain/live_model.py): every running instance serves the change within
``MODERATION_MODEL_CHECK_SECONDS``. ``labels export|import`` move the
site's own labels in and out.
"""

import getpass
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from moderation.commands.service_commands import articles_file, data_files, policy_thresholds
from moderation.domain import label_files, labels, live_model
from moderation.domain.comments import rescore_pending
from moderation.domain.orm import Site
from moderation.infrastructure.db import db
from moderation.learning import artifacts

# Training, the gate and the model need scikit-learn: imported by the
# commands that use them, so that the others (and --help) start at once.

models_cli = AppGroup("models", help="List, promote and roll back model versions.")
labels_cli = AppGroup("labels", help="Export and import the site's own labels.")
policy_cli = AppGroup("policy", help="Thresholds of the moderation policy.")
by_option = click.option("--by", default=getpass.getuser, help="Who is doing this (logged).")


def _model_dir() -> Path:
    return Path(current_app.config["MODERATION_MODEL_DIR"])


@click.command("train")
@with_appcontext
@data_files
@articles_file
@click.option("--seed", default=0, show_default=True, help="Seed of the split and sampling.")
@click.option("--version", "version", help="Version name (default: the current UTC time).")
@click.option(
    "--word-vectors",
    type=click.Path(exists=True, dir_okay=False),
    help="Static word vectors from `vectors build`, for the on-topic model.",
)
@click.option(
    "--encoder",
    type=click.Path(exists=True, dir_okay=False),
    help="Sentence encoder from `vectors encoder`, for the on-topic second stage.",
)
@click.option(
    "--abuse-stage",
    type=click.Path(exists=True, dir_okay=False),
    help="Encoder layers tuned by `vectors tune-abuse`, for the abuse second stage.",
)
@click.option(
    "--from-decisions", is_flag=True, help="Add the site's own labels (decisions, imports)."
)
@click.option("--site", "site_name", help="Use only this site's labels (default: every site's).")
@click.option(
    "--tolerance",
    type=float,
    default=lambda: _gate_tolerance(),
    help="Largest AUC drop the gate accepts; by default the gate's own tolerance.",
)
@click.option(
    "--force", is_flag=True, help="Make the candidate current even if the gate refuses it."
)
@by_option
def train_command(
    data, articles, seed, version, word_vectors, encoder, abuse_stage, from_decisions, site_name,
    tolerance, force, by,
):  # fmt: skip
    """Train both models; the new version goes live if the gate passes it.

    Exits with status 3 when the candidate is kept but not promoted."""
    from moderation.domain import retraining
    from moderation.learning.datasets import DatasetError
    from moderation.learning.training import TrainingError

    site_id = None
    if site_name is not None:
        site = db.session.scalar(select(Site).where(Site.name == site_name))
        if site is None:
            raise click.ClickException(f"no site named {site_name!r}")
        site_id = site.id
    request = retraining.Request(
        list(data), articles, seed, version, word_vectors, from_decisions, tolerance, force, by,
        site_id, encoder, abuse_stage,
    )  # fmt: skip
    try:
        with click.progressbar(
            length=retraining.STEPS, label="training", file=sys.stderr, show_pos=True
        ) as bar:

            def step(message):
                bar.label = message
                bar.update(1)

            outcome = retraining.run(_model_dir(), request, policy_thresholds(), log=step)
    except (TrainingError, DatasetError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()  # the promotion, if any
    click.echo(f"Trained model {outcome.version}.")
    click.echo(json.dumps(outcome.manifest["metrics"], indent=2))
    for check in (outcome.gate or {}).get("checks", []):
        mark = "ok " if check["passed"] else "NO "
        click.echo(
            f"{mark} {check['check']}: live {check['live']}, candidate {check['candidate']}"
            + (f" ({check['reason']})" if check.get("reason") else "")
        )
    if outcome.promoted:
        click.echo(f"{outcome.version}: {outcome.note}; it is now current (was {outcome.live}).")
        return
    click.echo(f"{outcome.version} is {outcome.note}.")
    sys.exit(3)


@models_cli.command("list")
def models_list():
    """Versions with their held-out numbers, * marking the live one; then
    the promotions and rollbacks, newest first."""
    model_dir = _model_dir()
    current = live_model.live_version()
    changes = [row.to_json() for row in live_model.history()]
    promoted = {}
    for change in reversed(changes):  # each version's latest promotion
        promoted[change["version"]] = change
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
    if not changes:
        click.echo(f"No promotion recorded yet: {current} is live as {model_dir}/CURRENT names it.")
    for change in changes:
        click.echo(
            f"{change['at']}  {change['version']} (was {change['previous']}) by {change['by']}"
            + (f": {change['note']}" if change["note"] else "")
        )


@models_cli.command("promote")
@click.argument("version")
@by_option
def models_promote(version, by):
    """Make VERSION the one every instance of the service scores with."""
    try:
        row = live_model.promote(version, by)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(
        f"{row.version} is now current (was {row.previous}); held comments will be re-scored."
    )


@models_cli.command("rollback")
@by_option
def models_rollback(by):
    """Go back to the version the current one replaced."""
    try:
        row = live_model.rollback(by)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(
        f"Rolled back: {row.version} is current again (was {row.previous}); "
        "held comments will be re-scored."
    )


@models_cli.command("repack")
@click.argument("version")
def models_repack(version):
    """Save VERSION again in this release's smaller storage forms, as a new
    version that is not yet current."""
    model_dir = _model_dir()
    if version not in artifacts.versions(model_dir):
        raise click.ClickException(f"no model version {version!r} in {model_dir}")
    new_version = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    if new_version in artifacts.versions(model_dir):
        raise click.ClickException(f"{new_version} was written this second: run it again")
    target = artifacts.repack(model_dir, version, new_version)
    before = sum(
        a["bytes"] for a in artifacts.read_manifest(model_dir, version)["artifacts"].values()
    )
    after = sum(
        a["bytes"] for a in artifacts.read_manifest(model_dir, new_version)["artifacts"].values()
    )
    click.echo(
        f"Wrote {target} ({after / 1e6:.1f} MB, was {before / 1e6:.1f} MB). Its manifest's "
        f"held-out figures are {version}'s: measure them with `flask evaluate --held-out "
        f"--model {new_version}` before `flask models promote {new_version}`."
    )


@models_cli.command("rescore-pending")
def models_rescore_pending():
    """Score held comments with the current model and decide them again
    (comments a moderator put back in the queue are left alone)."""
    try:
        scored, changed = rescore_pending(policy_thresholds())
    except Exception as exc:
        raise click.ClickException(f"could not re-score: {exc}") from None
    db.session.commit()
    click.echo(f"Re-scored {scored} held comments; {changed} changed status or reasons.")


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
@click.option("--site", "site_name", help="The site the labels belong to (needed if several).")
def labels_import(path, site_name):
    """Import labels from JSON Lines or CSV (id,text,abusive,on_topic,article_id):
    all of them, or none when any line is bad. A label is identified by
    (site, id): importing it again updates it."""
    # Here, not as a job (the admin page queues one): the operator waits
    # for the answer at the terminal, with no request timeout to mind.
    try:
        site = label_files.site_for_import(site_name)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        found = label_files.parse(Path(path).read_text(encoding="utf-8"), Path(path).name)
    except label_files.LabelFileError as exc:
        raise click.ClickException(f"{exc}:\n" + "\n".join(exc.problems)) from None
    except UnicodeDecodeError:
        raise click.ClickException("the file is not UTF-8 text; nothing was imported") from None
    count = label_files.store(found, site)
    db.session.commit()
    click.echo(f"Imported {count} labels" + (f" for {site.name}." if site else "."))


@policy_cli.command("suggest")
@click.option("--precision", type=click.FloatRange(0.5, 1.0), required=True)
def policy_suggest(precision):
    """Propose auto-reject and auto-approve thresholds reaching PRECISION on
    the site's abuse labels, with how many comments would go to the queue."""
    from moderation.learning.splits import stated_language
    from moderation.learning.suggest import suggest

    rows, _ = labels.for_training()
    rows = [row for row in rows if row.abusive is not None]
    try:
        scorer = live_model.live_scorer()
        spoken = [stated_language(r) for r in rows]
        scored = scorer.score([r.text for r in rows], [None] * len(rows), spoken=spoken)
        scores = [s.abusive for s in scored]
        proposal = suggest(scores, [r.abusive for r in rows], precision)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    proposal["model_version"] = scorer.version
    click.echo(json.dumps(proposal, indent=2))
    click.echo("Set MODERATION_REJECT_ABUSIVE and MODERATION_HOLD_ABUSIVE to use them.", err=True)


def _gate_tolerance() -> float:
    from moderation.learning.gate import DEFAULT_TOLERANCE

    return DEFAULT_TOLERANCE


def init_app(app) -> None:
    app.cli.add_command(policy_cli)
    app.cli.add_command(train_command)
    app.cli.add_command(models_cli)
    app.cli.add_command(labels_cli)
