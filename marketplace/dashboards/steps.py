"""What each person should do next, worked out from their real state (one list per role).

A dashboard leads with these steps instead of figures for features that do not exist yet.
Each step is either an action (with a link) or something the person waits for.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.auth.models import Role, User
from marketplace.bidi import isolate
from marketplace.briefs.models import Brief, BriefStatus
from marketplace.catalog import services as catalog
from marketplace.catalog.models import (
    ChannelAsset,
    Community,
    ListingStatus,
    MetricSnapshot,
    ReviewStatus,
)
from marketplace.dashboards import campaign_steps
from marketplace.dashboards.step import Step
from marketplace.dashboards.step import count as _count
from marketplace.dashboards.step import name_of as _name
from marketplace.db import SessionLike
from marketplace.health import services as health
from marketplace.matching.models import MediaPlan, PlanStatus
from marketplace.outbox import OutboundEmail
from pricing.taxonomy import EvidenceTier

#: Figures older than this are stale: the owner is asked to bring them up to date.
FRESH_FOR = timedelta(days=90)


def _title(brief: Brief) -> str:
    return isolate(brief.title or _("Untitled brief"))


def _listing_steps(community: Community, reports: Mapping[int, object], today: date) -> list[Step]:
    """The next step for one of the owner's listings, by its status and its evidence."""
    name = _name(community)
    detail = url_for("catalog.detail", community_id=community.id)
    status = community.status
    if status is ListingStatus.DRAFT:
        if not community.assets:
            return [
                Step(
                    _("Add the channels of %(name)s, then submit it for review.", name=name),
                    url_for("catalog.add_asset", community_id=community.id),
                )
            ]
        return [Step(_("Finish %(name)s and submit it for review.", name=name), detail)]
    if status is ListingStatus.SUBMITTED:
        return [Step(_("%(name)s is waiting for the agency’s review.", name=name), detail, True)]
    if status is ListingStatus.REJECTED:
        return [
            Step(
                _(
                    "%(name)s was not approved: %(reason)s. Fix it and submit it again.",
                    name=name,
                    reason=community.rejection_reason or _("no reason given"),
                ),
                detail,
            )
        ]
    if status is ListingStatus.PAUSED:
        return [Step(_("%(name)s is paused: brands do not see it.", name=name), detail, True)]
    steps = []
    for asset in community.assets:
        if asset.platform in health.EXPORTABLE and asset.id not in reports:
            steps.append(
                Step(
                    _(
                        "Upload a chat export of %(name)s: it proves how active the members "
                        "are, and brands trust proven figures first.",
                        name=name,
                    ),
                    url_for("health.upload", asset_id=asset.id),
                    kind="export",
                )
            )
            break
    newest = max(
        (m.observed_on for a in community.assets for m in a.metrics), default=None
    )  # fmt: skip
    if newest is None or today - newest > FRESH_FOR:
        first = community.assets[0] if community.assets else None
        steps.append(
            Step(
                _("Bring the figures of %(name)s up to date.", name=name),
                url_for("catalog.add_metric", asset_id=first.id) if first else detail,
            )
        )
    if not steps:
        steps.append(
            Step(
                _("%(name)s is listed and up to date: brands can find it.", name=name),
                detail,
                True,
            )
        )
    return steps


def owner_steps(session: SessionLike, user: User, today: date | None = None) -> list[Step]:
    """An owner: list a community first; then, per listing, what its status asks for."""
    today = today or date.today()
    communities = list(
        session.scalars(
            catalog.visible_communities(user)
            .options(selectinload(Community.assets).selectinload(ChannelAsset.metrics))
            .order_by(Community.id)
            .limit(20)
        )
    )
    if not communities:
        return [
            Step(
                _("List your community: its story, its channels and what it charges."),
                url_for("catalog.create"),
            )
        ]
    reports = health.latest_reports(session, [a.id for c in communities for a in c.assets])
    steps = _owner_offer_steps(session, user) + campaign_steps.owner_post_steps(session, user)
    steps += _fewer_exports(
        [step for c in communities for step in _listing_steps(c, reports, today)]
    )
    # Actions before waiting, each group in the listings' order.
    return sorted(steps, key=lambda step: step.waiting)


#: How many "upload a chat export" steps an owner sees before the rest are summed up.
EXPORT_STEPS = 3


def _fewer_exports(steps: list[Step]) -> list[Step]:
    """The first few chat exports to upload, then one line for the rest (a dozen read as noise)."""
    exports = [step for step in steps if step.kind == "export"]
    if len(exports) <= EXPORT_STEPS:
        return steps
    rest = len(exports) - EXPORT_STEPS
    summary = Step(
        ngettext(
            "%(num)s more community can prove how active it is with a chat export.",
            "%(num)s more communities can prove how active they are with a chat export.",
            rest,
        ),
        url_for("catalog.mine"),
    )
    kept = [step for step in steps if step.kind != "export" or step in exports[:EXPORT_STEPS]]
    return [*kept, summary]


