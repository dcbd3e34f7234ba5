"""A project's placements indexed in the order they start (`ix_placements_project_start`:
project, start day, id), in place of the plain index on the project: the progress page walks
one page of a project's placements from the newest and counts them from the index alone,
instead of reading, joining and sorting all of them for every page

Revision ID: f2b4d6e8a0c1
Revises: e5a7c9d1f3b5
Create Date: 2026-12-01 10:45:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "f2b4d6e8a0c1"
down_revision = "e5a7c9d1f3b5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_placements_project_start",
        "placements",
        ["project_id", "start_date", "id"],
        unique=False,
    )
    op.drop_index("ix_placements_project_id", table_name="placements")


def downgrade():
    op.create_index("ix_placements_project_id", "placements", ["project_id"], unique=False)
    op.drop_index("ix_placements_project_start", table_name="placements")
