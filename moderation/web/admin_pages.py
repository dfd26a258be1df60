"""Admin pages for the model's life: versions, labels, retraining.

Retraining and the import of a file of labels are jobs
(``domain.training_runs``, ``domain.label_imports``) that a job worker
runs; their progress is written to a row, so any instance can show it.
The base data retraining trains on comes from configuration
(``MODERATION_BASE_DATA``, ``MODERATION_BASE_ARTICLES``).
"""

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from moderation.domain import label_imports, labels, live_model, training_runs, webhooks
from moderation.domain.orm import Site
from moderation.domain.orm_learning import TrainingRun
from moderation.domain.orm_webhooks import OutboxEvent, Webhook
from moderation.domain.validation import unstorable_problem
from moderation.infrastructure import jobs
from moderation.infrastructure.db import db
from moderation.learning import artifacts
from moderation.web.held_out import held_out

bp = Blueprint("admin", __name__, url_prefix="/admin")
# What a page says when its work is stored but the job queue is away.
QUEUE_AWAY = (
    "{what} is recorded, but the job queue cannot be reached: a job worker's "
    "periodic check queues it again once the queue is back."
)
RUNS_SHOWN = 5
EVENTS_SHOWN = 50


@bp.before_request
@login_required
def require_admin():
    if not current_user.is_admin:
        return render_template("error.html", message="Only admins manage models."), 403
    return None


def _model_dir() -> Path:
    return Path(current_app.config["MODERATION_MODEL_DIR"])


@bp.get("/models")
def models():
    model_dir = _model_dir()
    changes = live_model.history()
    promoted = {}
    for change in reversed(changes):  # each version's latest promotion
        promoted[change.version] = change.to_json()
    rows, manifests = [], {}
    for version in reversed(artifacts.versions(model_dir)):
        manifest = manifests[version] = artifacts.read_manifest(model_dir, version)
        rows.append(
            {
                "version": version,
                "created": manifest.get("created", ""),
                # Each version's own validation rows differ, so its numbers are
                # not shown side by side; the gate compares on the same rows.
                "gate": manifest.get("gate"),
                # A repacked version keeps its source's gate report.
                "repacked": manifest.get("repacked_from") or {},
                "site_labels": manifest.get("site_labels", 0),
                "promoted": promoted.get(version),
            }
        )
    runs = db.session.scalars(select(TrainingRun).order_by(TrainingRun.id.desc()).limit(RUNS_SHOWN))
    current = live_model.live_version()
    return render_template(
        "admin_models.html",
        rows=rows,
        current=current,
        held_out=held_out(manifests.get(current, {})),
        rollback_to=live_model.rollback_target(),
        history=[change.to_json() for change in changes],
        runs=list(runs),
        can_retrain=bool(current_app.config.get("MODERATION_BASE_DATA")),
    )


@bp.post("/models/promote")
def promote():
    version = request.form.get("version", "")
    try:
        live_model.promote(version, current_user.username, note="from the admin page")
        db.session.commit()
        flash(f"{version} is now the current model.", "info")
    except ValueError as exc:
        flash(f"Not promoted: {exc}.", "error")
    return redirect(url_for("admin.models"))


@bp.post("/models/rollback")
def rollback():
    try:
        row = live_model.rollback(current_user.username)
        db.session.commit()
        flash(f"Rolled back to {row.version}.", "info")
    except ValueError as exc:
        flash(f"Not rolled back: {exc}.", "error")
    return redirect(url_for("admin.models"))


@bp.post("/retrain")
def retrain():
    if not current_app.config.get("MODERATION_BASE_DATA"):
        flash("Set MODERATION_BASE_DATA (and MODERATION_BASE_ARTICLES) to retrain here.", "error")
        return redirect(url_for("admin.models"))
    try:
        run_id = training_runs.queue_run(current_user.username).id
    except training_runs.AlreadyRunning:
        db.session.rollback()
        flash("A retraining is already queued or running.", "error")
        return redirect(url_for("admin.models"))
    db.session.commit()
    if jobs.enqueue_committed("retrain", run_id):
        flash("Retraining queued for a job worker; this page shows how far it has got.", "info")
    else:
        flash(QUEUE_AWAY.format(what="The retraining"), "error")
    return redirect(url_for("admin.models"))


