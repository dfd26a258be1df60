"""labels identified by site and comment id

Revision ID: a3f1c2d4e5b6
Revises: f2b8c3d4e5a6
Create Date: 2026-11-30 02:20:00

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "a3f1c2d4e5b6"
down_revision = "f2b8c3d4e5a6"
branch_labels = None
depends_on = None


def upgrade():
    # Importing a file twice used to add every label again: keep the latest
    # of each comment id, as a re-import now does. (The site column and its
    # unique key come with the per-site labels migration, 5e2c7a91b0d4.)
    op.execute(
        "DELETE FROM labelled_examples WHERE site_id IS NULL AND id NOT IN "
        "(SELECT MAX(id) FROM labelled_examples WHERE site_id IS NULL GROUP BY external_id)"
    )


def downgrade():
    pass
