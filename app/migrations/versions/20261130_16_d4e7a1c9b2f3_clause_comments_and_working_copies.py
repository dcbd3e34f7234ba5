"""Comments per clause of an agreement version, and the drafters' working copies

Revision ID: d4e7a1c9b2f3
Revises: f7f10815730d
Create Date: 2026-11-30 19:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4e7a1c9b2f3"
down_revision = "f7f10815730d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "clause_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("clause_key", sa.String(length=60), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_clause_comments_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["clause_comments.id"],
            name=op.f("fk_clause_comments_parent_id_clause_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_clause_comments_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_clause_comments_resolved_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["agreement_versions.id"],
            name=op.f("fk_clause_comments_version_id_agreement_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clause_comments")),
    )
    with op.batch_alter_table("clause_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clause_comments_parent_id"), ["parent_id"])
        batch_op.create_index(batch_op.f("ix_clause_comments_project_id"), ["project_id"])
        batch_op.create_index(batch_op.f("ix_clause_comments_version_id"), ["version_id"])

    op.create_table(
        "draft_working_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("base_number", sa.Integer(), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_draft_working_copies_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_draft_working_copies_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_working_copies")),
        sa.UniqueConstraint(
            "project_id", "user_id", name="uq_draft_working_copies_project_user"
        ),
    )
    with op.batch_alter_table("draft_working_copies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_working_copies_user_id"), ["user_id"])


def downgrade():
    with op.batch_alter_table("draft_working_copies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draft_working_copies_user_id"))
    op.drop_table("draft_working_copies")
    with op.batch_alter_table("clause_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clause_comments_version_id"))
        batch_op.drop_index(batch_op.f("ix_clause_comments_project_id"))
        batch_op.drop_index(batch_op.f("ix_clause_comments_parent_id"))
    op.drop_table("clause_comments")
