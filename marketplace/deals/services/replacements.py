"""Replacing a community that declined: the next best candidates, and the new deal."""

from __future__ import annotations

import contextlib
import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

import campaigns.deals as rules
from campaigns.deals import DealStatus, OfferStatus, StopReason
from campaigns.deals.common import AGENCY
from campaigns.deals.from_plan import PlanLineTerms, replacements
from campaigns.planning import margin_minor
from marketplace.auth.models import User
from marketplace.briefs.models import Brief
from marketplace.catalog.models import ChannelAsset, Community, ListingStatus
from marketplace.db import SessionLike
from marketplace.deals.models import Deal, PlacementStatus
from marketplace.deals.services.actions import deal_state, lock_deal, record_event
from marketplace.deals.services.opening import open_deal
from marketplace.deals.services.queries import current_offer, party_of, resolve_now
from marketplace.errors import Conflict, KesherError
from marketplace.matching import services as matching
from marketplace.matching.models import MediaPlan
from pricing.taxonomy import PlacementType


class ReplacementRefused(Conflict):
    code = "replacement_refused"
    default_message = _l("This community cannot replace the declined one.")


def _declined(deal: Deal) -> bool:
    offer = current_offer(deal)
    return offer is not None and offer.status is OfferStatus.DECLINED


def replacement_candidates(
    session: SessionLike, brief: Brief, declined_deal: Deal, *, limit: int = 5
) -> list[Community]:
    """The next best listed communities for a declined deal: from the brief's shortlist
    (best score first), then its ranking; never one already in the plan or one that declined.
    """
    ranking = [e.community_id for e in matching.shortlist(session, brief) if not e.excluded]
    with contextlib.suppress(KesherError):  # an incomplete brief has no ranking; keep the list
        ranking += [row.community_id for row in matching.ranked(session, brief).rows]
    deals = list(session.scalars(select(Deal).where(Deal.brief_id == brief.id)))
    declined = {d.community_id for d in deals if _declined(d)} | {declined_deal.community_id}
    in_plan = {d.community_id for d in deals if d.status is not DealStatus.CANCELLED}
    ids = replacements(ranking, in_plan=in_plan, declined=declined, limit=limit * 2)
    listed = {
        c.id: c
        for c in session.scalars(
            select(Community).where(Community.id.in_(ids), Community.status == ListingStatus.LISTED)
        )
    }
    return [listed[i] for i in ids if i in listed][:limit]


def offer_replacement(
    session: SessionLike,
    declined_deal_id: int,
    community_id: int,
    *,
    actor: User,
    now: dt.datetime | None = None,
) -> Deal:
    """Open a deal with a replacement community for a declined one (its draft offer priced
    from the community's rate card plus the plan's margin); the declined deal is cancelled.
    """
    now = resolve_now(now)
    if party_of(actor) not in AGENCY:
        raise rules.IllegalTransition("only agency staff offer a replacement")
    declined = lock_deal(session, declined_deal_id, actor)
    if not _declined(declined):
        raise ReplacementRefused(str(_l("Only a declined deal can be replaced.")))
    brief = session.get(Brief, declined.brief_id)
    plan = session.get(MediaPlan, declined.plan_id)
    assert brief is not None
    assert plan is not None
    if community_id not in {c.id for c in replacement_candidates(session, brief, declined)}:
        raise ReplacementRefused()
    community = session.get(Community, community_id)
    assert community is not None
    lines = _replacement_lines(session, declined, community, plan)
    if not lines:
        raise ReplacementRefused(
            str(_l("This community has no rate for the placements of the declined deal."))
        )
    if declined.status is not DealStatus.CANCELLED:
        before = deal_state(declined)
        declined.status = DealStatus.CANCELLED
        declined.stop_reason = StopReason.OWNER_DECLINED.value
        for placement in declined.placements:
            placement.status = PlacementStatus.CANCELLED
        after = {**deal_state(declined), "reason": StopReason.OWNER_DECLINED.value}
        record_event(session, declined, actor, "cancel", before, after, now)
    deal = open_deal(session, plan, brief, community, lines, actor=actor, now=now,
                     replaces=declined)  # fmt: skip
    session.flush()
    return deal


def _replacement_lines(
    session: SessionLike, declined: Deal, community: Community, plan: MediaPlan
) -> list[PlanLineTerms]:
    assets = list(
        session.scalars(select(ChannelAsset).where(ChannelAsset.community_id == community.id))
    )
    lines = []
    for placement in declined.placements:
        for asset in assets:
            rate = next(
                (r for r in asset.rates
                 if r.placement == placement.placement_type and r.currency == plan.currency),
                None,
            )  # fmt: skip
            if rate is None:
                continue
            price = rate.amount_minor + margin_minor(rate.amount_minor, plan.margin_bp)
            for _ in range(placement.count):
                lines.append(
                    PlanLineTerms(community.id, asset.id, PlacementType(placement.placement_type),
                                  rate.amount_minor, price)
                )  # fmt: skip
            break
    return lines
