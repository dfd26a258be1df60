"""labels identified by site and comment id

Revision ID: a3f1c2d4e5b6
Revises: c1a1cad7201f
Create Date: 2026-11-30 02:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a3f1c2d4e5b6"
down_revision = "c1a1cad7201f"
branch_labels = None
depends_on = None


def upgrade():
    # Importing a file twice used to add every label again: keep the latest
    # of each comment id, as a re-import now does.
    op.execute(
        "DELETE FROM labelled_examples WHERE id NOT IN "
        "(SELECT MAX(id) FROM labelled_examples GROUP BY external_id)"
    )
    with op.batch_alter_table("labelled_examples", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_labelled_examples_site_id_sites"), "sites", ["site_id"], ["id"]
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_labelled_examples_site_id_external_id"), ["site_id", "external_id"]
        )


def downgrade():
    with op.batch_alter_table("labelled_examples", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_labelled_examples_site_id_external_id"), type_="unique"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_labelled_examples_site_id_sites"), type_="foreignkey"
        )
        batch_op.drop_column("site_id")
