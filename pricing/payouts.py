"""The lifecycles of card payments and owner payouts: enums and one transition table each.

Pure: the web layer stores the state, asks :func:`move_payment` / :func:`move_payout` whether
a move is legal, and an illegal move raises :class:`IllegalMove` and changes nothing.

Webhooks arrive in any order, so the payment table has sinks that later news cannot leave:
a payment that succeeded never goes back to "processing" because a stale event says so
(:func:`payment_news` ignores such news instead of raising).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass


class IllegalMove(Exception):
    """A lifecycle move that its transition table does not allow."""

    def __init__(self, kind: str, current: str, target: str) -> None:
        super().__init__(f"{kind}: {current} → {target} is not allowed")
        self.kind, self.current, self.target = kind, current, target


class PaymentStatus(enum.StrEnum):
    """A brand's card payment for a deal."""

    #: The amount is due; no PaymentIntent yet (the brand has not opened the pay page).
    DUE = "due"
    #: A PaymentIntent waits for the card.
    OPEN = "open"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    #: The last attempt failed; the brand may try another card on the same intent.
    FAILED = "failed"
    #: Refunded in full.
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


PAYMENT_TRANSITIONS: Mapping[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.DUE: frozenset(
        {PaymentStatus.OPEN, PaymentStatus.SUCCEEDED, PaymentStatus.CANCELLED}
    ),
    PaymentStatus.OPEN: frozenset(
        {
            PaymentStatus.PROCESSING,
            PaymentStatus.SUCCEEDED,
            PaymentStatus.FAILED,
            PaymentStatus.CANCELLED,
        }
    ),
    PaymentStatus.PROCESSING: frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.FAILED}),
    PaymentStatus.FAILED: frozenset(
        {
            PaymentStatus.OPEN,
            PaymentStatus.PROCESSING,
            PaymentStatus.SUCCEEDED,
            PaymentStatus.CANCELLED,
        }
    ),
    PaymentStatus.SUCCEEDED: frozenset({PaymentStatus.REFUNDED}),
    PaymentStatus.REFUNDED: frozenset(),
    PaymentStatus.CANCELLED: frozenset(),
}

#: Stripe's PaymentIntent statuses, as news about ours.
INTENT_STATUS: Mapping[str, PaymentStatus] = {
    "requires_payment_method": PaymentStatus.OPEN,
    "requires_confirmation": PaymentStatus.OPEN,
    "requires_action": PaymentStatus.OPEN,
    "processing": PaymentStatus.PROCESSING,
    "succeeded": PaymentStatus.SUCCEEDED,
    "canceled": PaymentStatus.CANCELLED,
}


def move_payment(current: PaymentStatus, target: PaymentStatus) -> PaymentStatus:
    """The payment's next state, or IllegalMove."""
    if target not in PAYMENT_TRANSITIONS[current]:
        raise IllegalMove("payment", current.value, target.value)
    return target


def payment_news(current: PaymentStatus, reported: PaymentStatus) -> PaymentStatus:
    """Apply what Stripe reports, in whatever order it arrives: an illegal move is stale news.

    Succeeded and refunded are sinks for news, so any order of the same events ends in the
    same state.
    """
    if reported is current or reported not in PAYMENT_TRANSITIONS[current]:
        return current
    return reported


class PayoutStatus(enum.StrEnum):
    """An owner's payout for one deal."""

    #: Waiting for the deal's placements to be verified.
    AWAITING_DELIVERY = "awaiting_delivery"
    #: Verified; the brand may object until the release date (its silence releases it).
    REVIEW_WINDOW = "review_window"
    #: The brand disputed it: held until staff decide.
    DISPUTED = "disputed"
    #: Released; the next payout run sends it.
    READY = "ready"
    #: Cannot be sent now (the owner's account cannot receive); the reason is shown.
    PARKED = "parked"
    #: The attempt and its idempotency key are recorded; the transfer call is (being) made.
    SENDING = "sending"
    #: No answer from Stripe: the transfer may exist. Reconciled, never called failed.
    UNKNOWN = "unknown"
    PAID = "paid"
    CANCELLED = "cancelled"


