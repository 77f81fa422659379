"""The admin's audit trail of account changes

Revision ID: 7a3f19c2d4e8
Revises: 5e1c9a7b3d20
Create Date: 2026-12-07 15:30:38

Admin edits of an account (name, e-mail, language, role, active) were only a log line; each is
now a row of `user_changes`, written in the same transaction as the change it records.
"""

import sqlalchemy as sa
from alembic import op


revision = "7a3f19c2d4e8"
down_revision = "5e1c9a7b3d20"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True),
                  server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),  # fmt: skip
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"],
                                name=op.f("fk_user_changes_actor_id_users"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_user_changes_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_changes")),
    )  # fmt: skip
    with op.batch_alter_table("user_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_changes_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("user_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_changes_user_id"))
    op.drop_table("user_changes")
