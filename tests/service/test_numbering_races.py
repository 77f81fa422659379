"""Document numbers under concurrency, on PostgreSQL (SQLite serialises writers and hides races).

Several transactions take the next number of one series at the same moment; some roll back
(as a failed issue would). The counter row lock makes them take turns, so the numbers that were
committed run 1, 2, 3 … with no gap and no duplicate.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from marketplace.extensions import db
from marketplace.finance import services as finance
from marketplace.finance.models import DocumentCounter

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

WORKERS = 8


def test_concurrent_issuers_get_numbers_without_gap_or_duplicate(app: Flask) -> None:
    with app.app_context():
        seed = Session(bind=db.engine)
        seed.add(DocumentCounter(series="INV-2099", next_number=1))
        seed.commit()
        seed.close()
        holder = db.engine.connect()
    # Hold the counter's lock until every worker waits on it, so the overlap is certain.
    holder.execute(text("SELECT * FROM document_counters WHERE series = 'INV-2099' FOR UPDATE"))
    committed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        with app.app_context():
            session = Session(bind=db.engine)
            try:
                number = finance.next_number(session, "INV-2099")
                time.sleep(0.01)
                if index % 3 == 0:
                    session.rollback()  # a failed issue gives its number back
                    return
                session.commit()
                with lock:
                    committed.append(number)
            except BaseException as error:  # noqa: BLE001 - collected and asserted below
                errors.append(error)
            finally:
                session.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    waiting = 0
    for _ in range(200):
        with app.app_context(), db.engine.connect() as probe:
            waiting = probe.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        if waiting == WORKERS:
            break
        time.sleep(0.05)
    holder.rollback()
    holder.close()
    for thread in threads:
        thread.join(timeout=30)
    assert waiting == WORKERS, "the issuers did not wait for the counter's row lock"
    assert errors == []
    expected = WORKERS - len(range(0, WORKERS, 3))
    assert sorted(committed) == list(range(1, expected + 1))


def test_a_new_series_starts_at_one_even_when_two_issuers_create_it(app: Flask) -> None:
    barrier = threading.Barrier(2)
    numbers: list[Any] = []

    def work() -> None:
        with app.app_context():
            session = Session(bind=db.engine)
            try:
                barrier.wait(timeout=10)
                numbers.append(finance.next_number(session, "CN-2099"))
                session.commit()
            except BaseException as error:  # noqa: BLE001 - collected and asserted below
                numbers.append(error)
            finally:
                session.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(numbers) == [1, 2]