PAYOUT_TRANSITIONS: Mapping[PayoutStatus, frozenset[PayoutStatus]] = {
    # → DISPUTED: staff disputed one of the deal's posts before the others were verified.
    PayoutStatus.AWAITING_DELIVERY: frozenset(
        {PayoutStatus.REVIEW_WINDOW, PayoutStatus.DISPUTED, PayoutStatus.CANCELLED}
    ),
    PayoutStatus.REVIEW_WINDOW: frozenset(
        {PayoutStatus.READY, PayoutStatus.DISPUTED, PayoutStatus.CANCELLED}
    ),
    # → REVIEW_WINDOW / AWAITING_DELIVERY: a disputed post's new proof was verified, and the
    # hold it caused ends (into the window when every post is verified, else back to waiting).
    PayoutStatus.DISPUTED: frozenset(
        {
            PayoutStatus.READY,
            PayoutStatus.CANCELLED,
            PayoutStatus.REVIEW_WINDOW,
            PayoutStatus.AWAITING_DELIVERY,
        }
    ),
    PayoutStatus.READY: frozenset(
        {PayoutStatus.SENDING, PayoutStatus.PARKED, PayoutStatus.DISPUTED}
    ),
    PayoutStatus.PARKED: frozenset(
        {PayoutStatus.READY, PayoutStatus.DISPUTED, PayoutStatus.CANCELLED}
    ),
    # SENDING → SENDING: a crashed attempt is sent again with the same idempotency key.
    PayoutStatus.SENDING: frozenset(
        {PayoutStatus.SENDING, PayoutStatus.PAID, PayoutStatus.UNKNOWN, PayoutStatus.PARKED}
    ),
    PayoutStatus.UNKNOWN: frozenset({PayoutStatus.SENDING, PayoutStatus.PAID, PayoutStatus.PARKED}),
    PayoutStatus.PAID: frozenset(),
    PayoutStatus.CANCELLED: frozenset(),
}

#: Where the money is on its way, but no longer ours to hold back.
IN_FLIGHT = frozenset({PayoutStatus.SENDING, PayoutStatus.UNKNOWN})


def move_payout(current: PayoutStatus, target: PayoutStatus) -> PayoutStatus:
    """The payout's next state, or IllegalMove."""
    if target not in PAYOUT_TRANSITIONS[current]:
        raise IllegalMove("payout", current.value, target.value)
    return target


#: The reason code of a hold that delivery caused (staff disputed a post): only this hold is
#: lifted by delivery; a hold the brand raised waits for staff.
POST_DISPUTED = "post_disputed"
#: Payouts a disputed post holds: not yet on their way to the owner.
HOLDABLE = frozenset(
    {
        PayoutStatus.AWAITING_DELIVERY,
        PayoutStatus.REVIEW_WINDOW,
        PayoutStatus.READY,
        PayoutStatus.PARKED,
    }
)


@dataclass(frozen=True)
class DeliveryState:
    """Where a deal's posts stand, counted for its payout.

    ``live`` counts the posts still owed: a post closed because it was dropped (the deal
    cancelled, an amendment cut the count or the placement) is not; ``verified`` those that
    ran as agreed (verified, measured, or measured and closed); ``disputed`` and ``missed``
    those staff disputed, and those whose window passed without a proof (or closed as missed).
    """

    live: int = 0
    verified: int = 0
    disputed: int = 0
    missed: int = 0

    @property
    def all_verified(self) -> bool:
        return self.live > 0 and self.verified == self.live

    @property
    def unverified(self) -> int:
        return self.live - self.verified


