"""Configuration from the environment, with defaults that run on one machine.

Every setting can be given as an environment variable of the same name;
``create_app(test_config)`` overrides them for tests. The defaults give a
working service with no setup: SQLite under ``instance/`` and the model
shipped in ``models/``.
"""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POLICY_TEXT = (
    "Comments are moderated and generally will be posted if they are on-topic and not abusive."
)


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return default if value in (None, "") else float(value)


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


ENCODER_SETTINGS = ("all", "decisive", "off")
ENCODER_SWITCH = {
    **dict.fromkeys(("on", "1", "true", "yes"), "all"),
    **dict.fromkeys(("0", "false", "no"), "off"),
}


ABUSE_ENCODER_SETTINGS = ("all", "decisive", "off")


def on_topic_encoder(value) -> str:
    """``MODERATION_ON_TOPIC_ENCODER`` as one of ``ENCODER_SETTINGS`` (on and
    off, as the setting was once a switch, mean all and off)."""
    return _encoder_setting("MODERATION_ON_TOPIC_ENCODER", value, ENCODER_SETTINGS)


def abuse_encoder(value) -> str:
    """``MODERATION_ABUSE_ENCODER`` as one of ``ABUSE_ENCODER_SETTINGS``."""
    return _encoder_setting("MODERATION_ABUSE_ENCODER", value, ABUSE_ENCODER_SETTINGS)


def _encoder_setting(name: str, value, allowed: tuple[str, ...]) -> str:
    if isinstance(value, bool):
        return "all" if value else "off"
    setting = str(value).strip().lower()
    setting = ENCODER_SWITCH.get(setting, setting)
    if setting not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return setting


