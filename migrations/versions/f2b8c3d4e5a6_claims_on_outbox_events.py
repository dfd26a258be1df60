"""claims on outbox events

Revision ID: f2b8c3d4e5a6
Revises: e4f1a7c2b9d0
Create Date: 2026-11-30 02:40:00.000000

A delivery worker claims the events it is sending, so that several
workers can run without delivering an event twice.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f2b8c3d4e5a6"
down_revision = "e4f1a7c2b9d0"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
