"""The monitor: move waiting posts by the calendar, alert on late and missed ones, suggest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select

import campaigns.delivery as rules
from campaigns.deals import DealStatus, Party
from campaigns.delivery import PostAction, PostStatus, Slot
from marketplace.briefs.models import Brief
from marketplace.catalog.models import ChannelAsset, ListingStatus
from marketplace.db import SessionLike, utcnow
from marketplace.deals.models import Deal, DealPlacement
from marketplace.delivery.models import Post
from marketplace.delivery.services.moves import move_post, notify, owners_of, staff_of
from marketplace.matching import services as matching

#: Why a post was closed without running: it is not owed any more.
DROPPED = frozenset({"deal_cancelled", "count_reduced", "placement_dropped"})


def asset_name(asset: ChannelAsset) -> str:
    """A channel asset as people name it: its handle, else its address, else its platform."""
    return asset.handle or asset.url or asset.platform.value


def suggestion_for(session: SessionLike, placement: DealPlacement) -> rules.Suggestion:
    """The playbook's suggestion for a placement that is late or behind."""
    deal = placement.deal
    # The community still works with us: listed, or back in review after an edit (not paused).
    active = deal.community.status in (ListingStatus.LISTED, ListingStatus.SUBMITTED)
    assets = [
        rules.AssetCandidate(
            a.id,
            asset_name(a),
            active,
            frozenset(r.placement.value for r in a.rates),
        )
        for a in deal.community.assets
    ]
    brief = session.get(Brief, deal.brief_id)
    assert brief is not None
    entries = [e for e in matching.shortlist(session, brief) if not e.excluded]
    ranking = [
        rules.CommunityCandidate(e.community_id, e.community.display_name)
        for e in entries
        if e.community.status is ListingStatus.LISTED
    ]
    in_campaign = session.scalars(
        select(Deal.community_id).where(
            Deal.brief_id == deal.brief_id, Deal.status != DealStatus.CANCELLED
        )
    )
    return rules.suggest(
        asset_id=placement.asset_id,
        placement_type=placement.placement_type.value,
        assets=assets,
        ranking=ranking,
        in_campaign=list(in_campaign),
    )


def _posts_frame(posts: Iterable[Post]) -> pd.DataFrame:
    rows = [
        (p.deal_placement_id, p.due_on, p.status.value, p.posted_at)
        for p in posts
        if not (p.status is PostStatus.CLOSED and p.closed_reason in DROPPED)
    ]
    frame = pd.DataFrame(rows, columns=list(rules.POST_COLUMNS))
    frame["posted_at"] = pd.to_datetime(frame["posted_at"], utc=True)
    return frame


def placement_progress(posts: Sequence[Post], today: dt.date) -> pd.DataFrame:
    """Planned, expected, delivered, late, missed and shortfall per placement of ``posts``."""
    return rules.under_delivery(_posts_frame(posts), today)


@dataclass
class MonitorRun:
    """What one run of the monitor did."""

    opened: int = 0
    missed: int = 0
    owner_alerts: int = 0
    staff_alerts: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "opened": self.opened,
            "missed": self.missed,
            "owner_alerts": self.owner_alerts,
            "staff_alerts": self.staff_alerts,
        }


SUGGESTION_KINDS = {
    rules.SuggestionKind.MOVE_TO_ASSET: "delivery_behind_move",
    rules.SuggestionKind.NEXT_COMMUNITY: "delivery_behind_next",
    rules.SuggestionKind.NONE: "delivery_behind",
}


def monitor(session: SessionLike, now: dt.datetime | None = None) -> MonitorRun:
    """Move waiting posts by the calendar, then alert once for each late or missed post.

    The owner hears when a post first becomes late; agency staff hear, per placement, when a
    post first becomes late or missed, with the counts and the playbook's suggestion.
    Idempotent: a second run the same day moves and alerts nothing more.
    """
    now = now or utcnow()
    today = now.date()
    run = MonitorRun()
    # A paused deal's posts wait where they are (force majeure): the calendar does not move
    # them, nobody is chased; resuming the deal lets the next run catch up.
    running = select(Deal.id).where(Deal.status != DealStatus.PAUSED)
    waiting = list(
        session.scalars(
            select(Post)
            .where(Post.status.in_(sorted(rules.OPEN_POSTS)), Post.deal_id.in_(running))
            .order_by(Post.id)
            .with_for_update()
        )
    )
    for post in waiting:
        to = rules.status_on(post.status, Slot(post.opens_on, post.due_on), today)
        if to is post.status:
            continue
        action = PostAction.MISS if to is PostStatus.MISSED else PostAction.OPEN
        move_post(session, post, action, None, now=now, to=rules.post_next(post.status, action,
              Party.SYSTEM))  # fmt: skip
        run.opened += action is PostAction.OPEN
        run.missed += action is PostAction.MISS
    late = list(
        session.scalars(
            select(Post).where(
                Post.status.in_(sorted(rules.OPEN_POSTS)),
                Post.deal_id.in_(running),
                Post.due_on < today,
                Post.late_alerted_at.is_(None),
            )
        )
    )
    missed = list(
        session.scalars(
            select(Post).where(Post.status == PostStatus.MISSED, Post.missed_alerted_at.is_(None))
        )
    )
    for post in late:
        post.late_alerted_at = now
        notify(session, post, owners_of(session, post), "post_late", actor=None,
                extra={"due": post.due_on.isoformat()})  # fmt: skip
        run.owner_alerts += 1
    for post in missed:
        post.missed_alerted_at = now
    placements = {p.deal_placement_id: p for p in [*late, *missed]}
    staff = staff_of(session)
    for placement_id, post in sorted(placements.items()):
        siblings = list(session.scalars(select(Post).where(Post.deal_placement_id == placement_id)))
        progress = placement_progress(siblings, today).loc[placement_id]
        suggestion = suggestion_for(session, post.placement)
        notify(session, post, staff, SUGGESTION_KINDS[suggestion.kind], actor=None, extra={
            "late": int(progress["late"]), "missed": int(progress["missed"]),
            "target": suggestion.target_name,
        })  # fmt: skip
        run.staff_alerts += 1
    session.flush()
    return run
