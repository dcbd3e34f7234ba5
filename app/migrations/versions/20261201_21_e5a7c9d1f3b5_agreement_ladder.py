"""Agreement versions keep the ladder's durations they set (`agreement_versions.ladder`) beside
the document: counting progress reads a few bytes instead of parsing the kilobytes of
`content` on every page that counts (the start page's active projects, the progress page,
the portfolio)

Revision ID: e5a7c9d1f3b5
Revises: c4d8e2f6a0b3
Create Date: 2026-12-01 06:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e5a7c9d1f3b5"
down_revision = "c4d8e2f6a0b3"
branch_labels = None
depends_on = None

# As app.placements.rules.Durations.ladder_of at this revision (a migration does not import
# the app's code, which moves on).
LADDER_KEYS = (
    "internship_weeks_min",
    "internship_weeks_max",
    "wage_subsidy_months",
    "ordinary_months_min",
)


def ladder_of(values) -> dict[str, int]:
    values = values if isinstance(values, dict) else {}
    return {k: int(values[k]) for k in LADDER_KEYS if isinstance(values.get(k), int)}


def upgrade():
    with op.batch_alter_table("agreement_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ladder", sa.JSON(), nullable=True))
    versions = sa.table(
        "agreement_versions",
        sa.column("id", sa.Integer),
        sa.column("content", sa.JSON),
        sa.column("ladder", sa.JSON),
    )
    connection = op.get_bind()
    # Only the values are read out of each document, not the documents (kilobytes each).
    rows = connection.execute(sa.select(versions.c.id, versions.c.content["values"])).all()
    for version_id, values in rows:
        connection.execute(
            versions.update().where(versions.c.id == version_id).values(ladder=ladder_of(values))
        )
    with op.batch_alter_table("agreement_versions", schema=None) as batch_op:
        batch_op.alter_column("ladder", existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table("agreement_versions", schema=None) as batch_op:
        batch_op.drop_column("ladder")
