"""How far a deal's posts have got, counted for the money that waits on them.

Payments (a payout's review window opens when every live post is verified) and finance (a bank
payment batch pays only a deal whose posts are verified) read the same counts from here, so
the two routes of paying an owner wait on delivery alike.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from campaigns.delivery import PostStatus
from marketplace.db import SessionLike
from marketplace.delivery.models import Post
from pricing.payouts import DeliveryState


def delivery_states(session: SessionLike, deal_ids: Collection[int]) -> dict[int, DeliveryState]:
    """Where each deal's posts stand (a deal without posts: the empty state)."""
    counts: dict[int, list[int]] = {deal_id: [0, 0, 0, 0] for deal_id in deal_ids}
    if not counts:
        return {}
    rows = session.execute(
        select(Post.deal_id, Post.status, Post.closed_reason).where(Post.deal_id.in_(list(counts)))
    )
    for deal_id, status, closed_reason in rows:
        kind = post_kind(PostStatus(status), closed_reason)
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


def post_kind(status: PostStatus, closed_reason: str) -> int | None:
    """Its count in DeliveryState: 1 verified, 2 disputed, 3 missed, 0 waiting, None dropped."""
    if status is PostStatus.CLOSED:
        # Measured and done counts as verified; given up after a miss stays missed; any other
        # reason (deal cancelled, count cut, placement dropped) means it is not owed.
        return {"measured": 1, "missed": 3}.get(closed_reason)
    return _KINDS.get(status, 0)
