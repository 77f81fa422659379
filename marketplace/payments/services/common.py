"""What every payments module shares: errors, reasons a payout waits, the gateway, state moves."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from marketplace.auth.models import Role
from marketplace.db import SessionLike, utcnow
from marketplace.deals.models import Deal
from marketplace.errors import Conflict, InvalidTransition, KesherError, NotFound
from marketplace.finance import gateway as gw
from marketplace.payments.models import CardPayment, Payout, ReconciliationItem
from pricing.ledger import Parties
from pricing.payouts import (
    POST_DISPUTED,
    IllegalMove,
    PaymentStatus,
    PayoutStatus,
    move_payment,
    move_payout,
)

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


class IllegalMoneyMove(InvalidTransition):
    """A payment or payout move its lifecycle table does not allow (the common 409 answer)."""


class DeliveryVerifies(IllegalMoneyMove):
    code = "delivery_verifies"
    default_message = _l(
        "Delivery verifies this deal's posts: the payout moves by itself once every post is "
        "verified."
    )


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


def move_payment_to(payment: CardPayment, target: PaymentStatus) -> None:
    try:
        payment.status = move_payment(payment.status, target)
    except IllegalMove as error:
        raise IllegalMoneyMove() from error
    payment.updated_at = utcnow()


def move_payout_to(payout: Payout, target: PayoutStatus, reason: str | None = None) -> None:
    try:
        payout.status = move_payout(payout.status, target)
    except IllegalMove as error:
        raise IllegalMoneyMove() from error
    payout.reason = reason if reason is not None else target.value
    payout.updated_at = utcnow()


def parties(deal: Deal) -> Parties:
    return Parties(
        organisation_id=deal.organisation_id,
        owner_id=deal.owner_id,
        brief_id=deal.brief_id,
        deal_id=deal.id,
    )


def review_days() -> int:
    return int(current_app.config.get("PAYOUT_REVIEW_DAYS", 3))


def flush_or_conflict(session: SessionLike) -> None:
    try:
        session.flush()
    except StaleDataError as error:
        raise MoneyConflict() from error


def send_lease() -> dt.timedelta:
    """How long a payout in SENDING belongs to the run that sent it (a call in flight)."""
    return dt.timedelta(seconds=float(current_app.config.get("PAYOUT_SEND_LEASE", 120)))


def flush_or_none(session: SessionLike) -> bool:
    """Flush; False when another run moved the row first (the caller rolls back)."""
    try:
        session.flush()
    except StaleDataError:
        return False
    return True


def add_item(
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
