"""The race harness (tests/races.py): outcomes in order; a stuck race fails instead of hanging."""

from __future__ import annotations

import threading
import time

import pytest
from flask import Flask
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from tests.races import advisory_lock, one_winner, race, together


def test_each_thread_reports_what_it_raised_in_the_order_given() -> None:
    arrived: list[int] = []

    def fine() -> None:
        arrived.append(1)

    def refused() -> None:
        raise LookupError("taken")

    outcomes = together(fine, refused, fine)
    assert [type(o) for o in outcomes] == [type(None), LookupError, type(None)]
    assert len(arrived) == 2
    assert isinstance(one_winner([None, *outcomes[1:2]], LookupError), LookupError)


def test_a_thread_that_never_finishes_fails_the_race_within_its_timeout() -> None:
    never = threading.Event()
    started = time.monotonic()
    with pytest.raises(pytest.fail.Exception, match="race-1 still running"):
        together(lambda: None, never.wait, timeout=0.5)
    assert time.monotonic() - started < 5
    never.set()


KEY = 0x72616365  # "race": an advisory lock no code of the app takes


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_race_stuck_on_a_lock_fails_and_its_connections_are_ended(
    app: Flask, database_url: str
) -> None:
    # A lock nobody releases in time: the race must fail instead of waiting for it.
    side = create_engine(database_url, poolclass=NullPool)
    blocker = side.connect()
    blocker.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": KEY})

    def take(session: Session) -> None:
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": KEY})

    try:
        with pytest.raises(pytest.fail.Exception, match="race-0 still running"):
            race(app, take, timeout=1)
        assert _ended(blocker)  # the harness ended the connections of the stuck race
    finally:
        blocker.close()
        side.dispose()


def _ended(connection: Connection) -> bool:
    try:
        connection.execute(text("SELECT 1"))
    except DBAPIError:
        return True
    return False


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_held_lock_makes_every_thread_wait_before_any_goes_on(app: Flask) -> None:
    inside: list[int] = []
    most: list[int] = []

    def take(session: Session) -> None:
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": KEY})
        inside.append(1)
        most.append(len(inside))
        time.sleep(0.05)
        inside.pop()

    assert race(app, take, take, take, hold=advisory_lock(KEY)) == [None] * 3
    assert most == [1, 1, 1]  # one at a time: each waited for the lock
    # Code that does not take the lock never waits for the held one: the race says so.
    with pytest.raises(AssertionError, match="0 of 2 threads waited"):
        race(app, lambda s: None, lambda s: None, hold=advisory_lock(KEY), timeout=1)
