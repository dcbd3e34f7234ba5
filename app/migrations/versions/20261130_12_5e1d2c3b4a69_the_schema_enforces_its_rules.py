"""The schema enforces its rules: CHECK constraints on every vocabulary column (rung, phase,
role, kind, outcome, an opening's function and status), dates in order (a placement's end,
a project's execution phase, a meeting series), positive meeting durations, and
placements.retention_since NOT NULL.

Existing rows that break a rule are reported, with their table and ids, and the migration
stops without changing anything: the data is put right by hand, then the migration runs again.

Revision ID: 5e1d2c3b4a69
Revises: b7d2f4a91c3e
Create Date: 2026-11-30 15:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1d2c3b4a69'
down_revision = 'b7d2f4a91c3e'
branch_labels = None
depends_on = None


def _in(column, *values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


RUNGS = ('internship', 'wage_subsidy', 'ordinary', 'apprenticeship')
FUNCTIONS = (
    'site_labourer', 'carpenter_helper', 'bricklayer_helper', 'painter', 'electrician',
    'plumber', 'scaffolder', 'concrete', 'machine_operator', 'landscaper', 'cleaner', 'office',
    'other',
)

# (table, constraint name, SQL that every row must satisfy); the values as of this revision.
CHECKS = [
    ('organisations', 'ck_organisations_kind', _in('kind', 'association', 'company')),
    ('users', 'ck_users_role', _in('role', 'coordinator', 'admin', 'client', 'contractor')),
    ('projects', 'ck_projects_phase', _in('phase', 'tender', 'awarded', 'execution', 'completed')),
    (
        'projects',
        'ck_projects_execution_in_order',
        'execution_start IS NULL OR execution_end IS NULL OR execution_end >= execution_start',
    ),
    ('project_companies', 'ck_project_companies_role', _in('role', 'main', 'sub')),
    ('placements', 'ck_placements_rung', _in('rung', *RUNGS)),
    (
        'placements',
        'ck_placements_outcome',
        _in('outcome', 'next_rung', 'completed', 'ended_early', 'other_work'),
    ),
    ('placements', 'ck_placements_end_in_order', 'actual_end IS NULL OR actual_end >= start_date'),
    (
        'placements',
        'ck_placements_planned_end_in_order',
        'planned_end IS NULL OR planned_end >= start_date',
    ),
    ('openings', 'ck_openings_function', _in('function', *FUNCTIONS)),
    ('openings', 'ck_openings_rung', _in('rung', *RUNGS)),
    ('openings', 'ck_openings_status', _in('status', 'open', 'matched', 'withdrawn')),
    ('meetings', 'ck_meetings_kind', _in('kind', 'kickoff', 'monthly')),
    ('meetings', 'ck_meetings_positive_duration', 'duration_minutes > 0'),
    ('meeting_series', 'ck_meeting_series_dates_in_order', 'last_date >= first_date'),
    ('meeting_series', 'ck_meeting_series_positive_duration', 'duration_minutes > 0'),
    (
        'conversations',
        'ck_conversations_kind',
        _in('kind', 'pre_match', 'retention', 'employer', 'job_centre'),
    ),
]
NOT_NULL = [('placements', 'retention_since', sa.Date())]


def _broken_rows(connection) -> list[str]:
    """Every rule that existing rows break, with (up to 20 of) their ids."""
    found = []
    rules = [(t, n, f"NOT ({sql})") for t, n, sql in CHECKS]
    rules += [(t, f"{c} NOT NULL", f"{c} IS NULL") for t, c, _type in NOT_NULL]
    for table, name, broken in rules:
        ids = connection.execute(
            sa.text(f"SELECT id FROM {table} WHERE {broken} ORDER BY id LIMIT 21")
        ).scalars().all()
        if ids:
            more = ' and more' if len(ids) > 20 else ''
            found.append(f"{table}: {name}: rows {', '.join(map(str, ids[:20]))}{more}")
    return found


def upgrade():
    broken = _broken_rows(op.get_bind())
    if broken:
        raise RuntimeError(
            "Existing data breaks the new rules; nothing was changed. Put these rows right, "
            "then run `flask db upgrade` again:\n  " + "\n  ".join(broken)
        )
    for table in dict.fromkeys(t for t, _n, _s in CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for t, name, sql in CHECKS:
                if t == table:
                    batch_op.create_check_constraint(op.f(name), sql)
            for t, column, type_ in NOT_NULL:
                if t == table:
                    batch_op.alter_column(column, existing_type=type_, nullable=False)


def downgrade():
    for table in dict.fromkeys(t for t, _n, _s in CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for t, column, type_ in NOT_NULL:
                if t == table:
                    batch_op.alter_column(column, existing_type=type_, nullable=True)
            for t, name, _sql in CHECKS:
                if t == table:
                    batch_op.drop_constraint(op.f(name), type_='check')
