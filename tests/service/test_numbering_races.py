"""Document numbers under concurrency, on PostgreSQL (SQLite serialises writers and hides races).

Several transactions take the next number of one series at the same moment; some roll back
(as a failed issue would). The counter row lock makes them take turns, so the numbers that were
committed run 1, 2, 3 … with no gap and no duplicate.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from marketplace.extensions import db
from marketplace.finance import services as finance
from marketplace.finance.models import DocumentCounter
from tests.races import race, row_lock, table_lock

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

WORKERS = 8


def test_concurrent_issuers_get_numbers_without_gap_or_duplicate(app: Flask) -> None:
    with app.app_context():
        seed = Session(bind=db.engine)
        seed.add(DocumentCounter(series="INV-2099", next_number=1))
        seed.commit()
        seed.close()
    committed: list[int] = []

    def issue(index: int) -> Callable[[Session], None]:
        def act(session: Session) -> None:
            number = finance.next_number(session, "INV-2099")
            time.sleep(0.01)
            if index % 3 == 0:
                session.rollback()  # a failed issue gives its number back
                return
            session.commit()
            committed.append(number)

        return act

    # Hold the counter's lock until every worker waits on it, so the overlap is certain.
    held = row_lock("document_counters", series="INV-2099")
    assert race(app, *map(issue, range(WORKERS)), hold=held) == [None] * WORKERS
    expected = WORKERS - len(range(0, WORKERS, 3))
    assert sorted(committed) == list(range(1, expected + 1))


def test_a_new_series_starts_at_one_even_when_two_issuers_create_it(app: Flask) -> None:
    numbers: list[int] = []

    def take(session: Session) -> None:
        numbers.append(finance.next_number(session, "CN-2099"))

    # Hold off every insert until both issuers wait to create the series: they overlap for sure.
    assert race(app, take, take, hold=table_lock("document_counters")) == [None, None]
    assert sorted(numbers) == [1, 2]