def delivery_move(
    current: PayoutStatus, reason: str | None, state: DeliveryState
) -> PayoutStatus | None:
    """Where delivery's verification takes a payout now, or None (it stays).

    A deal without posts is left to staff (verified by hand). A disputed post holds every
    payout not yet on its way; once no post is disputed, the hold delivery caused ends — into
    the brand's review window when every post is verified, else back to waiting. A payout
    waiting for delivery enters the window when every post is verified. Idempotent: the
    answer for the state a move leads to is None.
    """
    if state.live == 0:
        return None
    if state.disputed:
        return PayoutStatus.DISPUTED if current in HOLDABLE else None
    if current is PayoutStatus.DISPUTED and reason == POST_DISPUTED:
        return PayoutStatus.REVIEW_WINDOW if state.all_verified else PayoutStatus.AWAITING_DELIVERY
    if current is PayoutStatus.AWAITING_DELIVERY and state.all_verified:
        return PayoutStatus.REVIEW_WINDOW
    return None


def hand_verifiable(state: DeliveryState) -> bool:
    """Whether staff may start the review window by hand: only where delivery cannot.

    A deal without posts (nothing for delivery to verify), or one whose posts all ran as
    agreed except some missed and none disputed or still waiting: staff decided to pay for
    what ran (an amendment lowers the payout first, and the brand gets a credit note).
    """
    if state.live == 0:
        return True
    return state.missed > 0 and state.disputed == 0 and state.verified + state.missed == state.live


class RefundStatus(enum.StrEnum):
    """A refund: recorded (the call follows the commit), then Stripe's answer."""

    REQUESTED = "requested"
    SUCCEEDED = "succeeded"
    REFUSED = "refused"
    #: No answer: sent again with the same key until Stripe answers.
    UNKNOWN = "unknown"


REFUND_TRANSITIONS: Mapping[RefundStatus, frozenset[RefundStatus]] = {
    RefundStatus.REQUESTED: frozenset(
        {RefundStatus.SUCCEEDED, RefundStatus.REFUSED, RefundStatus.UNKNOWN}
    ),
    RefundStatus.UNKNOWN: frozenset(
        {RefundStatus.SUCCEEDED, RefundStatus.REFUSED, RefundStatus.UNKNOWN}
    ),
    RefundStatus.SUCCEEDED: frozenset(),
    RefundStatus.REFUSED: frozenset(),
}


def move_refund(current: RefundStatus, target: RefundStatus) -> RefundStatus:
    """The refund's next state, or IllegalMove."""
    if target not in REFUND_TRANSITIONS[current]:
        raise IllegalMove("refund", current.value, target.value)
    return target


def idempotency_key(payout_id: int, attempt: int) -> str:
    """The key of one transfer attempt, derived from our own row (never random)."""
    return f"kesher-payout-{payout_id}-attempt-{attempt}"


def charge_differences(
    paid_minor: int, booked_fee_minor: int, amount: int, fee: int, net: int
) -> list[tuple[str, int, int]]:
    """How a charge's line in Stripe's balance differs from the books: (kind, ours, theirs).

    Stripe reports three numbers on a charge's balance transaction — the gross ``amount``, the
    ``fee`` it kept and the ``net`` it credited — and each must match what Kesher booked: the
    payment, the fee posted to the Stripe fees account, and the difference of the two (the
    cash at Stripe). Empty when all three match.
    """
    found = []
    if amount != paid_minor:
        found.append(("amount_differs", paid_minor, amount))
    if fee != booked_fee_minor:
        found.append(("fee_differs", booked_fee_minor, fee))
    if net != paid_minor - booked_fee_minor:
        found.append(("net_differs", paid_minor - booked_fee_minor, net))
    return found


def fee_to_book(booked_fee_minor: int, stripe_fee_minor: int) -> int:
    """The fee still to post for a charge: Stripe's, when nothing was booked at capture.

    A capture whose balance transaction could not be read is booked with no fee; the first
    reconciliation that sees the line books Stripe's fee. A fee booked already is never
    changed here: a different one is a difference for finance.
    """
    return stripe_fee_minor if booked_fee_minor == 0 and stripe_fee_minor > 0 else 0
