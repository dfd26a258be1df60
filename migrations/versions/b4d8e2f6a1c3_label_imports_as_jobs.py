"""label imports as jobs

Revision ID: b4d8e2f6a1c3
Revises: f3c8a1d6e2b9
Create Date: 2026-12-01 09:00:00.000000

A file of labels uploaded on the admin page is kept in the database until
a job worker has imported it (app instances and workers may be on other
machines), with the import's progress and result; a unique key while it is
queued or running keeps one import per site at a time.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b4d8e2f6a1c3"
down_revision = "f3c8a1d6e2b9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "label_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("started_by", sa.String(length=80), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=True),
        sa.Column("active_for", sa.String(length=32), nullable=True),
        sa.Column("worker", sa.String(length=120), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_label_imports_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label_imports")),
        sa.UniqueConstraint("active_for", name=op.f("uq_label_imports_active_for")),
    )


def downgrade():
    op.drop_table("label_imports")
