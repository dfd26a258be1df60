"""Reader-comment moderation service: scores comments against a site's
policy, publishes the clear cases and holds the doubtful ones for moderators.
"""

import os
import secrets
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from moderation import commands, config
from moderation.domain import (
    comments,
    label_imports,
    late_articles,
    training_runs,
    webhook_jobs,
    webhooks,
)
from moderation.infrastructure import db, jobs, outbound, redaction
from moderation.web import (
    account_pages,
    admin_pages,
    api,
    author_pages,
    display,
    errors,
    inputs,
    limits,
    perspective_api,
    perspective_discovery,
    queue_pages,
    record_pages,  # noqa: F401  (adds the audit log and dashboard to the queue's blueprint)
    reports_api,  # noqa: F401  (adds its route to the API blueprint)
)

csrf = CSRFProtect()


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
        if "SQLALCHEMY_ENGINE_OPTIONS" not in test_config:
            uri = app.config["SQLALCHEMY_DATABASE_URI"]
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = config.engine_options(uri)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    app.json.sort_keys = False
    redaction.init_app(app)
    # A mistyped network stops the start, naming it, rather than every delivery.
    outbound.parse_networks(app.config["MODERATION_WEBHOOK_ALLOWED_NETWORKS"])
    limits.check_settings(app.config)  # and a mistyped rate limit, every request
    # So does a mistyped encoder setting, rather than every post's scoring.
    app.config["MODERATION_ON_TOPIC_ENCODER"] = config.on_topic_encoder(
        app.config["MODERATION_ON_TOPIC_ENCODER"]
    )
    app.config["MODERATION_ABUSE_ENCODER"] = config.abuse_encoder(
        app.config["MODERATION_ABUSE_ENCODER"]
    )

    db.init_app(app)
    jobs.init_app(
        app,
        {
            "retrain": training_runs.run_job,
            "rescore_pending": comments.rescore_pending_job,
            "decide_waiting_comments": late_articles.decide_waiting_job,
            label_imports.JOB: label_imports.run_job,
            webhooks.DELIVERY_JOB: webhook_jobs.deliver_job,
        },
        every_minute={
            "check_runs": training_runs.check_runs,
            "check_label_imports": label_imports.check_imports,
            "sweep_webhooks": webhook_jobs.deliver_job,
            # Re-scoring and late articles keep no row of their own: these
            # find what a lost job left undone from the comments themselves.
            "recover_rescoring": comments.requeue_lost_rescoring,
            "recover_waiting_comments": late_articles.requeue_lost_waiting,
        },
    )
    errors.register_error_handlers(app)
    commands.init_app(app)
    display.init_app(app)
    account_pages.login_manager.init_app(app)
    # Every form and page action needs a CSRF token; the API authenticates
    # with a bearer key, not a cookie, so it has nothing to forge.
    csrf.init_app(app)
    csrf.exempt(api.bp)
    csrf.exempt(api.health_bp)
    csrf.exempt(perspective_api.bp)
    inputs.init_app(app)
    limits.limiter.init_app(app)
    proxies = app.config["MODERATION_TRUSTED_PROXIES"]
    if proxies:
        # The client's address (for rate limits) and scheme, as the trusted
        # proxies recorded them; headers beyond that count are ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.register_blueprint(api.bp)
    app.register_blueprint(api.health_bp)
    app.register_blueprint(perspective_api.bp)
    app.register_blueprint(perspective_discovery.bp)
    app.register_blueprint(account_pages.bp)
    app.register_blueprint(queue_pages.bp)
    app.register_blueprint(admin_pages.bp)
    app.register_blueprint(author_pages.bp)
    app.after_request(_security_headers)
    return app


def _security_headers(response):
    """Headers every response carries: no sniffing, no framing, no referrer
    leaking article URLs, and scripts only from this service."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        # Inline style attributes draw the score bars; no inline script runs.
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; form-action 'self'",
    )
    return response


def _instance_secret(instance_path: Path) -> str:
    """A secret kept in the instance folder, so sessions survive restarts
    and every worker agrees, without anyone having to configure one."""
    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
