"""Owner payouts against the fake Connect peer: onboarding, release, parking, timeouts, races."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.auth.models import User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.finance import ledger
from marketplace.payments import services
from marketplace.payments.models import ConnectedAccount, Payout
from marketplace.payments.tasks import run_payouts
from pricing.ledger import Account
from pricing.payouts import PayoutStatus
from tests.factories import make_agreed_money, make_connected_account, verify_deal_posts
from tests.races import one_winner, race
from tests.stripe_fake import FakeStripe
from tests.stripe_peers import stripe_config


def agreed_payout(app: Flask, make_user: Any) -> dict[str, Any]:
    brand, staff, owner = make_user("brand"), make_user("staff"), make_user("owner")
    with app.app_context():
        deal, payment, payout = make_agreed_money(
            db.session, brand=db.session.get(User, brand.id),
            staff=db.session.get(User, staff.id), owner=db.session.get(User, owner.id),
        )  # fmt: skip
        db.session.commit()
        return {"payout": payout.id, "owner": owner, "staff": staff, "brand": brand,
                "brief": deal.brief_id, "amount": payout.amount_minor}  # fmt: skip


def onboard(app: Flask, fake: FakeStripe, owner: User, *, enabled: bool = True) -> str:
    """The owner's account, created at the fake and (if asked) fully onboarded there."""
    account = fake.create_account({"type": "express", "email": owner.email})
    if enabled:
        fake.complete_onboarding(account["id"])
    with app.app_context():
        make_connected_account(
            db.session, db.session.get_one(User, owner.id), account_id=account["id"],
            payouts_enabled=enabled,
        )  # fmt: skip
        db.session.commit()
    return str(account["id"])


def verify_and_release(app: Flask, ids: dict[str, Any]) -> None:
    """Delivery verifies every post of the deal: the payout enters the brand's window."""
    with app.app_context():
        payout = db.session.get_one(Payout, ids["payout"])
        verify_deal_posts(
            db.session, payout.deal_id, owner=db.session.get_one(User, ids["owner"].id),
            staff=db.session.get_one(User, ids["staff"].id),
        )  # fmt: skip
        db.session.commit()
        assert payout.status is PayoutStatus.REVIEW_WINDOW


def later(days: int = 4) -> dt.datetime:
    return utcnow() + dt.timedelta(days=days)


def payout_row(app: Flask, payout_id: int) -> Payout:
    with app.app_context():
        row = db.session.get_one(Payout, payout_id)
        db.session.expunge(row)
        return row


def test_a_verified_payout_is_released_by_the_brands_silence_and_transferred_once(
    stripe_app: Flask, make_user: Any, fake_stripe: FakeStripe
) -> None:
    ids = agreed_payout(stripe_app, make_user)
    account_id = onboard(stripe_app, fake_stripe, ids["owner"])
    verify_and_release(stripe_app, ids)
    with stripe_app.app_context():
        # Inside the review window nothing moves.
        assert run_payouts(db.session, utcnow())["paid"] == 0
        assert fake_stripe.transfers == {}
        counts = run_payouts(db.session, later())
        assert (counts["released"], counts["paid"]) == (1, 1)
        assert run_payouts(db.session, later())["paid"] == 0  # nothing left to send
    [transfer] = fake_stripe.transfers.values()
    assert transfer["amount"] == ids["amount"]
    assert transfer["destination"] == account_id
    assert transfer["transfer_group"] == f"kesher-brief-{ids['brief']}"
    assert transfer["metadata"]["kesher_payout"] == str(ids["payout"])
    row = payout_row(stripe_app, ids["payout"])
    assert (row.status, row.transfer_id, row.attempt) == (PayoutStatus.PAID, transfer["id"], 1)
    assert row.idempotency_key == f"kesher-payout-{row.id}-attempt-1"
    assert row.paid_at is not None
    with stripe_app.app_context():  # booked against what the brand's invoice owes the owner
        owed = ledger.balance(db.session, Account.OWNER_PAYABLE, row.currency, deal_id=row.deal_id)
        assert owed == 0


def test_a_payout_to_an_owner_without_a_ready_account_is_parked_with_the_reason_then_sent(
    stripe_app: Flask, make_user: Any, fake_stripe: FakeStripe
) -> None:
    ids = agreed_payout(stripe_app, make_user)
    verify_and_release(stripe_app, ids)
    with stripe_app.app_context():
        run_payouts(db.session, later())
    row = payout_row(stripe_app, ids["payout"])
    assert (row.status, row.reason) == (PayoutStatus.PARKED, "no_account")
    account_id = onboard(stripe_app, fake_stripe, ids["owner"], enabled=False)
    with stripe_app.app_context():
        db.session.get_one(Payout, ids["payout"]).status = PayoutStatus.READY
        db.session.commit()
        run_payouts(db.session, later())
    assert payout_row(stripe_app, ids["payout"]).reason == "account_incomplete"
    assert fake_stripe.transfers == {}
    # The owner finishes Stripe's forms; Stripe's signed account.updated reaches the webhook.
    event = fake_stripe.complete_onboarding(account_id)
    payload = json.dumps(event)
    client = stripe_app.test_client()
    answer = client.post(
        "/payments/stripe/webhook", data=payload,
        headers={"Stripe-Signature": fake_stripe.sign(payload)},
    )  # fmt: skip
    assert answer.json["outcome"] == "applied"
    assert payout_row(stripe_app, ids["payout"]).status is PayoutStatus.READY
    with stripe_app.app_context():
        assert run_payouts(db.session, later())["paid"] == 1
    assert len(fake_stripe.transfers) == 1


