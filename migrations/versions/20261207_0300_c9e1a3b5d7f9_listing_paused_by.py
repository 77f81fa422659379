"""who paused a listing: the owner (theirs to lift) or the agency (sticks)

Revision ID: c9e1a3b5d7f9
Revises: b8d0f2a4c6e8
Create Date: 2026-12-07 03:00:00

An owner could resume a listing that staff had paused. The pause now records who made it, and
the listing lifecycle lets only staff lift a staff pause. Listings paused before this revision
have no record and count as paused by their owner (what the old rule allowed anyway).
"""
import sqlalchemy as sa
from alembic import op


revision = 'c9e1a3b5d7f9'
down_revision = 'b8d0f2a4c6e8'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("communities", sa.Column("paused_by", sa.String(20), nullable=True))
    # SQLite cannot add a CHECK to an existing table in place (a copy would drop the
    # full-text triggers); PostgreSQL gets the one the model's enum declares.
    if op.get_bind().dialect.name != "sqlite":
        op.create_check_constraint(
            "ck_communities_paused_by", "communities", "paused_by IN ('owner', 'staff')"
        )


def downgrade():
    # SQLite 3.35+ drops a plain column in place, keeping the full-text triggers.
    op.drop_column("communities", "paused_by")
