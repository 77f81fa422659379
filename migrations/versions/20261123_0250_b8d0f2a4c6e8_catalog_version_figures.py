"""the catalog version also moves with figures, health reports and evidence files

Revision ID: b8d0f2a4c6e8
Revises: a7c9e1f3b5d7
Create Date: 2026-11-23 02:50:00

Listing pages are now kept under the catalog version too (for readers who do not manage the
listing), and they show each channel's dated figures, health report and screenshots.
"""
from alembic import op


revision = 'b8d0f2a4c6e8'
down_revision = 'a7c9e1f3b5d7'
branch_labels = None
depends_on = None

TABLES = ("metric_snapshots", "health_reports", "evidence_files")


def upgrade():
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        if dialect == "sqlite":
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER catalog_version_{table}_{event.lower()} AFTER {event} "
                    f"ON {table} BEGIN UPDATE catalog_state SET version = version + 1 "
                    "WHERE id = 1; END"
                )
        elif dialect == "postgresql":
            op.execute(
                f"CREATE CONSTRAINT TRIGGER catalog_version_{table} "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION catalog_version_bump()"
            )


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        if dialect == "sqlite":
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS catalog_version_{table}_{event}")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS catalog_version_{table} ON {table}")
