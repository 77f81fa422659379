"""Races on proofs, on PostgreSQL: one screenshot submitted for two posts at the same moment.

The duplicate check reads every other proof, so two overlapping submissions could each find
none and both be stored. The test holds the proofs' advisory lock until both submissions wait
on it, so the overlap is certain; then exactly one is stored and the other is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.auth.models import User
from marketplace.delivery import services as delivery
from marketplace.delivery.models import Proof
from marketplace.extensions import db
from tests.factories import make_post, screenshot
from tests.races import advisory_lock, one_winner, race

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

    def submit(post_id: int) -> Callable[[Session], Any]:
        return lambda session: delivery.submit_proof(
            session, post_id, live_url=f"https://chat.example/{post_id}",
            screenshot=delivery.Upload("s.png", shot),
            actor=session.get_one(User, found["owner"]),
        )  # fmt: skip

    outcomes = race(app, *map(submit, posts), hold=advisory_lock(delivery.PROOF_LOCK_KEY))
    one_winner(outcomes, delivery.DuplicateScreenshot)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Proof)) == 1
