"""The mail outbox (every e-mail, written with the event that causes it), the kinds of mail a
user switched off, and each user's language for e-mail (Danish by default).

Revision ID: f7f10815730d
Revises: 8c8d8578abe5
Create Date: 2026-11-30 18:45:23

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7f10815730d'
down_revision = '8c8d8578abe5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_opt_outs',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('set_password', 'reset_password', 'approval', 'approved', 'question', 'answer', 'meeting', 'digest', name='kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mail_opt_outs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_mail_opt_outs'))
    )
    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('set_password', 'reset_password', 'approval', 'approved', 'question', 'answer', 'meeting', 'digest', name='kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=False),
    sa.Column('calendar', sa.Text(), nullable=True),
    sa.Column('calendar_method', sa.String(length=10), nullable=True),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'failed', name='status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=40), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mail_outbox_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox'))
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_mail_outbox_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_outbox_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), server_default='da', nullable=False))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_users_known_language'), "language IN ('da', 'en')")



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_known_language'), type_='check')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')

    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_outbox_user_id'))
        batch_op.drop_index('ix_mail_outbox_status_next_attempt_at')

    op.drop_table('mail_outbox')
    op.drop_table('mail_opt_outs')
