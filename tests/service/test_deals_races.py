"""Races on the deal desk, on PostgreSQL (SQLite serialises writers and would hide them).

Two connections act on the same deal at the same moment (``tests.races`` releases both threads
at once). The deal row lock makes the second wait for the first and then read its result:
exactly one outcome wins, the loser gets a named conflict, and nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import campaigns.deals as rules
from campaigns.deals import DealStatus, OfferStatus
from marketplace.auth.models import User
from marketplace.deals import services as deals
from marketplace.deals.models import Agreement, Deal, DealEvent, Offer, OfferVersion
from marketplace.extensions import db
from tests.factories import make_deal
from tests.races import one_winner, race, row_lock

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

Action = Callable[[Session], Any]


@pytest.fixture
def setup(app: Flask, make_user: Any) -> Callable[[str], dict[str, int]]:
    """Build a deal at a stage, commit it, and return the ids the threads need."""
    ids = {r: make_user(r).id for r in ("brand", "owner", "staff")}
    ids["staff2"] = make_user("staff").id

    def build(stage: str) -> dict[str, int]:
        with app.test_request_context():
            people = {r: db.session.get(User, i) for r, i in ids.items()}
            deal = make_deal(db.session, brand=people["brand"], staff=people["staff"],
                             owner=people["owner"], stage=stage)  # fmt: skip
            offer = deals.current_offer(deal)
            assert offer is not None
            out = {**ids, "deal": deal.id, "offer": offer.id, "version": offer.current_version}
            db.session.commit()
            db.session.remove()
        return out

    return build


def user(session: Session, user_id: int) -> User:
    found = session.get(User, user_id)
    assert found is not None
    return found


def counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(OfferVersion)) or 0,
            db.session.scalar(select(func.count()).select_from(DealEvent)) or 0,
            db.session.scalar(select(func.count()).select_from(Agreement)) or 0,
        )


def test_an_owner_accepting_twice_at_once_accepts_once(app: Flask, setup: Any) -> None:
    ids = setup("sent")
    before = counts(app)

    def accept(session: Session) -> None:
        deals.accept_offer(session, ids["offer"], version=ids["version"],
                           actor=user(session, ids["owner"]))  # fmt: skip

    one_winner(race(app, accept, accept), rules.IllegalTransition)
    with app.app_context():
        offer = db.session.get(Offer, ids["offer"])
        assert offer is not None
        assert offer.status is OfferStatus.ACCEPTED
        accepts = db.session.scalar(
            select(func.count()).select_from(DealEvent).where(DealEvent.action == "accept")
        )
        assert accepts == 1
    assert counts(app) == (before[0], before[1] + 1, before[2])


def test_two_staff_countering_at_once_make_one_round_and_the_other_is_stale(
    app: Flask, setup: Any
) -> None:
    ids = setup("countered")
    before = counts(app)

    def counter(staff_key: str, days: int) -> Action:
        def act(session: Session) -> None:
            offer = session.get(Offer, ids["offer"])
            assert offer is not None
            terms = replace(deals.pure_offer(offer).terms, payment_terms_days=days)
            deals.counter_offer(session, ids["offer"], terms, version=ids["version"],
                                actor=user(session, ids[staff_key]))  # fmt: skip

        return act

    outcomes = race(
        app, counter("staff", 45), counter("staff2", 60), hold=row_lock("deals", id=ids["deal"])
    )
    one_winner(outcomes, rules.StaleVersion)
    with app.app_context():
        offer = db.session.get(Offer, ids["offer"])
        assert offer is not None
        assert (offer.status, offer.current_version) == (OfferStatus.SENT, 3)
        rounds = db.session.scalars(
            select(OfferVersion).where(OfferVersion.offer_id == offer.id)
        ).all()
        assert [r.number for r in rounds] == [1, 2, 3]
    assert counts(app) == (before[0] + 1, before[1] + 1, before[2])


def test_an_owner_accepting_while_the_agency_withdraws_has_exactly_one_outcome(
    app: Flask, setup: Any
) -> None:
    ids = setup("sent")

    def accept(session: Session) -> None:
        deals.accept_offer(session, ids["offer"], version=ids["version"],
                           actor=user(session, ids["owner"]))  # fmt: skip

    def withdraw(session: Session) -> None:
        deals.withdraw_offer(session, ids["offer"], "the brand paused", version=ids["version"],
                             actor=user(session, ids["staff"]))  # fmt: skip

    outcomes = race(app, accept, withdraw)
    one_winner(outcomes, rules.IllegalTransition)
    with app.app_context():
        offer = db.session.get(Offer, ids["offer"])
        deal = db.session.get(Deal, ids["deal"])
        assert offer is not None
        assert deal is not None
        if outcomes[0] is None:  # the owner won
            assert offer.status is OfferStatus.ACCEPTED
            assert deal.accepted_version_id is not None
        else:
            assert offer.status is OfferStatus.WITHDRAWN
            assert deal.accepted_version_id is None
        last = db.session.scalars(
            select(DealEvent.action).where(DealEvent.deal_id == deal.id).order_by(DealEvent.id)
        ).all()
        assert last[-1] in ("accept", "withdraw")
        assert "accept" not in last or "withdraw" not in last


def test_owner_and_agency_confirming_at_once_make_one_agreement(app: Flask, setup: Any) -> None:
    ids = setup("accepted")
    with app.test_request_context():
        deal = db.session.get(Deal, ids["deal"])
        assert deal is not None
        _document, digest = deals.pending_agreement_document(db.session, deal)
        db.session.remove()

    def confirm(key: str) -> Action:
        def act(session: Session) -> None:
            deals.confirm_agreement(session, ids["deal"], content_hash=digest,
                                    actor=user(session, ids[key]))  # fmt: skip

        return act

    assert race(app, confirm("owner"), confirm("staff")) == [None, None]
    with app.app_context():
        deal = db.session.get(Deal, ids["deal"])
        assert deal is not None
        assert deal.status is DealStatus.AGREED
        agreements = db.session.scalars(select(Agreement).where(Agreement.deal_id == deal.id)).all()
        assert len(agreements) == 1
        assert agreements[0].complete


def test_a_stale_deal_version_loses_to_the_writer_that_moved_it(app: Flask, setup: Any) -> None:
    ids = setup("countered")
    with app.app_context():
        deal = db.session.get(Deal, ids["deal"])
        assert deal is not None
        seen = deal.version
        db.session.remove()

    def accept(session: Session) -> None:
        deals.accept_offer(session, ids["offer"], version=ids["version"], deal_version=seen,
                           actor=user(session, ids["staff"]))  # fmt: skip

    def cancel(session: Session) -> None:
        deals.cancel_deal(session, ids["deal"], rules.StopReason.BRAND_WITHDREW, deal_version=seen,
                          actor=user(session, ids["staff2"]))  # fmt: skip

    outcomes = race(app, accept, cancel)
    one_winner(outcomes, rules.StaleVersion)
