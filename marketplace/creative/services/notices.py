"""Whose turn it is in the approval chain, telling them, and what each user may do."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from campaigns.deals import Party
from campaigns.deals import creative as rules
from campaigns.deals.common import IllegalTransition, side_of
from campaigns.deals.creative import CreativeAction, CreativeStatus
from marketplace.auth.models import Role, User
from marketplace.catalog.models import CommunityManager
from marketplace.creative.models import Creative
from marketplace.creative.services.queries import (
    brief_of,
    current_approvals,
    frozen,
    pure_creative,
)
from marketplace.db import SessionLike
from marketplace.deals.models import DealPlacement
from marketplace.deals.services import party_of
from marketplace.inbox import services as inbox


def _active(session: SessionLike, *conditions: Any) -> list[User]:
    return list(session.scalars(select(User).where(User.is_active.is_(True), *conditions)))


def _owners(session: SessionLike, placement: DealPlacement) -> list[User]:
    community = placement.deal.community
    managers = select(CommunityManager.user_id).where(CommunityManager.community_id == community.id)
    return _active(session, (User.id == community.owner_id) | User.id.in_(managers))


def _staff(session: SessionLike, *, besides: Iterable[int] = ()) -> list[User]:
    return _active(session, User.role.in_((Role.STAFF, Role.ADMIN)), User.id.notin_(list(besides)))


def _brand(session: SessionLike, placement: DealPlacement) -> list[User]:
    return _active(
        session,
        User.role == Role.BRAND,
        User.organisation_id == placement.deal.organisation_id,
    )


def waiting_for(creative: rules.Creative) -> frozenset[Party]:
    """The parties who may take the next step of the chain (empty once approved)."""
    if creative.approved:
        return frozenset()
    parties: set[Party] = set()
    for (status, action), move in rules.CREATIVE_TRANSITIONS.items():
        if status is not creative.status or action is not CreativeAction.APPROVE:
            continue
        if (status, action) in rules.COMPLIANCE_STEPS and not creative.regulated:
            continue
        parties |= move.parties
    if creative.status is CreativeStatus.CHANGES_REQUESTED:
        parties |= rules.WRITERS
    return frozenset(parties)


def placement_link(placement_id: int) -> str:
    """The creative page's path, built without a request (jobs and API calls notify too)."""
    return f"/creative/placement/{placement_id}"


def notify_next(
    session: SessionLike, creative: Creative, pure: rules.Creative, *, actor: User
) -> None:
    placement = creative.placement
    brief = brief_of(session, placement)
    params = {"community": placement.deal.community.display_name, "brief": brief.display_title}
    link = placement_link(placement.id)
    if pure.approved:
        recipients = [*_owners(session, placement), *_brand(session, placement)]
        recipients += [u for a in current_approvals(creative) if (u := a.user) is not None]
        inbox.notify(session, recipients, "creative_approved", params=params, link=link,
                     subject=creative)  # fmt: skip
        return
    status = pure.status
    if status in (CreativeStatus.DRAFT, CreativeStatus.CHANGES_REQUESTED):
        recipients = _owners(session, placement)
    elif status is CreativeStatus.OWNER_APPROVED:
        recipients = _staff(session)
    elif status is CreativeStatus.AGENCY_APPROVED:
        recipients = _brand(session, placement)
    else:  # brand approved a regulated brief's post: a compliance reviewer, not the approver
        agency = [a.user_id for a in current_approvals(creative) if a.reached == "agency_approved"]
        recipients = _staff(session, besides=[i for i in agency if i is not None])
    recipients = [u for u in recipients if u.id != actor.id]
    if recipients:
        inbox.notify(session, recipients, "creative_to_review", params=params, link=link,
                     subject=creative)  # fmt: skip


def allowed_actions(session: SessionLike, creative: Creative | None, user: User) -> set[str]:
    """What ``user`` may do: ``write``, ``approve``, ``request_changes``, ``comment``."""
    party = party_of(user)
    writer = side_of(party) is not None
    if creative is None:
        return {"write"} if writer else set()
    if frozen(creative.placement):
        return set()  # a cancelled deal's post: read only (lock_creative refuses a change)
    actions = {"comment"}
    if writer:
        actions.add("write")
    pure = pure_creative(session, creative)
    for action in (CreativeAction.APPROVE, CreativeAction.REQUEST_CHANGES):
        try:
            rules.creative_next(pure, action, party)
        except IllegalTransition:
            continue
        actions.add(action.value)
    if pure.status is CreativeStatus.BRAND_APPROVED and any(
        a.reached is CreativeStatus.AGENCY_APPROVED and a.actor_id == user.id
        for a in pure.approvals
    ):
        actions.discard(CreativeAction.APPROVE.value)  # four eyes: another reviewer's step
    return actions
