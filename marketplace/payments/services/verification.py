"""When a payout's review window opens: delivery verified the deal's posts, or staff by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from marketplace.auth.models import User
from marketplace.db import SessionLike, utcnow
from marketplace.delivery.models import Post
from marketplace.delivery.progress import delivery_states
from marketplace.payments.models import Payout
from marketplace.payments.services.common import (
    DeliveryVerifies,
    flush_or_conflict,
    move_payout_to,
    review_days,
)
from pricing.payouts import (
    POST_DISPUTED,
    PayoutStatus,
    delivery_move,
    hand_verifiable,
)


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
    move_payout_to(payout, PayoutStatus.REVIEW_WINDOW, "review_window")
    payout.verified_at = now
    payout.verified_by_id = actor.id if actor is not None else None
    payout.verified_via = "staff" if actor is not None else "delivery"
    payout.release_at = now + dt.timedelta(days=review_days())
    flush_or_conflict(session)


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
        move_payout_to(payout, PayoutStatus.DISPUTED, POST_DISPUTED)
        payout.release_at = None
        flush_or_conflict(session)
    else:
        move_payout_to(payout, target, target.value)
        flush_or_conflict(session)
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
