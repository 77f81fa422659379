"""Races on proofs, on PostgreSQL: one screenshot submitted for two posts at the same moment.

The duplicate check reads every other proof, so two overlapping submissions could each find
none and both be stored. The test holds the proofs' advisory lock until both submissions wait
on it, so the overlap is certain; then exactly one is stored and the other is refused.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from marketplace.auth.models import User
from marketplace.delivery import services as delivery
from marketplace.delivery.models import Proof
from marketplace.extensions import db
from tests.factories import make_post, screenshot

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def test_one_screenshot_submitted_for_two_posts_at_once_proves_only_one(
    app: Flask, make_user: Any
) -> None:
    found = {r: make_user(r).id for r in ("brand", "owner", "staff")}
    with app.test_request_context():
        people = {r: db.session.get_one(User, i) for r, i in found.items()}
        posts = [make_post(db.session, brand=people["brand"], staff=people["staff"],
                           owner=people["owner"]).id for _ in range(2)]  # fmt: skip
        db.session.commit()
        db.session.remove()
    shot = screenshot(77)
    with app.app_context():
        holder = db.engine.connect()
    holder.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": delivery.PROOF_LOCK_KEY})
    outcomes: list[BaseException | None] = [None, None]

    def submit(index: int, post_id: int) -> None:
        with app.test_request_context():
            session = Session(bind=db.engine, expire_on_commit=False)
            try:
                delivery.submit_proof(
                    session, post_id, live_url=f"https://chat.example/{post_id}",
                    screenshot=delivery.Upload("s.png", shot),
                    actor=session.get_one(User, found["owner"]),
                )  # fmt: skip
                session.commit()
            except BaseException as error:  # noqa: BLE001 - the outcome is what we check
                session.rollback()
                outcomes[index] = error
            finally:
                session.close()

    threads = [threading.Thread(target=submit, args=(i, p)) for i, p in enumerate(posts)]
    for thread in threads:
        thread.start()
    waiting = 0
    for _ in range(200):
        with app.app_context(), db.engine.connect() as probe:
            waiting = probe.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
                )
            )
        if waiting == 2:
            break
        time.sleep(0.05)
    holder.rollback()
    holder.close()
    assert waiting == 2, "the submissions did not wait for the proofs' lock"
    for thread in threads:
        thread.join(timeout=30)
    assert sum(o is None for o in outcomes) == 1
    [lost] = [o for o in outcomes if o is not None]
    assert isinstance(lost, delivery.DuplicateScreenshot)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Proof)) == 1
