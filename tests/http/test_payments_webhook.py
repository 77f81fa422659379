"""The Stripe webhook: signed on the raw body, applied exactly once, in any order."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

import pytest
import stripe
from flask import Flask
from sqlalchemy import func, select

from marketplace.auth.models import User
from marketplace.extensions import db
from marketplace.finance import ledger
from marketplace.finance.models import JournalEntry
from marketplace.payments.models import CardPayment, ConnectedAccount, Payout, StripeEvent
from pricing.ledger import Account
from pricing.payouts import PaymentStatus, PayoutStatus
from tests.factories import make_agreed_money, make_connected_account
from tests.stripe_fake import FakeStripe
from tests.stripe_peers import stripe_config

SECRET = "whsec_test_kesher"  # noqa: S105 - a test secret
URL = "/payments/stripe/webhook"


@pytest.fixture
def hook_app(app_factory: Callable[..., Flask], fake_stripe: FakeStripe) -> Flask:
    return app_factory(**hook_config(fake_stripe))


def hook_config(fake: FakeStripe, **overrides: Any) -> dict[str, Any]:
    """Stripe on the local peers, signing its deliveries with SECRET (the calls the app makes
    after an event, such as a payout's transfer, reach the peers, never api.stripe.com)."""
    return stripe_config(fake, **{"STRIPE_WEBHOOK_SECRET": SECRET, **overrides})


def event(type_: str, obj: dict[str, Any], created: int, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_{type_.replace('.', '_')}_{created}",
        "object": "event",
        "type": type_,
        "created": created,
        "livemode": False,
        "data": {"object": obj},
    }


def post(client: Any, body: dict[str, Any], *, secret: str = SECRET, at: int | None = None) -> Any:
    payload = json.dumps(body)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=at)
    return client.post(
        URL, data=payload, headers={"Stripe-Signature": header, "Content-Type": "application/json"}
    )


def setup_money(app: Flask, make_user: Any) -> dict[str, Any]:
    brand, staff, owner = make_user("brand"), make_user("staff"), make_user("owner")
    with app.app_context():
        _, payment, payout = make_agreed_money(
            db.session, brand=db.session.get(User, brand.id),
            staff=db.session.get(User, staff.id), owner=db.session.get(User, owner.id),
        )  # fmt: skip
        payment.intent_id = "pi_hook"
        payment.status = PaymentStatus.OPEN
        payout.status = PayoutStatus.SENDING
        payout.attempt = 1
        make_connected_account(
            db.session, db.session.get_one(User, owner.id), account_id="acct_hook",
            payouts_enabled=False,
        )  # fmt: skip
        db.session.commit()
        return {"payment": payment.id, "payout": payout.id, "amount": payment.amount_minor}


def intent(status: str, amount: int) -> dict[str, Any]:
    return {"id": "pi_hook", "object": "payment_intent", "status": status, "amount": amount,
            "currency": "ils", "latest_charge": "ch_hook", "metadata": {}}  # fmt: skip


def account(enabled: bool, due: list[str]) -> dict[str, Any]:
    return {
        "id": "acct_hook",
        "object": "account",
        "payouts_enabled": enabled,
        "details_submitted": enabled,
        "requirements": {"currently_due": due, "past_due": [], "disabled_reason": None},
    }


def transfer(payout_id: int, amount: int, reversed_: int = 0) -> dict[str, Any]:
    return {"id": "tr_hook", "object": "transfer", "amount": amount, "currency": "ils",
            "destination": "acct_hook", "transfer_group": "g", "amount_reversed": reversed_,
            "reversed": False, "metadata": {"kesher_payout": str(payout_id)}}  # fmt: skip


def state(app: Flask, ids: dict[str, Any]) -> tuple[Any, ...]:
    with app.app_context():
        payment = db.session.get_one(CardPayment, ids["payment"])
        payout = db.session.get_one(Payout, ids["payout"])
        acct = db.session.scalars(select(ConnectedAccount)).one()
        return (
            payment.status, payment.refunded_minor, payment.charge_id, payout.status,
            payout.transfer_id, payout.reversed_minor, acct.payouts_enabled,
            tuple(acct.requirements_due),
        )  # fmt: skip


def events_written(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(StripeEvent)) or 0)


