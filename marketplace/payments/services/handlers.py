"""What agreed and cancelled deals owe (the deal desk's events), and the event subscriptions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from marketplace import events
from marketplace.db import SessionLike
from marketplace.deals.models import Agreement, Deal
from marketplace.finance import services as finance
from marketplace.payments.models import CardPayment, Payout
from marketplace.payments.services.cards import refund_by_card
from marketplace.payments.services.common import move_payment_to, move_payout_to
from marketplace.payments.services.payouts import deals_paid_by_stripe
from marketplace.payments.services.verification import on_post_decided, sync_with_delivery
from pricing.payouts import PAYMENT_TRANSITIONS, PAYOUT_TRANSITIONS, PaymentStatus, PayoutStatus


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
        move_payment_to(payment, PaymentStatus.CANCELLED)
    payout = session.scalar(select(Payout).where(Payout.deal_id == deal.id))
    if payout is not None and PayoutStatus.CANCELLED in _payout_moves(payout.status):
        move_payout_to(payout, PayoutStatus.CANCELLED, "cancelled")
    session.flush()


def _payment_moves(status: PaymentStatus) -> frozenset[PaymentStatus]:
    return PAYMENT_TRANSITIONS[status]


def _payout_moves(status: PayoutStatus) -> frozenset[PayoutStatus]:
    return PAYOUT_TRANSITIONS[status]


def register_event_handlers() -> None:
    events.subscribe("deal.agreed", on_deal_agreed)
    events.subscribe("deal.cancelled", on_deal_cancelled)
    events.subscribe("post.verified", on_post_decided)
    events.subscribe("post.disputed", on_post_decided)
    finance.register_payment_route(deals_paid_by_stripe)
    finance.register_refund_route(refund_by_card)
