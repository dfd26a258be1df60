"""decisions indexed for the dashboard

Revision ID: f3c8a1d6e2b9
Revises: e7a3c5d9b1f4
Create Date: 2026-11-30 06:20:00

The dashboard's figures read a comment's decisions (its latest and the
model's first) for each recent moderator decision, the first decisions of
recent days, and the moderators' recent decisions. On PostgreSQL these
indexes carry the columns those reads need (INCLUDE), so the reads stay in
the index; SQLite gets the same keys and conditions without them.

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f3c8a1d6e2b9"
down_revision = "e7a3c5d9b1f4"
branch_labels = None
depends_on = None

MODERATORS = sa.text("actor_type = 'moderator'")
FIRST = sa.text("from_status IS NULL")


def upgrade():
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        # (comment_id, id) serves every lookup by comment that the old index did.
        batch_op.drop_index("ix_decisions_comment_id")
        batch_op.create_index(
            "ix_decisions_comment_id_id",
            ["comment_id", "id"],
            unique=False,
            postgresql_include=["from_status", "to_status", "reasons"],
        )
        batch_op.drop_index("ix_decisions_moderators_decided_at")
        batch_op.create_index(
            "ix_decisions_moderators_decided_at",
            ["decided_at"],
            unique=False,
            postgresql_where=MODERATORS,
            sqlite_where=MODERATORS,
            postgresql_include=["comment_id", "id", "to_status"],
        )
        batch_op.create_index(
            "ix_decisions_first_decided_at",
            ["decided_at"],
            unique=False,
            postgresql_where=FIRST,
            sqlite_where=FIRST,
            postgresql_include=["comment_id", "to_status"],
        )


def downgrade():
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_first_decided_at")
        batch_op.drop_index("ix_decisions_moderators_decided_at")
        batch_op.create_index(
            "ix_decisions_moderators_decided_at",
            ["decided_at"],
            unique=False,
            postgresql_where=MODERATORS,
            sqlite_where=MODERATORS,
        )
        batch_op.drop_index("ix_decisions_comment_id_id")
        batch_op.create_index("ix_decisions_comment_id", ["comment_id"], unique=False)
