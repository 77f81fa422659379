"""The commit boundary (`marketplace.web.unit_of_work`): commit once, or keep nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from flask import Flask, get_flashed_messages
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from marketplace.auth.models import Organisation
from marketplace.catalog.services import CatalogValidationError
from marketplace.errors import NotFound, database_unavailable
from marketplace.extensions import db
from marketplace.web import discard_changes, unit_of_work


@pytest.fixture
def request_ctx(app: Flask) -> Iterator[None]:
    with app.test_request_context("/"):
        yield


def organisations() -> list[str]:
    """What another request would see: read on a connection of its own."""
    with db.engine.connect() as connection:
        return list(connection.scalars(select(Organisation.name).order_by(Organisation.id)))


def test_the_block_is_committed_once_it_ends_and_the_success_message_follows(
    request_ctx: None,
) -> None:
    with unit_of_work(success="Saved.") as work:
        db.session.add(Organisation(name="Acme"))
        db.session.flush()
        assert organisations() == []  # flushed, not yet committed
    assert work.ok
    assert work.error is None
    assert organisations() == ["Acme"]
    assert get_flashed_messages(with_categories=True) == [("success", "Saved.")]


def test_an_expected_error_rolls_everything_back_and_is_handed_to_the_view(
    request_ctx: None,
) -> None:
    problem = CatalogValidationError([("name", "Required.")])
    with unit_of_work(CatalogValidationError, success="Saved.") as work:
        db.session.add(Organisation(name="Half done"))
        db.session.flush()
        raise problem
    assert work.error is problem
    assert not work.ok
    assert organisations() == []
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0
    assert get_flashed_messages() == []  # never "Saved." for what was not saved


def test_a_domain_error_it_does_not_expect_rolls_back_and_reaches_the_error_handlers(
    request_ctx: None,
) -> None:
    def view() -> None:
        with unit_of_work(CatalogValidationError, success="Saved."):
            db.session.add(Organisation(name="Half done"))
            db.session.flush()
            raise NotFound()

    with pytest.raises(NotFound):
        view()
    assert organisations() == []
    assert get_flashed_messages() == []


def test_a_busy_database_at_commit_rolls_back_and_propagates_as_unavailable(
    request_ctx: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = sa_exc.OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))

    def busy() -> None:
        raise locked

    monkeypatch.setattr(db.session(), "commit", busy)

    def view() -> None:
        with unit_of_work(success="Saved."):
            db.session.add(Organisation(name="Never"))

    with pytest.raises(sa_exc.OperationalError) as raised:
        view()
    assert database_unavailable(raised.value)  # the app's handler answers 503 "try again"
    monkeypatch.undo()
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0
    assert organisations() == []
    assert get_flashed_messages() == []


def test_discard_changes_drops_what_the_request_holds(request_ctx: None) -> None:
    db.session.add(Organisation(name="Draft"))
    db.session.flush()
    discard_changes()
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0
