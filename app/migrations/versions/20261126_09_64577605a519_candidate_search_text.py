"""candidate search text and the indexes of the search

Revision ID: 64577605a519
Revises: fddb0e9e4484
Create Date: 2026-11-26 08:41:14.793628

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '64577605a519'
down_revision = 'fddb0e9e4484'
branch_labels = None
depends_on = None

BATCH = 2000
LIVE = sa.text('anonymised_at IS NULL')


def _term(text):
    return ' '.join((text or '').split()).lower()


def _search_text(area, first, last, trades, certificates, languages, licence):
    # As app.candidates.models.search_text does it at this revision.
    parts = (area, f"{first or ''} {last or ''}", trades, certificates, languages, licence)
    return '\n'.join(_term(part) for part in parts)


def _backfill():
    """Fill search_text for the live candidates, in batches (Python lowercases the same on
    SQLite and PostgreSQL; SQL's lower() does not)."""
    connection = op.get_bind()
    candidates = sa.table(
        'candidates',
        *(sa.column(name) for name in (
            'id', 'first_name', 'last_name', 'area_id', 'trades', 'certificates', 'languages',
            'driving_licence', 'anonymised_at', 'search_text',
        )),
    )
    areas = sa.table('housing_areas', sa.column('id'), sa.column('name'))
    c = candidates.c
    read = (
        sa.select(c.id, areas.c.name, c.first_name, c.last_name, c.trades, c.certificates,
                  c.languages, c.driving_licence)
        .select_from(candidates.outerjoin(areas, areas.c.id == c.area_id))
        .where(c.anonymised_at.is_(None))
        .order_by(c.id)
        .limit(BATCH)
    )
    write = (
        sa.update(candidates)
        .where(c.id == sa.bindparam('candidate_id'))
        .values(search_text=sa.bindparam('text'))
    )
    last = 0
    while rows := connection.execute(read.where(c.id > last)).all():
        connection.execute(
            write, [{'candidate_id': row[0], 'text': _search_text(*row[1:])} for row in rows]
        )
        last = rows[-1][0]


def upgrade():
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    _backfill()
    if op.get_bind().dialect.name == 'postgresql':
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.create_index('ix_candidates_name_order', 'candidates',
                        ['first_name', 'last_name', 'id'], postgresql_where=LIVE)
        op.create_index('ix_candidates_search_trgm', 'candidates', ['search_text'],
                        postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'},
                        postgresql_where=LIVE, postgresql_with={'fastupdate': 'off'})
    else:
        op.create_index('ix_candidates_search_walk', 'candidates',
                        ['first_name', 'last_name', 'id', 'search_text'], sqlite_where=LIVE)


def downgrade():
    # The pg_trgm extension stays: something else may use it.
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_candidates_search_trgm', table_name='candidates')
        op.drop_index('ix_candidates_name_order', table_name='candidates')
    else:
        op.drop_index('ix_candidates_search_walk', table_name='candidates')
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.drop_column('search_text')
