"""Who sees which campaign: the desk everything, a brand its organisation's, an owner their own.

A campaign is a brief with agreed placements. Brands see their organisation's campaigns
without margins or payouts; owners see only their own communities' placements (their payout,
never the brand's price or the margin); agency staff, admins and finance see everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.auth.models import Role, User
from marketplace.briefs.models import Brief
from marketplace.db import SessionLike
from marketplace.deals import services as deals
from marketplace.deals.models import Deal, DealPlacement, PlacementStatus
from marketplace.errors import NotFound

#: Roles that see every campaign with its margin (the agency's desk and finance).
DESK_ROLES = deals.DESK_ROLES
#: Roles that enter figures: owners for their own placements, agency staff for any.
ENTER_ROLES = frozenset({Role.OWNER, Role.STAFF, Role.ADMIN})
STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})


class CampaignNotFound(NotFound):
    code = "campaign_not_found"
    default_message = _l("No such campaign.")


# --- who sees what ------------------------------------------------------------------------


def audience_of(user: Any) -> str:
    """Which view of results `user` gets: ``staff`` (everything), ``brand`` or ``owner``."""
    if user.role in DESK_ROLES:
        return "staff"
    return "owner" if user.role is Role.OWNER else "brand"


@dataclass
class Campaign:
    """A brief and the agreed placements the reader may see."""

    brief: Brief
    placements: list[DealPlacement]
    audience: str


def placements_query(user: User, brief_id: int) -> Any:
    """A ``select(DealPlacement)`` of the brief's agreed placements ``user`` may see, by id."""
    return (
        deals.scoped(user, DealPlacement, Deal.brief_id == brief_id)
        .where(DealPlacement.status == PlacementStatus.AGREED)
        .order_by(DealPlacement.id)
    )


def get_campaign(
    session: SessionLike, brief_id: int, user: Any, *, allow_empty: bool = False
) -> Campaign:
    """The campaign of `brief_id` as `user` may see it, or CampaignNotFound.

    With `allow_empty`, a brief of the reader's own organisation (or any brief, for the desk)
    with nothing agreed yet is a campaign without placements (the API answers it empty).
    """
    placements = list(session.scalars(placements_query(user, brief_id)))
    brief = session.get(Brief, brief_id)
    if brief is None:
        raise CampaignNotFound()
    if not placements:
        own = user.role in DESK_ROLES or (
            user.role is Role.BRAND and brief.organisation_id == user.organisation_id
        )
        if not (allow_empty and own):
            raise CampaignNotFound()
    return Campaign(brief, placements, audience_of(user))


def campaigns_visible_to(session: SessionLike, user: User) -> list[Brief]:
    """The briefs with agreed placements `user` may see, newest first."""
    deal_briefs = (
        deals.visible_deals_query(user)
        .join(DealPlacement, DealPlacement.deal_id == Deal.id)
        .where(DealPlacement.status == PlacementStatus.AGREED)
        .with_only_columns(Deal.brief_id)
    )
    return list(session.scalars(select(Brief).where(Brief.id.in_(deal_briefs)).order_by(
        Brief.id.desc())))  # fmt: skip


def get_placement(session: SessionLike, brief_id: int, placement_id: int, user: User) -> Any:
    """One agreed placement of the campaign that `user` may see, or CampaignNotFound."""
    agreed = (DealPlacement.status == PlacementStatus.AGREED,)
    return deals.get_visible(
        session,
        DealPlacement,
        placement_id,
        user,
        Deal.brief_id == brief_id,
        where=agreed,
        missing=CampaignNotFound,
    )
