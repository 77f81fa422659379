"""How a post moves: one step of the transition table, one audit row, and who is told."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

import campaigns.delivery as rules
from campaigns.deals import Party
from campaigns.delivery import PostAction, PostStatus
from marketplace.auth.models import Role, User
from marketplace.briefs.models import Brief
from marketplace.catalog.models import CommunityManager
from marketplace.db import SessionLike
from marketplace.deals.services import party_of
from marketplace.delivery.models import Post, PostEvent
from marketplace.inbox import services as inbox


def post_state(post: Post) -> dict[str, Any]:
    return {"status": post.status.value, "due_on": post.due_on.isoformat()}


def record_event(
    session: SessionLike,
    post: Post,
    actor: User | None,
    action: str,
    before: dict[str, Any],
    *,
    reason: str = "",
    now: dt.datetime,
    party: Party | None = None,
) -> None:
    session.add(
        PostEvent(
            post=post,
            actor_id=actor.id if actor is not None else None,
            party=(party or party_of(actor)).value,
            action=action,
            before=before,
            after=post_state(post),
            reason=reason,
            at=now,
        )
    )
    post.updated_at = now


def move_post(
    session: SessionLike,
    post: Post,
    action: PostAction,
    actor: User | None,
    *,
    now: dt.datetime,
    reason: str = "",
    to: PostStatus | None = None,
    party: Party | None = None,
) -> None:
    """Apply one row of the table to ``post`` (``to`` when the caller already asked it).

    ``party`` overrides the actor's: a deal-desk event moves posts as the system, whoever
    caused it (the event row still names them).
    """
    before = post_state(post)
    post.status = to or rules.post_next(post.status, action, party or party_of(actor))
    if post.status is PostStatus.CLOSED:
        post.closed_reason = reason
    record_event(session, post, actor, action.value, before, reason=reason, now=now, party=party)


def _active(session: SessionLike, *conditions: Any) -> list[User]:
    return list(session.scalars(select(User).where(User.is_active.is_(True), *conditions)))


def staff_of(session: SessionLike) -> list[User]:
    return _active(session, User.role.in_((Role.STAFF, Role.ADMIN)))


def owners_of(session: SessionLike, post: Post) -> list[User]:
    community = post.deal.community
    managers = select(CommunityManager.user_id).where(CommunityManager.community_id == community.id)
    return _active(session, (User.id == community.owner_id) | User.id.in_(managers))


# --- telling people -----------------------------------------------------------------------


def post_link(post_id: int) -> str:
    """The post's page, built without a request (jobs notify too)."""
    return f"/campaigns/posts/{post_id}"


def _params(session: SessionLike, post: Post) -> dict[str, Any]:
    brief = session.get(Brief, post.brief_id)
    assert brief is not None
    return {"community": post.deal.community.display_name, "brief": brief.display_title}


def notify(
    session: SessionLike,
    post: Post,
    recipients: Sequence[User],
    kind: str,
    *,
    actor: User | None,
    extra: dict[str, Any] | None = None,
) -> None:
    people = [u for u in recipients if actor is None or u.id != actor.id]
    if people:
        inbox.notify(session, people, kind, params={**_params(session, post), **(extra or {})},
                     link=post_link(post.id), subject=post)  # fmt: skip
