"""users.email_verified_at: when the account's owner proved they read its mailbox

Revision ID: 6a424a87486b
Revises: 7a3f19c2d4e8
Create Date: 2026-12-07 16:00:00

A self-service sign-up starts unconfirmed: until its link is followed the account may look
around and keep drafts, but nothing it does reaches other people or money (see the policy
table). Accounts that exist already were made by an admin, an invitation or the seed, whose
e-mail was vouched for: they count as confirmed when they were created.
"""

import sqlalchemy as sa
from alembic import op

revision = "6a424a87486b"
down_revision = "7a3f19c2d4e8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET email_verified_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_verified_at")
