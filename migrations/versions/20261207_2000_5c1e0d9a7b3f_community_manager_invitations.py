"""community_manager_invitations: a co-manager is invited and accepts

Revision ID: 5c1e0d9a7b3f
Revises: 6a424a87486b
Create Date: 2026-12-07 20:00:00

Adding a co-manager by e-mail used to add the account at once and name it to the owner: it
told who has an account and needed no consent. Now the owner leaves an invitation (for any
e-mail) and the community-owner account with that e-mail accepts it.
"""

import sqlalchemy as sa
from alembic import op

revision = "5c1e0d9a7b3f"
down_revision = "6a424a87486b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "community_manager_invitations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "community_id",
            sa.Integer(),
            sa.ForeignKey("communities.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column(
            "invited_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("community_id", "email"),
    )
    op.create_index(
        "ix_community_manager_invitations_community_id",
        "community_manager_invitations",
        ["community_id"],
    )
    op.create_index(
        "ix_community_manager_invitations_email", "community_manager_invitations", ["email"]
    )


def downgrade() -> None:
    op.drop_table("community_manager_invitations")
