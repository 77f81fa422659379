"""Demo: a brief whose approved plan's deals stand at every stage of the desk."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from campaigns.brief import parse_brief
from campaigns.deals import DeclineReason
from campaigns.matching import rank
from campaigns.planning import constraints_of, judge
from marketplace.auth.models import User
from marketplace.briefs import services as briefs
from marketplace.briefs.demo import DEMO_BRIEFS
from marketplace.briefs.models import Brief, BriefStatus
from marketplace.db import SessionLike
from marketplace.deals import services
from marketplace.deals.models import Deal
from marketplace.matching import services as matching
from marketplace.matching.records import catalog_features, plan_profile

#: The stages the demo's deals are left at, in order (more deals than stages stay drafts).
#: Several are agreed: the creative demo (marketplace/creative/demo.py) takes their posts to
#: each step of the approval chain, and leaves the first one waiting for its post.
STAGES = ("sent", "countered", "confirming", "agreed", "declined", "agreed", "agreed", "agreed",
          "agreed", "draft")  # fmt: skip


#: The README's demo owner logins, each handed the desk's deals at these stages (first or last
#: of that stage), so whoever logs in as them has an offer to answer and a post to prove; the
#: plan picks communities of any owner, and the generated managers are in no README.
#: Rivka's agreed deal is the fourth: delivery's demo gives the agreed deals, in id order, the
#: windows of `marketplace/delivery/demo.py` WINDOWS, and the fourth is the one whose post is
#: due (the last was due only while the plan had four agreed deals; a ranking change gave it
#: five, and Rivka's post became "scheduled").
HANDED: tuple[tuple[str, str, int], ...] = (
    ("rivka@community.demo", "sent", 0),
    ("rivka@community.demo", "agreed", 3),
    ("sarah@community.demo", "countered", 0),
    ("sarah@community.demo", "agreed", 0),
)


#: The demo brief the desk's deals belong to (the first demo brief's brand and spec).
DESK_TITLE = "ארוחות עשר בריאות — קמפיין חורף"


def _brief_data(today: dt.date, title: str = DESK_TITLE) -> dict[str, Any]:
    data = dict(DEMO_BRIEFS[0][2], title=title)
    for name in ("starts_on", "ends_on"):
        data[name] = (today + dt.timedelta(days=data[name])).isoformat()
    return data


def seed_deals(
    session: SessionLike,
    *,
    today: dt.date | None = None,
    title: str = DESK_TITLE,
    stages: tuple[str, ...] = STAGES,
) -> int:
    """Add a brief whose approved plan's deals stand at every stage of the desk.

    Runs once (the brief's title is the key) and only when the catalog offers the brief at
    least three communities; returns how many deals it opened. Another ``title`` with other
    ``stages`` adds another such brief (the results demo's finished campaign: all agreed).
    """
    today = today or dt.date.today()
    staff = session.scalar(select(User).where(User.email == "noa@kesher.demo"))
    brand = session.scalar(select(User).where(User.email == DEMO_BRIEFS[0][1]))
    if staff is None or brand is None:
        return 0
    if session.scalar(select(Brief.id).where(Brief.title == title)) is not None:
        return 0
    data = _brief_data(today, title)
    spec = parse_brief(data, today=today)
    features = catalog_features(session)
    # Only communities the plan may buy (the brief's places, languages, audience), so every
    # stage gets a deal.
    rules, records = constraints_of(spec), {r.id: r for r in features.records}
    rows = [
        row
        for row in rank(spec, features, top=2 * len(stages)).rows
        if judge(rules, plan_profile(records[row.community_id])).allowed
    ][: len(stages)]
    if len(rows) < 3:
        return 0
    brief = briefs.save_brief(session, data, actor=brand)
    briefs.submit_brief(session, brief, actor=brand)
    briefs.change_status(session, brief, BriefStatus.IN_PLANNING, actor=staff)
    for row in rows:
        matching.add_to_shortlist(session, brief, row.community_id, actor=staff)
    # Spread over the shortlist, so the desk shows several owners at once.
    plan = matching.make_plan(session, brief, actor=staff, min_communities=len(rows))
    if not plan.result.get("lines"):
        return 0
    matching.propose(session, brief, plan, actor=staff)
    matching.decide(session, brief, plan, actor=brand, approve=True,
                    comment="מאושר, אפשר להתחיל במשא ומתן")  # fmt: skip
    deals = list(session.scalars(select(Deal).where(Deal.plan_id == plan.id).order_by(Deal.id)))
    if title == DESK_TITLE:
        _hand_over(session, list(zip(deals, stages, strict=False)))
    for deal, stage in zip(deals, stages, strict=False):
        _walk(session, deal, stage, staff)
    session.flush()
    return len(deals)


def _hand_over(session: SessionLike, staged: list[tuple[Deal, str]]) -> None:
    """Give the README's owners their deals (and the communities) before any offer is sent."""
    for email, stage, which in HANDED:
        owner = session.scalar(select(User).where(User.email == email))
        at_stage = [deal for deal, s in staged if s == stage]
        if owner is None or not at_stage:
            continue
        deal = at_stage[min(which, len(at_stage) - 1)]
        deal.community.owner_id = deal.owner_id = owner.id
    session.flush()
    for deal, _stage in staged:
        session.refresh(deal, ["owner"])


def _walk(session: SessionLike, deal: Deal, stage: str, staff: User) -> None:
    offer = services.current_offer(deal)
    owner = deal.owner
    if offer is None or stage == "draft":
        return
    services.send_offer(session, offer.id, version=1, actor=staff)
    if stage == "countered":
        terms = services.pure_offer(offer).terms
        asked = replace(terms, placements=tuple(
            replace(p, owner_payout_minor=p.owner_payout_minor * 115 // 100, brand_price_minor=0)
            for p in terms.placements
        ))  # fmt: skip
        services.counter_offer(session, offer.id, asked, version=1, actor=owner,
                               note="נשמח לעוד קצת, הקהילה מאוד פעילה החודש")  # fmt: skip
    elif stage == "declined":
        services.decline_offer(session, offer.id, DeclineReason.NOT_OUR_DNA, version=1,
                               actor=owner, text="התוכן לא מתאים לאופי הקהילה")  # fmt: skip
    elif stage in ("confirming", "agreed"):
        services.accept_offer(session, offer.id, version=1, actor=owner)
        _document, digest = services.pending_agreement_document(session, deal)
        services.confirm_agreement(session, deal.id, content_hash=digest, actor=owner)
        if stage == "agreed":
            services.confirm_agreement(session, deal.id, content_hash=digest, actor=staff)