def database_url(instance_path: str) -> str:
    url = os.environ.get("MODERATION_DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(instance_path) / 'moderation.sqlite'}"
    # Accept the plain form most hosts hand out; the driver is psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def engine_options(url: str) -> dict:
    """Connection pooling for PostgreSQL; SQLite needs none."""
    if not url.startswith("postgresql"):
        return {}
    options = {}
    if os.environ.get("MODERATION_PG_SYNCHRONOUS_COMMIT", "on").lower() == "off":
        # The trade-off is in the README: a commit returns before it is on
        # disk, so a crash of the machine may lose the last ~0.6 s of 201s.
        options["connect_args"] = {"options": "-c synchronous_commit=off"}
    return {
        **options,
        "pool_size": int(os.environ.get("MODERATION_DB_POOL_SIZE", 10)),
        "max_overflow": int(os.environ.get("MODERATION_DB_MAX_OVERFLOW", 10)),
        "pool_pre_ping": True,  # survive a database restart without errors
        "pool_recycle": 1800,
        # A request waits at most this long for a connection, then gets a 503.
        "pool_timeout": _float("MODERATION_DB_POOL_TIMEOUT", 5.0),
    }


def from_environment(instance_path: str) -> dict:
    url = database_url(instance_path)
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url),
        "MODERATION_MODEL_DIR": os.environ.get(
            "MODERATION_MODEL_DIR", str(PROJECT_ROOT / "models")
        ),
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MODERATION_MAX_BODY_BYTES", 2 * 1024 * 1024)),
        "MODERATION_MAX_TEXT_CHARS": int(os.environ.get("MODERATION_MAX_TEXT_CHARS", 20000)),
        # A file of labels uploaded on the admin page (stored in the database
        # until a job worker imports it): about 100,000 labels.
        "MODERATION_MAX_LABEL_FILE_BYTES": int(
            os.environ.get("MODERATION_MAX_LABEL_FILE_BYTES", 20 * 1024 * 1024)
        ),
        "MODERATION_BATCH_LIMIT": int(os.environ.get("MODERATION_BATCH_LIMIT", 500)),
        "MODERATION_FEED_PAGE_SIZE": int(os.environ.get("MODERATION_FEED_PAGE_SIZE", 100)),
        # Hold where 30% of the news calibration comments so scored were
        # abusive: the shipped model's recommended hold threshold (its
        # manifest's metrics.abuse.recommended_thresholds). No threshold of
        # its reaches 90% there, so it recommends no reject threshold: the
        # previous one stays, which rejects almost nothing by itself (README).
        "MODERATION_REJECT_ABUSIVE": _float("MODERATION_REJECT_ABUSIVE", 0.98),
        "MODERATION_HOLD_ABUSIVE": _float("MODERATION_HOLD_ABUSIVE", 0.164),
        # The on-topic second stage's sentence encoder, for comments posted
        # one at a time: better relevance for ~10x the scoring time of a
        # comment with a known article (README). Batches never use it.
        "MODERATION_ON_TOPIC_ENCODER": on_topic_encoder(
            os.environ.get("MODERATION_ON_TOPIC_ENCODER") or "all"
        ),
        # The abuse stage's tuned encoder layers, for English comments posted
        # one at a time: 0.01-0.09 more ROC-AUC on held-out news comments for
        # about 8 ms a comment at the median (README). Batches never use it.
        "MODERATION_ABUSE_ENCODER": abuse_encoder(
            os.environ.get("MODERATION_ABUSE_ENCODER") or "all"
        ),
        # The shipped model's recommended_hold_on_topic: as many on-topic
        # comments held as its first stage held at 0.3.
        "MODERATION_HOLD_ON_TOPIC": _float("MODERATION_HOLD_ON_TOPIC", 0.11),
        "MODERATION_HOLD_SPAM": _float("MODERATION_HOLD_SPAM", 0.5),
        # How far a candidate model's worst identity-group AUC may fall
        # below the live model's before the gate refuses it.
        "MODERATION_GATE_IDENTITY_TOLERANCE": _float("MODERATION_GATE_IDENTITY_TOLERANCE", 0.05),
        "MODERATION_PREMODERATION": _bool("MODERATION_PREMODERATION", False),
        "MODERATION_REPORT_THRESHOLD": int(os.environ.get("MODERATION_REPORT_THRESHOLD", 3)),
        "MODERATION_BANNED_AUTHORS": os.environ.get("MODERATION_BANNED_AUTHORS", "reject"),
        "MODERATION_POLICY_TEXT": os.environ.get("MODERATION_POLICY_TEXT", DEFAULT_POLICY_TEXT),
        # Moderators' session cookie: not readable by scripts, not sent on
        # cross-site posts; HTTPS-only unless explicitly served over HTTP.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("MODERATION_SECURE_COOKIES", False),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "MODERATION_API_RATE_LIMIT": os.environ.get(
            "MODERATION_API_RATE_LIMIT", "60000 per minute"
        ),
        # Failed sign-ins per client address.
        "MODERATION_LOGIN_RATE_LIMIT": os.environ.get(
            "MODERATION_LOGIN_RATE_LIMIT", "10 per minute"
        ),
        # Wrong passwords in a row an account takes before each further
        # attempt waits (1, 2, 4 ... seconds, at most the maximum).
        "MODERATION_LOGIN_FREE_FAILURES": int(os.environ.get("MODERATION_LOGIN_FREE_FAILURES", 5)),
        "MODERATION_LOGIN_MAX_DELAY_SECONDS": int(
            os.environ.get("MODERATION_LOGIN_MAX_DELAY_SECONDS", 30)
        ),
        # Requests with a wrong API key per client address.
        "MODERATION_AUTH_FAILURE_LIMIT": os.environ.get(
            "MODERATION_AUTH_FAILURE_LIMIT", "30 per minute"
        ),
        # How many proxies in front of the service append to X-Forwarded-For;
        # 0 trusts none (the connection's address is the client's).
        "MODERATION_TRUSTED_PROXIES": int(os.environ.get("MODERATION_TRUSTED_PROXIES", 0)),
        # How long a process trusts what it read of a site (key, webhook).
        "MODERATION_SITE_CACHE_SECONDS": _float("MODERATION_SITE_CACHE_SECONDS", 5.0),
        # How long a process trusts what it read of the live model version
        # (model_promotions): a promotion elsewhere is served here within this.
        "MODERATION_MODEL_CHECK_SECONDS": _float("MODERATION_MODEL_CHECK_SECONDS", 2.0),
        # FULL (durable, the default) or NORMAL; see the README on durability.
        "MODERATION_SQLITE_SYNCHRONOUS": os.environ.get("MODERATION_SQLITE_SYNCHRONOUS", "FULL"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # What the admin page's "Retrain" trains on besides the site's labels.
        "MODERATION_BASE_DATA": [
            p for p in os.environ.get("MODERATION_BASE_DATA", "").split(os.pathsep) if p
        ],
        # Networks webhooks may reach although they are not public, e.g.
        # "10.0.0.0/8, 127.0.0.1/32"; by default only public addresses.
        "MODERATION_WEBHOOK_ALLOWED_NETWORKS": os.environ.get(
            "MODERATION_WEBHOOK_ALLOWED_NETWORKS", ""
        ),
        # The whole of one delivery attempt, and the first wait before a retry
        # (doubled after each failure, up to ten minutes).
        "MODERATION_WEBHOOK_DEADLINE_SECONDS": _float("MODERATION_WEBHOOK_DEADLINE_SECONDS", 10.0),
        # "jobs": the job workers deliver; "workers": only `flask webhooks run` does.
        "MODERATION_WEBHOOK_DELIVERY": os.environ.get("MODERATION_WEBHOOK_DELIVERY", "jobs"),
        "MODERATION_WEBHOOK_FIRST_RETRY_SECONDS": _float(
            "MODERATION_WEBHOOK_FIRST_RETRY_SECONDS", 2.0
        ),
        "MODERATION_BASE_ARTICLES": os.environ.get("MODERATION_BASE_ARTICLES") or None,
        "MODERATION_BASE_WORD_VECTORS": os.environ.get("MODERATION_BASE_WORD_VECTORS") or None,
        "MODERATION_BASE_ENCODER": os.environ.get("MODERATION_BASE_ENCODER") or None,
        "MODERATION_BASE_ABUSE_STAGE": os.environ.get("MODERATION_BASE_ABUSE_STAGE") or None,
        # Where background jobs wait: empty for a SQLite file in the instance
        # folder, redis://host:port/db to share them between machines.
        "MODERATION_JOBS_URL": os.environ.get("MODERATION_JOBS_URL", ""),
        # A running retraining whose worker has not said it is alive for
        # this long is marked failed (its worker was killed or lost).
        "MODERATION_JOB_STALE_SECONDS": _float("MODERATION_JOB_STALE_SECONDS", 60.0),
    }
