"""briefs: what one result of the goal is worth to the brand (the plan's outcome lens)

Revision ID: e4a7955a7c7c
Revises: e2f3a4b5c6d7
Create Date: 2026-12-07 06:30:00

Optional, integer minor units of the brief's currency; null when the brand has not said.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4a7955a7c7c'
down_revision = 'e2f3a4b5c6d7'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("briefs", sa.Column("result_worth_minor", sa.Integer(), nullable=True))


def downgrade():
    # SQLite 3.35+ drops a plain column in place (no table copy).
    op.drop_column("briefs", "result_worth_minor")
