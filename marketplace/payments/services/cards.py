"""Brands pay by card: the PaymentIntent, its status, refunds, and what they book in the ledger."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace import jobs
from marketplace.auth.models import Role, User
from marketplace.db import SessionLike, utcnow
from marketplace.deals.models import Deal
from marketplace.finance import gateway as gw
from marketplace.finance import ledger
from marketplace.finance.models import JournalEntry, JournalLine
from marketplace.payments.models import CardPayment, CardRefund
from marketplace.payments.services.common import (
    MONEY_DESK,
    AmountMismatch,
    CardPaymentsOff,
    IllegalMoneyMove,
    PaymentError,
    PaymentNotFound,
    gateway,
    move_payment_to,
    parties,
)
from pricing import ledger as postings
from pricing.ledger import Account
from pricing.payouts import INTENT_STATUS, PaymentStatus, RefundStatus, move_refund, payment_news

log = logging.getLogger(__name__)


def _capture_fee(payment: CardPayment) -> int:
    """Stripe's fee on the payment's charge, from its balance line (0 when not known yet)."""
    if payment.charge_id is None:
        return 0
    try:
        line = gateway().charge_balance(payment.charge_id)
    except gw.GatewayError as error:
        log.warning("fee of charge %s unknown: %s", payment.charge_id, error.message)
        return 0
    return line.fee if line is not None else 0


def _book_capture(session: SessionLike, payment: CardPayment) -> None:
    """A card payment succeeded: cash at Stripe, the brand's receivable settled (once, by key).

    Stripe keeps its fee from the charge: the fee on the charge's balance transaction goes to
    the Stripe fees account and only the net to Stripe's cash. A fee not readable now is booked
    by the next reconciliation (:func:`reconcile`).
    """
    ledger.post(
        session,
        [
            postings.card_payment_captured(
                payment.amount_minor, _capture_fee(payment), payment.currency,
                parties(payment.deal),
                key=f"stripe:payment:{payment.id}:captured",
                memo=f"card payment {payment.intent_id}",
            )
        ],
    )  # fmt: skip


def booked_fee(session: SessionLike, payment: CardPayment) -> int:
    """The Stripe fee the books hold for a payment (at capture, and any booked later)."""
    keys = [f"stripe:payment:{payment.id}:captured", f"stripe:payment:{payment.id}:fee"]
    total = session.scalar(
        select(func.coalesce(func.sum(JournalLine.amount_minor), 0))
        .join(JournalEntry, JournalLine.entry_id == JournalEntry.id)
        .where(JournalEntry.key.in_(keys), JournalLine.account == Account.STRIPE_FEES)
    )
    return int(total or 0)


def set_refunded(session: SessionLike, payment: CardPayment, total: int) -> bool:
    """Raise what was refunded to ``total`` and book the difference (from Stripe's cash).

    Our refund call and Stripe's charge.refunded event both end here; the key names the new
    total, so whichever comes second books nothing.
    """
    if total <= payment.refunded_minor:
        return False
    delta = total - payment.refunded_minor
    payment.refunded_minor = total
    ledger.post(
        session,
        [
            postings.refund(
                delta, payment.currency, parties(payment.deal), via=Account.STRIPE_CASH,
                key=f"stripe:payment:{payment.id}:refunded-to:{total}",
                memo=f"card refund {payment.charge_id or payment.intent_id}",
            )
        ],
    )  # fmt: skip
    if total >= payment.amount_minor and payment.status is PaymentStatus.SUCCEEDED:
        move_payment_to(payment, PaymentStatus.REFUNDED)
    return True


def payments_query(user: User) -> Any:
    """``select(CardPayment)`` scoped to what ``user`` may see."""
    query = select(CardPayment)
    if user.role in MONEY_DESK:
        return query
    if user.role is Role.BRAND and user.organisation_id is not None:
        return query.where(CardPayment.organisation_id == user.organisation_id)
    return query.where(CardPayment.id.is_(None))


def payments_for(session: SessionLike, user: User) -> list[CardPayment]:
    """The payments ``user`` may see, newest first, each with its deal's community loaded (the
    page names what each payment is for)."""
    loaded = selectinload(CardPayment.deal).selectinload(Deal.community)
    return list(
        session.scalars(payments_query(user).options(loaded).order_by(CardPayment.id.desc()))
    )


def get_payment(session: SessionLike, payment_id: int, user: User) -> CardPayment:
    payment = session.scalar(payments_query(user).where(CardPayment.id == payment_id))
    if payment is None:
        raise PaymentNotFound()
    return payment


def check_amount(payment: CardPayment, amount_minor: int | None, currency: str | None) -> None:
    """The amount and currency a page showed must be what the server computes now."""
    if amount_minor != payment.amount_minor or (currency or "").upper() != payment.currency:
        raise AmountMismatch()


@dataclass(frozen=True)
class Checkout:
    """What the pay page hands Stripe.js: the intent's client secret and the key."""

    client_secret: str
    publishable_key: str | None
    intent_id: str


