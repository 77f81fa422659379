"""From a stored brief to a ranked list, a shortlist and optimised media plans.

The engines are pure (campaigns.matching, campaigns.planning); this module feeds them from the
database and keeps what they answer.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from campaigns.brief import GOAL_PLACEMENTS, BriefInvalid, BriefSpec
from campaigns.matching import MatchResult, rank, score_catalog
from campaigns.matching.places import community_cities
from campaigns.plan import IllegalPlanMove, move_plan
from campaigns.planning import (
    AudienceProfile,
    BriefConstraints,
    Candidate,
    KpiOutlook,
    Plan,
    PlanInput,
    PlanSettings,
    Reason,
    ValueCheck,
    check_plan,
    constraints_of,
    describe_constraints,
    explain,
    kpi_outlook,
    margin_minor,
    unspent_note,
    within_value,
)
from marketplace import events
from marketplace.auth.models import User
from marketplace.briefs import services as briefs
from marketplace.briefs.models import BriefStatus
from marketplace.catalog.models import AudienceShare, ChannelAsset, Community, ListingStatus
from marketplace.db import SessionLike, utcnow
from marketplace.errors import InvalidTransition, KesherError, NotFound
from marketplace.matching import against_brief
from marketplace.matching.models import MediaPlan, PlanStatus, ShortlistEntry
from marketplace.matching.records import catalog_features
from marketplace.valuation.models import PlacementEstimate
from pricing.valuation.lenses import result_kind
from pricing.valuation.schema import Quantiles


class MatchingError(KesherError):
    status_code = 409
    code = "matching_error"


def spec_of(brief: Any) -> BriefSpec:
    """The engines' view of a stored brief, or a clear refusal while it is incomplete."""
    try:
        return briefs.brief_spec(brief)
    except BriefInvalid as error:
        raise MatchingError(
            "the brief is incomplete, so it cannot be matched yet: "
            + "; ".join(f"{p.field}: {p.message}" for p in error.problems)
        ) from error


def ranked(session: SessionLike, brief: Any, top: int = 50) -> MatchResult:
    """The brief's ranked, explained communities (and a diagnosis when the gates empty it)."""
    return rank(spec_of(brief), catalog_features(session), top=top)


def shortlist(session: SessionLike, brief: Any) -> list[ShortlistEntry]:
    return list(
        session.scalars(
            select(ShortlistEntry)
            .where(ShortlistEntry.brief_id == brief.id)
            .order_by(ShortlistEntry.score.desc(), ShortlistEntry.id)
        )
    )


def remove_entry(session: SessionLike, entry: ShortlistEntry) -> None:
    """Take a community off the brief's shortlist."""
    session.delete(entry)
    session.flush()


def add_to_shortlist(
    session: SessionLike, brief: Any, community_id: int, *, actor: User, note: str = ""
) -> ShortlistEntry:
    """Shortlist a listed community, keeping its score and components at this moment."""
    community = session.get(Community, community_id)
    if community is None or community.status is not ListingStatus.LISTED:
        raise NotFound("no listed community with this number")
    found = session.scalar(
        select(ShortlistEntry).where(
            ShortlistEntry.brief_id == brief.id, ShortlistEntry.community_id == community_id
        )
    )
    if found is not None:
        if note:
            found.note = note
        return found
    spec = spec_of(brief)
    features = catalog_features(session)
    score: float | None = None
    components: dict[str, float] = {}
    index = features.index_of.get(community_id)
    if index is not None:
        table = score_catalog(spec, features)
        score = float(table.total[index])
        components = {c.value: float(v[index]) for c, v in table.components.items()}
    entry = ShortlistEntry(
        brief_id=brief.id,
        community_id=community_id,
        note=note.strip(),
        score=score,
        components=components,
        added_by_id=actor.id,
    )
    session.add(entry)
    session.flush()
    return entry


def get_entry(session: SessionLike, brief: Any, entry_id: int) -> ShortlistEntry:
    entry = session.get(ShortlistEntry, entry_id)
    if entry is None or entry.brief_id != brief.id:
        raise NotFound("no such shortlist row")
    return entry


def update_entry(
    entry: ShortlistEntry, *, note: str | None = None, locked: bool | None = None,
    excluded: bool | None = None,
) -> None:  # fmt: skip
    """Change a row's note or its lock/exclude flag (a row cannot be both)."""
    if note is not None:
        entry.note = note.strip()
    if locked is not None:
        entry.locked = locked
        if locked:
            entry.excluded = False
    if excluded is not None:
        entry.excluded = excluded
        if excluded:
            entry.locked = False


