"""briefs: the brief, its history and comments; the regulated categories a community allows

Revision ID: c3d5f7a9b1e2
Revises: d4e6f8a0b2c4
Create Date: 2026-11-23 01:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d5f7a9b1e2'
down_revision = 'd4e6f8a0b2c4'
branch_labels = None
depends_on = None

GOALS = ('awareness', 'sales_leads', 'market_education', 'positioning', 'employer_branding',
         'recruitment', 'product_feedback', 'product_pilot', 'survey', 'expert_session', 'event')
STATUSES = ('draft', 'submitted', 'in_planning', 'plan_proposed', 'changes_requested',
            'approved', 'closed')
COMPLIANCE = ('not_required', 'pending', 'approved', 'rejected')


def upgrade():
    op.create_table('briefs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('goal', sa.Enum(*GOALS, name='brief_goal', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('avoid_topics', sa.JSON(), nullable=False),
    sa.Column('exclude_communities', sa.JSON(), nullable=False),
    sa.Column('must_have_communities', sa.JSON(), nullable=False),
    sa.Column('platforms', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('regions', sa.JSON(), nullable=False),
    sa.Column('budget_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('kpis', sa.JSON(), nullable=False),
    sa.Column('regulated', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum(*STATUSES, name='brief_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('compliance_status', sa.Enum(*COMPLIANCE, name='compliance_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('compliance_note', sa.Text(), nullable=False),
    sa.Column('compliance_by_id', sa.Integer(), nullable=True),
    sa.Column('compliance_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('planner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_briefs_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_briefs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_briefs_updated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['compliance_by_id'], ['users.id'], name=op.f('fk_briefs_compliance_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['planner_id'], ['users.id'], name=op.f('fk_briefs_planner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_briefs'))
    )
    op.create_index('ix_briefs_organisation_status', 'briefs', ['organisation_id', 'status', 'id'], unique=False)
    op.create_index('ix_briefs_status_submitted', 'briefs', ['status', 'submitted_at', 'id'], unique=False)

    op.create_table('brief_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('brief_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('from_value', sa.String(length=30), nullable=False),
    sa.Column('to_value', sa.String(length=30), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['brief_id'], ['briefs.id'], name=op.f('fk_brief_events_brief_id_briefs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_brief_events_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brief_events'))
    )
    op.create_index(op.f('ix_brief_events_brief_id'), 'brief_events', ['brief_id'], unique=False)

    op.create_table('brief_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('brief_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('from_agency', sa.Boolean(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['brief_id'], ['briefs.id'], name=op.f('fk_brief_comments_brief_id_briefs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_brief_comments_author_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brief_comments'))
    )
    op.create_index(op.f('ix_brief_comments_brief_id'), 'brief_comments', ['brief_id'], unique=False)

    # Plain ALTER TABLE (not batch mode): on SQLite a batch would rebuild `communities` and drop
    # the full-text triggers the catalog revision put on it. The server default fills the
    # existing rows: no regulated brand is allowed until the community's owner says so.
    op.add_column('communities', sa.Column('regulated_allowed', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    # SQLite 3.35+ drops a plain column in place, keeping the full-text triggers.
    op.drop_column('communities', 'regulated_allowed')
    op.drop_index(op.f('ix_brief_comments_brief_id'), table_name='brief_comments')
    op.drop_table('brief_comments')
    op.drop_index(op.f('ix_brief_events_brief_id'), table_name='brief_events')
    op.drop_table('brief_events')
    op.drop_index('ix_briefs_status_submitted', table_name='briefs')
    op.drop_index('ix_briefs_organisation_status', table_name='briefs')
    op.drop_table('briefs')
