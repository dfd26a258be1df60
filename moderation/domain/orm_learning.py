"""The stored state of the models' life at a site: labelled examples to
retrain on, the files of labels being imported, and the retraining runs
(which version is live is kept by ``live_model``). Apart from ``orm`` to
keep each module readable at a sitting."""

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from moderation.domain.orm import EXTERNAL_ID_LENGTH
from moderation.infrastructure.db import db, utcnow


class LabelledExample(db.Model):
    """A labelled comment for retraining: imported from a file (no site), or
    a site's feedback through Perspective's suggestscore (one row per site
    and comment, updated by later feedback). Importing a label again
    updates it."""

    __tablename__ = "labelled_examples"
    # NULL site ids are distinct in a unique constraint (SQLite and
    # PostgreSQL alike), so imported files may repeat ids.
    __table_args__ = (UniqueConstraint("site_id", "source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_LENGTH))
    text: Mapped[str] = mapped_column(Text)
    abusive: Mapped[int | None]
    on_topic: Mapped[int | None]
    article_id: Mapped[str | None] = mapped_column(String(EXTERNAL_ID_LENGTH))
    source: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The site whose key sent the label, or that an operator imported it
    # for; None for files imported before labels belonged to a site.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    # What the sender said its community was: metadata, never the label's owner.
    community_id: Mapped[str | None] = mapped_column(String(255))
    # Perspective attribute name -> the suggested probability, as last sent.
    attributes: Mapped[dict | None] = mapped_column(JSON)
    # The comment's language as the file said it (ISO 639-1); None: English.
    language: Mapped[str | None] = mapped_column(String(8))


class TrainingRun(db.Model):
    """A retraining started from the admin page, and how far it got."""

    __tablename__ = "training_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_by: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # queued, running, promoted, kept (the gate refused it) or failed
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[str | None] = mapped_column(String(64))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    # Set while queued or running, cleared when finished: unique, so one
    # retraining per site (or of every site's labels) at a time.
    active_for: Mapped[str | None] = mapped_column(String(32), unique=True)
    worker: Mapped[str | None] = mapped_column(String(120))
    # The worker running it writes this every few seconds; a stale one means
    # the worker stopped (killed, or its machine went away).
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LabelImport(db.Model):
    """A file of labels uploaded on the admin page, imported by a job worker
    (``label_imports``), and what came of it."""

    __tablename__ = "label_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    # The file as uploaded, until the job has read it: in the database
    # because app instances and job workers may be on different machines.
    # Deferred: listing the imports must not read every file.
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    started_by: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # queued, running, imported or failed
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[str] = mapped_column(Text, default="")
    # Labels stored, once imported.
    imported: Mapped[int | None]
    # The bad lines of a refused file, "line N: ...", the first few hundred.
    problems: Mapped[list | None] = mapped_column(JSON)
    # Set while queued or running, cleared when finished: unique, so one
    # import per site (or of the operator's labels) at a time.
    active_for: Mapped[str | None] = mapped_column(String(32), unique=True)
    worker: Mapped[str | None] = mapped_column(String(120))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