def test_a_transfer_stripe_refuses_is_parked_with_stripes_words(
    stripe_app: Flask, make_user: Any, fake_stripe: FakeStripe
) -> None:
    ids = agreed_payout(stripe_app, make_user)
    account_id = onboard(stripe_app, fake_stripe, ids["owner"])
    fake_stripe.accounts[account_id]["payouts_enabled"] = False  # Stripe knows before we do
    verify_and_release(stripe_app, ids)
    with stripe_app.app_context():
        run_payouts(db.session, later())
    row = payout_row(stripe_app, ids["payout"])
    assert (row.status, row.reason) == (PayoutStatus.PARKED, "refused")
    assert "capabilities" in row.reason_text
    assert fake_stripe.transfers == {}


def test_a_timeout_leaves_the_payout_unknown_and_the_next_run_finds_the_one_transfer(
    app_factory: Callable[..., Flask], make_user: Any, fake_stripe: FakeStripe
) -> None:
    app = app_factory(**stripe_config(fake_stripe, STRIPE_TIMEOUT=1))
    ids = agreed_payout(app, make_user)
    onboard(app, fake_stripe, ids["owner"])
    verify_and_release(app, ids)
    held = fake_stripe.hold("stall")  # Stripe makes the transfer; its answer never comes
    with app.app_context():
        counts = run_payouts(db.session, later())
    assert counts["unknown"] == 1
    assert held.processed.is_set()
    row = payout_row(app, ids["payout"])
    assert (row.status, row.reason) == (PayoutStatus.UNKNOWN, "unknown")  # never "failed"
    fake_stripe.release()
    with app.app_context():
        assert run_payouts(db.session, later())["paid"] == 1
    assert len(fake_stripe.transfers) == 1
    row = payout_row(app, ids["payout"])
    assert (row.status, row.attempt) == (PayoutStatus.PAID, 1)


def test_two_finance_users_releasing_the_same_payout_make_one_transfer(
    stripe_app: Flask, make_user: Any, fake_stripe: FakeStripe
) -> None:
    ids = agreed_payout(stripe_app, make_user)
    onboard(stripe_app, fake_stripe, ids["owner"])
    verify_and_release(stripe_app, ids)
    finance = [make_user("finance"), make_user("finance")]

    def release(user: User) -> Callable[[Session], Iterator[None]]:
        def act(session: Session) -> Iterator[None]:
            payout = session.get_one(Payout, ids["payout"])
            actor = session.get_one(User, user.id)
            yield  # both have read the payout before either releases it
            services.release_payout(session, payout, actor=actor)

        return act

    outcomes = race(stripe_app, *map(release, finance), timeout=60)
    one_winner(outcomes, services.MoneyConflict)
    with stripe_app.app_context():
        run_payouts(db.session, utcnow())
        run_payouts(db.session, utcnow())
    assert len(fake_stripe.transfers) == 1


def test_reconciliation_finds_no_difference_then_one_and_finance_resolves_it(
    stripe_app: Flask, make_user: Any, fake_stripe: FakeStripe
) -> None:
    ids = agreed_payout(stripe_app, make_user)
    onboard(stripe_app, fake_stripe, ids["owner"])
    verify_and_release(stripe_app, ids)
    with stripe_app.app_context():
        run_payouts(db.session, later())
        db.session.commit()
        assert services.reconcile(db.session) == []
        assert services.open_items(db.session) == []  # the invoice owed it: booked, no note
        fake_stripe.add_balance_transaction(source="tr_stranger", amount=-500, currency="ils",
                                            type_="transfer")  # fmt: skip
        [item] = services.reconcile(db.session)
        db.session.commit()
        assert (item.kind, item.stripe_ref, item.stripe_minor) == (
            "missing_at_kesher", "tr_stranger", -500,
        )  # fmt: skip
        assert services.reconcile(db.session) == []  # the same difference is the same item
        finance = db.session.get_one(User, make_user("finance").id)
        services.resolve_item(db.session, item.id, "a test transfer", actor=finance)
        db.session.commit()
        assert services.open_items(db.session) == []


