"""Stripe-side money tables: card payments and refunds, owners' connected accounts, payouts,
processed webhook events and reconciliation items.

The lifecycles are :mod:`pricing.payouts`'s; these rows store what it decides. Every call to
Stripe that moves money is recorded here (with its idempotency key) and committed before the
call is made.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.auth.models import User, enum_column
from marketplace.db import Base, UTCDateTime, created_at, intpk, utcnow
from marketplace.deals.models import Deal
from pricing.payouts import PaymentStatus, PayoutStatus, RefundStatus


class CardPayment(Base):
    """What a brand owes for one agreed deal, and its card payment through Stripe."""

    __tablename__ = "card_payments"

    id: Mapped[intpk]
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="RESTRICT"), unique=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    #: The brand's price from the agreement in force, computed by the server, never sent by it.
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[PaymentStatus] = mapped_column(
        enum_column(PaymentStatus, "card_payment_status"), default=PaymentStatus.DUE
    )
    intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    charge_id: Mapped[str | None] = mapped_column(String(255))
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    #: The `created` time of the newest Stripe event applied (events arrive in any order).
    stripe_seen: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    deal: Mapped[Deal] = relationship()

    @property
    def intent_key(self) -> str:
        """The idempotency key of this payment's PaymentIntent."""
        return f"kesher-payment-{self.id}-intent"


class CardRefund(Base):
    """A partial or full refund of a card payment (e.g. for a missed placement)."""

    __tablename__ = "card_refunds"

    id: Mapped[intpk]
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("card_payments.id", ondelete="RESTRICT"), index=True
    )
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RefundStatus] = mapped_column(
        enum_column(RefundStatus, "card_refund_status"), default=RefundStatus.REQUESTED
    )
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    error: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]

    payment: Mapped[CardPayment] = relationship()

    @property
    def key(self) -> str:
        return f"kesher-refund-{self.id}"


class ConnectedAccount(Base):
    """An owner's Stripe Express account and whether it can receive payouts."""

    __tablename__ = "connected_accounts"

    id: Mapped[intpk]
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), unique=True)
    account_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    payouts_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    details_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    requirements_due: Mapped[list[str]] = mapped_column(JSON, default=list)
    disabled_reason: Mapped[str | None] = mapped_column(String(120))
    #: The `created` time of the account snapshot applied (a late, older event is ignored).
    stripe_seen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[User] = relationship()

    @property
    def create_key(self) -> str:
        return f"kesher-owner-{self.owner_id}-account"


class Payout(Base):
    """What Kesher owes an owner for one deal, and the one transfer that pays it."""

    __tablename__ = "payouts"

    id: Mapped[intpk]
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="RESTRICT"), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[PayoutStatus] = mapped_column(
        enum_column(PayoutStatus, "payout_status"), default=PayoutStatus.AWAITING_DELIVERY
    )
    #: Why it waits (a code from :data:`marketplace.payments.services.REASONS`) and free text.
    reason: Mapped[str | None] = mapped_column(String(40))
    reason_text: Mapped[str] = mapped_column(Text, default="")
    #: Stripe's transfer_group: one per campaign (brief).
    transfer_group: Mapped[str] = mapped_column(String(60))
    #: Attempts at the transfer; the idempotency key is (id, attempt), stored before the call.
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(80))
    #: While SENDING: no other run touches the row before this time (the call is in flight).
    sending_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    transfer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    reversed_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Who opened the review window: ``delivery`` (every post of the deal verified; no
    #: actor) or ``staff`` (by hand, for a deal without posts); None before.
    verified_via: Mapped[str | None] = mapped_column(String(20))
    #: When the brand's silence releases it (set when verified).
    release_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Optimistic lock: of two runs (or two finance users) moving the same payout, the second
    #: UPDATE matches no row and loses (SQLAlchemy raises StaleDataError).
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    deal: Mapped[Deal] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])


class StripeEvent(Base):
    """A webhook event processed: its id is written in the same transaction as its effect."""

    __tablename__ = "stripe_events"

    id: Mapped[intpk]
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(80))
    object_id: Mapped[str | None] = mapped_column(String(255))
    #: What it did: "applied", "stale" (older than what we know) or "ignored" (a type we skip).
    outcome: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[created_at]


class ReconciliationItem(Base):
    """One difference between Kesher's records and Stripe's balance, for finance to resolve."""

    __tablename__ = "reconciliation_items"

    id: Mapped[intpk]
    #: missing_at_stripe, missing_at_kesher, amount_differs
    kind: Mapped[str] = mapped_column(String(30))
    #: Our side ("payout 12", "payment 7") and Stripe's (a transfer or charge id).
    kesher_ref: Mapped[str] = mapped_column(String(80), default="")
    stripe_ref: Mapped[str] = mapped_column(String(255), default="")
    kesher_minor: Mapped[int | None] = mapped_column(BigInteger)
    stripe_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    #: The same difference found by two runs is one item.
    fingerprint: Mapped[str] = mapped_column(String(300), unique=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[created_at]