def candidates_for(session: SessionLike, brief: Any, spec: BriefSpec) -> list[Candidate]:
    """One candidate per shortlisted channel × placement the goal needs, priced in ILS."""
    entries = shortlist(session, brief)
    by_community = {e.community_id: e for e in entries}
    if not by_community:
        return []
    placements = set(GOAL_PLACEMENTS[spec.goal])
    platforms = set(spec.platforms)
    must = set(spec.must_have_communities)
    assets = list(
        session.scalars(select(ChannelAsset).where(ChannelAsset.community_id.in_(by_community)))
    )
    estimates: dict[tuple[int, str], PlacementEstimate] = {
        (e.asset_id, e.placement.value): e
        for e in session.scalars(
            select(PlacementEstimate).where(
                PlacementEstimate.asset_id.in_([a.id for a in assets]),
                PlacementEstimate.currency == spec.currency,
            )
        )
    }
    shares: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for row in session.scalars(
        select(AudienceShare).where(AudienceShare.community_id.in_(by_community))
    ):
        shares[row.community_id][row.dimension][row.bucket] = row.share_bp
    candidates = []
    for asset in assets:
        community = asset.community
        entry = by_community[community.id]
        if platforms and asset.platform not in platforms:
            continue
        profile = AudienceProfile(
            region=community.region,
            topics=tuple(community.topics or ()),
            shares=shares.get(community.id, {}),
            total_size=community.total_size or 0,
            cities=tuple(sorted(community_cities(community.city or "", community.display_name))),
            languages=tuple(community.languages or ()),
        )
        for rate in asset.rates:
            if rate.placement not in placements or rate.currency != spec.currency:
                continue
            estimate = estimates.get((asset.id, rate.placement.value))
            if estimate is None or estimate.value_p50_minor is None:
                continue  # not valued: the optimiser cannot weigh it (listed in the plan notes)
            candidates.append(
                Candidate(
                    community_id=community.id,
                    community_name=community.display_name,
                    platform=asset.platform,
                    placement=rate.placement,
                    rate_minor=rate.amount_minor,
                    reach=_quantiles(estimate.reach_p10, estimate.reach_p50, estimate.reach_p90),
                    value_minor=_quantiles(
                        estimate.value_p10_minor,
                        estimate.value_p50_minor,
                        estimate.value_p90_minor,
                    ),  # fmt: skip
                    score=min(1.0, max(0.0, entry.score if entry.score is not None else 0.5)),
                    audience=profile,
                    asset_id=asset.id,
                    locked=entry.locked,
                    excluded=entry.excluded,
                    must_have=community.id in must,
                    key=entry.id,
                )
            )
    return candidates


def _quantiles(p10: int | None, p50: int | None, p90: int | None) -> Quantiles:
    mid = int(p50 or 0)
    low = min(mid, int(p10 if p10 is not None else mid))
    high = max(mid, int(p90 if p90 is not None else mid))
    return Quantiles(low, mid, high)


def plan_settings(
    *, channel_cap_pct: int | None = None, min_communities: int | None = None
) -> PlanSettings:
    """The optimiser's rules: the agency margin, and the staff's channel cap and diversity.

    ``channel_cap_pct``: no channel (platform) may take more than this share of the budget.
    ``min_communities``: at least this many communities (lowered, with a note, when the
    budget cannot reach it). None keeps the optimiser's defaults.
    """
    options: dict[str, Any] = {"margin_bp": int(current_app.config.get("AGENCY_MARGIN_BP", 2_500))}
    if channel_cap_pct is not None:
        if not 1 <= channel_cap_pct <= 100:
            raise KesherError(str(_l("A channel's share of the budget is between 1 and 100.")))
        options["default_platform_cap_bp"] = channel_cap_pct * 100
    if min_communities is not None:
        if not 0 <= min_communities <= 50:
            raise KesherError(str(_l("The minimum number of communities is between 0 and 50.")))
        options["min_communities"] = min_communities
    return PlanSettings(**options)


