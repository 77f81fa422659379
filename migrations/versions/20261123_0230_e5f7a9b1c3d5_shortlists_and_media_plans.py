"""shortlists and media plans

Revision ID: e5f7a9b1c3d5
Revises: c3d5f7a9b1e2
Create Date: 2026-11-23 02:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e5f7a9b1c3d5'
down_revision = 'c3d5f7a9b1e2'
branch_labels = None
depends_on = None

PLAN_STATUS = ('draft', 'proposed', 'approved', 'changes_requested', 'superseded')


def upgrade():
    op.create_table(
        'shortlist_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('brief_id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('locked', sa.Boolean(), nullable=False),
        sa.Column('excluded', sa.Boolean(), nullable=False),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('components', sa.JSON(), nullable=False),
        sa.Column('added_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_shortlist_entries_added_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['brief_id'], ['briefs.id'], name=op.f('fk_shortlist_entries_brief_id_briefs'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_shortlist_entries_community_id_communities'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shortlist_entries')),
        sa.UniqueConstraint('brief_id', 'community_id', name=op.f('uq_shortlist_entries_brief_id')),
    )
    op.create_index(op.f('ix_shortlist_entries_brief_id'), 'shortlist_entries', ['brief_id'], unique=False)
    op.create_index(op.f('ix_shortlist_entries_community_id'), 'shortlist_entries', ['community_id'], unique=False)
    op.create_table(
        'media_plans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('brief_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum(*PLAN_STATUS, name='media_plan_status', native_enum=False, create_constraint=True, length=20), nullable=False),
        sa.Column('based_on_id', sa.Integer(), nullable=True),
        sa.Column('budget_minor', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('margin_bp', sa.Integer(), nullable=False),
        sa.Column('solver_status', sa.String(length=20), nullable=False),
        sa.Column('cost_minor', sa.BigInteger(), nullable=False),
        sa.Column('owner_payout_minor', sa.BigInteger(), nullable=False),
        sa.Column('margin_minor', sa.BigInteger(), nullable=False),
        sa.Column('reach_p10', sa.BigInteger(), nullable=False),
        sa.Column('reach_p50', sa.BigInteger(), nullable=False),
        sa.Column('reach_p90', sa.BigInteger(), nullable=False),
        sa.Column('value_p10_minor', sa.BigInteger(), nullable=False),
        sa.Column('value_p50_minor', sa.BigInteger(), nullable=False),
        sa.Column('value_p90_minor', sa.BigInteger(), nullable=False),
        sa.Column('settings', sa.JSON(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['based_on_id'], ['media_plans.id'], name=op.f('fk_media_plans_based_on_id_media_plans'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['brief_id'], ['briefs.id'], name=op.f('fk_media_plans_brief_id_briefs'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_media_plans_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_media_plans')),
    )
    op.create_index(op.f('ix_media_plans_brief_id'), 'media_plans', ['brief_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_media_plans_brief_id'), table_name='media_plans')
    op.drop_table('media_plans')
    op.drop_index(op.f('ix_shortlist_entries_community_id'), table_name='shortlist_entries')
    op.drop_index(op.f('ix_shortlist_entries_brief_id'), table_name='shortlist_entries')
    op.drop_table('shortlist_entries')
