"""localstripe signs and delivers its own webhooks to a running Kesher: the card payment is
recorded as paid from Stripe's event alone, never from the browser's word."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from marketplace.auth.models import User
from marketplace.extensions import db
from marketplace.payments import services
from marketplace.payments.models import CardPayment, StripeEvent
from pricing.payouts import PaymentStatus
from tests.factories import make_agreed_money
from tests.processes import seconds
from tests.stripe_fake import FakeStripe
from tests.stripe_peers import pay_as_stripe_js, stripe_config


@pytest.fixture
def served(
    app_factory: Callable[..., Flask], fake_stripe: FakeStripe
) -> Iterator[tuple[Flask, str]]:
    app = app_factory(**stripe_config(fake_stripe))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=seconds(5))
        server.server_close()


def test_localstripes_signed_event_marks_the_payment_paid(
    served: tuple[Flask, str], fake_stripe: FakeStripe, localstripe_url: str, make_user: Any
) -> None:
    app, base = served
    register = urllib.request.Request(  # noqa: S310 - loopback
        f"{localstripe_url}/_config/webhooks/kesher",
        data=f"url={base}/payments/stripe/webhook&secret={fake_stripe.webhook_secret}".encode(),
        method="POST",
    )
    with urllib.request.urlopen(register, timeout=10) as answer:  # noqa: S310
        assert answer.status == 200
    brand, staff, owner = make_user("brand"), make_user("staff"), make_user("owner")
    with app.app_context():
        _, payment, _ = make_agreed_money(
            db.session, brand=db.session.get(User, brand.id),
            staff=db.session.get(User, staff.id), owner=db.session.get(User, owner.id),
        )  # fmt: skip
        db.session.commit()
        checkout = services.open_intent(db.session, payment)
        db.session.commit()
        payment_id = payment.id
    assert pay_as_stripe_js(fake_stripe.base, checkout.intent_id) == "succeeded"

    def status() -> PaymentStatus:
        with app.app_context():
            row = db.session.get_one(CardPayment, payment_id)
            db.session.rollback()
            return row.status

    deadline = time.monotonic() + seconds(15)
    while status() is not PaymentStatus.SUCCEEDED and time.monotonic() < deadline:
        time.sleep(0.2)
    assert status() is PaymentStatus.SUCCEEDED  # no sync call: Stripe's event did it
    with app.app_context():
        kinds = {e.type for e in db.session.query(StripeEvent)}
        assert "payment_intent.succeeded" in kinds
