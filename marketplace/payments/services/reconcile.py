"""Reconciliation: our payouts and charges against Stripe's balance transactions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from marketplace.auth.models import User
from marketplace.db import SessionLike, utcnow
from marketplace.errors import NotFound
from marketplace.finance import gateway as gw
from marketplace.finance import ledger
from marketplace.payments.models import CardPayment, Payout, ReconciliationItem
from marketplace.payments.services.cards import booked_fee
from marketplace.payments.services.common import (
    CardPaymentsOff,
    IllegalMoneyMove,
    PaymentError,
    add_item,
    gateway,
    parties,
)
from pricing import ledger as postings
from pricing.payouts import PaymentStatus, charge_differences, fee_to_book


def reconcile(session: SessionLike) -> list[ReconciliationItem]:
    """Compare our payouts and charges with Stripe's balance transactions, line by line.

    Each transfer we paid must be a balance line of minus its amount; each charge we record as
    paid a line of plus its amount, with the fee the books hold (a fee not booked at capture is
    booked now, from the line) and the net of the two; each transfer or charge line at Stripe
    must be one of ours.
    A difference becomes an open item for finance (the same difference found again is the same
    item).
    """
    if not gateway().enabled:
        raise CardPaymentsOff()
    try:
        lines = gateway().balance_transactions()
    except gw.GatewayError as error:
        raise PaymentError(error.message) from error
    by_source: dict[str, list[gw.BalanceTransaction]] = {}
    for line in lines:
        if line.source:
            by_source.setdefault(line.source, []).append(line)
    found: list[ReconciliationItem | None] = []
    known: set[str] = set()
    for payout in session.scalars(select(Payout).where(Payout.transfer_id.is_not(None))):
        ref = str(payout.transfer_id)
        known.add(ref)
        ours = -payout.amount_minor
        theirs = [line for line in by_source.get(ref, []) if line.type == "transfer"]
        total = sum(line.amount for line in theirs) if theirs else None
        if total != ours:
            found.append(
                add_item(
                    session,
                    kind="missing_at_stripe" if total is None else "amount_differs",
                    kesher_ref=f"payout {payout.id}",
                    stripe_ref=ref,
                    kesher_minor=ours,
                    stripe_minor=total,
                    currency=payout.currency,
                )  # fmt: skip
            )
    for payment in session.scalars(select(CardPayment).where(CardPayment.charge_id.is_not(None))):
        ref = str(payment.charge_id)
        known.add(ref)
        if payment.status not in {PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED}:
            continue
        theirs = [line for line in by_source.get(ref, []) if line.type in {"charge", "payment"}]
        if not theirs:
            found.append(
                add_item(
                    session,
                    kind="missing_at_stripe",
                    kesher_ref=f"payment {payment.id}",
                    stripe_ref=ref,
                    kesher_minor=payment.amount_minor,
                    stripe_minor=None,
                    currency=payment.currency,
                )  # fmt: skip
            )
            continue
        amount = sum(line.amount for line in theirs)
        fee = sum(line.fee for line in theirs)
        net = sum(line.net for line in theirs)
        booked = booked_fee(session, payment)
        late = fee_to_book(booked, fee)
        if late and amount == payment.amount_minor and late <= amount:
            ledger.post(
                session,
                [
                    postings.stripe_fee_charged(
                        late, payment.currency, parties(payment.deal),
                        key=f"stripe:payment:{payment.id}:fee", memo=f"Stripe fee {ref}",
                    )
                ],
            )  # fmt: skip
            booked = late
        for kind, ours, stripe_minor in charge_differences(
            payment.amount_minor, booked, amount, fee, net
        ):
            found.append(
                add_item(
                    session,
                    kind=kind,
                    kesher_ref=f"payment {payment.id}",
                    stripe_ref=ref,
                    kesher_minor=ours,
                    stripe_minor=stripe_minor,
                    currency=payment.currency,
                )  # fmt: skip
            )
    for line in lines:
        if line.type in {"transfer", "charge", "payment"} and line.source not in known:
            found.append(
                add_item(
                    session,
                    kind="missing_at_kesher",
                    kesher_ref="",
                    stripe_ref=str(line.source or line.id),
                    kesher_minor=None,
                    stripe_minor=line.amount,
                    currency=line.currency,
                )  # fmt: skip
            )
    session.flush()
    return [item for item in found if item is not None]


def open_items(session: SessionLike) -> Sequence[ReconciliationItem]:
    return session.scalars(
        select(ReconciliationItem)
        .where(ReconciliationItem.resolved_at.is_(None))
        .order_by(ReconciliationItem.id)
    ).all()


def resolve_item(
    session: SessionLike, item_id: int, note: str, *, actor: User
) -> ReconciliationItem:
    item = session.get(ReconciliationItem, item_id)
    if item is None:
        raise NotFound()
    if item.resolved_at is not None:
        raise IllegalMoneyMove()
    item.resolved_at = utcnow()
    item.resolved_by_id = actor.id
    item.resolution = note
    session.flush()
    return item
