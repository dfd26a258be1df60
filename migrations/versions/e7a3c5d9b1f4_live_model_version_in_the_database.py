"""live model version in the database

Revision ID: e7a3c5d9b1f4
Revises: a7e3c5d1f9b2
Create Date: 2026-11-30 05:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e7a3c5d9b1f4"
down_revision = "a7e3c5d1f9b2"
branch_labels = None
depends_on = None


def upgrade():
    # No row is written here: until the first promotion through the
    # service, the live version is the one models/CURRENT names.
    op.create_table(
        "model_promotions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=255), nullable=False),
        sa.Column("previous", sa.String(length=255), nullable=True),
        sa.Column("promoted_by", sa.String(length=255), nullable=False),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_promotions")),
    )


def downgrade():
    op.drop_table("model_promotions")