def make_plan(
    session: SessionLike,
    brief: Any,
    *,
    actor: User,
    budget_minor: int | None = None,
    based_on: MediaPlan | None = None,
    channel_cap_pct: int | None = None,
    min_communities: int | None = None,
) -> MediaPlan:
    """Optimise the shortlist within `budget_minor` (the brief's budget by default); keep the run.

    A what-if run (``based_on``) keeps the rules of the plan it varies.
    """
    spec = spec_of(brief)
    budget = spec.budget_minor if budget_minor is None else budget_minor
    if based_on is not None:
        channel_cap_pct = based_on.settings.get("channel_cap_pct")
        min_communities = based_on.settings.get("min_communities")
    settings = plan_settings(channel_cap_pct=channel_cap_pct, min_communities=min_communities)
    candidates = against_brief.with_outcomes(session, candidates_for(session, brief, spec), spec)
    plan_input = PlanInput(
        candidates=tuple(candidates),
        budget_minor=budget,
        currency=spec.currency,
        settings=settings,
        # The brief's places, languages and audience are rules of the plan, not only of ranking.
        constraints=constraints_of(spec),
    )
    # A line priced above its value is bought only when a target needs it (docs/planning.md).
    tops = against_brief.value_tops(session, candidates, spec, plan_input.constraints)
    floored = within_value(plan_input, spec.kpis, tops, min_communities=min_communities or 0)
    # The KPI outlook's budget search reads the whole shortlist: at a budget that meets a
    # target with lines above value, the floor lets them in. The unspent note reads what is
    # still on offer.
    plan, offered = floored.plan, floored.plan_input
    if floored.note is not None:
        plan = replace(plan, notes=(*plan.notes, floored.note))
    plan = replace(
        plan,
        refused=plan.refused
        + against_brief.refused_without_rows(
            session, [e.community_id for e in shortlist(session, brief)], candidates,
            plan_input.constraints,
        ),
    )  # fmt: skip
    unspent = unspent_note(offered, plan)
    if unspent is not None:
        plan = replace(plan, notes=(*plan.notes, unspent))
    outlook = kpi_outlook(plan_input, plan, spec.kpis)
    checks = against_brief.value_checks(session, plan, spec)
    value_warning = check_plan([line.owner_rate_minor for line in plan.lines], checks)
    stored = MediaPlan(
        brief_id=brief.id,
        based_on_id=based_on.id if based_on is not None else None,
        budget_minor=budget,
        currency=spec.currency,
        margin_bp=plan.settings.margin_bp,
        solver_status=plan.status.value,
        cost_minor=plan.cost_minor,
        owner_payout_minor=plan.owner_payout_minor,
        margin_minor=plan.margin_minor,
        reach_p10=plan.reach.p10,
        reach_p50=plan.reach.p50,
        reach_p90=plan.reach.p90,
        value_p10_minor=plan.value_minor.p10,
        value_p50_minor=plan.value_minor.p50,
        value_p90_minor=plan.value_minor.p90,
        settings={
            "margin_bp": plan.settings.margin_bp,
            "channel_cap_pct": channel_cap_pct,
            "min_communities": plan.settings.min_communities,
        },
        result=plan_to_dict(
            plan,
            outcome_basis={
                "result": result_kind(spec.goal.value).value,
                "worth_minor": spec.result_worth_minor,
            },  # fmt: skip
            constraints=plan_input.constraints,
            outlook=outlook,
            checks=checks,
            value_warning=value_warning,
        ),
        created_by_id=actor.id,
    )
    session.add(stored)
    session.flush()
    return stored


