"""The Alembic migrations build exactly the schema the models describe, and undo it."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from marketplace import create_app
from marketplace.config import TESTING
from marketplace.db import Base, include_in_schema_comparison
from marketplace.extensions import db


def schema_differences(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "include_object": include_in_schema_comparison},
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_migrated_database_matches_the_models(database_url: str) -> None:
    assert schema_differences(database_url) == []


def test_every_revision_downgrades_to_an_empty_database_and_upgrades_again(
    scratch_database_url: str,
) -> None:
    app = create_app({**TESTING, "SQLALCHEMY_DATABASE_URI": scratch_database_url})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {t.name for t in Base.metadata.sorted_tables} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()
    assert schema_differences(scratch_database_url) == []


def test_the_comparison_notices_a_table_the_migrations_lack(scratch_database_url: str) -> None:
    # Guard against a check that always passes: an empty database differs from the models.
    assert schema_differences(scratch_database_url) != []
