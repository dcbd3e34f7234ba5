"""Mail choices per kind (at once, daily summary, off), the held notifications, and when an
action item's owner was told that it falls due

Revision ID: b6c2e9f4a1d8
Revises: d4e7a1c9b2f3
Create Date: 2026-11-30 20:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b6c2e9f4a1d8"
down_revision = "d4e7a1c9b2f3"
branch_labels = None
depends_on = None

OLD_KINDS = (
    "set_password",
    "reset_password",
    "approval",
    "approved",
    "question",
    "answer",
    "meeting",
    "digest",
)
KINDS = (*OLD_KINDS, "action_item", "action_due", "weekly")


def kind(values=KINDS):
    return sa.Enum(*values, name="kind", native_enum=False, create_constraint=True, length=30)


def _kinds(old, new):
    """Widen (or narrow) the CHECK constraint of the mail kind columns."""
    for table in ("mail_outbox", "mail_opt_outs"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "kind", existing_type=kind(old), type_=kind(new), existing_nullable=False
            )


def upgrade():
    _kinds(OLD_KINDS, KINDS)
    # Existing rows were "switched off": they keep that meaning.
    with op.batch_alter_table("mail_opt_outs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("choice", sa.String(length=10), server_default="off", nullable=False)
        )
    with op.batch_alter_table("mail_opt_outs", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_mail_opt_outs_choice"), "choice IN ('immediate', 'daily', 'off')"
        )
    op.create_table(
        "mail_digest_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", kind(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mail_digest_items_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_digest_items")),
    )
    with op.batch_alter_table("mail_digest_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_digest_items_user_id"), ["user_id"])
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_notified_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.drop_column("due_notified_at")
    with op.batch_alter_table("mail_digest_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_digest_items_user_id"))
    op.drop_table("mail_digest_items")
    # A daily choice becomes "at once" again (the old table knew only "off").
    op.execute("DELETE FROM mail_opt_outs WHERE choice <> 'off'")
    with op.batch_alter_table("mail_opt_outs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_mail_opt_outs_choice"), type_="check")
    with op.batch_alter_table("mail_opt_outs", schema=None) as batch_op:
        batch_op.drop_column("choice")
    op.execute("DELETE FROM mail_outbox WHERE kind IN ('action_item', 'action_due', 'weekly')")
    op.execute("DELETE FROM mail_opt_outs WHERE kind IN ('action_item', 'action_due', 'weekly')")
    _kinds(KINDS, OLD_KINDS)
