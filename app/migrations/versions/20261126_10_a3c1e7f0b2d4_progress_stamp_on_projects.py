"""progress stamp on projects (the key of the counted-progress cache)

Revision ID: a3c1e7f0b2d4
Revises: 64577605a519
Create Date: 2026-11-26 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3c1e7f0b2d4'
down_revision = '64577605a519'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('progress_stamp', sa.String(length=32), server_default='', nullable=False)
        )


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # Natively: a batch copy would drop the old table, which the foreign keys forbid.
        op.execute('ALTER TABLE projects DROP COLUMN progress_stamp')
    else:
        op.drop_column('projects', 'progress_stamp')
