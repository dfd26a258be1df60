"""labelled examples keep their language

Revision ID: d7a2c4e6f8b1
Revises: c5e9a3b7d2f1
Create Date: 2026-12-01 17:40:00

A label file's line may say its comment's language (``meta.language``, as
the exported labels of a site that sends ``language`` do); kept, so that
the label trains that language's model rather than the English one.
Existing rows have none: read as English, as before.

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d7a2c4e6f8b1"
down_revision = "c5e9a3b7d2f1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("labelled_examples", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("labelled_examples", schema=None) as batch_op:
        batch_op.drop_column("language")
