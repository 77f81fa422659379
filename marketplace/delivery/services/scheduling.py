"""Scheduling an agreed deal's posts, and following the deal desk's events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

import campaigns.delivery as rules
from campaigns.deals import Party
from campaigns.delivery import PostAction, PostStatus
from marketplace import events
from marketplace.auth.models import User
from marketplace.db import SessionLike, utcnow
from marketplace.deals.models import Deal, DealPlacement, PlacementStatus
from marketplace.delivery.models import Post
from marketplace.delivery.services.moves import move_post, post_state, record_event


def _live_posts(session: SessionLike, placement: DealPlacement) -> list[Post]:
    return list(
        session.scalars(
            select(Post)
            .where(Post.deal_placement_id == placement.id, Post.status != PostStatus.CLOSED)
            .order_by(Post.number)
            .with_for_update()
        )
    )


def _close_waiting(
    session: SessionLike, posts: Iterable[Post], reason: str, actor: User | None, now: dt.datetime
) -> int:
    closed = 0
    for post in posts:
        if post.status in rules.OPEN_POSTS:
            move_post(session, post, PostAction.CLOSE, actor, now=now, reason=reason,
                  party=Party.SYSTEM)  # fmt: skip
            closed += 1
    return closed


def schedule_deal(
    session: SessionLike, deal: Deal, *, actor: User | None = None, now: dt.datetime | None = None
) -> list[Post]:
    """Make the deal's posts those of its agreed placements (idempotent; see the module rules).

    New placements get their posts; a changed count or window re-syncs the waiting posts
    (:func:`campaigns.delivery.resync`); a dropped placement's waiting posts are closed. Posts
    that ran (posted, verified, measured) or have a fate (disputed, missed) are never touched.
    """
    now = now or utcnow()
    created: list[Post] = []
    for placement in deal.placements:
        live = _live_posts(session, placement)
        if placement.status is not PlacementStatus.AGREED:
            _close_waiting(session, live, "placement_dropped", actor, now)
            continue
        existing = [rules.ExistingPost(p.id, p.number, p.status) for p in live]
        plan = rules.resync(existing, placement.count, placement.starts_on, placement.ends_on)
        by_id = {p.id: p for p in live}
        for post_id, slot in plan.move.items():
            post = by_id[post_id]
            if (post.opens_on, post.due_on) != (slot.opens_on, slot.due_on):
                before = post_state(post)
                post.opens_on, post.due_on = slot.opens_on, slot.due_on
                record_event(
                    session, post, actor, "reschedule", before, now=now, party=Party.SYSTEM
                )
        _close_waiting(session, (by_id[i] for i in plan.close), "count_reduced", actor, now)
        highest = session.scalar(
            select(Post.number)
            .where(Post.deal_placement_id == placement.id)
            .order_by(Post.number.desc())
            .limit(1)
        )
        number = highest or 0
        for slot in plan.add:
            number += 1
            post = Post(
                placement=placement,
                deal_id=deal.id,
                brief_id=deal.brief_id,
                number=number,
                opens_on=slot.opens_on,
                due_on=slot.due_on,
                status=PostStatus.SCHEDULED,
                updated_at=now,
            )
            session.add(post)
            record_event(session, post, actor, "schedule", {}, now=now, party=Party.SYSTEM)
            created.append(post)
    session.flush()
    return created


def on_deal_agreed(session: SessionLike, *, deal: Deal, agreement: Any, actor: Any) -> None:
    """The ``deal.agreed`` handler: schedule (or re-sync, after an amendment) the posts."""
    schedule_deal(session, deal, actor=actor if isinstance(actor, User) else None)


def on_deal_cancelled(session: SessionLike, *, deal: Deal, reason: Any, actor: Any) -> None:
    """The ``deal.cancelled`` handler: close every post still waiting (posted ones stay)."""
    now = utcnow()
    who = actor if isinstance(actor, User) else None
    for placement in deal.placements:
        _close_waiting(session, _live_posts(session, placement), "deal_cancelled", who, now)
    session.flush()


def register_event_handlers() -> None:
    """Subscribe delivery to the deal desk's events (called by the app factory)."""
    events.subscribe("deal.agreed", on_deal_agreed)
    events.subscribe("deal.cancelled", on_deal_cancelled)