def open_intent(session: SessionLike, payment: CardPayment) -> Checkout:
    """Create (or find again) the payment's PaymentIntent for the server's amount.

    Called after the payment row is committed: its idempotency key is derived from the row, so
    a retry after a crash gets Stripe's first answer back.
    """
    if payment.status not in {PaymentStatus.DUE, PaymentStatus.OPEN, PaymentStatus.FAILED}:
        raise IllegalMoneyMove()
    gateway_ = gateway()
    if not gateway_.enabled:
        raise CardPaymentsOff()
    try:
        if payment.intent_id is None:
            intent = gateway_.create_payment_intent(
                amount=payment.amount_minor,
                currency=payment.currency,
                metadata={"kesher_payment": str(payment.id), "kesher_deal": str(payment.deal_id)},
                idempotency_key=payment.intent_key,
            )
        else:
            intent = gateway_.retrieve_payment_intent(payment.intent_id)
    except gw.GatewayError as error:
        raise PaymentError(error.message) from error
    if intent.amount != payment.amount_minor or intent.currency != payment.currency:
        # An intent made for another amount (an amendment changed it): never reuse it.
        raise AmountMismatch()
    payment.intent_id = intent.id
    if payment.status is PaymentStatus.DUE:
        move_payment_to(payment, PaymentStatus.OPEN)
    session.flush()
    return Checkout(intent.client_secret or "", gateway_.publishable_key, intent.id)


def sync_payment(session: SessionLike, payment: CardPayment) -> CardPayment:
    """Ask Stripe for the intent's status (the return from the pay page; webhooks also do)."""
    if payment.intent_id is None or not gateway().enabled:
        return payment
    try:
        intent = gateway().retrieve_payment_intent(payment.intent_id)
    except gw.GatewayError as error:
        raise PaymentError(error.message) from error
    apply_intent(
        session, payment, INTENT_STATUS.get(intent.status, payment.status), intent.charge_id
    )
    session.flush()
    return payment


def apply_intent(
    session: SessionLike, payment: CardPayment, reported: PaymentStatus, charge_id: str | None
) -> bool:
    new = payment_news(payment.status, reported)
    if charge_id and payment.charge_id is None:
        payment.charge_id = charge_id
    if new is payment.status:
        return False
    payment.status = new
    payment.updated_at = utcnow()
    if new is PaymentStatus.SUCCEEDED:
        payment.paid_at = payment.paid_at or utcnow()
        _book_capture(session, payment)
        if payment.refunded_minor >= payment.amount_minor:
            payment.status = PaymentStatus.REFUNDED  # the refund's news came first
    return True


def request_refund(
    session: SessionLike, payment: CardPayment, amount_minor: int, reason: str, *, actor: User
) -> CardRefund:
    """Record a refund (the call is made after the commit, by `send_refund`).

    The payment's row is locked and read again first: two refunds asked at once (a double
    submit, two finance users, a credit note's refund beside a typed one) take turns, and the
    second counts the first, so together they never exceed what was paid.
    """
    session.scalar(
        select(CardPayment)
        .where(CardPayment.id == payment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if payment.status is not PaymentStatus.SUCCEEDED:
        raise IllegalMoneyMove()
    pending = sum(
        r.amount_minor
        for r in session.scalars(select(CardRefund).where(CardRefund.payment_id == payment.id))
        if r.status in {RefundStatus.REQUESTED, RefundStatus.UNKNOWN, RefundStatus.SUCCEEDED}
    )
    if amount_minor <= 0 or pending + amount_minor > payment.amount_minor:
        raise AmountMismatch(str(_l("A refund cannot exceed what was paid and not yet refunded.")))
    refund = CardRefund(
        payment_id=payment.id, amount_minor=amount_minor, reason=reason, created_by_id=actor.id
    )
    session.add(refund)
    session.flush()
    return refund


def refund_by_card(
    session: SessionLike,
    *,
    deal_id: int,
    amount_minor: int,
    currency: str,
    reason: str,
    actor: User,
) -> bool:
    """A credit note's refund for a deal paid by card goes back to the card, through Stripe.

    Takes it (True) when card payments are on and the deal's card payment, in that currency,
    has that much left to refund: the refund is recorded now and made at Stripe by the
    ``payments.send_refund`` job after the commit (booked from Stripe's cash when Stripe
    confirms). Otherwise finance refunds by bank (False).
    """
    if not gateway().enabled:
        return False
    payment = session.scalars(
        select(CardPayment).where(
            CardPayment.deal_id == deal_id,
            CardPayment.status == PaymentStatus.SUCCEEDED,
            CardPayment.currency == currency,
        )
    ).first()
    if payment is None or payment.intent_id is None:
        return False
    try:
        refund = request_refund(session, payment, amount_minor, reason, actor=actor)
    except AmountMismatch:
        return False  # more than the card can take back: the bank refunds it
    jobs.enqueue(
        session, "payments.send_refund", {"refund_id": refund.id}, user=actor,
        key=f"payments.send_refund:{refund.id}",
    )  # fmt: skip
    return True


def send_refund(session: SessionLike, refund: CardRefund) -> CardRefund:
    """Make the refund at Stripe with the refund row's key, and record the answer."""
    if refund.status not in {RefundStatus.REQUESTED, RefundStatus.UNKNOWN}:
        return refund
    payment = refund.payment
    try:
        answer = gateway().create_refund(
            payment_intent=str(payment.intent_id),
            amount=refund.amount_minor,
            idempotency_key=refund.key,
        )
    except gw.GatewayUnknown as error:
        refund.status = move_refund(refund.status, RefundStatus.UNKNOWN)
        refund.error = error.message[:500]
    except gw.GatewayError as error:
        refund.status = move_refund(refund.status, RefundStatus.REFUSED)
        refund.error = error.message[:500]
    else:
        refund.status = move_refund(refund.status, RefundStatus.SUCCEEDED)
        refund.stripe_refund_id = answer.id
        session.flush()
        set_refunded(session, payment, _refunded_total(session, payment))
    session.flush()
    return refund


def _refunded_total(session: SessionLike, payment: CardPayment) -> int:
    rows = session.scalars(
        select(CardRefund.amount_minor).where(
            CardRefund.payment_id == payment.id, CardRefund.status == RefundStatus.SUCCEEDED
        )
    )
    return max(payment.refunded_minor, sum(int(a) for a in rows))
