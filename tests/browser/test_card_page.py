"""Our real pay page in Chromium: Stripe.js (localstripe's) and our card-payment.js, 3-D Secure.

The page loads Stripe.js from localstripe (`STRIPE_JS_URL`, the app's setting for another
Stripe.js address, as an operator would set it) and runs our own `card-payment.js` unchanged.
localstripe's Stripe.js cannot collect and confirm a card: its `confirmCardPayment` only does
the 3-D Secure leg (a modal, then `POST /v1/payment_intents/{pi}/_authenticate`), which needs
the intent in `requires_action`. So the test harness plays the cardholder's bank: through
the API it attaches a 3-D Secure test card to the intent and confirms it, which leaves the
intent `requires_action`; then the brand clicks our button and answers the modal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import stripe
from flask import Flask
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from marketplace.auth.models import User
from marketplace.extensions import db
from marketplace.payments.models import CardPayment
from pricing.payouts import PaymentStatus
from tests.browser.conftest import static_read_whole
from tests.browser.test_journeys import log_in
from tests.factories import make_agreed_money
from tests.processes import seconds
from tests.stripe_fake import FakeStripe
from tests.stripe_peers import SECRET_KEY, stripe_config

#: A Visa test card that always asks for 3-D Secure (localstripe knows it as Stripe does).
THREE_D_SECURE_CARD = "4000002760003184"


@pytest.fixture
def card_server(
    app_factory: Callable[..., Flask], fake_stripe: FakeStripe, localstripe_url: str
) -> Iterator[tuple[Flask, str]]:
    """Kesher with Stripe on (CSRF too), its pay page loading localstripe's Stripe.js."""
    app = app_factory(
        **stripe_config(fake_stripe, STRIPE_JS_URL=f"{localstripe_url}/js.stripe.com/v3/"),
        WTF_CSRF_ENABLED=True,
    )
    server = make_server("127.0.0.1", 0, static_read_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=seconds(5))
        server.server_close()


def bank_requires_3d_secure(api_base: str, intent_id: str) -> str:
    """The cardholder's bank: a 3-D Secure card on the intent, confirmed → requires_action."""
    client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": api_base},
                                 max_network_retries=0)  # fmt: skip
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {
                "number": THREE_D_SECURE_CARD,
                "exp_month": 12,
                "exp_year": 2030,
                "cvc": "123",
            },
        }  # fmt: skip
    )
    client.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
    return str(client.v1.payment_intents.confirm(intent_id).status)


def open_pay_page(page: Page, app: Flask, base: str, make_user: Any) -> tuple[int, str]:
    """The brand opens the pay page of an agreed deal and starts the card payment."""
    brand, staff, owner = make_user("brand", locale="en"), make_user("staff"), make_user("owner")
    with app.app_context():
        _deal, payment, _payout = make_agreed_money(
            db.session, brand=db.session.get_one(User, brand.id),
            staff=db.session.get_one(User, staff.id), owner=db.session.get_one(User, owner.id),
        )  # fmt: skip
        db.session.commit()
        payment_id = payment.id
    log_in(page, base, brand.email)
    page.goto(f"{base}/payments/{payment_id}/pay")
    page.get_by_role("button", name="Pay by card").click()
    # localstripe's Stripe.js mounted its card field where our script asked it to.
    expect(page.locator("#card-element input")).not_to_have_count(0)
    secret = page.locator("#card-payment").get_attribute("data-client-secret") or ""
    return payment_id, secret.split("_secret_")[0]


def status_of(app: Flask, payment_id: int) -> PaymentStatus:
    with app.app_context():
        return db.session.get_one(CardPayment, payment_id).status


def test_the_pay_page_completes_3d_secure_and_the_payment_is_recorded(
    page: Page, card_server: tuple[Flask, str], fake_stripe: FakeStripe, make_user: Any
) -> None:
    app, base = card_server
    payment_id, intent_id = open_pay_page(page, app, base, make_user)
    assert bank_requires_3d_secure(fake_stripe.base, intent_id) == "requires_action"
    pay = page.locator("#card-pay")
    pay.click()
    # While Stripe answers, the button is off: a second click opens no second 3-D Secure.
    expect(pay).to_be_disabled()
    pay.dispatch_event("click")
    complete = page.get_by_role("button", name="Complete authentication")
    expect(complete).to_have_count(1)
    complete.click()
    # Our script went to the return page, which read the intent from Stripe and recorded it.
    page.wait_for_url(f"{base}/payments/")
    expect(page.get_by_text("Thank you: the payment went through.")).to_be_visible()
    expect(page.locator(f'[data-payment="{payment_id}"] [data-status]')).to_have_attribute(
        "data-status", "succeeded"
    )
    assert status_of(app, payment_id) is PaymentStatus.SUCCEEDED


def test_a_failed_3d_secure_shows_the_error_and_records_nothing_paid(
    page: Page, card_server: tuple[Flask, str], fake_stripe: FakeStripe, make_user: Any
) -> None:
    app, base = card_server
    payment_id, intent_id = open_pay_page(page, app, base, make_user)
    assert bank_requires_3d_secure(fake_stripe.base, intent_id) == "requires_action"
    page.locator("#card-pay").click()
    page.get_by_role("button", name="Fail authentication").click()
    expect(page.locator("#card-errors")).to_contain_text("failed authentication")
    expect(page.locator("#card-pay")).to_be_enabled()  # the brand may try again
    assert page.url == f"{base}/payments/{payment_id}/pay"
    assert status_of(app, payment_id) is not PaymentStatus.SUCCEEDED
    page.goto(f"{base}/payments/")
    expect(page.locator(f'[data-payment="{payment_id}"] [data-status]')).not_to_have_attribute(
        "data-status", "succeeded"
    )
