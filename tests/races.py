"""Race tests' harness: threads released at one moment, what each raised, a deadlock that fails.

A race test runs the same operation (or two competing ones) in several threads at once and
counts the outcomes: exactly one wins, the others lose with a named error, nothing is written
twice. It runs on PostgreSQL: SQLite serialises writers and would hide the race.

- ``race(app, *actions)`` runs each ``action(session)`` in its own thread, request context and
  session, released together by a barrier, and commits those that finish. It returns, per
  action and in order, the exception it raised, or None.
- ``together(*work)`` does the same for plain callables (a test client each, a task that
  manages its own session).

A barrier makes the overlap likely, not certain. For certainty pass ``hold``: the test itself
takes a lock the code under test will wait for (``row_lock``, ``table_lock``, ``advisory_lock``)
and keeps it until every thread waits for it, so all of them have arrived before any goes on.

An action that must read before the others write (an optimistic version check) is a
generator: what comes before its one ``yield`` runs before the barrier, the rest after it.

Every wait is bounded (``timeout``): a thread still running then fails the test, and on
PostgreSQL the race's connections are ended so that the tables can still be emptied.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

#: Seconds a race may take, from the first thread's start to the last one's end.
TIMEOUT = 30.0

Action = Callable[[Session], Any]
Work = Callable[[], Any]


@dataclass(frozen=True)
class Hold:
    """A lock the test takes first and keeps until every thread of the race waits for it."""

    sql: str
    params: Mapping[str, Any] = field(default_factory=dict)
    #: ``pg_stat_activity.wait_event`` of a thread that waits for it (any lock when None).
    wait_event: str | None = None


def row_lock(table: str, **where: Any) -> Hold:
    """The row lock (``FOR UPDATE``) on the row of ``table`` that ``where`` names."""
    condition = " AND ".join(f"{column} = :{column}" for column in where)
    return Hold(f"SELECT 1 FROM {table} WHERE {condition} FOR UPDATE", where)


def table_lock(table: str) -> Hold:
    """A lock on ``table`` that lets reads through and stops every write, inserts included.

    For a race between transactions that each insert the row they did not find: all of them
    have looked before any of them writes.
    """
    return Hold(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE", wait_event="relation")


def advisory_lock(key: int) -> Hold:
    """A transaction-scoped advisory lock, as ``pg_advisory_xact_lock(key)`` takes it."""
    return Hold("SELECT pg_advisory_xact_lock(:key)", {"key": key}, wait_event="advisory")


def race(
    app: Flask, *actions: Action, hold: Hold | None = None, timeout: float = TIMEOUT
) -> list[BaseException | None]:
    """Run each action in its own thread, request context and session; commit the winners.

    Returns what each action raised (its session rolled back), or None where it committed.
    """
    engine = _engine(app)

    def in_session(action: Action) -> Callable[[Work], None]:
        def run(arrive: Work) -> None:
            with app.test_request_context():
                session = Session(bind=engine, expire_on_commit=False)
                try:
                    if inspect.isgeneratorfunction(action):
                        steps = action(session)
                        next(steps)  # its reads, before the others may write
                        arrive()
                        next(steps, None)
                    else:
                        arrive()
                        action(session)
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
                finally:
                    session.close()

        return run

    return _run([in_session(a) for a in actions], engine=engine, hold=hold, timeout=timeout)


def together(
    *work: Work, app: Flask | None = None, hold: Hold | None = None, timeout: float = TIMEOUT
) -> list[BaseException | None]:
    """Run each callable in its own thread, released together; return what each raised.

    ``app`` (whose database the work uses) is needed for ``hold``, and lets a stuck race end
    its connections.
    """
    engine = None if app is None else _engine(app)

    def after_barrier(each: Work) -> Callable[[Work], None]:
        def run(arrive: Work) -> None:
            arrive()
            each()

        return run

    return _run([after_barrier(w) for w in work], engine=engine, hold=hold, timeout=timeout)


def one_winner(outcomes: list[BaseException | None], loser: type[BaseException]) -> BaseException:
    """Assert that exactly one outcome raised, a ``loser``; return that error."""
    errors = [o for o in outcomes if o is not None]
    assert len(errors) == 1, outcomes
    assert isinstance(errors[0], loser), repr(errors[0])
    return errors[0]


def _engine(app: Flask) -> Engine:
    from marketplace.extensions import db

    with app.app_context():
        return db.engine


def _run(
    runs: list[Callable[[Work], None]],
    *,
    engine: Engine | None,
    hold: Hold | None,
    timeout: float,
) -> list[BaseException | None]:
    deadline = time.monotonic() + timeout
    barrier = threading.Barrier(len(runs))
    outcomes: list[BaseException | None] = [None] * len(runs)

    def arrive() -> None:
        barrier.wait(timeout=max(deadline - time.monotonic(), 0.0))

    def thread(index: int, run: Callable[[Work], None]) -> None:
        try:
            run(arrive)
        except BaseException as error:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[index] = error

    side = _side_engine(engine, hold)
    threads = [
        threading.Thread(target=thread, args=(i, r), name=f"race-{i}", daemon=True)
        for i, r in enumerate(runs)
    ]
    try:
        waiting = None
        with _holding(side, hold):
            for each in threads:
                each.start()
            if hold is not None:
                assert side is not None
                # Half the time for the threads to arrive, so that they can still finish.
                arrived_by = time.monotonic() + timeout / 2
                waiting = _wait_for_waiters(side, hold, len(runs), arrived_by)
        for each in threads:
            each.join(timeout=max(deadline - time.monotonic(), 0.0))
        stuck = [each.name for each in threads if each.is_alive()]
        if stuck:
            if side is not None and side.dialect.name == "postgresql":
                _end_connections(side)
                for each in threads:
                    each.join(timeout=5)
            pytest.fail(
                f"{', '.join(stuck)} still running after {timeout:g} s: a deadlock or a lock "
                "never released",
                pytrace=False,
            )
        if hold is not None:
            assert waiting == len(runs), (
                f"{waiting} of {len(runs)} threads waited for the held lock ({hold.sql})"
            )
    finally:
        if side is not None:
            side.dispose()
    return outcomes


def _side_engine(engine: Engine | None, hold: Hold | None) -> Engine | None:
    """An engine of its own for the holder and the probes: the app's pool stays the threads'."""
    if engine is None:
        if hold is not None:
            raise ValueError("a race that holds a lock needs the app's engine")
        return None
    if hold is not None and engine.dialect.name != "postgresql":
        raise ValueError("holding a lock until the threads wait for it needs PostgreSQL")
    return create_engine(engine.url, poolclass=NullPool)


@contextmanager
def _holding(side: Engine | None, hold: Hold | None) -> Iterator[Connection | None]:
    if hold is None or side is None:
        yield None
        return
    holder = side.connect()
    try:
        holder.execute(text(hold.sql), dict(hold.params))
        yield holder
    finally:
        holder.rollback()
        holder.close()


def _wait_for_waiters(side: Engine, hold: Hold, count: int, deadline: float) -> int:
    """Poll until ``count`` connections wait for a lock like ``hold``; return how many do."""
    query = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    if hold.wait_event is not None:
        query += " AND wait_event = :event"
    waiting = 0
    with side.connect() as probe:
        while time.monotonic() < deadline:
            waiting = probe.scalar(text(query), {"event": hold.wait_event}) or 0
            probe.rollback()  # each poll sees the activity anew
            if waiting >= count:
                break
            time.sleep(0.02)
    return waiting


def _end_connections(side: Engine) -> None:
    """End every other connection to the test database, so stuck threads return."""
    with side.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        connection.commit()