def _one_deal_or_all(deal_ids: list[int]) -> str:
    """The one deal that waits, opened straight away; the list of deals when several wait."""
    if len(deal_ids) == 1:
        return url_for("deals.detail", deal_id=deal_ids[0])
    return url_for("deals.index")


def _owner_offer_steps(session: SessionLike, user: User) -> list[Step]:
    """Offers of the agency that wait for the owner's answer, and agreements to confirm."""
    from marketplace.deals import services as deals
    from marketplace.deals.models import OfferStatus

    offers: list[int] = []
    agreements: list[int] = []
    for deal in deals.deals_visible_to(session, user):
        offer = deals.current_offer(deal)
        if offer is not None and offer.status is OfferStatus.SENT:
            offers.append(deal.id)
        pending = deals.pending_agreement(deal)
        if deal.accepted_version_id is not None and (
            pending is None or pending.confirmed_by_owner_at is None
        ):
            agreements.append(deal.id)
    steps = []
    if offers:
        steps.append(
            Step(
                ngettext(
                    "%(num)s offer of the agency waits for your answer.",
                    "%(num)s offers of the agency wait for your answer.",
                    len(offers),
                ),
                _one_deal_or_all(offers),
            )
        )
    if agreements:
        steps.append(
            Step(
                ngettext(
                    "%(num)s agreement waits for your confirmation.",
                    "%(num)s agreements wait for your confirmation.",
                    len(agreements),
                ),
                _one_deal_or_all(agreements),
            )
        )
    return steps


def brand_steps(session: SessionLike, user: User) -> list[Step]:
    """A brand: write a brief; finish drafts; review proposed plans; otherwise, wait."""
    from marketplace.briefs import services as briefs

    mine = briefs.list_for_org(session, user)
    if not mine:
        return [
            Step(
                _("Write your first brief: who you want to reach, why, and the budget."),
                url_for("briefs.create"),
            )
        ]
    proposed = {
        plan.brief_id: plan.id
        for plan in session.scalars(
            select(MediaPlan).where(
                MediaPlan.brief_id.in_([b.id for b in mine]),
                MediaPlan.status == PlanStatus.PROPOSED,
            )
        )
    }
    steps = []
    for brief in mine[:20]:
        title = _title(brief)
        detail = url_for("briefs.detail", brief_id=brief.id)
        if brief.status is BriefStatus.DRAFT:
            steps.append(
                Step(
                    _("Finish the brief %(title)s and submit it.", title=title),
                    url_for("briefs.edit", brief_id=brief.id),
                )
            )
        elif brief.status is BriefStatus.PLAN_PROPOSED and brief.id in proposed:
            steps.append(
                Step(
                    _("Review the media plan for %(title)s: approve it or ask for changes.",
                      title=title),
                    url_for("matching.plan", brief_id=brief.id, plan_id=proposed[brief.id]),
                )
            )  # fmt: skip
        elif brief.status in (BriefStatus.SUBMITTED, BriefStatus.IN_PLANNING):
            steps.append(
                Step(
                    _("The agency is building a media plan for %(title)s.", title=title),
                    detail,
                    True,
                )
            )
        elif brief.status is BriefStatus.CHANGES_REQUESTED:
            steps.append(
                Step(
                    _("The agency is revising the plan for %(title)s as you asked.", title=title),
                    detail,
                    True,
                )
            )
        elif brief.status is BriefStatus.APPROVED:
            steps.append(
                Step(
                    _("You approved the plan for %(title)s; the agency books the communities.",
                      title=title),
                    detail,
                    True,
                )
            )  # fmt: skip
    steps += campaign_steps.brand_campaign_steps(session, user)
    if all(step.waiting for step in steps):
        steps.append(Step(_("Start another brief."), url_for("briefs.create")))
    return sorted(steps, key=lambda step: step.waiting)


