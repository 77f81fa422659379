"""Two refunds of one card payment at once, on PostgreSQL (SQLite serialises writers)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.auth.models import User
from marketplace.extensions import db
from marketplace.payments import services
from marketplace.payments.models import CardPayment, CardRefund
from tests.races import race, row_lock
from tests.service.test_payments_card import agreed
from tests.stripe_fake import FakeStripe
from tests.stripe_peers import pay_as_stripe_js

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def test_two_refunds_at_once_never_take_back_more_than_was_paid(
    stripe_app: Flask, make_user: Any, fake_stripe: FakeStripe
) -> None:
    """Each request counted the refunds committed before it, so two at once (a double submit
    of "refund all") both passed the cap and recorded twice the payment."""
    payment_id, _, _ = agreed(stripe_app, make_user)
    finance_id = make_user("finance").id
    with stripe_app.app_context():
        payment = db.session.get_one(CardPayment, payment_id)
        checkout = services.open_intent(db.session, payment)
        db.session.commit()
        pay_as_stripe_js(fake_stripe.base, checkout.intent_id)
        services.sync_payment(db.session, payment)
        db.session.commit()
        total = payment.amount_minor

    def refund_all(session: Session) -> None:
        paid = session.get_one(CardPayment, payment_id)
        services.request_refund(
            session, paid, total, "all", actor=session.get_one(User, finance_id)
        )

    outcomes = race(stripe_app, refund_all, refund_all,
                    hold=row_lock("card_payments", id=payment_id))  # fmt: skip
    assert sorted(type(o).__name__ for o in outcomes) == ["AmountMismatch", "NoneType"]
    with stripe_app.app_context():
        asked = db.session.scalar(select(func.sum(CardRefund.amount_minor)))
        assert asked == total
