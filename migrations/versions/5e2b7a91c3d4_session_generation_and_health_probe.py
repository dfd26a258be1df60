"""session generation for moderators and a row for the health check to write

Revision ID: 5e2b7a91c3d4
Revises: 5e2c7a91b0d4
Create Date: 2026-11-30 02:30:00.000000

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e2b7a91c3d4"
down_revision = "5e2c7a91b0d4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("moderators", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False)
        )
    probe = op.create_table(
        "health_probe",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_probe")),
    )
    op.bulk_insert(probe, [{"id": 1, "checked_at": datetime.now(UTC)}])


def downgrade():
    op.drop_table("health_probe")
    with op.batch_alter_table("moderators", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
