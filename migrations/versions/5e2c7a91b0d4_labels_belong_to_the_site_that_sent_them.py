"""labels belong to the site that sent them

Revision ID: 5e2c7a91b0d4
Revises: c1a1cad7201f
Create Date: 2026-11-30 02:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5e2c7a91b0d4"
down_revision = "c1a1cad7201f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("labelled_examples", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("community_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("attributes", sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_labelled_examples_site_id_sites"),
            "sites",
            ["site_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_labelled_examples_site_id_source_external_id"),
            ["site_id", "source", "external_id"],
        )


def downgrade():
    with op.batch_alter_table("labelled_examples", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_labelled_examples_site_id_source_external_id"), type_="unique"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_labelled_examples_site_id_sites"), type_="foreignkey"
        )
        batch_op.drop_column("attributes")
        batch_op.drop_column("community_id")
        batch_op.drop_column("site_id")
