"""Card payments, refunds, Connect onboarding, payouts, webhooks and reconciliation.

Services take the session and flush; the caller commits. A call to Stripe that moves money
happens only after the commit that recorded it (with its idempotency key), in a second step
(`open_intent`, `send_refund`, `send_payout`) that records the answer and is committed again.
A crash between the two steps leaves a row that the next attempt sends again with the same key,
so Stripe answers with the first result instead of moving the money twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.exc import StaleDataError

from campaigns.delivery import PostStatus
from marketplace import events, jobs
from marketplace.auth.models import Role, User
from marketplace.db import SessionLike, utcnow
from marketplace.deals.models import Agreement, Deal
from marketplace.delivery.forms import REASON_LABELS as DISPUTE_LABELS
from marketplace.delivery.models import Post
from marketplace.errors import Conflict, KesherError, NotFound
from marketplace.finance import gateway as gw
from marketplace.finance import ledger
from marketplace.finance import services as finance
from marketplace.finance.models import JournalEntry, JournalLine, PayoutHold
from marketplace.payments.models import (
    CardPayment,
    CardRefund,
    ConnectedAccount,
    Payout,
    ReconciliationItem,
    StripeEvent,
)
from pricing import ledger as postings
from pricing.ledger import Account, EntryKind, Parties
from pricing.payouts import (
    IN_FLIGHT,
    INTENT_STATUS,
    PAYMENT_TRANSITIONS,
    PAYOUT_TRANSITIONS,
    POST_DISPUTED,
    DeliveryState,
    IllegalMove,
    PaymentStatus,
    PayoutStatus,
    RefundStatus,
    charge_differences,
    delivery_move,
    fee_to_book,
    hand_verifiable,
    idempotency_key,
    move_payment,
    move_payout,
    move_refund,
    payment_news,
)

log = logging.getLogger(__name__)

#: Who sees every payment and payout (brands see their organisation's, owners their own).
MONEY_DESK = frozenset({Role.FINANCE, Role.ADMIN, Role.STAFF})

#: Why a payout waits, in words the owner reads on their dashboard.
REASONS: dict[str, Any] = {
    "awaiting_delivery": _l("Waiting for the agency to verify the placements."),
    POST_DISPUTED: _l("The agency disputed a post; held until a new proof is verified."),
    "review_window": _l("The brand can raise a problem until the release date."),
    "disputed": _l("The brand raised a problem with the delivery; held until the agency decides."),
    "ready": _l("Released: it goes out with the next payout run."),
    "bank_transfer": _l("Paid by bank transfer: finance sends it with the next payment batch."),
    "no_account": _l("Connect a Stripe account on this page to receive it."),
    "account_incomplete": _l("Stripe needs more details from you before it can pay you."),
    "refused": _l("Stripe refused the transfer; finance will retry it."),
    "sending": _l("On its way to your Stripe account."),
    "unknown": _l("Stripe has not confirmed the transfer yet; we are checking with Stripe."),
    "paid": _l("Paid."),
    "cancelled": _l("The deal was cancelled."),
    "paid_by_bank": _l("Finance paid it by bank transfer."),
    "held": _l("Finance holds it while a problem is looked into."),
}


class PaymentError(KesherError):
    default_message = _l("The payment could not be completed.")


class PaymentNotFound(NotFound):
    default_message = _l("No such payment.")


class PayoutNotFound(NotFound):
    default_message = _l("No such payout.")


class AmountMismatch(KesherError):
    code = "amount_mismatch"
    default_message = _l(
        "The amount or currency does not match what is due. Reload the page and try again."
    )


class CardPaymentsOff(Conflict):
    code = "card_payments_off"
    default_message = _l("Card payment is not available; pay by bank transfer.")


class MoneyConflict(Conflict):
    code = "money_conflict"
    default_message = _l("Someone else changed this at the same time. Reload and try again.")


class IllegalMoneyMove(Conflict):
    code = "invalid_transition"
    default_message = _l("This change is not allowed in the current state.")


class DeliveryVerifies(IllegalMoneyMove):
    code = "delivery_verifies"
    default_message = _l(
        "Delivery verifies this deal's posts: the payout moves by itself once every post is "
        "verified."
    )


# --- the gateway ---

GATEWAY_KEY = "kesher.payments.gateway"


def init_gateway(app: Flask) -> None:
    """Build the app's payment gateway from its configuration (refusing unsafe settings)."""
    gw.check_config(app.config)
    app.extensions[GATEWAY_KEY] = gw.gateway_for(app.config)


def gateway() -> gw.PaymentGateway:
    gateway_: gw.PaymentGateway = current_app.extensions[GATEWAY_KEY]
    return gateway_


#: Stripe.js, from Stripe (never bundled: Stripe requires loading it from its own address).
STRIPE_JS = "https://js.stripe.com/v3/"


def stripe_js_url() -> str:
    """Where the pay page loads Stripe.js from (Stripe's own address unless configured)."""
    return str(current_app.config.get("STRIPE_JS_URL") or STRIPE_JS)


