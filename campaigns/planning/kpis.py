"""The brief's KPI targets beside the plan's P10/P50/P90, and the budget that would meet them.

A target is met when the plan's P50 reaches it. When it does not, :func:`budget_for` finds the
least budget (in steps of :data:`BUDGET_STEP_MINOR`, to within 2%) at which the optimiser's
own plan — the same shortlist, rules and brief constraints — has a P50 at or above the target,
by growing the budget by half until it does, then bisecting; it never searches past the price
of every allowed line; when even buying every allowed
line falls short, no budget reaches it with the communities that fit. docs/planning.md has a
worked example.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

from campaigns.brief import RATE_KPIS, Kpi, KpiKind
from campaigns.planning.constraints import apply_constraints
from campaigns.planning.formulation import margin_minor
from campaigns.planning.optimise import optimise
from campaigns.planning.types import BP, Plan, PlanInput, Reason, ReasonCode
from pricing.valuation.schema import Quantiles

#: Budgets the search proposes are whole multiples of this (₪100).
BUDGET_STEP_MINOR = 10_000
#: The search stops within 2% of the budget it proposes (or one step, whichever is more).
TOLERANCE_BP = 200
#: Each probe solves to within 1% of the best plan, in at most 2 seconds.
PROBE_GAP = 0.01
PROBE_SECONDS = 2.0
#: After this long the search returns the least budget it has seen reach the target. The
#: plan's KPI targets share it (the plan is built inside a staff member's request).
SEARCH_SECONDS = 4.0
#: At most this many steps up when the plan at the budget found falls short of the target.
VERIFY_STEPS = 5


def planned(plan: Plan, kind: str) -> Quantiles | None:
    """The plan's P10/P50/P90 for a KPI kind, or None when the plan does not estimate it."""
    if kind == KpiKind.REACH.value:
        return plan.reach
    if kind in plan.outcomes:
        return plan.outcomes[kind]
    return None


def _estimable(plan_input: PlanInput, kind: str) -> bool:
    return kind == KpiKind.REACH.value or any(kind in c.outcomes for c in plan_input.candidates)


