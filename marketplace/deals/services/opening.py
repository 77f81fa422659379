"""Opening deals from an approved plan: one deal per community, each with a draft offer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

import campaigns.deals as rules
from campaigns.deals import DealStatus
from campaigns.deals.from_plan import PlanLineTerms, draft_terms
from campaigns.plan import PlanStatus
from marketplace import events
from marketplace.briefs.models import Brief
from marketplace.briefs.services import Actor
from marketplace.catalog.models import Community
from marketplace.db import SessionLike
from marketplace.deals import notices
from marketplace.deals.models import Deal, DealPlacement, OfferKind
from marketplace.deals.services.actions import deal_state, record_event
from marketplace.deals.services.offers import new_offer, offer_days
from marketplace.deals.services.queries import plan_lines, resolve_now
from marketplace.matching.models import MediaPlan

#: The disclosure wording used when a community has not set its own.
DEFAULT_DISCLOSURE = "שיתוף פעולה בתשלום"


def _window(brief: Brief, now: dt.datetime) -> tuple[dt.date, dt.date]:
    starts = brief.starts_on or now.date()
    ends = brief.ends_on or starts + dt.timedelta(days=30)
    return starts, max(starts, ends)


def open_deal(
    session: SessionLike,
    plan: MediaPlan,
    brief: Brief,
    community: Community,
    lines: Sequence[PlanLineTerms],
    *,
    actor: Actor | None,
    now: dt.datetime,
    replaces: Deal | None = None,
) -> Deal:
    starts, ends = _window(brief, now)
    terms = draft_terms(
        lines,
        currency=plan.currency,
        disclosure=community.disclosure_wording.strip() or DEFAULT_DISCLOSURE,
        starts_on=starts,
        ends_on=ends,
        expires_at=now + dt.timedelta(days=offer_days()),
    )
    deal = Deal(
        brief_id=brief.id,
        plan_id=plan.id,
        community_id=community.id,
        organisation_id=brief.organisation_id,
        owner_id=community.owner_id,
        replaces_id=replaces.id if replaces is not None else None,
        status=DealStatus.NEGOTIATING,
        currency=plan.currency,
        updated_at=now,
    )
    session.add(deal)
    for p in terms.placements:
        deal.placements.append(
            DealPlacement(
                asset_id=p.asset_id,
                placement_type=p.placement_type,
                count=p.count,
                starts_on=p.starts_on,
                ends_on=p.ends_on,
            )
        )
    offer = new_offer(session, deal, terms, kind=OfferKind.OFFER, actor=actor, now=now)
    session.flush()
    after = deal_state(deal, offer)
    if replaces is not None:
        after["replaces"] = replaces.id
    record_event(session, deal, actor, "open", {}, after, now)
    return deal


def open_deals_for_plan(
    session: SessionLike, plan: MediaPlan, *, actor: Actor | None, now: dt.datetime | None = None
) -> list[Deal]:
    """One deal per community of an approved plan, each with its placements and a draft offer.

    The draft carries the plan's prices (payout = the owner's rate, brand price = the line's).
    Idempotent: a community that already has a deal in this plan keeps it.
    """
    now = resolve_now(now)
    if plan.status is not PlanStatus.APPROVED:
        raise rules.IllegalTransition("deals open only from an approved plan")
    brief = session.get(Brief, plan.brief_id)
    assert brief is not None
    existing = {
        d.community_id: d for d in session.scalars(select(Deal).where(Deal.plan_id == plan.id))
    }
    groups: dict[int, list[PlanLineTerms]] = {}
    for line in plan_lines(plan):
        groups.setdefault(line.community_id, []).append(line)
    deals = []
    for community_id, lines in groups.items():
        if community_id in existing:
            deals.append(existing[community_id])
            continue
        community = session.get(Community, community_id)
        if community is None:  # pragma: no cover - the plan's FK-less JSON outlived a row
            continue
        deals.append(open_deal(session, plan, brief, community, lines, actor=actor, now=now))
    session.flush()
    return deals


def on_plan_approved(session: SessionLike, *, plan: MediaPlan, actor: Any) -> None:
    """The ``plan.approved`` handler: open the plan's deals in the approving transaction."""
    open_deals_for_plan(session, plan, actor=actor)


def register_event_handlers() -> None:
    """Subscribe the deal desk to the events it reacts to (called by the app factory)."""
    events.subscribe("plan.approved", on_plan_approved)
    notices.register_event_handlers()
