"""training runs as jobs

Revision ID: a7e3c5d1f9b2
Revises: c9d4e1f2a7b8
Create Date: 2026-11-30 06:20:00.000000

A retraining is a job a worker takes from the queue: the run records which
site it is for, which worker has it and when that worker last said it was
alive, and holds a unique key while queued or running (one at a time).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7e3c5d1f9b2"
down_revision = "c9d4e1f2a7b8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("active_for", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("worker", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint("uq_training_runs_active_for", ["active_for"])
        batch_op.create_foreign_key("fk_training_runs_site_id_sites", "sites", ["site_id"], ["id"])
    # A run left "running" by the retraining thread of an older version has
    # no worker that could finish it.
    op.execute(
        "UPDATE training_runs SET status = 'failed', "
        "progress = 'stopped by an upgrade of the service' WHERE status = 'running'"
    )


def downgrade():
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        batch_op.drop_constraint("fk_training_runs_site_id_sites", type_="foreignkey")
        batch_op.drop_constraint("uq_training_runs_active_for", type_="unique")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("worker")
        batch_op.drop_column("active_for")
        batch_op.drop_column("site_id")
