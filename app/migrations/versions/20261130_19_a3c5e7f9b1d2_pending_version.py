"""Projects name their latest agreement version while it waits for approval
(`projects.pending_version`), with a partial index over the projects that have one, and a
partial index over the open action items by due day (the inbox reads them in order and stops
at its cap; the open openings have theirs from the national-scale migration)

Revision ID: a3c5e7f9b1d2
Revises: e3f1a9c27b50
Create Date: 2026-11-30 22:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a3c5e7f9b1d2"
down_revision = "e3f1a9c27b50"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_version", sa.Integer(), nullable=True))
    # The latest version of each project, when it is not approved.
    op.execute(
        """
        UPDATE projects SET pending_version = (
            SELECT v.number FROM agreement_versions v
            WHERE v.project_id = projects.id AND v.approved_at IS NULL
              AND NOT EXISTS (
                SELECT 1 FROM agreement_versions n
                WHERE n.project_id = v.project_id AND n.number > v.number))
        """
    )
    op.create_index(
        "ix_projects_pending_version",
        "projects",
        ["pending_version"],
        unique=False,
        sqlite_where=sa.text("pending_version IS NOT NULL"),
        postgresql_where=sa.text("pending_version IS NOT NULL"),
    )
    op.create_index(
        "ix_action_items_open_due",
        "action_items",
        ["due_on", "id"],
        unique=False,
        sqlite_where=sa.text("done_at IS NULL"),
        postgresql_where=sa.text("done_at IS NULL"),
    )


def downgrade():
    op.drop_index("ix_action_items_open_due", table_name="action_items")
    op.drop_index(
        "ix_projects_pending_version",
        table_name="projects",
        sqlite_where=sa.text("pending_version IS NOT NULL"),
        postgresql_where=sa.text("pending_version IS NOT NULL"),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("pending_version")
