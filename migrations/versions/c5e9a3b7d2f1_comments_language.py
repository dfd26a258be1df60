"""the language a site states for a comment

Revision ID: c5e9a3b7d2f1
Revises: b4d8e2f6a1c3
Create Date: 2026-11-30 14:40:00

A site that knows its comments' language sends it; it is kept so that
re-scoring (after a promotion, or when a late article arrives) reads the
comment in the same language. Existing comments have none: detected.

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c5e9a3b7d2f1"
down_revision = "b4d8e2f6a1c3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("language")
