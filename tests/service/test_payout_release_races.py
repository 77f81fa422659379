"""Two staff verifying a deal's last two posts at once, on PostgreSQL (SQLite serialises
writers and would hide the race): the payout still enters the brand's review window."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy.orm import Session

from marketplace.auth.models import User
from marketplace.delivery import services as delivery
from marketplace.extensions import db
from marketplace.payments import services
from marketplace.payments.models import Payout
from pricing.payouts import PayoutStatus
from tests.factories import make_proof
from tests.races import race
from tests.service.test_payout_release import agreed, verify

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def test_two_staff_verifying_the_last_two_posts_at_once_open_the_window(
    app: Flask, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each sees the other's post still waiting unless the payout's row is locked first.

    The count of the deal's posts is held at a barrier until both decisions have counted (or
    3 s passed): without the lock both count before either commits, and neither opens the
    window; with it the second waits for the first's commit before counting.
    """
    counted = threading.Barrier(2, timeout=3)
    real = services.sync_with_delivery.__globals__["delivery_states"]

    def count_then_wait(session: Any, deal_ids: Any) -> Any:
        states = real(session, deal_ids)
        # Broken: the other decision waits for our lock, so go on and commit.
        with contextlib.suppress(threading.BrokenBarrierError):
            counted.wait()
        return states

    staff = [make_user("staff"), make_user("staff")]
    with app.test_request_context(), force_locale("en"):
        people = {role: db.session.get_one(User, make_user(role).id)
                  for role in ("brand", "owner", "staff")}  # fmt: skip
        _deal, payout, posts = agreed(db.session, people)
        for post in posts[:-2]:
            verify(db.session, post, people)
        proofs = [make_proof(db.session, post, actor=people["owner"]).id for post in posts[-2:]]
        db.session.commit()
        payout_id = payout.id
    monkeypatch.setitem(services.sync_with_delivery.__globals__, "delivery_states", count_then_wait)

    def decide(proof_id: int, user: Any) -> Callable[[Session], Iterator[None]]:
        def act(session: Session) -> Iterator[None]:
            actor = session.get_one(User, user.id)
            yield  # both actors loaded before either decides
            delivery.decide_proof(session, proof_id, verify=True, actor=actor)

        return act

    assert race(app, *map(decide, proofs, staff), timeout=60) == [None, None]
    with app.app_context():
        row = db.session.get_one(Payout, payout_id)
        assert (row.status, row.verified_via) == (PayoutStatus.REVIEW_WINDOW, "delivery")
