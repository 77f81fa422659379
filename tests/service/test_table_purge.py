"""The purge after each test: every table empty, the ids restarted, the catalog counter kept."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select, text

from marketplace.auth.models import User
from marketplace.catalog.models import CatalogState
from marketplace.db import Base
from marketplace.extensions import db
from tests.conftest import _empty_tables
from tests.factories import make_deal, make_people


def test_the_purge_empties_every_table_even_the_append_only_ones_and_restarts_the_ids(
    app: Flask, make_user: Any, database_url: str
) -> None:
    with app.test_request_context():
        people = make_people(db.session, make_user, ("brand", "owner", "staff"))
        make_deal(db.session, brand=people["brand"], staff=people["staff"],
                  owner=people["owner"], stage="agreed")  # fmt: skip
        db.session.commit()
        filled = {
            table.name
            for table in Base.metadata.sorted_tables
            if db.session.scalar(select(func.count()).select_from(table))
        }
        assert {"users", "deals", "offer_versions", "agreements"} <= filled
        db.session.remove()

    _empty_tables(database_url)

    with app.test_request_context():
        left = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
            if table.name != "catalog_state"
        }
        assert {name: n for name, n in left.items() if n} == {}
        # The catalog version counter is the migration's one row, not data: it stays.
        assert db.session.scalar(select(func.count()).select_from(CatalogState)) == 1
        db.session.remove()
    again = make_user("owner")
    assert again.id == 1  # the ids start again, as TRUNCATE ... RESTART IDENTITY did
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM users")) == 1
        assert db.session.get(User, 1) is not None