def test_one_event_delivered_a_thousand_times_has_one_effect(
    hook_app: Flask, make_user: Any
) -> None:
    ids = setup_money(hook_app, make_user)
    client = hook_app.test_client()
    body = event("payment_intent.succeeded", intent("succeeded", ids["amount"]), 100)
    answers = [post(client, body) for _ in range(1000)]
    assert {a.status_code for a in answers} == {200}  # Stripe stops retrying on 2xx
    outcomes = [a.json["outcome"] for a in answers]
    assert outcomes[0] == "applied"
    assert set(outcomes[1:]) == {"duplicate"}
    assert events_written(hook_app) == 1
    with hook_app.app_context():
        payment = db.session.get_one(CardPayment, ids["payment"])
        assert payment.status is PaymentStatus.SUCCEEDED
        assert payment.charge_id == "ch_hook"
        # One posting in the ledger: cash at Stripe, the brand's receivable settled.
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(JournalEntry)
                .where(JournalEntry.kind == "card_payment_captured")
            )
            == 1
        )
        assert ledger.balance(db.session, Account.STRIPE_CASH, "ILS") == ids["amount"]


def test_shuffled_events_reach_the_same_final_state(hook_app: Flask, make_user: Any) -> None:
    ids = setup_money(hook_app, make_user)
    amount = ids["amount"]
    sequence = [
        event("payment_intent.processing", intent("processing", amount), 1),
        event("payment_intent.payment_failed", intent("requires_payment_method", amount), 2),
        event("payment_intent.succeeded", intent("succeeded", amount), 3),
        event("charge.refunded", {"id": "ch_hook", "object": "charge",
                                  "payment_intent": "pi_hook", "amount_refunded": 500}, 4),
        event("account.updated", account(False, ["external_account"]), 1),
        event("account.updated", account(True, []), 2),
        event("transfer.created", transfer(ids["payout"], 700), 5),
        event("transfer.reversed", transfer(ids["payout"], 700, 100), 6),
    ]  # fmt: skip
    with hook_app.app_context():
        start = {
            "payment": db.session.get_one(CardPayment, ids["payment"]).status,
        }

    def reset() -> None:
        with hook_app.app_context():
            payment = db.session.get_one(CardPayment, ids["payment"])
            payment.status, payment.refunded_minor, payment.charge_id = start["payment"], 0, None
            payment.paid_at = None
            payout = db.session.get_one(Payout, ids["payout"])
            payout.status, payout.transfer_id, payout.reversed_minor = PayoutStatus.SENDING, None, 0
            acct = db.session.scalars(select(ConnectedAccount)).one()
            acct.payouts_enabled, acct.requirements_due, acct.stripe_seen = False, [], 0
            db.session.execute(StripeEvent.__table__.delete())
            db.session.commit()

    client = hook_app.test_client()
    finals = set()
    orders = [sequence, list(reversed(sequence))]
    shuffler = random.Random(15)
    orders += [shuffler.sample(sequence, len(sequence)) for _ in range(6)]
    for order in orders:
        reset()
        for body in order:
            assert post(client, body).status_code == 200
        finals.add(state(hook_app, ids))
    assert finals == {
        (PaymentStatus.SUCCEEDED, 500, "ch_hook", PayoutStatus.PAID, "tr_hook", 100, True, ())
    }


@pytest.mark.parametrize("tamper", ["wrong_secret", "stale", "body_changed", "unsigned"])
def test_a_bad_signature_or_a_stale_timestamp_is_refused_and_writes_nothing(
    hook_app: Flask, make_user: Any, tamper: str
) -> None:
    ids = setup_money(hook_app, make_user)
    before = state(hook_app, ids)
    client = hook_app.test_client()
    body = event("payment_intent.succeeded", intent("succeeded", ids["amount"]), 100)
    if tamper == "wrong_secret":
        response = post(client, body, secret="whsec_someone_else")
    elif tamper == "stale":
        response = post(client, body, at=int(time.time()) - 301)
    elif tamper == "unsigned":
        response = client.post(URL, data=json.dumps(body))
    else:
        payload = json.dumps(body)
        header = stripe.WebhookSignature.generate_signature_header(payload, SECRET)
        changed = payload.replace(str(ids["amount"]), "1")
        response = client.post(URL, data=changed, headers={"Stripe-Signature": header})
    assert response.status_code == 400
    assert events_written(hook_app) == 0
    assert state(hook_app, ids) == before


def test_the_webhook_alone_is_exempt_from_csrf(
    app_factory: Callable[..., Flask], fake_stripe: FakeStripe, make_user: Any
) -> None:
    app = app_factory(**hook_config(fake_stripe, WTF_CSRF_ENABLED=True))
    ids = setup_money(app, make_user)
    client = app.test_client()
    body = event("payment_intent.succeeded", intent("succeeded", ids["amount"]), 100)
    assert post(client, body).status_code == 200