def plan_to_dict(
    plan: Plan,
    *,
    outcome_basis: dict[str, Any] | None = None,
    constraints: BriefConstraints | None = None,
    outlook: Sequence[KpiOutlook] = (),
    checks: Sequence[ValueCheck] = (),
    value_warning: Reason | None = None,
) -> dict[str, Any]:
    """What is kept of an optimiser answer (and what the API returns).

    With the plan's brief: the constraints it kept to (and the communities they kept out), each
    KPI target beside the plan's P10/P50/P90 with the budget that would meet it, and each
    line's value for money with the negotiating target the deal desk opens from.
    """
    checks = list(checks) or [ValueCheck(False, None, None, None)] * len(plan.lines)
    margin_bp = plan.settings.margin_bp
    return {
        "status": plan.status.value,
        "lines": [
            {
                "community_id": line.candidate.community_id,
                "community_name": line.candidate.community_name,
                "asset_id": line.candidate.asset_id,
                "platform": line.candidate.platform.value,
                "placement": line.candidate.placement.value,
                "shortlist_entry_id": line.candidate.key,
                "owner_rate_minor": line.owner_rate_minor,
                "margin_minor": line.margin_minor,
                "brand_price_minor": line.brand_price_minor,
                "expected_value_minor": line.expected_value_minor,
                "unique_share_bp": line.unique_share_bp,
                # The share of its members in the brief's places and audience: what counts.
                "brief_share_bp": line.candidate.brief_share_bp,
                "reach": asdict(line.candidate.reach),
                "value_minor": asdict(line.candidate.value_minor),
                "locked": line.candidate.locked,
                "must_have": line.candidate.must_have,
                "value": _value(check, plan.currency, margin_bp),
            }
            for line, check in zip(plan.lines, checks, strict=True)
        ],
        "currency": plan.currency,
        "budget_minor": plan.budget_minor,
        "cost_minor": plan.cost_minor,
        "owner_payout_minor": plan.owner_payout_minor,
        "margin_minor": plan.margin_minor,
        "budget_left_minor": plan.budget_left_minor,
        "reach": asdict(plan.reach),
        "value_minor": asdict(plan.value_minor),
        "gross_reach_p50": plan.gross_reach_p50,
        "expected_value_minor": plan.expected_value_minor,
        "reasons": [_reason(r, plan.currency) for r in plan.reasons],
        "notes": [_reason(r, plan.currency) for r in plan.notes],
        "solve_seconds": round(plan.solve_seconds, 4),
        "constraints": _constraints(constraints),
        "refused": [_reason(r, plan.currency) for r in plan.refused],
        "kpis": [
            {
                "kind": o.kind,
                "target": o.target,
                "planned": asdict(o.planned) if o.planned is not None else None,
                "met": o.met,
                "budget_minor": o.budget_minor,
                **_reason(o.reason, plan.currency),
            }
            for o in outlook
        ],
        "value_warning": _reason(value_warning, plan.currency) if value_warning else None,
        # What the outcome lens counts for the brief's goal, and at what worth (None: the
        # brand did not say, so a result is priced at what a paid one costs).
        "outcome_basis": outcome_basis,
    }


def _value(check: ValueCheck, currency: str, margin_bp: int) -> dict[str, Any]:
    """A line's value for money: the defensible range, and when poor, why and the target."""
    target = check.target_rate_minor
    lenses = check.lenses
    return {
        "replacement": asdict(lenses.replacement) if lenses and lenses.replacement else None,
        "outcome": asdict(lenses.outcome) if lenses and lenses.outcome else None,
        "poor": check.poor,
        "defensible": asdict(check.defensible) if check.defensible is not None else None,
        "target_rate_minor": target,
        "target_price_minor": target + margin_minor(target, margin_bp) if target is not None
        else None,
        "reason": _reason(check.reason, currency) if check.reason is not None else None,
    }  # fmt: skip


def _constraints(constraints: BriefConstraints | None) -> dict[str, Any] | None:
    if constraints is None:
        return None
    return {
        "cities": list(constraints.cities),
        "regions": list(constraints.regions),
        "languages": list(constraints.languages),
        "audience": {d: list(b) for d, b in constraints.audience.items()},
        "he": describe_constraints(constraints, "he"),
        "en": describe_constraints(constraints, "en"),
    }


def _reason(reason: Reason, currency: str) -> dict[str, Any]:
    """A reason or note with its sentence in both languages (params stay for the API)."""
    params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in reason.params.items()}
    return {
        "code": reason.code.value,
        "params": json.loads(json.dumps(params, default=str)),
        "he": explain(reason, "he", currency),
        "en": explain(reason, "en", currency),
    }


def plans(session: SessionLike, brief: Any) -> list[MediaPlan]:
    return list(
        session.scalars(
            select(MediaPlan).where(MediaPlan.brief_id == brief.id).order_by(MediaPlan.id.desc())
        )
    )


def get_plan(session: SessionLike, brief: Any, plan_id: int) -> MediaPlan:
    plan = session.get(MediaPlan, plan_id)
    if plan is None or plan.brief_id != brief.id:
        raise NotFound("no such plan for this brief")
    return plan


def proposed_plan(session: SessionLike, brief: Any) -> MediaPlan | None:
    """The plan the brand is looking at: the latest proposed, approved or sent back."""
    return session.scalar(
        select(MediaPlan)
        .where(
            MediaPlan.brief_id == brief.id,
            MediaPlan.status.in_(
                [PlanStatus.PROPOSED, PlanStatus.APPROVED, PlanStatus.CHANGES_REQUESTED]
            ),
        )
        .order_by(MediaPlan.id.desc())
    )


