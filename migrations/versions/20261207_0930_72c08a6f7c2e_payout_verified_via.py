"""payouts.verified_via: who opened the brand's review window, staff by hand or delivery

Revision ID: 72c08a6f7c2e
Revises: d210b9a51867
Create Date: 2026-12-07 09:30:00

A payout's review window starts when every post of its deal is verified (delivery's
verification, no actor) or, for a deal without posts, when staff verify by hand. The column
records which: ``delivery`` or ``staff`` (empty for payouts not verified yet).
"""

import sqlalchemy as sa
from alembic import op

revision = "72c08a6f7c2e"
down_revision = "d210b9a51867"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified_via", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.drop_column("verified_via")
