"""feed ordered by writing transaction

Revision ID: e4f1a7c2b9d0
Revises: 5e2b7a91c3d4
Create Date: 2026-11-30 02:20:00.000000

Each decision records the id of the transaction that wrote it (``xid``),
so the feed can page by ``(xid, id)`` and show only decisions whose
transaction is older than every transaction still running. Decisions
written before this migration get 0: they are all committed already.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e4f1a7c2b9d0"
down_revision = "5e2b7a91c3d4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("xid", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.create_index("ix_decisions_xid_id", ["xid", "id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # New rows written by any means get their transaction's id; the
        # service also raises it per comment (moderation.domain.feed).
        op.execute(
            "ALTER TABLE decisions ALTER COLUMN xid SET DEFAULT (pg_current_xact_id()::text::bigint)"
        )


def downgrade():
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_xid_id")
        batch_op.drop_column("xid")