#: The plans a brand may see: the agency's drafts stay inside the agency.
BRAND_VISIBLE = frozenset({PlanStatus.PROPOSED, PlanStatus.APPROVED, PlanStatus.CHANGES_REQUESTED})


def has_proposed_plan(session: SessionLike, brief: Any) -> str | None:
    """Why a brief cannot be "plan proposed" now (no proposed plan), or None when it can."""
    found = _latest_proposed(session, brief)
    return None if found is not None else str(_l("Build a plan and send it to propose one."))


def _latest_proposed(session: SessionLike, brief: Any) -> MediaPlan | None:
    return session.scalar(
        select(MediaPlan)
        .where(MediaPlan.brief_id == brief.id, MediaPlan.status == PlanStatus.PROPOSED)
        .order_by(MediaPlan.id.desc())
    )


def _move(plan: MediaPlan, to: PlanStatus) -> None:
    """Move a plan by its transition table, or refuse with the brief lifecycle's error."""
    try:
        plan.status = move_plan(plan.status, to)
    except IllegalPlanMove as error:
        raise InvalidTransition(str(error)) from error


def move_brief(
    session: SessionLike, brief: Any, to: BriefStatus, *, actor: Any, note: str = ""
) -> None:
    """Move a brief on (from any page) and keep its proposed plan in step.

    This is the one way the planning feature moves a brief: it asks the brief lifecycle
    (``briefs.change_status``), then moves the plan the brand is looking at by the plan's
    own table — approved or sent back with the brief, back to draft when the agency
    withdraws the proposal. "Plan proposed" needs a proposed plan (see :func:`propose`).
    """
    before = brief.status
    plan_sent = to is BriefStatus.PLAN_PROPOSED and has_proposed_plan(session, brief) is None
    briefs.change_status(session, brief, to, actor=actor, note=note, plan_sent=plan_sent)
    if before is not BriefStatus.PLAN_PROPOSED:
        return
    plan = _latest_proposed(session, brief)
    if plan is None:
        return
    if to is BriefStatus.APPROVED:
        _move(plan, PlanStatus.APPROVED)
        plan.decided_at = utcnow()
        session.flush()
        # The deal desk (a higher feature) opens the plan's deals in this same transaction.
        events.publish(session, "plan.approved", plan=plan, actor=actor)
    elif to is BriefStatus.CHANGES_REQUESTED:
        _move(plan, PlanStatus.CHANGES_REQUESTED)
        plan.decided_at = utcnow()
    elif to is BriefStatus.IN_PLANNING:  # the agency withdrew the proposal
        _move(plan, PlanStatus.DRAFT)
    session.flush()


def propose(session: SessionLike, brief: Any, plan: MediaPlan, *, actor: User) -> None:
    """Send a draft plan to the brand; the brief moves to "plan proposed"."""
    if plan.status is not PlanStatus.DRAFT:
        raise InvalidTransition(str(_l("Only a draft plan can be sent to the brand.")))
    if not plan.result.get("lines"):
        raise MatchingError(str(_l("This plan buys nothing, so there is nothing to propose.")))
    # A newer proposal replaces the one the brand was looking at.
    for other in plans(session, brief):
        if other.status is PlanStatus.PROPOSED:
            _move(other, PlanStatus.SUPERSEDED)
    if brief.status in (BriefStatus.SUBMITTED, BriefStatus.CHANGES_REQUESTED,
                        BriefStatus.PLAN_PROPOSED):  # fmt: skip
        move_brief(session, brief, BriefStatus.IN_PLANNING, actor=actor)
    _move(plan, PlanStatus.PROPOSED)
    session.flush()
    move_brief(session, brief, BriefStatus.PLAN_PROPOSED, actor=actor)


def decide(
    session: SessionLike, brief: Any, plan: MediaPlan, *, actor: User, approve: bool, comment: str
) -> None:
    """The brand approves the proposed plan (it goes to the deal desk) or asks for changes."""
    if plan.status is not PlanStatus.PROPOSED:
        raise InvalidTransition(str(_l("This plan is not waiting for a decision.")))
    to = BriefStatus.APPROVED if approve else BriefStatus.CHANGES_REQUESTED
    move_brief(session, brief, to, actor=actor, note=comment)  # moves the plan too
    if comment.strip():
        briefs.add_comment(session, brief, comment, actor=actor)
