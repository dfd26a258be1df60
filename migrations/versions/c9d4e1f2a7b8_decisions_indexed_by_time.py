"""decisions indexed by time

Revision ID: c9d4e1f2a7b8
Revises: b7e2d9f0c1a3
Create Date: 2026-11-30 02:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c9d4e1f2a7b8"
down_revision = "b7e2d9f0c1a3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index("ix_decisions_decided_at", ["decided_at"], unique=False)
        batch_op.create_index(
            "ix_decisions_moderators_decided_at",
            ["decided_at"],
            unique=False,
            postgresql_where=sa.text("actor_type = 'moderator'"),
            sqlite_where=sa.text("actor_type = 'moderator'"),
        )


def downgrade():
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_moderators_decided_at")
        batch_op.drop_index("ix_decisions_decided_at")
