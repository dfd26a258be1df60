"""Which model version the service scores with: one answer for every instance.

The live version is the latest row of ``model_promotions``, so a promotion
or rollback made on one machine (the admin page, ``flask models``, a
retraining) is served by every other within seconds; the rows are also its
history: who, when, what it replaced, why. The files stay where they were:
every machine's ``MODERATION_MODEL_DIR`` must hold each version the
database may name. Until the first promotion through the service (a fresh
install with the shipped model), the live version is the one
``models/CURRENT`` names.

Each process keeps what it read for ``MODERATION_MODEL_CHECK_SECONDS``, so
the request path does not ask the database on every comment; a promotion
made in this process is served here at once. When the live version
changes, the scorers of other versions are released.

The table is defined here, with the only code that reads or writes it,
rather than in orm.py.
"""

import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import DateTime, String, Text, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Mapped, mapped_column

from moderation.infrastructure import jobs
from moderation.infrastructure.db import as_utc, db, only_reading, utcnow
from moderation.learning import artifacts

if TYPE_CHECKING:
    from moderation.learning.scoring import Scorer

# Where each app keeps what it last read (per app, not per module: two apps
# in one process, as in the tests, are two instances of the service).
EXTENSION = "moderation.live_model"
VERSION_LENGTH = 255


class ModelPromotion(db.Model):
    """One change of the live model version: a promotion or a rollback.

    Append-only; the latest row names the version every instance serves."""

    __tablename__ = "model_promotions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(VERSION_LENGTH))
    # What was live before: from the previous row, or CURRENT for the first.
    previous: Mapped[str | None] = mapped_column(String(VERSION_LENGTH))
    promoted_by: Mapped[str] = mapped_column(String(255))
    promoted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    def to_json(self) -> dict:
        return {
            "version": self.version,
            "previous": self.previous,
            "by": self.promoted_by,
            "at": as_utc(self.promoted_at).isoformat(timespec="seconds"),
            "note": self.note,
        }


@dataclass(frozen=True)
class _Seen:
    model_dir: str
    version: str | None
    at: float  # time.monotonic() of the read


def _model_dir() -> Path:
    return Path(current_app.config["MODERATION_MODEL_DIR"])


def live_version(fresh: bool = False) -> str | None:
    """The version to score with, as read at most
    ``MODERATION_MODEL_CHECK_SECONDS`` ago (now, when ``fresh``: a job
    that follows a promotion must not score with what it replaced)."""
    app = current_app._get_current_object()
    model_dir = str(_model_dir())
    seen = app.extensions.get(EXTENSION)
    now = time.monotonic()
    interval = app.config.get("MODERATION_MODEL_CHECK_SECONDS", 2.0)
    if not fresh and seen is not None and seen.model_dir == model_dir and now - seen.at < interval:
        return seen.version
    version = _read()
    _remember(version, now)
    return version


def live_scorer(fresh: bool = False, comments: int = 1) -> "Scorer":
    """The live version's scorer, for scoring ``comments`` comments at once
    (see ``as_served``); ``ModelUnavailable`` when there is none (callers
    hold comments for moderators rather than lose them)."""
    # Imported here: scikit-learn is seconds of every command's start.
    from moderation.learning.loaded_models import ModelUnavailable, load_scorer

    model_dir = _model_dir()
    version = live_version(fresh)
    if version is None:
        raise ModelUnavailable(
            f"no trained model: nothing promoted yet, and no CURRENT file in {model_dir} "
            "naming one of its versions"
        )
    return as_served(load_scorer(model_dir, version), comments)


def as_served(scorer: "Scorer", comments: int = 1) -> "Scorer":
    """``scorer`` as this app serves ``comments`` comments at once.

    Posted one at a time, a comment is read by the on-topic sentence
    encoder as ``MODERATION_ON_TOPIC_ENCODER`` says (``all``: wherever it
    could move the score across a threshold the model serves; ``decisive``:
    only where it could change the decision at the app's on-topic hold
    threshold; ``off``: never), and by the abuse stage's encoder as
    ``MODERATION_ABUSE_ENCODER`` says (``all``, ``decisive``: only where
    the first stage's features leave the decision at the app's abuse
    thresholds in doubt, or ``off``). A batch is
    scored by neither (10-20 ms a comment would keep a batch of 500 past the
    workers' timeout). The gate compares a candidate with the live model
    this way too."""
    if comments != 1:
        return scorer.without_encoder
    # Each one of its config.*_SETTINGS: create_app checked them.
    config = current_app.config
    return scorer.served(
        config.get("MODERATION_ON_TOPIC_ENCODER", "all"),
        config.get("MODERATION_ABUSE_ENCODER", "all"),
        config["MODERATION_HOLD_ON_TOPIC"],
        _abuse_thresholds(),
    )


def _abuse_thresholds() -> tuple[float, float]:
    config = current_app.config
    return (config["MODERATION_HOLD_ABUSIVE"], config["MODERATION_REJECT_ABUSIVE"])


