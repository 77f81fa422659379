"""Races on clicks, on PostgreSQL: one visitor's two clicks on one link at the same moment.

The duplicate flag is decided by the INSERT, which reads the visitor's earlier clicks. Two
transactions recording the same visitor at once could each miss the other's row and both
count as unique. The test holds the first click's transaction open until the second is
waiting (or a while has passed), so the overlap is certain; then exactly one counts.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from marketplace.auth.models import User
from marketplace.extensions import db
from marketplace.links import services as links
from marketplace.links.models import LinkClick
from tests.factories import agreed_placement, make_tracked_link

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

T0 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
VISITOR = "d" * 32


def test_two_simultaneous_clicks_of_one_visitor_count_once(app: Flask, make_user: Any) -> None:
    found = {r: make_user(r).id for r in ("brand", "owner", "staff")}
    with app.test_request_context():
        people = {r: db.session.get_one(User, i) for r, i in found.items()}
        placement = agreed_placement(
            db.session, brand=people["brand"], staff=people["staff"], owner=people["owner"]
        )
        link_id = make_tracked_link(db.session, placement, actor=people["staff"]).id
        db.session.commit()
        db.session.remove()
    with app.app_context():
        engine = db.engine
    first = engine.connect()
    first.begin()
    links.record_click(first, link_id, at=T0, visitor=VISITOR, bot=False)
    outcome: list[BaseException | None] = [None]

    def second_click() -> None:
        try:
            with engine.begin() as connection:
                links.record_click(
                    connection, link_id, at=T0 + dt.timedelta(seconds=1), visitor=VISITOR,
                    bot=False,
                )  # fmt: skip
        except BaseException as error:  # noqa: BLE001 - the outcome is what we check
            outcome[0] = error

    thread = threading.Thread(target=second_click)
    thread.start()
    waiting = 0
    for _ in range(40):  # up to 2 s: long enough for the second INSERT to run without waiting
        with engine.connect() as probe:
            waiting = probe.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
                )
            )
        if waiting or not thread.is_alive():
            break
        time.sleep(0.05)
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert outcome[0] is None
    with engine.connect() as reader:
        flags = reader.execute(
            select(LinkClick.is_duplicate).where(LinkClick.link_id == link_id).order_by(
                LinkClick.at)
        ).scalars().all()  # fmt: skip
    assert flags == [False, True], "both clicks counted as unique"
    assert waiting == 1, "the second click did not wait for the first"


def test_clicks_of_different_visitors_do_not_wait_for_each_other(
    app: Flask, make_user: Any
) -> None:
    found = {r: make_user(r).id for r in ("brand", "owner", "staff")}
    with app.test_request_context():
        people = {r: db.session.get_one(User, i) for r, i in found.items()}
        placement = agreed_placement(
            db.session, brand=people["brand"], staff=people["staff"], owner=people["owner"]
        )
        link_id = make_tracked_link(db.session, placement, actor=people["staff"]).id
        db.session.commit()
        db.session.remove()
    with app.app_context():
        engine = db.engine
    with engine.connect() as first, engine.connect() as second:
        first.begin()
        links.record_click(first, link_id, at=T0, visitor="e" * 32, bot=False)
        second.begin()
        # Would block forever (and time out) if the lock were per link rather than per visitor.
        second.execute(text("SET LOCAL lock_timeout = '2s'"))
        links.record_click(second, link_id, at=T0, visitor="f" * 32, bot=False)
        second.commit()
        first.commit()
    with engine.connect() as reader:
        flags = reader.execute(
            select(LinkClick.is_duplicate).where(LinkClick.link_id == link_id)
        ).scalars().all()  # fmt: skip
    assert flags == [False, False]
