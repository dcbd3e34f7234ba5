"""Persons in training and the target calculator: a placement's training mark, scheme and
weekly hours; a project's trades budget and LBF flag; the calculator's coefficient (its rows
are also the history of its changes).

Revision ID: 8c8d8578abe5
Revises: 3a7c9b4329e5
Create Date: 2026-11-30 16:12:52

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8c8d8578abe5'
down_revision = '3a7c9b4329e5'
branch_labels = None
depends_on = None

SCHEMES = ('eud', 'fgu', 'amu', 'igu', 'other')
PLACEMENT_CHECKS = [
    (
        'ck_placements_training_scheme',
        f"training_scheme IN ({', '.join(repr(s) for s in SCHEMES)})",
    ),
    ('ck_placements_training_names_its_scheme', 'NOT training OR training_scheme IS NOT NULL'),
    ('ck_placements_hours_per_week_in_range', 'hours_per_week BETWEEN 1 AND 37'),
]


def upgrade():
    op.create_table('training_coefficients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('per_million', sa.Numeric(precision=8, scale=4, asdecimal=False), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('per_million >= 0', name=op.f('ck_training_coefficients_per_million_not_negative')),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_training_coefficients_set_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_coefficients'))
    )
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('training', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('training_scheme', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('hours_per_week', sa.Integer(), server_default='37', nullable=False))
    with op.batch_alter_table('placements', schema=None) as batch_op:
        for name, sql in PLACEMENT_CHECKS:
            batch_op.create_check_constraint(op.f(name), sql)

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trades_budget', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('lbf_supported', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_projects_trades_budget_not_negative'),
            'trades_budget IS NULL OR trades_budget >= 0',
        )


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_projects_trades_budget_not_negative'), type_='check')
        batch_op.drop_column('lbf_supported')
        batch_op.drop_column('trades_budget')

    with op.batch_alter_table('placements', schema=None) as batch_op:
        for name, _sql in PLACEMENT_CHECKS:
            batch_op.drop_constraint(op.f(name), type_='check')
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_column('hours_per_week')
        batch_op.drop_column('training_scheme')
        batch_op.drop_column('training')

    op.drop_table('training_coefficients')
