"""Projects keep their name and address folded for the search (`projects.search_text`): the
project list compared its pattern with both columns folded on every row it passed, on SQLite by
a Python function called once or twice a row

Revision ID: a7c3e9b1d5f2
Revises: f2b4d6e8a0c1
Create Date: 2026-12-01 13:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3e9b1d5f2"
down_revision = "f2b4d6e8a0c1"
branch_labels = None
depends_on = None


# As app.search.search_term and app.models.project_search_text at this revision (a migration
# does not import the app's code, which moves on).
def search_term(value) -> str:
    return " ".join((value or "").replace("\x00", "").split()).lower()


def project_search_text(name, address) -> str:
    return f"{search_term(name)}\n{search_term(address)}"


def upgrade():
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    projects = sa.table(
        "projects",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("address", sa.String),
        sa.column("search_text", sa.Text),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(projects.c.id, projects.c.name, projects.c.address)).all()
    if rows:
        connection.execute(
            projects.update()
            .where(projects.c.id == sa.bindparam("project_id"))
            .values(search_text=sa.bindparam("text")),
            [
                {"project_id": pid, "text": project_search_text(name, address)}
                for pid, name, address in rows
            ],
        )


def downgrade():
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("search_text")