def budget_for(
    plan_input: PlanInput,
    kind: str,
    target: int,
    *,
    tolerance_bp: int = TOLERANCE_BP,
    deadline_s: float = SEARCH_SECONDS,
) -> int | None:
    """The least budget at which the optimiser's plan has a P50 of `kind` at or above `target`.

    A multiple of :data:`BUDGET_STEP_MINOR` (or the price of every allowed line, when that is
    what it takes), found to within `tolerance_bp` of itself (never finer than one step); None
    when even buying every allowed line falls short. The probes solve with the gap and time
    limit of :data:`PROBE_GAP` / :data:`PROBE_SECONDS`, and the search stops refining after
    `deadline_s`: the answer is then a budget known to reach the target, perhaps not the least.
    """
    started = time.perf_counter()
    allowed, _refused = apply_constraints(plan_input.constraints, plan_input.candidates)
    margin = plan_input.settings.margin_bp
    top = sum(c.rate_minor + margin_minor(c.rate_minor, margin) for c in allowed if not c.excluded)
    settings = replace(
        plan_input.settings,
        mip_rel_gap=max(plan_input.settings.mip_rel_gap, PROBE_GAP),
        time_limit_s=min(plan_input.settings.time_limit_s, PROBE_SECONDS),
    )
    probe = replace(plan_input, settings=settings)

    def reaches(budget: int) -> bool:
        q = planned(optimise(replace(probe, budget_minor=budget)), kind)
        return q is not None and q.p50 >= target

    if top <= 0 or not reaches(top):
        return None
    step = BUDGET_STEP_MINOR
    low = max(plan_input.budget_minor, 0) // step  # in steps; known (or assumed) short
    high = -(-top // step)  # in steps; reaches (a budget above top buys what top buys)
    # Bracket first, growing by half each time: a target just out of reach needs few solves.
    probe_at = max(low, 1)
    while time.perf_counter() - started < deadline_s:
        probe_at = max(probe_at + 1, probe_at * 3 // 2)
        if probe_at >= high:
            break
        if reaches(probe_at * step):
            high = probe_at
            break
        low = probe_at
    while high - low > max(1, high * tolerance_bp // BP):
        if time.perf_counter() - started >= deadline_s:
            break
        mid = (low + high) // 2
        if reaches(mid * step):
            high = mid
        else:
            low = mid
    # The probes solve loosely; the plan staff will build at the budget named solves to the
    # full gap and may choose another plan. Name a budget at which that plan reaches it too:
    # step up (2% at a time) until it does, or to the price of every allowed line.
    answer = min(high * step, top)
    full = replace(
        plan_input,
        settings=replace(
            plan_input.settings, time_limit_s=min(plan_input.settings.time_limit_s, PROBE_SECONDS)
        ),
    )
    for i in range(VERIFY_STEPS):
        if i and time.perf_counter() - started >= deadline_s:
            break  # out of time: the budget named is the best seen, perhaps a little short
        again = planned(optimise(replace(full, budget_minor=answer)), kind)
        if answer >= top or (again is not None and again.p50 >= target):
            break
        answer = min(top, -(-(answer + max(step, answer * tolerance_bp // BP)) // step) * step)
    return answer


@dataclass(frozen=True, slots=True)
class KpiOutlook:
    """One KPI target beside the plan: its P10/P50/P90 (None: not estimated), whether P50
    meets it, and the budget that would (None when met, not estimated or unreachable)."""

    kind: str
    target: int
    planned: Quantiles | None
    met: bool | None
    budget_minor: int | None
    reason: Reason


def kpi_outlook(plan_input: PlanInput, plan: Plan, kpis: Iterable[Kpi]) -> tuple[KpiOutlook, ...]:
    """Each KPI target beside the plan, with the budget that would meet a missed one.

    The budget searches of all missed targets share :data:`SEARCH_SECONDS`: a later target's
    search gets what the earlier ones left (at least one probe, which proves its answer).
    """
    started = time.perf_counter()
    out: list[KpiOutlook] = []
    for kpi in kpis:
        kind = KpiKind(kpi.kind).value
        q = planned(plan, kind) if _estimable(plan_input, kind) else None
        base = {"kpi": kind, "target": kpi.target}
        if kpi.kind in RATE_KPIS or q is None:
            reason = Reason(ReasonCode.KPI_NOT_ESTIMATED, base)
            out.append(KpiOutlook(kind, kpi.target, None, None, None, reason))
            continue
        figures = {**base, "p10": q.p10, "p50": q.p50, "p90": q.p90}
        if q.p50 >= kpi.target:
            reason = Reason(ReasonCode.KPI_MET, figures)
            out.append(KpiOutlook(kind, kpi.target, q, True, None, reason))
            continue
        left = max(0.0, SEARCH_SECONDS - (time.perf_counter() - started))
        needed = budget_for(plan_input, kind, kpi.target, deadline_s=left)
        figures["short"] = kpi.target - q.p50
        if needed is None:
            reason = Reason(ReasonCode.KPI_UNREACHABLE, figures)
        else:
            reason = Reason(ReasonCode.KPI_SHORT, {**figures, "needed": needed})
        out.append(KpiOutlook(kind, kpi.target, q, False, needed, reason))
    return tuple(out)


#: A plan leaving at least this share of its budget unspent says why, when nothing it may buy
#: fits in what is left (20%).
UNSPENT_NOTE_BP = 2_000


def unspent_note(plan_input: PlanInput, plan: Plan) -> Reason | None:
    """A note when much of the budget is left because the shortlist, not the budget, limits
    the plan.

    When at least :data:`UNSPENT_NOTE_BP` of the budget is left and the budget left would buy
    every row the brief allows that the plan did not (within the most lines per community),
    the plan is not holding money back: what else the shortlist holds adds little or nothing
    (the optimiser stops within its gap). Say so, with the amount, rather than leave staff to
    wonder why ₪174,770 of ₪250,000 is unspent.
    """
    budget, left = plan_input.budget_minor, plan.budget_left_minor
    if not plan.lines or budget <= 0 or left * BP < budget * UNSPENT_NOTE_BP:
        return None
    allowed, _refused = apply_constraints(plan_input.constraints, plan_input.candidates)
    bought = {(c.community_id, c.asset_id, c.platform, c.placement)
              for c in (line.candidate for line in plan.lines)}  # fmt: skip
    per_community: dict[int, int] = {}
    for line in plan.lines:
        cid = line.candidate.community_id
        per_community[cid] = per_community.get(cid, 0) + 1
    most, margin = plan_input.settings.max_per_community, plan_input.settings.margin_bp
    rest = sum(
        c.rate_minor + margin_minor(c.rate_minor, margin)
        for c in allowed
        if not c.excluded
        and (c.community_id, c.asset_id, c.platform, c.placement) not in bought
        and per_community.get(c.community_id, 0) < most
    )
    if rest > left:
        return None  # the budget is what limits the plan
    return Reason(ReasonCode.SHORTLIST_USED_UP, {"left": left, "budget": budget, "rest": rest})