def connect_origin(config: Any) -> str:
    """Where Stripe's hosted onboarding lives (its account links point there)."""
    return str(config.get("STRIPE_CONNECT_ORIGIN") or "https://connect.stripe.com")


def origin_of(url: str) -> str:
    """The scheme and host of an address, as a CSP source."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _move_payment(payment: CardPayment, target: PaymentStatus) -> None:
    try:
        payment.status = move_payment(payment.status, target)
    except IllegalMove as error:
        raise IllegalMoneyMove() from error
    payment.updated_at = utcnow()


def _move_payout(payout: Payout, target: PayoutStatus, reason: str | None = None) -> None:
    try:
        payout.status = move_payout(payout.status, target)
    except IllegalMove as error:
        raise IllegalMoneyMove() from error
    payout.reason = reason if reason is not None else target.value
    payout.updated_at = utcnow()


# --- the ledger ---


def _parties(deal: Deal) -> Parties:
    return Parties(
        organisation_id=deal.organisation_id,
        owner_id=deal.owner_id,
        brief_id=deal.brief_id,
        deal_id=deal.id,
    )


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
                _parties(payment.deal),
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


def _set_refunded(session: SessionLike, payment: CardPayment, total: int) -> bool:
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
                delta, payment.currency, _parties(payment.deal), via=Account.STRIPE_CASH,
                key=f"stripe:payment:{payment.id}:refunded-to:{total}",
                memo=f"card refund {payment.charge_id or payment.intent_id}",
            )
        ],
    )  # fmt: skip
    if total >= payment.amount_minor and payment.status is PaymentStatus.SUCCEEDED:
        _move_payment(payment, PaymentStatus.REFUNDED)
    return True


def _book_transfer(session: SessionLike, payout: Payout) -> None:
    """A transfer reached the owner: the agency owes them that much less.

    The owner's payable comes from the brand's invoice (the finance desk posts it). When it is
    short — an invoice not issued yet — the transfer is still a fact at Stripe: it becomes a
    reconciliation item for finance instead of a posting the ledger would refuse.
    """
    deal = payout.deal
    owed = ledger.balance(session, Account.OWNER_PAYABLE, payout.currency, deal_id=deal.id)
    if owed < payout.amount_minor:
        _item(
            session, kind="ledger_payable_short", kesher_ref=f"payout {payout.id}",
            stripe_ref=str(payout.transfer_id), kesher_minor=owed,
            stripe_minor=payout.amount_minor, currency=payout.currency,
        )  # fmt: skip
        return
    ledger.post(
        session,
        [
            postings.transfer_to_owner(
                payout.amount_minor, payout.currency, _parties(deal), owner_payable_minor=owed,
                key=f"stripe:payout:{payout.id}:transfer", memo=f"transfer {payout.transfer_id}",
            )
        ],
    )  # fmt: skip


def _set_reversed(session: SessionLike, payout: Payout, total: int) -> bool:
    """Stripe took back (part of) a transfer: book the difference, keyed by the new total."""
    if total <= payout.reversed_minor:
        return False
    delta = total - payout.reversed_minor
    payout.reversed_minor = total
    ledger.post(
        session,
        [
            postings.transfer_reversed(
                delta, payout.currency, _parties(payout.deal),
                key=f"stripe:payout:{payout.id}:reversed-to:{total}",
                memo=f"transfer {payout.transfer_id} reversed",
            )
        ],
    )  # fmt: skip
    return True


# --- what agreed deals owe ---


def on_deal_agreed(session: SessionLike, *, deal: Deal, agreement: Agreement, actor: Any) -> None:
    """An agreement in force: the brand owes what its invoices bill, the owner the payout.

    The card payment is for the invoices' gross (the brand price with VAT), which finance has
    just issued: finance is subscribed to ``deal.agreed`` before payments (the order of
    ``FEATURES``), so its documents for this agreement exist when this runs.
    """
    version = agreement.offer_version
    gross = finance.billed(session, deal.id).gross_minor
    if gross <= 0:  # pragma: no cover - finance always invoices an agreement first
        raise RuntimeError(f"deal {deal.id} was agreed without an invoice to pay")
    payment = session.scalar(select(CardPayment).where(CardPayment.deal_id == deal.id))
    if payment is None:
        session.add(
            CardPayment(
                deal_id=deal.id,
                organisation_id=deal.organisation_id,
                amount_minor=gross,
                currency=deal.currency,
            )
        )
    elif payment.status is PaymentStatus.DUE:  # an amendment before anything was charged
        payment.amount_minor = gross
    payout = session.scalar(select(Payout).where(Payout.deal_id == deal.id))
    if payout is None:
        session.add(
            Payout(
                deal_id=deal.id,
                owner_id=deal.owner_id,
                amount_minor=int(version.owner_payout_minor),
                currency=deal.currency,
                transfer_group=f"kesher-brief-{deal.brief_id}",
                reason="awaiting_delivery",
            )
        )
    elif payout.status is PayoutStatus.AWAITING_DELIVERY:
        payout.amount_minor = int(version.owner_payout_minor)
    session.flush()
    # Delivery re-synced the posts first (subscribed before payments): an amendment that cut
    # the last waiting posts may leave every remaining post verified.
    payout_id = session.scalar(select(Payout.id).where(Payout.deal_id == deal.id))
    if payout_id is not None:
        sync_with_delivery(session, payout_id)


def on_deal_cancelled(session: SessionLike, *, deal: Deal, reason: Any, actor: Any) -> None:
    """A cancelled deal owes nothing more; money already on its way is left to finance."""
    payment = session.scalar(select(CardPayment).where(CardPayment.deal_id == deal.id))
    if payment is not None and PaymentStatus.CANCELLED in _payment_moves(payment.status):
        _move_payment(payment, PaymentStatus.CANCELLED)
    payout = session.scalar(select(Payout).where(Payout.deal_id == deal.id))
    if payout is not None and PayoutStatus.CANCELLED in _payout_moves(payout.status):
        _move_payout(payout, PayoutStatus.CANCELLED, "cancelled")
    session.flush()


def _payment_moves(status: PaymentStatus) -> frozenset[PaymentStatus]:
    return PAYMENT_TRANSITIONS[status]


def _payout_moves(status: PayoutStatus) -> frozenset[PayoutStatus]:
    return PAYOUT_TRANSITIONS[status]


#: A payout in these states is Stripe's to pay: released for the next run, on its way, unknown
#: (the transfer may exist) or paid. A bank batch must not pay it too.
STRIPE_PAYS = (PayoutStatus.READY, PayoutStatus.SENDING, PayoutStatus.UNKNOWN, PayoutStatus.PAID)


def deals_paid_by_stripe(session: SessionLike, deal_ids: Collection[int]) -> set[int]:
    """Of ``deal_ids``, the deals whose owner Stripe pays (finance's bank batches skip them)."""
    if not deal_ids:
        return set()
    return set(
        session.scalars(
            select(Payout.deal_id).where(
                Payout.deal_id.in_(list(deal_ids)), Payout.status.in_(STRIPE_PAYS)
            )
        )
    )


def register_event_handlers() -> None:
    events.subscribe("deal.agreed", on_deal_agreed)
    events.subscribe("deal.cancelled", on_deal_cancelled)
    events.subscribe("post.verified", on_post_decided)
    events.subscribe("post.disputed", on_post_decided)
    finance.register_payment_route(deals_paid_by_stripe)
    finance.register_refund_route(refund_by_card)


# --- card payments ---


def payments_query(user: User) -> Any:
    """``select(CardPayment)`` scoped to what ``user`` may see."""
    query = select(CardPayment)
    if user.role in MONEY_DESK:
        return query
    if user.role is Role.BRAND and user.organisation_id is not None:
        return query.where(CardPayment.organisation_id == user.organisation_id)
    return query.where(CardPayment.id.is_(None))


def payments_for(session: SessionLike, user: User) -> list[CardPayment]:
    return list(session.scalars(payments_query(user).order_by(CardPayment.id.desc())))


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
        _move_payment(payment, PaymentStatus.OPEN)
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
    """Record a refund (the call is made after the commit, by `send_refund`)."""
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
        _set_refunded(session, payment, _refunded_total(session, payment))
    session.flush()
    return refund


def _refunded_total(session: SessionLike, payment: CardPayment) -> int:
    rows = session.scalars(
        select(CardRefund.amount_minor).where(
            CardRefund.payment_id == payment.id, CardRefund.status == RefundStatus.SUCCEEDED
        )
    )
    return max(payment.refunded_minor, sum(int(a) for a in rows))


# --- connected accounts ---


def account_for(session: SessionLike, owner: User) -> ConnectedAccount | None:
    return session.scalar(select(ConnectedAccount).where(ConnectedAccount.owner_id == owner.id))


def start_onboarding(session: SessionLike, owner: User) -> ConnectedAccount:
    """The owner's account row (committed before Stripe is asked to create the account)."""
    if not gateway().enabled:
        raise CardPaymentsOff(str(_l("Stripe payouts are not available; you are paid by bank.")))
    account = account_for(session, owner)
    if account is None:
        account = ConnectedAccount(owner_id=owner.id, requirements_due=[])
        session.add(account)
        session.flush()
    return account


def onboarding_link(
    session: SessionLike, account: ConnectedAccount, *, refresh_url: str, return_url: str
) -> str:
    """Create the Express account if needed (keyed by the owner), then a fresh account link."""
    try:
        if account.account_id is None:
            created = gateway().create_account(
                email=account.owner.email,
                country="IL",
                metadata={"kesher_owner": str(account.owner_id)},
                idempotency_key=account.create_key,
            )
            account.account_id = created.id
            _apply_account(account, created, seen=0)
            session.flush()
        return gateway().create_account_link(
            account=account.account_id, refresh_url=refresh_url, return_url=return_url
        )
    except gw.GatewayError as error:
        raise PaymentError(error.message) from error


def refresh_account(session: SessionLike, account: ConnectedAccount) -> ConnectedAccount:
    """Read the account's state from Stripe now (the owner came back from onboarding)."""
    if account.account_id is None:
        return account
    try:
        state = gateway().retrieve_account(account.account_id)
    except gw.GatewayError as error:
        raise PaymentError(error.message) from error
    _apply_account(account, state, seen=int(utcnow().timestamp()))
    _unpark(session, account)
    session.flush()
    return account


def _apply_account(account: ConnectedAccount, state: gw.ConnectedAccount, *, seen: int) -> None:
    account.payouts_enabled = state.payouts_enabled
    account.details_submitted = state.details_submitted
    account.requirements_due = list(state.requirements_due)
    account.disabled_reason = state.disabled_reason
    account.stripe_seen = max(account.stripe_seen or 0, seen)
    account.updated_at = utcnow()


def _unpark(session: SessionLike, account: ConnectedAccount) -> None:
    """An account that can receive again releases the payouts parked for it."""
    if not account.payouts_enabled:
        return
    for payout in session.scalars(
        select(Payout).where(
            Payout.owner_id == account.owner_id,
            Payout.status == PayoutStatus.PARKED,
            Payout.reason.in_(["no_account", "account_incomplete"]),
        )
    ):
        _move_payout(payout, PayoutStatus.READY, "ready")


# --- webhooks ---


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
    outcome = handler(session, event) if handler is not None else "ignored"
    row = session.get_one(StripeEvent, new_id)
    row.outcome = outcome
    session.flush()
    return outcome


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
        if found is not None and found.intent_id in (None, intent_id):
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
    return "applied" if _set_refunded(session, payment, refunded) else "stale"


def _on_account(session: SessionLike, event: gw.Event) -> str:
    account = session.scalar(
        select(ConnectedAccount).where(ConnectedAccount.account_id == event.object.get("id"))
    )
    if account is None:
        return "unknown_object"
    if event.created < (account.stripe_seen or 0):
        return "stale"  # an older snapshot than the one applied
    _apply_account(account, gw.account_from(event.object), seen=event.created)
    _unpark(session, account)
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
        changed = _set_reversed(session, payout, transfer.amount_reversed) or changed
    return "applied" if changed else "stale"


def confirm_paid(session: SessionLike, payout: Payout, transfer: gw.Transfer) -> bool:
    """Stripe says the transfer exists: the payout is paid (whatever we last heard)."""
    if payout.status is PayoutStatus.PAID:
        return False
    if payout.status not in IN_FLIGHT:
        log.error("transfer %s for payout %s in state %s", transfer.id, payout.id, payout.status)
        return False
    _move_payout(payout, PayoutStatus.PAID, "paid")
    payout.transfer_id = transfer.id
    payout.paid_at = utcnow()
    payout.sending_until = None
    session.flush()
    _book_transfer(session, payout)
    return True


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


# --- payouts ---


def payouts_query(user: User) -> Any:
    query = select(Payout)
    if user.role in MONEY_DESK:
        return query
    if user.role is Role.OWNER:
        return query.where(Payout.owner_id == user.id)
    if user.role is Role.BRAND and user.organisation_id is not None:
        # A brand sees its deals' payouts only to dispute them (never their amounts: the views).
        return query.join(Deal, Deal.id == Payout.deal_id).where(
            Deal.organisation_id == user.organisation_id
        )
    return query.where(Payout.id.is_(None))


def get_payout(session: SessionLike, payout_id: int, user: User) -> Payout:
    payout = session.scalar(payouts_query(user).where(Payout.id == payout_id))
    if payout is None:
        raise PayoutNotFound()
    return payout


def review_days() -> int:
    return int(current_app.config.get("PAYOUT_REVIEW_DAYS", 3))


def verify_payout(
    session: SessionLike, payout: Payout, *, actor: User, now: dt.datetime | None = None
) -> Payout:
    """Staff verified the placements by hand: the brand's review window starts.

    Only where delivery cannot decide: a deal without posts, or one whose posts all ran
    except some missed, after staff decided to pay for what ran (an amendment first lowers the
    payout for the missed run). Any other deal's payout moves by delivery's verification
    (:func:`sync_with_delivery`): DeliveryVerifies.
    """
    if not hand_verifiable(delivery_states(session, [payout.deal_id])[payout.deal_id]):
        raise DeliveryVerifies()
    open_review_window(session, payout, now=now or utcnow(), actor=actor)
    return payout


def verifiable_by_hand(session: SessionLike, payouts: Sequence[Payout]) -> set[int]:
    """Of ``payouts``, those waiting for delivery that staff may verify by hand."""
    waiting = [p for p in payouts if p.status is PayoutStatus.AWAITING_DELIVERY]
    states = delivery_states(session, [p.deal_id for p in waiting])
    return {p.id for p in waiting if hand_verifiable(states[p.deal_id])}


def open_review_window(
    session: SessionLike, payout: Payout, *, now: dt.datetime, actor: User | None
) -> None:
    """Start the brand's review window now: by staff (``actor``) or by delivery (None)."""
    _move_payout(payout, PayoutStatus.REVIEW_WINDOW, "review_window")
    payout.verified_at = now
    payout.verified_by_id = actor.id if actor is not None else None
    payout.verified_via = "staff" if actor is not None else "delivery"
    payout.release_at = now + dt.timedelta(days=review_days())
    _flush(session)


# --- delivery's verification ---


def delivery_states(session: SessionLike, deal_ids: Collection[int]) -> dict[int, DeliveryState]:
    """Where each deal's posts stand (a deal without posts: the empty state)."""
    counts: dict[int, list[int]] = {deal_id: [0, 0, 0, 0] for deal_id in deal_ids}
    if not counts:
        return {}
    rows = session.execute(
        select(Post.deal_id, Post.status, Post.closed_reason).where(Post.deal_id.in_(list(counts)))
    )
    for deal_id, status, closed_reason in rows:
        kind = _post_kind(PostStatus(status), closed_reason)
        if kind is None:
            continue  # dropped: not owed any more
        tally = counts[deal_id]
        tally[0] += 1
        if kind:
            tally[kind] += 1
    return {deal_id: DeliveryState(*tally) for deal_id, tally in counts.items()}


#: A post's place in DeliveryState's counts: 1 verified, 2 disputed, 3 missed, 0 waiting.
_KINDS = {
    PostStatus.VERIFIED: 1,
    PostStatus.MEASURED: 1,
    PostStatus.DISPUTED: 2,
    PostStatus.MISSED: 3,
}


def _post_kind(status: PostStatus, closed_reason: str) -> int | None:
    if status is PostStatus.CLOSED:
        # Measured and done counts as verified; given up after a miss stays missed; any other
        # reason (deal cancelled, count cut, placement dropped) means it is not owed.
        return {"measured": 1, "missed": 3}.get(closed_reason)
    return _KINDS.get(status, 0)


def sync_with_delivery(
    session: SessionLike, payout_id: int, *, now: dt.datetime | None = None
) -> Payout | None:
    """Move a payout as its deal's posts say (:func:`pricing.payouts.delivery_move`).

    Idempotent, so both delivery's events and the payout run call it. The payout's row is
    locked first: two staff verifying the last two posts of a deal at once take turns here,
    and the second sees the first's post verified (on PostgreSQL; SQLite serialises writers).
    Returns the payout when it moved.
    """
    payout = session.scalar(
        select(Payout)
        .where(Payout.id == payout_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if payout is None:
        return None
    state = delivery_states(session, [payout.deal_id])[payout.deal_id]
    target = delivery_move(payout.status, payout.reason, state)
    if target is None:
        return None
    now = now or utcnow()
    if target is PayoutStatus.REVIEW_WINDOW:
        open_review_window(session, payout, now=now, actor=None)
    elif target is PayoutStatus.DISPUTED:
        _move_payout(payout, PayoutStatus.DISPUTED, POST_DISPUTED)
        payout.release_at = None
        _flush(session)
    else:
        _move_payout(payout, target, target.value)
        _flush(session)
    return payout


def on_post_decided(session: SessionLike, *, post: Post, actor: Any, at: Any = None,
                    **_: Any) -> None:  # fmt: skip
    """``post.verified`` / ``post.disputed``: the deal's payout follows its posts."""
    payout_id = session.scalar(select(Payout.id).where(Payout.deal_id == post.deal_id))
    if payout_id is not None:
        sync_with_delivery(session, payout_id, now=at if isinstance(at, dt.datetime) else None)


#: Payouts delivery's verification may still move.
_FOLLOWING = (
    PayoutStatus.AWAITING_DELIVERY,
    PayoutStatus.DISPUTED,
    PayoutStatus.REVIEW_WINDOW,
    PayoutStatus.READY,
    PayoutStatus.PARKED,
)


def sync_payouts_with_delivery(session: SessionLike, now: dt.datetime) -> int:
    """The payout run's re-check: every payout its posts would move (an event missed, posts
    verified before this rule existed). Returns how many moved."""
    rows = list(
        session.execute(
            select(Payout.id, Payout.deal_id, Payout.status, Payout.reason).where(
                Payout.status.in_(_FOLLOWING), Payout.deal_id.in_(select(Post.deal_id))
            )
        )
    )
    states = delivery_states(session, [row.deal_id for row in rows])
    moved = 0
    for row in rows:
        if delivery_move(PayoutStatus(row.status), row.reason, states[row.deal_id]) is None:
            continue
        moved += sync_with_delivery(session, row.id, now=now) is not None
    return moved


#: Where the brand may still object (before verification the agency is still checking).
BRAND_MAY_DISPUTE = (PayoutStatus.REVIEW_WINDOW, PayoutStatus.READY, PayoutStatus.PARKED)


def dispute_payout(session: SessionLike, payout: Payout, *, actor: User) -> Payout:
    """The brand objects to the delivery: the payout is held."""
    if payout.status not in BRAND_MAY_DISPUTE:
        raise IllegalMoneyMove()
    _move_payout(payout, PayoutStatus.DISPUTED, "disputed")
    _flush(session)
    return payout


def settle_dispute(session: SessionLike, payout: Payout, *, pay: bool, actor: User) -> Payout:
    """Staff decide a dispute: release the payout, or cancel it."""
    if payout.status is not PayoutStatus.DISPUTED:
        raise IllegalMoneyMove()
    if pay:
        _move_payout(payout, PayoutStatus.READY, "ready")
        payout.released_by_id = actor.id
    else:
        _move_payout(payout, PayoutStatus.CANCELLED, "cancelled")
    _flush(session)
    return payout


def release_payout(session: SessionLike, payout: Payout, *, actor: User) -> Payout:
    """Finance releases a payout before the window ends, or retries a parked one.

    Two finance users releasing at once: the second one's UPDATE finds the version moved on
    and loses with a conflict; one transfer follows either way.
    """
    if payout.status not in {PayoutStatus.REVIEW_WINDOW, PayoutStatus.PARKED}:
        raise IllegalMoneyMove()
    _move_payout(payout, PayoutStatus.READY, "ready")
    payout.released_by_id = actor.id
    _flush(session)
    return payout


def _flush(session: SessionLike) -> None:
    try:
        session.flush()
    except StaleDataError as error:
        raise MoneyConflict() from error


def release_due(session: SessionLike, now: dt.datetime) -> int:
    """Payouts whose review window passed in the brand's silence are released."""
    count = 0
    for payout in session.scalars(
        select(Payout).where(Payout.status == PayoutStatus.REVIEW_WINDOW, Payout.release_at <= now)
    ):
        _move_payout(payout, PayoutStatus.READY, "ready")
        count += 1
    session.flush()
    return count


def send_lease() -> dt.timedelta:
    """How long a payout in SENDING belongs to the run that sent it (a call in flight)."""
    return dt.timedelta(seconds=float(current_app.config.get("PAYOUT_SEND_LEASE", 120)))


def due_payout_ids(session: SessionLike, now: dt.datetime) -> list[int]:
    """Ready payouts, and attempts that no run holds any more (crashed, or no answer)."""
    return list(
        session.scalars(
            select(Payout.id)
            .where(
                (Payout.status == PayoutStatus.READY)
                | (Payout.status == PayoutStatus.UNKNOWN)
                | ((Payout.status == PayoutStatus.SENDING) & (Payout.sending_until <= now))
            )
            .order_by(Payout.id)
        )
    )


def paid_or_held_elsewhere(session: SessionLike, payout: Payout) -> str | None:
    """Finance's side of the same money: a bank payout of the deal, or an open hold on it."""
    bank_paid = session.scalar(
        select(JournalEntry.id)
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .where(
            JournalEntry.kind == EntryKind.BANK_PAYOUT_TO_OWNER,
            JournalLine.deal_id == payout.deal_id,
        )
        .limit(1)
    )
    if bank_paid is not None:
        return "paid_by_bank"
    held = session.scalar(
        select(PayoutHold.id).where(
            PayoutHold.deal_id == payout.deal_id, PayoutHold.released_at.is_(None)
        )
    )
    return "held" if held is not None else None


def _reason_for(account: ConnectedAccount | None) -> str | None:
    if account is None or account.account_id is None:
        return "no_account"
    if not account.payouts_enabled:
        return "account_incomplete"
    return None


def claim_payout(session: SessionLike, payout_id: int, now: dt.datetime) -> Payout | None:
    """Take a payout for one attempt: record the attempt and its key (commit before calling).

    Returns None when there is nothing to send (parked, another run holds it, or it changed
    under us). A ready payout starts a new attempt; one left SENDING by a crash, or UNKNOWN
    after a timeout, keeps its attempt and key, so sending again cannot pay twice.
    """
    payout = session.get(Payout, payout_id, populate_existing=True)
    if payout is None:
        return None
    if payout.status is PayoutStatus.READY:
        account = session.scalar(
            select(ConnectedAccount).where(ConnectedAccount.owner_id == payout.owner_id)
        )
        reason = paid_or_held_elsewhere(session, payout) or _reason_for(account)
        if reason is not None:
            _move_payout(payout, PayoutStatus.PARKED, reason)
            payout.reason_text = ""
            if not _flush_or_none(session):
                raise MoneyConflict()
            return None
        payout.attempt += 1
        payout.idempotency_key = idempotency_key(payout.id, payout.attempt)
    elif payout.status is PayoutStatus.SENDING:
        if payout.sending_until is not None and payout.sending_until > now:
            return None
    elif payout.status is not PayoutStatus.UNKNOWN:
        return None
    _move_payout(payout, PayoutStatus.SENDING, "sending")
    payout.sending_until = now + send_lease()
    if not _flush_or_none(session):
        raise MoneyConflict()
    return payout


def _flush_or_none(session: SessionLike) -> bool:
    """Flush; False when another run moved the row first (the caller rolls back)."""
    try:
        session.flush()
    except StaleDataError:
        return False
    return True


def send_payout(session: SessionLike, payout: Payout) -> PayoutStatus:
    """Make the transfer of a claimed payout (committed SENDING) and record the answer."""
    gateway_ = gateway()
    account = session.scalar(
        select(ConnectedAccount).where(ConnectedAccount.owner_id == payout.owner_id)
    )
    assert account is not None
    assert account.account_id is not None
    assert payout.idempotency_key is not None
    try:
        if payout.attempt > 0:
            # An earlier try of this attempt may have landed: Stripe's list says so.
            for transfer in gateway_.transfers_in_group(payout.transfer_group):
                if transfer.metadata.get("kesher_payout") == str(payout.id):
                    confirm_paid(session, payout, transfer)
                    session.flush()
                    return payout.status
        transfer = gateway_.create_transfer(
            amount=payout.amount_minor,
            currency=payout.currency,
            destination=account.account_id,
            transfer_group=payout.transfer_group,
            metadata={"kesher_payout": str(payout.id), "kesher_deal": str(payout.deal_id)},
            idempotency_key=payout.idempotency_key,
        )
    except gw.GatewayUnknown as error:
        log.warning("payout %s: no answer from Stripe (%s); reconcile", payout.id, error)
        _move_payout(payout, PayoutStatus.UNKNOWN, "unknown")
        payout.reason_text = error.message[:500]
        session.flush()
        return payout.status
    except gw.GatewayError as error:
        log.warning("payout %s refused by Stripe: %s", payout.id, error)
        _move_payout(payout, PayoutStatus.PARKED, "refused")
        payout.reason_text = error.message[:500]
        payout.sending_until = None
        session.flush()
        return payout.status
    confirm_paid(session, payout, transfer)
    session.flush()
    return payout.status


# --- the owner's money ---


@dataclass(frozen=True)
class MoneyLine:
    payout: Payout
    why: str
    when: dt.datetime | None
    detail: str


def expected_date(payout: Payout, now: dt.datetime) -> dt.datetime | None:
    """When the owner can expect the money (None when it depends on someone's action)."""
    if payout.status is PayoutStatus.REVIEW_WINDOW:
        return payout.release_at
    if payout.status in {PayoutStatus.READY, PayoutStatus.SENDING, PayoutStatus.UNKNOWN}:
        return now + dt.timedelta(days=1)
    if payout.status is PayoutStatus.PAID:
        return payout.paid_at
    return None


def owner_money(
    session: SessionLike, owner: User, now: dt.datetime | None = None
) -> list[MoneyLine]:
    """Every payout of the owner, each with why it waits and when it is expected."""
    payouts = session.scalars(
        select(Payout).where(Payout.owner_id == owner.id).order_by(Payout.id.desc())
    )
    return money_lines(session, list(payouts), now or utcnow())


def money_lines(
    session: SessionLike, payouts: Sequence[Payout], now: dt.datetime
) -> list[MoneyLine]:
    """Why each payout waits and when it is expected (the owner's page and the desk's)."""
    enabled = gateway().enabled
    posts = _posts_of(session, [p.deal_id for p in payouts if _follows_posts(p)])
    lines = []
    for payout in payouts:
        reason = payout.reason or payout.status.value
        if not enabled and payout.status is PayoutStatus.READY:
            reason = "bank_transfer"
        why, when = str(REASONS.get(reason, REASONS["ready"])), expected_date(payout, now)
        if payout.deal_id in posts:
            why, when = _delivery_why(payout, posts[payout.deal_id], why, when, now)
        detail = payout.reason_text if reason == "refused" else ""
        lines.append(MoneyLine(payout, why, when, detail))
    return lines


def _follows_posts(payout: Payout) -> bool:
    return payout.status is PayoutStatus.AWAITING_DELIVERY or (
        payout.status is PayoutStatus.DISPUTED and payout.reason == POST_DISPUTED
    )


def _posts_of(session: SessionLike, deal_ids: Collection[int]) -> dict[int, list[Post]]:
    found: dict[int, list[Post]] = {}
    if deal_ids:
        for post in session.scalars(
            select(Post)
            .where(Post.deal_id.in_(list(deal_ids)))
            .order_by(Post.due_on, Post.deal_placement_id, Post.number)
        ):
            found.setdefault(post.deal_id, []).append(post)
    return found


def post_label(post: Post) -> str:
    """A post as the owner knows it: its number in the placement and its due date."""
    return str(_l("#%(number)s (due %(date)s)", number=post.number,
                  date=format_date(post.due_on)))  # fmt: skip


def _delivery_why(
    payout: Payout, posts: Sequence[Post], why: str, when: dt.datetime | None, now: dt.datetime
) -> tuple[str, dt.datetime | None]:
    """What the deal's posts say about a payout waiting for them (or held by one)."""
    kinds = [(post, _post_kind(post.status, post.closed_reason)) for post in posts]
    live = [(post, kind) for post, kind in kinds if kind is not None]
    if not live:
        return why, when  # no posts: staff verify by hand
    if payout.status is PayoutStatus.DISPUTED:
        held = [post for post, kind in live if kind == 2]
        if not held:
            return why, when
        proof = held[0].proofs[-1] if held[0].proofs else None
        words = str(DISPUTE_LABELS.get(proof.reason, proof.reason)) if proof else ""
        if proof is not None and proof.reason_text:
            words = f"{words}: {proof.reason_text}"
        text = _l("Post %(post)s was disputed by the agency (%(reason)s): held until a new "
                  "proof is verified.", post=post_label(held[0]), reason=words)  # fmt: skip
        return str(text), None
    missed = [post for post, kind in live if kind == 3]
    if missed:
        text = _l("Post %(post)s was missed: the agency decides (a refund or a re-run).",
                  post=", ".join(post_label(post) for post in missed))  # fmt: skip
        return str(text), None
    waiting = [post for post, kind in live if kind != 1]
    text = _l("Waiting for %(count)s of %(total)s posts to be verified.",
              count=len(waiting), total=len(live))  # fmt: skip
    # The last post is due on its date; the brand's review window follows its verification.
    last = max((post.due_on for post in waiting), default=now.date())
    start = max(dt.datetime.combine(last, dt.time(), dt.UTC), now)
    return str(text), start + dt.timedelta(days=review_days())


@dataclass(frozen=True)
class OwnerRow:
    """One deal on the owner's money page: Stripe's payout or finance's amount, and its date.

    ``payout`` is set when the deal's money goes through Stripe (its status says why and when);
    otherwise ``amount`` is finance's (owed by bank, with its reason and expected date).
    """

    deal_id: int
    community: str
    amount_minor: int
    currency: str
    line: MoneyLine | None
    amount: finance.OwnerAmount | None
    paid_on: dt.date | None


def _paid_on(session: SessionLike, deal_id: int) -> dt.date | None:
    """The day the owner was last paid for a deal (a bank payout or a Stripe transfer)."""
    day = session.scalar(
        select(func.max(JournalEntry.effective_on))
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .where(
            JournalLine.deal_id == deal_id,
            JournalEntry.kind.in_([EntryKind.BANK_PAYOUT_TO_OWNER, EntryKind.TRANSFER_TO_OWNER]),
        )
    )
    return day if isinstance(day, dt.date) else None


def owner_overview(
    session: SessionLike, owner: User, now: dt.datetime | None = None
) -> list[OwnerRow]:
    """Every deal's money for its owner on one page: what is pending (why, when) and paid.

    A deal paid through Stripe shows its payout; one paid by bank (no Stripe key, or finance
    paid it) shows finance's amount; money already paid shows the day it was paid.
    """
    now = now or utcnow()
    lines = {line.payout.deal_id: line for line in owner_money(session, owner, now)}
    amounts = {
        a.deal_id: a
        for a in finance.owner_amounts(
            session, owner_id=owner.id, today=now.date(), include_paid=True
        )
    }
    stripe_on = gateway().enabled
    rows = []
    for deal_id in sorted(set(lines) | set(amounts), reverse=True):
        line, amount = lines.get(deal_id), amounts.get(deal_id)
        paid_by_finance = amount is not None and amount.amount_minor <= 0
        by_stripe = line is not None and line.payout.status is PayoutStatus.PAID
        if line is not None and (
            by_stripe or not paid_by_finance and (stripe_on or amount is None)
        ):
            payout = line.payout
            paid = (
                payout.paid_at.date()
                if payout.status is PayoutStatus.PAID and payout.paid_at
                else None
            )
            rows.append(
                OwnerRow(deal_id, payout.deal.community.display_name, payout.amount_minor,
                         payout.currency, line, None, paid)
            )  # fmt: skip
        elif amount is not None:
            owed = amount.amount_minor if amount.amount_minor > 0 else amount.paid_minor
            rows.append(
                OwnerRow(deal_id, amount.community, owed, amount.currency, None, amount,
                         _paid_on(session, deal_id) if paid_by_finance else None)
            )  # fmt: skip
    return rows


# --- reconciliation ---


def _item(
    session: SessionLike,
    *,
    kind: str,
    kesher_ref: str,
    stripe_ref: str,
    kesher_minor: int | None,
    stripe_minor: int | None,
    currency: str,
) -> ReconciliationItem | None:
    fingerprint = f"{kind}:{kesher_ref}:{stripe_ref}:{kesher_minor}:{stripe_minor}"
    if session.scalar(
        select(ReconciliationItem.id).where(ReconciliationItem.fingerprint == fingerprint)
    ):
        return None
    item = ReconciliationItem(
        kind=kind, kesher_ref=kesher_ref, stripe_ref=stripe_ref, kesher_minor=kesher_minor,
        stripe_minor=stripe_minor, currency=currency, fingerprint=fingerprint,
    )  # fmt: skip
    session.add(item)
    return item


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
                _item(
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
                _item(
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
                        late, payment.currency, _parties(payment.deal),
                        key=f"stripe:payment:{payment.id}:fee", memo=f"Stripe fee {ref}",
                    )
                ],
            )  # fmt: skip
            booked = late
        for kind, ours, stripe_minor in charge_differences(
            payment.amount_minor, booked, amount, fee, net
        ):
            found.append(
                _item(
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
                _item(
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
