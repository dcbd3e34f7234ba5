"""placements.retention_since: the day of the latest retention conversation, indexed for
the open-ended placements

Revision ID: b7d2f4a91c3e
Revises: a3c1e7f0b2d4
Create Date: 2026-11-26 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d2f4a91c3e'
down_revision = 'a3c1e7f0b2d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_since', sa.Date(), nullable=True))
    op.execute(
        "UPDATE placements SET retention_since = COALESCE(("
        " SELECT max(conversations.held_on) FROM conversations"
        " WHERE conversations.candidate_id = placements.candidate_id"
        " AND conversations.kind = 'retention'"
        " AND conversations.held_on >= placements.start_date"
        "), placements.start_date)"
    )
    # Left nullable: making it NOT NULL would rebuild the table on SQLite, and dropping the old
    # one checks every row against the foreign keys that point at it (minutes at 100,000
    # placements). The app sets it on every insert (app/placements/retention.py).
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.create_index(
            'ix_placements_open_retention',
            ['retention_since', 'id'],
            unique=False,
            sqlite_where=sa.text('actual_end IS NULL'),
            postgresql_where=sa.text('actual_end IS NULL'),
        )
        # Only the rows with an end date: "IS NULL" must go to the index above.
        batch_op.drop_index('ix_placements_actual_end')
        batch_op.create_index(
            'ix_placements_actual_end',
            ['actual_end'],
            unique=False,
            sqlite_where=sa.text('actual_end IS NOT NULL'),
            postgresql_where=sa.text('actual_end IS NOT NULL'),
        )


def downgrade():
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_index('ix_placements_actual_end')
        batch_op.create_index('ix_placements_actual_end', ['actual_end'], unique=False)
        batch_op.drop_index('ix_placements_open_retention')
    if op.get_bind().dialect.name == 'sqlite':
        # Natively: a batch copy would drop the old table, which the foreign keys forbid.
        op.execute('ALTER TABLE placements DROP COLUMN retention_since')
    else:
        op.drop_column('placements', 'retention_since')