@bp.route("/labels", methods=["GET", "POST"])
def labels_page():
    problems = []
    if request.method == "POST":
        problems = _queue_label_file()
        if not problems:
            return redirect(url_for("admin.labels_page"))
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    return render_template(
        "admin_labels.html",
        problems=problems,
        from_decisions=len(labels.from_decisions()),
        imported=len(labels.imported()),
        sites=sites,
        site_names={site.id: site.name for site in sites},
        imports=label_imports.recent(),
        max_bytes=current_app.config["MODERATION_MAX_LABEL_FILE_BYTES"],
    ), (400 if problems else 200)


def _queue_label_file() -> list[str]:
    """Store the uploaded file and queue its import; the problems that
    stopped it, if any. Checking and storing a large file's labels takes
    longer than a request should: a job worker does it."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return ["Choose a file to upload."]
    name = upload.filename[:255]
    if problem := unstorable_problem(name):
        return [f"The file's name {problem}; rename it and upload it again."]
    content = upload.read()
    limit = current_app.config["MODERATION_MAX_LABEL_FILE_BYTES"]
    if len(content) > limit:
        return [f"{name} is larger than the limit of {limit:,} bytes; nothing was imported."]
    site = db.session.get(Site, request.form.get("site_id", type=int) or 0)
    try:
        import_id = label_imports.queue_import(content, name, site, current_user.username).id
    except label_imports.AlreadyImporting:
        db.session.rollback()
        whose = f"for {site.name}" if site else "without a site"
        return [f"An import of labels {whose} is already queued or running; wait for it to end."]
    db.session.commit()
    if not jobs.enqueue_committed(label_imports.JOB, import_id):
        flash(QUEUE_AWAY.format(what=f"The import of {name}"), "error")
        return []
    flash(f"Import of {name} queued for a job worker; this page shows how far it has got.", "info")
    return []


@bp.get("/labels.jsonl")
def labels_download():
    body = "".join(line + "\n" for line in labels.export_lines())
    return Response(
        body,
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": "attachment; filename=labels.jsonl"},
    )


@bp.route("/webhooks", methods=["GET", "POST"])
def webhooks_page():
    if request.method == "POST":
        site = db.session.get(Site, request.form.get("site_id", type=int) or 0)
        if site is None:
            flash("No such site.", "error")
        else:
            try:
                _, secret = webhooks.set_webhook(site, request.form.get("url", "").strip())
                db.session.commit()
                # Shown in this response only: a flash message would carry the
                # secret in the session cookie, readable by anyone who sees it.
                response = make_response(_webhooks(new_secret=(site.name, secret)))
                response.headers["Cache-Control"] = "no-store"
                return response
            except ValueError as exc:
                flash(f"Not saved: {exc}.", "error")
        return redirect(url_for("admin.webhooks_page"))
    return _webhooks()


def _webhooks(new_secret: tuple[str, str] | None = None) -> str:
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    hooks = {w.site_id: w for w in db.session.scalars(select(Webhook))}
    events = db.session.scalars(
        select(OutboxEvent).order_by(OutboxEvent.id.desc()).limit(EVENTS_SHOWN)
    ).all()
    return render_template(
        "admin_webhooks.html", sites=sites, hooks=hooks, events=events, new_secret=new_secret
    )


@bp.post("/webhooks/replay")
def webhooks_replay():
    event = webhooks.replay(request.form.get("event_id", type=int) or 0)
    if event is None:
        flash("No such event.", "error")
    else:
        db.session.commit()
        flash(f"Event {event.id} will be sent again.", "info")
    return redirect(url_for("admin.webhooks_page"))
