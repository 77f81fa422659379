"""catalog version counter, for caching search results safely

Revision ID: d4e6f8a0b2c4
Revises: 294790ca0edf
Create Date: 2026-11-23 02:00:00

A single-row table whose `version` grows whenever a community or anything of it (channels,
facets, co-managers, audience, rates, value estimates) is inserted, updated or deleted — by
the database itself (triggers), so bulk SQL, imports and the ORM are all covered. The search
cache and the matching features are keyed by it: an entry can never outlive the data it was
made from.
"""
from alembic import op
import sqlalchemy as sa


revision = 'd4e6f8a0b2c4'
down_revision = '294790ca0edf'
branch_labels = None
depends_on = None

TABLES = (
    "communities",
    "channel_assets",
    "community_facets",
    "community_managers",
    "audience_shares",
    "rate_cards",
    "placement_estimates",
)


def upgrade():
    op.create_table(
        'catalog_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_state')),
    )
    op.execute("INSERT INTO catalog_state (id, version) VALUES (1, 1)")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # The UPDATE is part of the writing transaction: readers see the new version exactly
        # when they see the new rows.
        for table in TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER catalog_version_{table}_{event.lower()} AFTER {event} "
                    f"ON {table} BEGIN UPDATE catalog_state SET version = version + 1 "
                    "WHERE id = 1; END"
                )
    elif dialect == "postgresql":
        # Deferred to commit, once per transaction: the counter row is locked last and briefly,
        # so two transactions writing different communities cannot deadlock on it.
        op.execute(
            """
            CREATE FUNCTION catalog_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF coalesce(current_setting('kesher.catalog_bumped', true), '')
                        = txid_current()::text THEN
                    RETURN NULL;
                END IF;
                PERFORM set_config('kesher.catalog_bumped', txid_current()::text, true);
                UPDATE catalog_state SET version = version + 1 WHERE id = 1;
                RETURN NULL;
            END $$
            """
        )
        for table in TABLES:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER catalog_version_{table} "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION catalog_version_bump()"
            )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS catalog_version_{table}_{event}")
    elif dialect == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS catalog_version_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS catalog_version_bump()")
    op.drop_table('catalog_state')
