"""reader reports and author standing

Revision ID: b7e2d9f0c1a3
Revises: a3f1c2d4e5b6
Create Date: 2026-11-30 02:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7e2d9f0c1a3"
down_revision = "a3f1c2d4e5b6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("reader_id", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "reason IN ('abusive', 'off_topic', 'spam', 'other')",
            name=op.f("ck_reports_reason_known"),
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name=op.f("fk_reports_comment_id_comments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint(
            "comment_id", "reader_id", name=op.f("uq_reports_comment_id_reader_id")
        ),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_comment_id"), ["comment_id"], unique=False)

    op.create_table(
        "author_standings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=255), nullable=False),
        sa.Column("standing", sa.String(length=16), nullable=False),
        sa.Column("changed_by", sa.String(length=80), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "standing IN ('normal', 'trusted', 'banned')",
            name=op.f("ck_author_standings_standing_known"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_author_standings_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_author_standings")),
        sa.UniqueConstraint(
            "site_id", "author_id", name=op.f("uq_author_standings_site_id_author_id")
        ),
    )
    op.create_table(
        "author_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=255), nullable=False),
        sa.Column("from_standing", sa.String(length=16), nullable=False),
        sa.Column("to_standing", sa.String(length=16), nullable=False),
        sa.Column("moderator", sa.String(length=80), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("acted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_author_actions_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_author_actions")),
    )
    with op.batch_alter_table("author_actions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_author_actions_site_author", ["site_id", "author_id", "id"], unique=False
        )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_site_author", ["site_id", "author_id"], unique=False)


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_site_author")
    with op.batch_alter_table("author_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_author_actions_site_author")
    op.drop_table("author_actions")
    op.drop_table("author_standings")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_comment_id"))
    op.drop_table("reports")