def test_an_account_update_older_than_the_one_applied_changes_nothing(
    stripe_app: Flask, make_user: Any, fake_stripe: FakeStripe
) -> None:
    ids = agreed_payout(stripe_app, make_user)
    onboard(stripe_app, fake_stripe, ids["owner"])
    from marketplace.finance.gateway import Event

    with stripe_app.app_context():
        account = db.session.query(ConnectedAccount).one()
        obj = {"id": account.account_id, "payouts_enabled": False,
               "requirements": {"currently_due": ["external_account"]}}  # fmt: skip
        new = Event("evt_new", "account.updated", 200, False, None, {**obj, "payouts_enabled": True,
                    "requirements": {"currently_due": []}})  # fmt: skip
        old = Event("evt_old", "account.updated", 100, False, None, obj)
        assert services.handle_event(db.session, new) == "applied"
        assert services.handle_event(db.session, old) == "stale"
        assert account.payouts_enabled is True


def test_a_deal_finance_paid_by_bank_or_holds_is_never_transferred_too(
    stripe_app: Flask, make_user: Any, fake_stripe: FakeStripe
) -> None:
    from marketplace.finance.models import PayoutHold
    from pricing import ledger as rules

    paid, held = agreed_payout(stripe_app, make_user), agreed_payout(stripe_app, make_user)
    for ids in (paid, held):
        onboard(stripe_app, fake_stripe, ids["owner"])
        verify_and_release(stripe_app, ids)
    with stripe_app.app_context():
        payout = db.session.get_one(Payout, paid["payout"])
        deal = payout.deal
        owed = ledger.balance(db.session, Account.OWNER_PAYABLE, payout.currency, deal_id=deal.id)
        parties = rules.Parties(deal.organisation_id, deal.owner_id, deal.brief_id, deal.id)
        ledger.post(db.session, [rules.bank_payout_to_owner(
            owed, payout.currency, parties, owner_payable_minor=owed, key="test-batch",
        )])  # fmt: skip
        held_deal = db.session.get_one(Payout, held["payout"]).deal_id
        db.session.add(PayoutHold(deal_id=held_deal, reason="brand says one post is missing"))
        db.session.commit()
        run_payouts(db.session, later())
    assert fake_stripe.transfers == {}
    assert payout_row(stripe_app, paid["payout"]).reason == "paid_by_bank"
    assert payout_row(stripe_app, held["payout"]).reason == "held"


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_server_error_or_rate_limit_is_unknown_never_failed_and_the_retry_pays_once(
    stripe_app: Flask, make_user: Any, fake_stripe: FakeStripe, status: int
) -> None:
    ids = agreed_payout(stripe_app, make_user)
    onboard(stripe_app, fake_stripe, ids["owner"])
    verify_and_release(stripe_app, ids)
    fake_stripe.fail_next(status)
    with stripe_app.app_context():
        assert run_payouts(db.session, later())["unknown"] == 1
        assert payout_row(stripe_app, ids["payout"]).status is PayoutStatus.UNKNOWN
        assert run_payouts(db.session, later())["paid"] == 1
    row = payout_row(stripe_app, ids["payout"])
    assert (row.status, row.attempt) == (PayoutStatus.PAID, 1)  # the same key, once
    assert len(fake_stripe.transfers) == 1


def test_a_bank_batch_leaves_out_every_amount_stripe_is_paying(
    stripe_app: Flask, make_user: Any
) -> None:
    from marketplace.finance import services as finance
    from marketplace.finance.models import DocumentKind, FinanceDocument

    finance_user = make_user("finance")
    deals = [agreed_payout(stripe_app, make_user) for _ in range(5)]
    statuses = [PayoutStatus.READY, PayoutStatus.SENDING, PayoutStatus.UNKNOWN,
                PayoutStatus.PAID, PayoutStatus.PARKED]  # fmt: skip
    with stripe_app.app_context():
        actor = db.session.get_one(User, finance_user.id)
        by_deal = {}
        for ids, status in zip(deals, statuses, strict=True):
            payout = db.session.get_one(Payout, ids["payout"])
            owner, staff = (db.session.get_one(User, ids[r].id) for r in ("owner", "staff"))
            verify_deal_posts(db.session, payout.deal_id, owner=owner, staff=staff)
            payout.status = status
            by_deal[payout.deal_id] = status
            invoice = db.session.scalars(
                select(FinanceDocument).where(
                    FinanceDocument.deal_id == payout.deal_id,
                    FinanceDocument.kind == DocumentKind.TAX_INVOICE,
                )
            ).one()
            finance.record_bank_payment(db.session, invoice.id, amount_minor=invoice.gross_minor,
                                        currency=invoice.currency, reference=f"F-{invoice.id}",
                                        actor=actor)  # fmt: skip
        db.session.flush()
        assert finance.paid_elsewhere(db.session, list(by_deal)) == {
            deal for deal, status in by_deal.items() if status is not PayoutStatus.PARKED
        }
        batch = finance.create_batch(db.session, "ILS", actor=actor,
                                     today=dt.date.today() + dt.timedelta(days=400))  # fmt: skip
        # Only the payout parked for want of a Stripe account goes to the bank.
        assert [by_deal[item.deal_id] for item in batch.items] == [PayoutStatus.PARKED]