def test_without_stripe_configured_every_delivery_is_refused(app: Flask) -> None:
    body = event("payment_intent.succeeded", intent("succeeded", 100), 100)
    assert post(app.test_client(), body).status_code == 400
    assert events_written(app) == 0


def test_the_connect_endpoints_secret_is_accepted_beside_the_platforms(
    app_factory: Callable[..., Flask], fake_stripe: FakeStripe, make_user: Any
) -> None:
    connect_secret = "whsec_connect_kesher"  # noqa: S105 - a test secret
    app = app_factory(
        **hook_config(fake_stripe, STRIPE_WEBHOOK_SECRET=f"{SECRET}, {connect_secret}")
    )
    ids = setup_money(app, make_user)
    client = app.test_client()
    body = event("account.updated", account(True, []), 5)
    assert post(client, body, secret=connect_secret).json["outcome"] == "applied"
    assert post(client, body, secret="whsec_neither").status_code == 400
    assert state(app, ids)[6] is True  # the account can receive


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a":' * 100_000, b"\xff\xfe"])
def test_an_unsigned_hostile_body_is_refused_before_it_is_parsed(
    hook_app: Flask, body: bytes
) -> None:
    # Anyone may knock: the signature is checked before the body is read as JSON, so a deeply
    # nested or undecodable body costs nothing and answers 400 like any unsigned delivery.
    header = f"t={int(time.time())},v1={'0' * 64}"
    response = hook_app.test_client().post(URL, data=body, headers={"Stripe-Signature": header})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_signature"
    assert events_written(hook_app) == 0


@pytest.mark.parametrize(
    ("change", "connected"),
    [
        ({"id": "pi_elsewhere"}, "acct_hook"),  # an owner's own account's intent, by Connect
        ({"id": "pi_elsewhere", "amount": 100}, None),  # names our payment, not its amount
        ({"id": "pi_elsewhere", "currency": "usd"}, None),  # nor its currency
    ],
)
def test_an_event_for_another_accounts_or_amounts_intent_never_pays_a_payment(
    hook_app: Flask, make_user: Any, change: dict[str, Any], connected: str | None
) -> None:
    # A payment whose intent id was never stored (the process died after Stripe made it) is
    # found by the metadata Kesher puts on its intents: an intent that only copies that
    # metadata (a connected account's own, or one for another amount) must not pay it.
    ids = setup_money(hook_app, make_user)
    with hook_app.app_context():
        db.session.get_one(CardPayment, ids["payment"]).intent_id = None
        db.session.commit()
    obj = {**intent("succeeded", ids["amount"]), **change,
           "metadata": {"kesher_payment": str(ids["payment"])}}  # fmt: skip
    body = {**event("payment_intent.succeeded", obj, 100), "account": connected}
    answer = post(hook_app.test_client(), body)
    assert answer.status_code == 200  # Stripe need not retry it
    assert answer.json["outcome"] != "applied"
    with hook_app.app_context():
        payment = db.session.get_one(CardPayment, ids["payment"])
        assert payment.status is PaymentStatus.OPEN
        assert payment.intent_id is None
        assert ledger.balance(db.session, Account.STRIPE_CASH, "ILS") == 0


def test_the_lost_intent_of_a_payment_is_still_found_by_its_metadata(
    hook_app: Flask, make_user: Any
) -> None:
    ids = setup_money(hook_app, make_user)
    with hook_app.app_context():
        db.session.get_one(CardPayment, ids["payment"]).intent_id = None
        db.session.commit()
    obj = {
        **intent("succeeded", ids["amount"]),
        "metadata": {"kesher_payment": str(ids["payment"])},
    }
    assert (
        post(hook_app.test_client(), event("payment_intent.succeeded", obj, 100)).json["outcome"]
        == "applied"
    )
    assert state(hook_app, ids)[0] is PaymentStatus.SUCCEEDED


def test_a_connected_accounts_event_about_another_account_changes_nothing(
    hook_app: Flask, make_user: Any
) -> None:
    ids = setup_money(hook_app, make_user)
    body = {**event("account.updated", account(True, []), 5), "account": "acct_other"}
    assert post(hook_app.test_client(), body).json["outcome"] != "applied"
    assert state(hook_app, ids)[6] is False
