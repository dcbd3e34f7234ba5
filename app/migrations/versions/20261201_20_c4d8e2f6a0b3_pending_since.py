"""Projects keep when their waiting agreement version was saved (`projects.pending_since`),
with a partial index over the projects that have one, in that order: the inbox lists what
waits for approval from it and reads only the versions it shows (on SQLite a version's saving
day and note sit after the kilobytes of its document, in the row's overflow pages)

Revision ID: c4d8e2f6a0b3
Revises: a3c5e7f9b1d2
Create Date: 2026-12-01 04:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4d8e2f6a0b3"
down_revision = "a3c5e7f9b1d2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_since", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        """
        UPDATE projects SET pending_since = (
            SELECT v.created_at FROM agreement_versions v
            WHERE v.project_id = projects.id AND v.number = projects.pending_version)
        WHERE pending_version IS NOT NULL
        """
    )
    op.create_index(
        "ix_projects_pending_since",
        "projects",
        ["pending_since", "id"],
        unique=False,
        sqlite_where=sa.text("pending_version IS NOT NULL"),
        postgresql_where=sa.text("pending_version IS NOT NULL"),
    )


def downgrade():
    op.drop_index(
        "ix_projects_pending_since",
        table_name="projects",
        sqlite_where=sa.text("pending_version IS NOT NULL"),
        postgresql_where=sa.text("pending_version IS NOT NULL"),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("pending_since")
