"""Stripe's webhook events, each applied exactly once and in any order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from marketplace.db import SessionLike, utcnow
from marketplace.finance import gateway as gw
from marketplace.payments.models import CardPayment, ConnectedAccount, Payout, StripeEvent
from marketplace.payments.services.accounts import apply_account, unpark
from marketplace.payments.services.cards import apply_intent, set_refunded
from marketplace.payments.services.payouts import confirm_paid, set_reversed
from pricing.payouts import INTENT_STATUS, PaymentStatus, PayoutStatus


def handle_event(session: SessionLike, event: gw.Event) -> str:
    """Apply one verified event exactly once; returns what happened.

    The event's id is inserted in this transaction, beside the effect, under a unique key: a
    second delivery (or one running at the same time) inserts nothing and changes nothing.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    new_id = session.execute(
        insert(StripeEvent)
        .values(
            event_id=event.id,
            type=event.type[:80],
            object_id=str(event.object.get("id") or "")[:255] or None,
            outcome="applied",
            received_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(StripeEvent.id)
    ).scalar()
    if new_id is None:
        return "duplicate"
    handler = HANDLERS.get(event.type)
    if handler is None:
        outcome = "ignored"
    elif not _from_its_account(event):
        outcome = "foreign_account"
    else:
        outcome = handler(session, event)
    row = session.get_one(StripeEvent, new_id)
    row.outcome = outcome
    session.flush()
    return outcome


def _from_its_account(event: gw.Event) -> bool:
    """Whether the event is about an object Kesher's own account holds.

    The Connect endpoint relays events from owners' connected accounts (``event.account``):
    Kesher reads only ``account.updated`` there, each about the account that sent it. Payment
    intents, charges and transfers are the platform's; one in a connected account (an owner
    can copy Kesher's metadata onto an intent of their own) is not Kesher's money.
    """
    if event.account is None:
        return True
    return event.type == "account.updated" and event.object.get("id") == event.account


def _same_money(obj: dict[str, Any], payment: CardPayment) -> bool:
    """The intent or charge asks for exactly what the payment is for (amount and currency)."""
    amount = obj.get("amount")
    return (
        isinstance(amount, int)
        and amount == payment.amount_minor
        and str(obj.get("currency") or "").upper() == payment.currency
    )


def _payment_of(session: SessionLike, obj: dict[str, Any]) -> CardPayment | None:
    intent_id = (
        obj.get("id") if obj.get("object") == "payment_intent" else obj.get("payment_intent")
    )
    if intent_id:
        found = session.scalar(select(CardPayment).where(CardPayment.intent_id == intent_id))
        if found is not None:
            return found
    reference = (obj.get("metadata") or {}).get("kesher_payment")
    if reference and str(reference).isdigit():
        found = session.get(CardPayment, int(reference))
        # Metadata can be copied: a lost intent is adopted only when it asks for the same money.
        if found is not None and found.intent_id in (None, intent_id) and _same_money(obj, found):
            found.intent_id = intent_id
            return found
    return None


def _on_intent(session: SessionLike, event: gw.Event) -> str:
    payment = _payment_of(session, event.object)
    if payment is None:
        return "unknown_object"
    if event.type == "payment_intent.payment_failed":
        reported = PaymentStatus.FAILED
    else:
        reported = INTENT_STATUS.get(str(event.object.get("status")), payment.status)
    charge = event.object.get("latest_charge")
    if isinstance(charge, dict):
        charge = charge.get("id")
    payment.stripe_seen = max(payment.stripe_seen or 0, event.created)
    return "applied" if apply_intent(session, payment, reported, charge) else "stale"


def _on_charge_refunded(session: SessionLike, event: gw.Event) -> str:
    payment = _payment_of(session, event.object)
    if payment is None:
        return "unknown_object"
    refunded = int(event.object.get("amount_refunded") or 0)
    return "applied" if set_refunded(session, payment, refunded) else "stale"


def _on_account(session: SessionLike, event: gw.Event) -> str:
    account = session.scalar(
        select(ConnectedAccount).where(ConnectedAccount.account_id == event.object.get("id"))
    )
    if account is None:
        return "unknown_object"
    if event.created < (account.stripe_seen or 0):
        return "stale"  # an older snapshot than the one applied
    apply_account(account, gw.account_from(event.object), seen=event.created)
    unpark(session, account)
    return "applied"


def _payout_of(session: SessionLike, obj: dict[str, Any]) -> Payout | None:
    found = session.scalar(select(Payout).where(Payout.transfer_id == obj.get("id")))
    if found is not None:
        return found
    reference = (obj.get("metadata") or {}).get("kesher_payout")
    if reference and str(reference).isdigit():
        return session.get(Payout, int(reference))
    return None


def _on_transfer(session: SessionLike, event: gw.Event) -> str:
    payout = _payout_of(session, event.object)
    if payout is None:
        return "unknown_object"
    transfer = gw.transfer_from(event.object)
    changed = confirm_paid(session, payout, transfer)
    if payout.status is PayoutStatus.PAID:
        changed = set_reversed(session, payout, transfer.amount_reversed) or changed
    return "applied" if changed else "stale"


HANDLERS: dict[str, Callable[[SessionLike, gw.Event], str]] = {
    "payment_intent.succeeded": _on_intent,
    "payment_intent.processing": _on_intent,
    "payment_intent.payment_failed": _on_intent,
    "payment_intent.canceled": _on_intent,
    "charge.refunded": _on_charge_refunded,
    "account.updated": _on_account,
    "transfer.created": _on_transfer,
    "transfer.updated": _on_transfer,
    "transfer.reversed": _on_transfer,
}