def staff_steps(session: SessionLike) -> list[Step]:
    """Agency staff: how much waits in each queue, largest need first."""
    briefs_waiting = _count(
        session,
        select(func.count()).select_from(Brief).where(Brief.status == BriefStatus.SUBMITTED),
    )
    changes = _count(
        session,
        select(func.count())
        .select_from(Brief)
        .where(Brief.status == BriefStatus.CHANGES_REQUESTED),
    )
    listings = _count(
        session,
        select(func.count())
        .select_from(Community)
        .where(Community.status == ListingStatus.SUBMITTED),
    )
    screenshots = _count(
        session,
        select(func.count())
        .select_from(MetricSnapshot)
        .where(
            MetricSnapshot.review_status == ReviewStatus.NONE,
            MetricSnapshot.tier == int(EvidenceTier.SCREENSHOT),
        ),
    )
    from marketplace.deals.models import Agreement, Deal, DealStatus, Offer, OfferStatus

    counters = _count(
        session,
        select(func.count()).select_from(Offer).where(Offer.status == OfferStatus.COUNTERED),
    )
    # An approved plan opens its deals with draft offers nobody has sent: the owners hear
    # nothing until staff do, and only the deal board said so.
    drafts = _count(
        session,
        select(func.count())
        .select_from(Offer)
        .join(Deal, Deal.id == Offer.deal_id)
        .where(
            Offer.status == OfferStatus.DRAFT,
            Deal.status.in_((DealStatus.NEGOTIATING, DealStatus.AMENDING)),
        ),
    )
    # Terms both sides accepted wait for the agency's confirmation of the agreement text: the
    # deal goes nowhere (no creative, no posts) until it is given.
    confirmed = (
        select(Agreement.id)
        .where(
            Agreement.deal_id == Deal.id,
            Agreement.offer_version_id == Deal.accepted_version_id,
            Agreement.confirmed_by_agency_at.is_not(None),
        )
        .exists()
    )
    to_confirm = _count(
        session,
        select(func.count())
        .select_from(Deal)
        .where(Deal.accepted_version_id.is_not(None), ~confirmed),
    )
    steps = []
    if to_confirm:
        steps.append(
            Step(
                ngettext(
                    "%(num)s agreement waits for the agency's confirmation.",
                    "%(num)s agreements wait for the agency's confirmation.",
                    to_confirm,
                ),
                url_for("deals.board"),
            )
        )
    if counters:
        steps.append(
            Step(
                ngettext(
                    "%(num)s counter-offer of an owner waits for the agency.",
                    "%(num)s counter-offers of owners wait for the agency.",
                    counters,
                ),
                url_for("deals.board"),
            )
        )
    if drafts:
        steps.append(
            Step(
                ngettext(
                    "%(num)s drafted offer waits to be sent to its community's owner.",
                    "%(num)s drafted offers wait to be sent to their communities' owners.",
                    drafts,
                ),
                url_for("deals.board"),
            )
        )
    if briefs_waiting:
        steps.append(
            Step(
                ngettext(
                    "%(num)s submitted brief waits for a plan.",
                    "%(num)s submitted briefs wait for a plan.",
                    briefs_waiting,
                ),
                url_for("briefs.queue"),
            )
        )
    if changes:
        steps.append(
            Step(
                ngettext(
                    "%(num)s brand asked for changes to a plan.",
                    "%(num)s brands asked for changes to a plan.",
                    changes,
                ),
                url_for("briefs.queue", status="changes_requested"),
            )
        )
    if listings:
        steps.append(
            Step(
                ngettext(
                    "%(num)s listing waits for review.",
                    "%(num)s listings wait for review.",
                    listings,
                ),
                url_for("catalog.review_queue"),
            )
        )
    if screenshots:
        steps.append(
            Step(
                ngettext(
                    "%(num)s screenshot figure waits to be verified.",
                    "%(num)s screenshot figures wait to be verified.",
                    screenshots,
                ),
                url_for("catalog.review_queue"),
            )
        )
    steps += campaign_steps.staff_campaign_steps(session)
    if not steps:
        steps.append(Step(_("Every queue is empty: nothing waits for you."), None, True))
    return steps


def finance_steps(session: SessionLike) -> list[Step]:
    """Finance: what is on its way, and the desk where the money is (never made-up totals)."""
    money = campaign_steps.finance_money_steps(session)
    if money:
        return [*money, _no_payments_yet()]
    approved = _count(
        session,
        select(func.count()).select_from(MediaPlan).where(MediaPlan.status == PlanStatus.APPROVED),
    )
    if approved:
        return [
            Step(
                ngettext(
                    "%(num)s approved media plan is on its way to the deal desk.",
                    "%(num)s approved media plans are on their way to the deal desk.",
                    approved,
                ),
                None,
                True,
            ),
            _no_payments_yet(),
        ]
    return [_no_payments_yet()]


def _no_payments_yet() -> Step:
    """Point finance at its desk, where the books are (no zero balances made up here)."""
    return Step(
        _("Collect from brands, pay owners and read the books on the finance desk."),
        url_for("finance.desk"),
        False,
    )


def admin_steps(session: SessionLike) -> list[Step]:
    """Administrators: e-mails stuck in the outbox, and the accounts to create."""
    waiting_mail = _count(
        session,
        select(func.count()).select_from(OutboundEmail).where(OutboundEmail.sent_at.is_(None)),
    )
    steps = []
    if waiting_mail:
        steps.append(
            Step(
                ngettext("%(num)s e-mail waits in the outbox: check that it is sent.",
                         "%(num)s e-mails wait in the outbox: check that they are sent.",
                         waiting_mail),
                url_for("admin.outbox"),
            )
        )  # fmt: skip
    staff = _count(
        session, select(func.count()).select_from(User).where(User.role == Role.STAFF)
    )  # fmt: skip
    if not staff:
        steps.append(
            Step(_("Create the accounts of the agency’s staff."), url_for("admin.create_user"))
        )
    if not steps:
        steps.append(Step(_("Nothing needs you: accounts and e-mail are in order."), None, True))
    return steps
