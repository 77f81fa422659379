"""Demo: the desk brief's agreed deals with their posts at each step of the approval chain."""

from __future__ import annotations

from sqlalchemy import select

from campaigns.deals import DealStatus
from campaigns.deals.creative import CreativeStatus
from marketplace.auth.models import User
from marketplace.briefs.demo import DEMO_BRIEFS
from marketplace.briefs.models import Brief
from marketplace.creative import services
from marketplace.creative.models import Creative
from marketplace.db import SessionLike
from marketplace.deals import services as deals
from marketplace.deals.demo import DESK_TITLE
from marketplace.deals.models import Deal, DealPlacement

#: Where the posts of the agreed deals are left, in the deals' order (the plan's size decides
#: how many deals are agreed: the first stages matter most); a sixth agreed deal keeps no post,
#: it waits for its owner to write one.
STAGES = (
    CreativeStatus.BRAND_APPROVED,
    CreativeStatus.AGENCY_APPROVED,
    CreativeStatus.OWNER_APPROVED,
    CreativeStatus.DRAFT,
    None,
)

#: The post, before the community's disclosure wording is added.
POST = "ארוחת עשר בריאה בדקה: כריך מלא, ירקות חתוכים ופרי. מתכונים לשבוע בקישור."


def seed_creative(session: SessionLike) -> int:
    """Write and approve the posts of the desk brief's agreed deals, once; return how many."""
    brief = session.scalar(select(Brief).where(Brief.title == DESK_TITLE))
    staff = session.scalar(select(User).where(User.email == "noa@kesher.demo"))
    brand = session.scalar(select(User).where(User.email == DEMO_BRIEFS[0][1]))
    if brief is None or staff is None or brand is None:
        return 0
    placements = select(DealPlacement.id).join(Deal).where(Deal.brief_id == brief.id)
    if session.scalar(select(Creative.id).where(Creative.deal_placement_id.in_(placements))):
        return 0
    agreed = session.scalars(
        select(Deal)
        .where(Deal.brief_id == brief.id, Deal.status == DealStatus.AGREED)
        .order_by(Deal.id)
    )
    written = 0
    for deal, stage in zip(agreed, STAGES, strict=False):
        if stage is None or not deal.placements:
            continue
        offer = deals.current_offer(deal)
        disclosure = deals.pure_offer(offer).terms.disclosure if offer else ""
        placement = deal.placements[0]
        post = services.start_creative(
            session, placement.id, text=f"{POST} {disclosure}".strip(), actor=deal.owner
        )
        for approver in (deal.owner, staff, brand):
            if post.status is stage:
                break
            post = services.approve_creative(
                session, placement.id, version=post.current_version, actor=approver
            )
        written += 1
    session.flush()
    return written
