"""Commands for operators: ``flask --app app sites|train|score``.

Each command that writes to the database commits once, at its end.
"""

import json
import logging
import os
import socket
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from moderation.domain import live_model, policy, webhooks
from moderation.domain.accounts import MIN_PASSWORD, ROLES, AccountError, create_moderator
from moderation.domain.orm import Site
from moderation.domain.sites import SiteExists, create_site
from moderation.infrastructure.db import db
from moderation.learning import artifacts

sites_cli = AppGroup("sites", help="Manage the sites that may call the API.")
moderators_cli = AppGroup("moderators", help="Manage moderator accounts.")
webhooks_cli = AppGroup("webhooks", help="Tell sites about decisions as they happen.")
SCORE_CHUNK = 5000

data_files = click.option(
    "--data",
    "data",
    multiple=True,
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Labelled comments (JSON Lines); repeat for several files.",
)
articles_file = click.option(
    "--articles",
    type=click.Path(exists=True, dir_okay=False),
    help="Articles (JSON Lines) that the comments' article_id refer to.",
)


@sites_cli.command("create")
@click.argument("name")
def sites_create(name):
    """Create a site and print its API key (shown only this once)."""
    try:
        site, key = create_site(name)
    except (SiteExists, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created site {site.name!r}. Its API key, shown only now:")
    click.echo(key)


@moderators_cli.command(
    "create",
    help=f"Create a moderator or admin account. The password (at least {MIN_PASSWORD} "
    "characters) is asked for twice, or read as one line from standard input when piped.",
)
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="moderator", show_default=True)
def moderators_create(name, role):
    password = read_password()
    try:
        moderator = create_moderator(name, password, role)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created {moderator.role} {moderator.username!r}.")


def read_password() -> str:
    """One line from standard input when it is piped; else asked twice."""
    stdin = sys.stdin
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    return click.prompt(
        f"Password (at least {MIN_PASSWORD} characters)",
        hide_input=True,
        confirmation_prompt=True,
    )


def policy_thresholds() -> policy.Thresholds:
    return policy.Thresholds.from_config(current_app.config)


def read_files(paths, articles_path):
    # Imported here: the web process registers these commands and never reads data files.
    from moderation.learning.datasets import DatasetError, read_articles, read_comments

    try:
        per_file = [(Path(p), read_comments(p)) for p in paths]
        articles = read_articles(articles_path) if articles_path else {}
    except (DatasetError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    return per_file, articles


@click.command("score")
@with_appcontext
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Comments to score (JSON Lines).",
)
@articles_file
@click.option(
    "--output",
    type=click.File("w"),
    default="-",
    help="Where to write the results (default: standard output).",
)
def score_command(input_path, articles, output):
    """Score a file of comments; one JSON line out per line in.

    As in the service, each comment is scored with its thread: the comments
    before it in the file under the same article, and the comments the
    policy would hold or reject are explained in the same pass (their lines
    carry "explanations"; the others' do not). A comment is read in the
    language its line states (meta.language), else the one detected."""
    from moderation.learning.datasets import earlier_threads
    from moderation.learning.pairs import THREAD_SIZE
    from moderation.learning.splits import stated_language

    ((_, comments),), article_map = read_files([input_path], articles)
    try:
        scorer = live_model.scorer_for_files()
    except Exception as exc:
        raise click.ClickException(str(exc)) from None
    thresholds = policy_thresholds()
    threads = earlier_threads(comments, THREAD_SIZE)

    def held(scores) -> bool:
        decision = policy.decide(scores.abusive, scores.on_topic, thresholds)
        return decision.status != policy.Status.APPROVED

    for start in range(0, len(comments), SCORE_CHUNK):
        chunk = comments[start : start + SCORE_CHUNK]
        texts = [c.text for c in chunk]
        article_texts = [article_map.get(c.article_id, {}).get("text") for c in chunk]
        chunk_threads = threads[start : start + SCORE_CHUNK]
        spoken = [stated_language(c) for c in chunk]
        scored = scorer.score(texts, article_texts, chunk_threads, explain=held, spoken=spoken)
        for comment, scores in zip(chunk, scored):
            decision = policy.decide(scores.abusive, scores.on_topic, thresholds)
            line = {
                "id": comment.id,
                "abusive": scores.abusive,
                "on_topic": scores.on_topic,
                # The language its abuse was read in (multilingual.py).
                "language": scores.language,
                "status": str(decision.status),
                "reasons": decision.reasons,
            }
            if scores.explanations is not None:
                line["explanations"] = scores.explanations
            output.write(json.dumps(line) + "\n")
    click.echo(f"Scored {len(comments)} comments with model {scorer.version}.", err=True)


@click.command("evaluate")
@with_appcontext
@data_files
@articles_file
@click.option("--model", "version", help="Model version to measure (default: the current one).")
@click.option("--held-out", is_flag=True, help="Only comments in the model's own validation split.")
def evaluate_command(data, articles, version, held_out):
    """Measure a model on labelled files and print a JSON report."""
    from moderation.learning.evaluation import evaluate

    per_file, article_map = read_files(data, articles)
    model_dir = Path(current_app.config["MODERATION_MODEL_DIR"])
    try:
        scorer = live_model.scorer_for_files(version)
        seed = artifacts.read_manifest(model_dir, scorer.version).get("seed", 0)
    except Exception as exc:
        raise click.ClickException(str(exc)) from None
    report = evaluate(
        scorer,
        [(path.name, rows) for path, rows in per_file],
        article_map,
        policy_thresholds(),
        seed=seed,
        held_out_only=held_out,
    )
    click.echo(json.dumps(report, indent=2))


@webhooks_cli.command("set")
@click.argument("site_name")
@click.argument("url")
def webhooks_set(site_name, url):
    """Send SITE_NAME's status changes to URL; prints the signing secret once."""
    site = db.session.scalar(select(Site).where(Site.name == site_name))
    if site is None:
        raise click.ClickException(f"no site named {site_name!r}")
    try:
        _, secret = webhooks.set_webhook(site, url)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Status changes of {site.name!r} go to {url}. Signing secret, shown only now:")
    click.echo(secret)


@webhooks_cli.command("run")
@click.option("--once", is_flag=True, help="Deliver what is due, then stop.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between rounds.")
def webhooks_run(once, interval):
    """Deliver due events, retrying failures with exponential backoff.

    For MODERATION_WEBHOOK_DELIVERY=workers; by default the job workers
    deliver. Several may run at once, on one machine or several."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    while True:
        try:
            delivered, failed = webhooks.deliver_due(worker)
        except Exception:
            if once:
                raise
            # A database that is away for a moment must not end the worker.
            logging.getLogger(__name__).exception("webhook round failed; trying again")
            db.session.rollback()
            delivered = failed = 0
        if delivered or failed:
            click.echo(f"delivered {delivered}, failed {failed}", err=True)
        if once:
            return
        time.sleep(interval)


@webhooks_cli.command("replay")
@click.argument("event_id", type=int)
def webhooks_replay(event_id):
    """Send an event again, with the same delivery id."""
    if webhooks.replay(event_id) is None:
        raise click.ClickException(f"no event {event_id}")
    db.session.commit()
    click.echo(f"Event {event_id} will be sent again.")


def init_app(app) -> None:
    app.cli.add_command(webhooks_cli)
    app.cli.add_command(sites_cli)
    app.cli.add_command(moderators_cli)
    app.cli.add_command(score_command)
    app.cli.add_command(evaluate_command)
