"""Who sees and manages which listing: the scoped queries, the look-ups, the co-managers."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select, union
from sqlalchemy.orm import selectinload

from marketplace.auth.models import Role, User
from marketplace.auth.services import get_user_by_email, normalise_email
from marketplace.bidi import isolate, isolate_ltr
from marketplace.catalog.models import (
    ChannelAsset,
    Community,
    CommunityManager,
    CommunityManagerInvitation,
    ListingStatus,
)
from marketplace.db import SessionLike
from marketplace.errors import EmailNotConfirmed, Forbidden, NotFound
from marketplace.i18n import language_of
from marketplace.outbox import queue_email
from marketplace.safety import public_url

# --- who sees what -------------------------------------------------------------------------

STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})


def managed_ids(user: User) -> Select[int]:
    """The ids of communities this user owns or co-manages.

    A UNION, not `owner_id = … OR id IN (…)`: PostgreSQL answers that OR by scanning every
    community (170 ms at 100,000), while each arm of the union is an index look-up.
    """
    owned = select(Community.id).where(Community.owner_id == user.id)
    managed = select(CommunityManager.community_id).where(CommunityManager.user_id == user.id)
    return select(union(owned, managed).subquery().c[0])


def visible_communities(user: User) -> Select[Community]:
    """Scope a community query to what `user` may see.

    Staff see everything; owners see the listings they own or co-manage; brands and finance
    see listed communities only.
    """
    query = select(Community)
    if user.role in STAFF_ROLES:
        return query
    if user.role is Role.OWNER:
        return query.where(Community.id.in_(managed_ids(user)))
    return query.where(Community.status == ListingStatus.LISTED)


def can_manage(user: User, community: Community) -> bool:
    """Owners and co-managers of this community, and agency staff."""
    if user.role in STAFF_ROLES:
        return True
    return user.role is Role.OWNER and (
        community.owner_id == user.id or any(m.user_id == user.id for m in community.managers)
    )


#: The statuses in which a listing is still its managers' own: no brand sees it and it waits in
#: no queue of the agency's. Any other listing is shared (live, paused with its deals, or under
#: review), so changing it reaches other people.
OWN_DRAFT_STATUSES = frozenset({ListingStatus.DRAFT, ListingStatus.REJECTED})


def require_confirmed_unless_draft(actor: User, community: Community) -> None:
    """Refuse (403 `email_not_confirmed`) a change to a shared listing by an account whose
    e-mail is not confirmed yet: such an account keeps drafts only (docs/architecture.md,
    "Unconfirmed e-mail"), even as a co-manager of a listing someone else put live."""
    if community.status not in OWN_DRAFT_STATUSES and not getattr(actor, "email_verified", True):
        raise EmailNotConfirmed()


def can_see_private(user: User, community: Community) -> bool:
    """Contact details are for the community's managers and the agency only."""
    return can_manage(user, community)


def get_visible(session: SessionLike, community_id: int, user: User) -> Community:
    """Load a community the user may see, with its assets; NotFound otherwise."""
    community = session.scalar(
        visible_communities(user)
        .where(Community.id == community_id)
        .options(
            selectinload(Community.assets).selectinload(ChannelAsset.rates),
            selectinload(Community.assets).selectinload(ChannelAsset.metrics),
            selectinload(Community.audience),
            selectinload(Community.managers),
        )
    )
    if community is None:
        raise NotFound()
    return community


def get_manageable(session: SessionLike, community_id: int, user: User) -> Community:
    """Load a community the user may edit; others' listings are simply not found."""
    community = get_visible(session, community_id, user)
    if not can_manage(user, community):
        raise NotFound()
    return community


def get_asset(session: SessionLike, asset_id: int, user: User) -> ChannelAsset:
    """Load an asset of a community the user may edit."""
    asset = session.get(ChannelAsset, asset_id)
    if asset is None:
        raise NotFound()
    get_manageable(session, asset.community_id, user)
    return asset


def invite_manager(session: SessionLike, community: Community, *, email: str, actor: User) -> None:
    """Invite whoever uses `email` to co-manage this listing (the owner decides, they accept).

    The invitation is kept for any e-mail, so the owner learns nothing of who has an account;
    only an active community-owner account using it is mailed, in its own language.
    """
    if community.owner_id != actor.id and actor.role not in STAFF_ROLES:
        raise Forbidden(str(_l("Only the listing's owner adds co-managers.")))
    email = normalise_email(email)
    user = get_user_by_email(session, email)
    if user is not None and (
        user.id == community.owner_id or any(m.user_id == user.id for m in community.managers)
    ):
        return
    pending = select(CommunityManagerInvitation).where(
        CommunityManagerInvitation.community_id == community.id,
        CommunityManagerInvitation.email == email,
    )
    if session.scalar(pending) is None:
        session.add(
            CommunityManagerInvitation(community=community, email=email, invited_by_id=actor.id)
        )
        session.flush()
    if user is not None and user.role is Role.OWNER and user.is_active:
        _mail_invitation(session, user, community)


def _mail_invitation(session: SessionLike, invited: User, community: Community) -> None:
    with force_locale(language_of(invited)):
        queue_email(
            session,
            to=invited.email,
            subject=str(_l("You are invited to co-manage a listing on Kesher")),
            body=str(
                _l(
                    "You are invited to co-manage the listing %(name)s on Kesher. To accept or "
                    "decline, log in and open: %(url)s",
                    name=isolate(community.display_name),  # in the reader's language
                    url=isolate_ltr(public_url("catalog.manager_invitations")),
                )
            ),
        )


def manager_invitations(session: SessionLike, user: User) -> list[CommunityManagerInvitation]:
    """The invitations to co-manage a listing waiting for this community-owner account."""
    if user.role is not Role.OWNER:
        return []
    return list(
        session.scalars(
            select(CommunityManagerInvitation)
            .where(CommunityManagerInvitation.email == user.email)
            .order_by(CommunityManagerInvitation.id)
        )
    )


def answer_manager_invitation(
    session: SessionLike, invitation_id: int, user: User, *, accept: bool
) -> Community:
    """Accept (become a co-manager) or decline an invitation addressed to this account."""
    invitation = session.get(CommunityManagerInvitation, invitation_id)
    if invitation is None or user.role is not Role.OWNER or invitation.email != user.email:
        raise NotFound()
    community = invitation.community
    session.delete(invitation)
    if accept and not (
        community.owner_id == user.id or any(m.user_id == user.id for m in community.managers)
    ):
        community.managers.append(CommunityManager(user=user))
    session.flush()
    return community


def leave_listing(session: SessionLike, community: Community, user: User) -> None:
    """A co-manager stops managing this listing (its owner cannot: it is theirs)."""
    for manager in list(community.managers):
        if manager.user_id == user.id:
            community.managers.remove(manager)
            session.delete(manager)
    session.flush()
