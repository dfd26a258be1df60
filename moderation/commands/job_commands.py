"""``flask --app app jobs work``: a job worker, on this machine or any other.

Run as many as the work needs, each with the same configuration as the app
instances (database, ``MODERATION_JOBS_URL``, ``MODERATION_MODEL_DIR``, and
``MODERATION_BASE_DATA`` for retraining). Ctrl+C (SIGINT) lets running jobs
finish; SIGTERM stops at once: a retraining or label import it was running
is marked failed, and a re-scoring or late article's decisions it was
making are queued again, by the next worker's periodic check.
"""

import click
from flask import current_app
from flask.cli import AppGroup

from moderation.domain import comments, label_imports, late_articles, training_runs

jobs_cli = AppGroup("jobs", help="Run background jobs: retraining and the like.")


@jobs_cli.command("work")
@click.option("--workers", default=1, show_default=True, help="Jobs run at once (threads).")
def jobs_work(workers):
    """Take jobs from the queue and run them until stopped."""
    registry = current_app.extensions["jobs"]
    if registry.queue.immediate:
        raise click.ClickException("MODERATION_JOBS_URL=memory:// runs jobs in the caller")
    # Runs a worker left behind when its machine went down, and runs whose
    # job the queue lost, are settled now, not a minute from now.
    for what, fail_stopped, requeue_lost in (
        ("retraining(s)", training_runs.fail_stopped_runs, training_runs.requeue_lost_runs),
        ("label import(s)", label_imports.fail_stopped_imports, label_imports.requeue_lost_imports),
    ):
        if stopped := fail_stopped():
            click.echo(f"marked {stopped} {what} of stopped workers failed", err=True)
        if lost := requeue_lost():
            click.echo(f"queued {lost} {what} the queue had lost again", err=True)
    if comments.requeue_lost_rescoring():
        click.echo("queued the re-scoring of held comments again", err=True)
    articles = late_articles.requeue_lost_waiting()
    if articles:
        click.echo(f"queued again the comments waiting for {articles} article(s)", err=True)
    registry.consumer(workers=workers).run()


def init_app(app) -> None:
    app.cli.add_command(jobs_cli)
