"""Card payments and refunds against localstripe: amounts from the server, one intent per row."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from marketplace.auth.models import User
from marketplace.extensions import db
from marketplace.finance import gateway as gw
from marketplace.finance import ledger
from marketplace.finance import services as finance_services
from marketplace.finance.models import DocumentKind, FinanceDocument
from marketplace.jobs.models import Job
from marketplace.payments import services
from marketplace.payments.models import CardPayment, CardRefund
from pricing.ledger import Account
from pricing.payouts import PaymentStatus
from tests.factories import make_agreed_money
from tests.stripe_fake import FakeStripe, stripe_fee
from tests.stripe_peers import pay_as_stripe_js


def agreed(app: Flask, make_user: Any) -> tuple[int, int, dict[str, Any]]:
    brand, staff, owner = make_user("brand"), make_user("staff"), make_user("owner")
    with app.app_context():
        deal, payment, payout = make_agreed_money(
            db.session, brand=db.session.get(User, brand.id),
            staff=db.session.get(User, staff.id), owner=db.session.get(User, owner.id),
        )  # fmt: skip
        db.session.commit()
        version = deal.agreements[-1].offer_version
        return payment.id, payout.id, {
            "brand": brand, "owner": owner, "staff": staff,
            "brand_price": version.brand_price_minor, "payout": version.owner_payout_minor,
            "currency": deal.currency,
            # What the brand's tax invoice bills: the price and 18% VAT, rounded half up.
            "gross": version.brand_price_minor + (version.brand_price_minor * 18 + 50) // 100,
        }  # fmt: skip


def test_an_agreed_deal_owes_the_agreed_brand_price_and_payout(app: Flask, make_user: Any) -> None:
    payment_id, payout_id, facts = agreed(app, make_user)
    with app.app_context():
        payment = db.session.get_one(CardPayment, payment_id)
        payout = db.session.get_one(services.Payout, payout_id)
        # The card pays what the invoice bills, VAT included, not the price before VAT.
        assert (payment.amount_minor, payment.currency) == (facts["gross"], facts["currency"])
        assert finance_services.billed(db.session, payment.deal_id).gross_minor == facts["gross"]
        assert payment.status is PaymentStatus.DUE
        assert payout.amount_minor == facts["payout"]
        assert payout.owner_id == facts["owner"].id
        assert payout.amount_minor < payment.amount_minor  # the agency's margin stays


def test_without_a_stripe_key_card_payment_is_refused_with_a_clear_error(
    app: Flask, make_user: Any
) -> None:
    payment_id, _, _ = agreed(app, make_user)
    with app.app_context(), app.test_request_context():
        payment = db.session.get_one(CardPayment, payment_id)
        assert services.gateway().enabled is False
        with pytest.raises(services.CardPaymentsOff):
            services.open_intent(db.session, payment)
        assert payment.intent_id is None


def test_a_card_payment_through_localstripe_succeeds_for_the_servers_amount(
    stripe_app: Flask, make_user: Any, fake_stripe: FakeStripe
) -> None:
    payment_id, _, facts = agreed(stripe_app, make_user)
    with stripe_app.app_context():
        payment = db.session.get_one(CardPayment, payment_id)
        checkout = services.open_intent(db.session, payment)
        db.session.commit()
        assert checkout.client_secret.startswith(checkout.intent_id)
        # The same row asks again (a reload, or a retry after a crash): the same intent.
        assert services.open_intent(db.session, payment).intent_id == checkout.intent_id
        assert pay_as_stripe_js(fake_stripe.base, checkout.intent_id) == "succeeded"
        services.sync_payment(db.session, payment)
        db.session.commit()
        assert payment.status is PaymentStatus.SUCCEEDED
        assert payment.charge_id is not None
        assert payment.charge_id.startswith("ch_")
        assert payment.paid_at is not None
        intent = services.gateway().retrieve_payment_intent(checkout.intent_id)
        assert (intent.amount, intent.currency) == (facts["gross"], facts["currency"])
        # Paid by card, the brand owes nothing more on the deal's invoice.
        owed = ledger.balance(db.session, Account.BRAND_RECEIVABLE, facts["currency"],
                              deal_id=payment.deal_id)  # fmt: skip
        assert owed == 0


def test_partial_then_full_refund_through_stripe(
    stripe_app: Flask, make_user: Any, fake_stripe: FakeStripe
) -> None:
    payment_id, _, facts = agreed(stripe_app, make_user)
    with stripe_app.app_context():
        finance = db.session.get_one(User, make_user("finance").id)
        payment = db.session.get_one(CardPayment, payment_id)
        checkout = services.open_intent(db.session, payment)
        db.session.commit()
        pay_as_stripe_js(fake_stripe.base, checkout.intent_id)
        services.sync_payment(db.session, payment)
        db.session.commit()
        total = payment.amount_minor
        first = services.request_refund(db.session, payment, 1000, "one post missed", actor=finance)
        db.session.commit()
        services.send_refund(db.session, first)
        db.session.commit()
        assert first.stripe_refund_id is not None
        assert first.stripe_refund_id.startswith("re_")
        assert (payment.refunded_minor, payment.status) == (1000, PaymentStatus.SUCCEEDED)
        with pytest.raises(services.AmountMismatch):
            services.request_refund(db.session, payment, total, "too much", actor=finance)
        rest = services.request_refund(db.session, payment, total - 1000, "all", actor=finance)
        db.session.commit()
        services.send_refund(db.session, rest)
        db.session.commit()
        assert (payment.refunded_minor, payment.status) == (total, PaymentStatus.REFUNDED)
        assert db.session.query(CardRefund).count() == 2
        # The ledger: captured, then refunded in two parts, all from Stripe's cash; Stripe
        # keeps its fee on a refunded charge, so the fee is what the payment cost.
        fee = stripe_fee(total)
        assert ledger.balance(db.session, Account.STRIPE_CASH, payment.currency) == -fee
        assert ledger.balance(db.session, Account.STRIPE_FEES, payment.currency) == fee
        kinds = [e.kind for e in ledger.entries(db.session) if e.kind != "invoice_issued"]
        assert kinds == ["card_payment_captured", "refund", "refund"]


def pay(app: Flask, make_user: Any, fake_stripe: FakeStripe) -> tuple[int, int]:
    payment_id, _, _ = agreed(app, make_user)
    with app.app_context():
        payment = db.session.get_one(CardPayment, payment_id)
        checkout = services.open_intent(db.session, payment)
        db.session.commit()
        pay_as_stripe_js(fake_stripe.base, checkout.intent_id)
        services.sync_payment(db.session, payment)
        db.session.commit()
        return payment_id, payment.amount_minor


def test_a_capture_books_stripes_fee_from_the_charges_balance_transaction(
    stripe_app: Flask, make_user: Any, fake_stripe: FakeStripe
) -> None:
    payment_id, amount = pay(stripe_app, make_user, fake_stripe)
    fee = stripe_fee(amount)  # what the peer's balance transaction says Stripe kept
    assert fee > 30
    with stripe_app.app_context():
        payment = db.session.get_one(CardPayment, payment_id)
        line = services.gateway().charge_balance(str(payment.charge_id))
        assert line is not None
        assert (line.amount, line.fee, line.net) == (amount, fee, amount - fee)
        currency = payment.currency
        assert ledger.balance(db.session, Account.STRIPE_FEES, currency) == fee
        assert ledger.balance(db.session, Account.STRIPE_CASH, currency) == amount - fee
        assert services.booked_fee(db.session, payment) == fee
        # Gross, fee and net all agree with Stripe's line: nothing for finance.
        assert services.reconcile(db.session) == []


def test_a_fee_unknown_at_capture_is_booked_by_reconciliation_and_a_wrong_one_is_an_item(
    stripe_app: Flask, make_user: Any, fake_stripe: FakeStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(self: Any, charge_id: str) -> None:
        raise gw.GatewayUnknown("timed out")

    monkeypatch.setattr(gw.StripeGateway, "charge_balance", unreachable)
    payment_id, amount = pay(stripe_app, make_user, fake_stripe)
    fee = stripe_fee(amount)
    with stripe_app.app_context():
        payment = db.session.get_one(CardPayment, payment_id)
        currency = payment.currency
        assert payment.status is PaymentStatus.SUCCEEDED
        assert ledger.balance(db.session, Account.STRIPE_FEES, currency) == 0
        assert services.reconcile(db.session) == []  # the line's fee is booked, no item
        db.session.commit()
        assert ledger.balance(db.session, Account.STRIPE_FEES, currency) == fee
        assert ledger.balance(db.session, Account.STRIPE_CASH, currency) == amount - fee
        assert services.reconcile(db.session) == []  # booked once
        assert ledger.balance(db.session, Account.STRIPE_FEES, currency) == fee
        # Stripe's line now says another fee (an adjustment): fee and net differ, gross not.
        stranger = gw.BalanceTransaction(
            "txn_x", amount, fee + 7, amount - fee - 7, currency, "charge", payment.charge_id
        )
        monkeypatch.setattr(gw.StripeGateway, "balance_transactions", lambda self: [stranger])
        items = services.reconcile(db.session)
        assert sorted((i.kind, i.kesher_minor, i.stripe_minor) for i in items) == [
            ("fee_differs", fee, fee + 7),
            ("net_differs", amount - fee, amount - fee - 7),
        ]


def test_a_credit_notes_refund_for_a_card_payment_goes_back_to_the_card_through_stripe(
    stripe_app: Flask, make_user: Any, fake_stripe: FakeStripe
) -> None:
    payment_id, amount = pay(stripe_app, make_user, fake_stripe)
    with stripe_app.app_context():
        finance_user = db.session.get_one(User, make_user("finance").id)
        payment = db.session.get_one(CardPayment, payment_id)
        currency = payment.currency
        invoice = db.session.scalars(
            select(FinanceDocument).where(
                FinanceDocument.deal_id == payment.deal_id,
                FinanceDocument.kind == DocumentKind.TAX_INVOICE,
            )
        ).one()
        # The whole invoice is credited: all the brand paid is owed back, to its card.
        finance_services.issue_credit_note(
            db.session, invoice.id, gross_minor=invoice.gross_minor, currency=currency,
            reason="the campaign did not run", refund=True, actor=finance_user,
        )  # fmt: skip
        db.session.commit()
        [refund] = db.session.scalars(select(CardRefund)).all()
        assert (refund.payment_id, refund.amount_minor) == (payment_id, amount)
        [queued] = db.session.scalars(select(Job).where(Job.kind == "payments.send_refund")).all()
        assert queued.params == {"refund_id": refund.id}
        # The job (run as the commit dispatches it) made the refund at Stripe; running the
        # refund again books nothing twice.
        db.session.refresh(refund)
        services.send_refund(db.session, refund)
        db.session.commit()
        assert refund.stripe_refund_id is not None
        assert refund.stripe_refund_id.startswith("re_")
        assert (payment.refunded_minor, payment.status) == (amount, PaymentStatus.REFUNDED)
        assert ledger.balance(db.session, Account.BANK, currency) == 0
        assert ledger.balance(db.session, Account.STRIPE_CASH, currency) == -stripe_fee(amount)
        assert ledger.balance(db.session, Account.BRAND_RECEIVABLE, currency) == 0


def test_without_stripe_a_credit_notes_refund_goes_by_bank(app: Flask, make_user: Any) -> None:
    payment_id, _, _ = agreed(app, make_user)
    with app.app_context():
        payment = db.session.get_one(CardPayment, payment_id)
        assert (
            services.refund_by_card(
                db.session,
                deal_id=payment.deal_id,
                amount_minor=100,
                currency=payment.currency,
                reason="x",
                actor=db.session.get_one(User, make_user("finance").id),
            )  # fmt: skip
            is False
        )
        assert db.session.scalars(select(CardRefund)).all() == []