def live_scorer_abuse_read(fresh: bool = False, for_scores: bool = False) -> "Scorer":
    """The live scorer with the abuse stage reading as for a comment posted
    alone (``MODERATION_ABUSE_ENCODER``) and the on-topic encoder not: for
    Perspective ``analyze`` (Talk gives up after 800 ms, and the on-topic
    encoder reads whole articles) and for re-deciding held comments in a
    background job (hundreds at once, each with its article), whose abuse
    must not fall back to the unread score the post did not get.
    ``for_scores``: the caller compares the score with thresholds of its own
    (Perspective clients), where ``decisive`` promises nothing: it reads
    as ``all`` does."""
    abuse = current_app.config.get("MODERATION_ABUSE_ENCODER", "all")
    if for_scores and abuse == "decisive":
        abuse = "all"
    return live_scorer(fresh).served("off", abuse, abuse_thresholds=_abuse_thresholds())


def scorer_for_files(version: str | None = None) -> "Scorer":
    """For commands that score files (``flask score``, ``flask evaluate``):
    ``version`` (measured once, not kept loaded), else the live one, either
    read as a comment posted alone is (``as_served``). Scoring a file needs
    no database: on one not created or migrated yet (a fresh checkout, a
    benchmark machine) the live version is the one CURRENT names."""
    from moderation.learning.loaded_models import load_scorer

    if version:
        return as_served(load_scorer(_model_dir(), version, keep=False))
    try:
        return live_scorer()
    except (OperationalError, ProgrammingError):
        db.session.rollback()
        return as_served(load_scorer(_model_dir()))


def promote(version: str, by: str, note: str = "") -> ModelPromotion:
    """Record ``version`` as live; the caller commits. Served in this
    process at once, in the others within the check interval."""
    model_dir = _model_dir()
    if version not in artifacts.versions(model_dir):
        raise ValueError(f"no model version {version!r} in {model_dir}")
    # Read afresh, not from the cache: the row says what it replaced.
    row = ModelPromotion(version=version, previous=_read(), promoted_by=by, note=note)
    db.session.add(row)
    db.session.flush()
    # Held comments are decided again by the new model, once this commits.
    jobs.enqueue_after_commit("rescore_pending")
    # Kept in step for offline tools (benchmarks, `load_scorer(dir)`) on
    # this machine; the database, not this file, says what is live.
    artifacts.set_current(model_dir, version)
    _remember(version, time.monotonic())
    return row


def rollback(by: str) -> ModelPromotion:
    """Go back to the version the live one replaced; the caller commits.

    A promotion of the live version over itself is skipped, so a rollback
    always changes the version or fails with ValueError."""
    current = _read()
    target = _rollback_target(current)
    if target is None:
        raise ValueError(
            f"nothing to roll back to: {current} was never promoted over a different version"
        )
    if target not in artifacts.versions(_model_dir()):
        raise ValueError(f"nothing to roll back to: {target} is no longer in {_model_dir()}")
    return promote(target, by, note=f"rollback from {current}")


def rollback_target() -> str | None:
    """The different version the live one replaced, if it is still on disk
    (what the admin page's "Roll back" offers)."""
    target = _rollback_target(live_version())
    return target if target in artifacts.versions(_model_dir()) else None


def _rollback_target(current: str | None) -> str | None:
    statement = select(ModelPromotion).where(ModelPromotion.version == current)
    for row in db.session.scalars(statement.order_by(ModelPromotion.id.desc())):
        if row.previous and row.previous != current:
            return row.previous
    return None


def history(limit: int | None = None) -> list[ModelPromotion]:
    """Promotions and rollbacks, newest first."""
    statement = select(ModelPromotion).order_by(ModelPromotion.id.desc()).limit(limit)
    return list(db.session.scalars(statement))


def _read() -> str | None:
    """The live version as the database says now, else what CURRENT names."""
    statement = select(ModelPromotion.version).order_by(ModelPromotion.id.desc()).limit(1)
    if db.session().in_transaction():
        version = db.session.scalar(statement)
    else:
        # A read of its own (e.g. between a request's read and its write
        # transactions), ended at once: scoring then holds no connection
        # and, on SQLite, neither the write lock nor a read snapshot that
        # the request's later write could not upgrade.
        with only_reading():
            try:
                version = db.session.scalar(statement)
            finally:
                db.session.rollback()
    return version if version is not None else artifacts.current_version(_model_dir())


def _remember(version: str | None, now: float) -> None:
    app = current_app._get_current_object()
    model_dir = _model_dir()
    seen = app.extensions.get(EXTENSION)
    app.extensions[EXTENSION] = _Seen(str(model_dir), version, now)
    # A process that never loaded a model holds no scorer to release (and
    # `flask models list` need not wait for scikit-learn to import).
    loaded_models = sys.modules.get("moderation.learning.loaded_models")
    changed = seen is None or seen.version != version or seen.model_dir != str(model_dir)
    if changed and loaded_models is not None:
        loaded_models.keep_only(model_dir, [version] if version else [])
