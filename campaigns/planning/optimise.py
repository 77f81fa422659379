"""Turn a shortlist and a budget into a media plan, or into reasons why there cannot be one.

:func:`optimise` runs cheap explanatory checks first (each names the rule and the figures),
then the MILP of :mod:`campaigns.planning.formulation`; if the MILP still finds the rules
infeasible, it switches rule families off one at a time and names those whose relaxation
would make a plan possible. :func:`what_if` re-solves at another budget and compares.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from campaigns.planning.constraints import apply_constraints
from campaigns.planning.formulation import (
    BoolArray,
    Problem,
    Rules,
    Solution,
    build_problem,
    check,
    keep_shares,
    solve,
    tightened,
    value_order,
)
from campaigns.planning.types import (
    BP,
    ModelSize,
    Plan,
    PlanInput,
    PlanLine,
    PlanStatus,
    Quantiles,
    Reason,
    ReasonCode,
    WhatIf,
)

#: How many times the optimiser re-solves to remove a floating-point overshoot of a money row.
_MAX_REPAIRS = 3


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def plan_rules(problem: Problem, plan_input: PlanInput, n_min: int, p_min: int) -> Rules:
    """The rules of a plan input as solver rows, with the given diversity minimums."""
    settings = plan_input.settings
    budget = plan_input.budget_minor
    caps = {}
    most = {}
    for k, platform in enumerate(problem.platforms):
        cap_bp = settings.cap_bp(platform)
        if cap_bp is not None:
            caps[k] = budget * cap_bp // BP
        if platform in settings.platform_max_placements:
            most[k] = settings.platform_max_placements[platform]
    must = tuple(
        sorted({int(problem.community[i]) for i, c in enumerate(problem.candidates) if c.must_have})
    )
    return Rules(
        budget=budget,
        platform_caps=caps,
        platform_max=most,
        community_max=settings.max_per_community,
        must_have=must,
        locks=True,
        min_communities=n_min,
        min_platforms=p_min,
    )


def _prechecks(plan_input: PlanInput, problem: Problem) -> list[Reason]:
    """Cheap checks that explain the common ways a plan cannot exist, with figures."""
    settings = plan_input.settings
    budget = plan_input.budget_minor
    reasons: list[Reason] = []
    clash = sorted(
        f"{c.community_name} ({c.platform.value}, {c.placement.value})"
        for c in plan_input.candidates
        if c.locked and c.excluded
    )
    if clash:
        reasons.append(Reason(ReasonCode.LOCKED_AND_EXCLUDED, {"lines": tuple(clash)}))
    # Must-have communities whose every row is excluded (or which have no row at all).
    must_ids = {c.community_id for c in plan_input.candidates if c.must_have}
    missing = sorted(
        {c.community_name for c in plan_input.candidates if c.community_id in must_ids}
        - {c.community_name for c in problem.candidates}
    )
    if missing:
        reasons.append(Reason(ReasonCode.MUST_HAVE_UNAVAILABLE, {"communities": tuple(missing)}))
    if problem.size == 0:
        reasons.append(Reason(ReasonCode.NO_CANDIDATES, {"total": len(plan_input.candidates)}))
        return reasons
    if budget <= 0:
        reasons.append(Reason(ReasonCode.BUDGET_NOT_POSITIVE, {"budget": budget}))
        return reasons

    locked = np.array([c.locked for c in problem.candidates], dtype=bool)
    locked_cost = int(problem.price[locked].sum())
    if locked_cost > budget:
        reasons.append(
            Reason(
                ReasonCode.LOCKED_OVER_BUDGET,
                {
                    "locked_cost": locked_cost,
                    "budget": budget,
                    "shortfall": locked_cost - budget,
                    "count": int(locked.sum()),
                },
            )
        )
    counts = np.bincount(problem.community[locked], minlength=len(problem.community_ids))
    over = [
        problem.candidates[int(np.nonzero(problem.community == k)[0][0])].community_name
        for k in np.nonzero(counts > settings.max_per_community)[0]
    ]
    if over:
        reasons.append(
            Reason(
                ReasonCode.LOCKED_OVER_COMMUNITY_MAX,
                {"communities": tuple(sorted(over)), "max": settings.max_per_community},
            )
        )
    rules = plan_rules(problem, plan_input, 0, 0)
    for k, cap in sorted(rules.platform_caps.items()):
        spend = int(problem.price[locked & (problem.platform == k)].sum())
        if spend > cap:
            reasons.append(
                Reason(
                    ReasonCode.LOCKED_OVER_PLATFORM_CAP,
                    {
                        "platform": problem.platforms[k].value,
                        "locked_cost": spend,
                        "cap": cap,
                        "cap_bp": settings.cap_bp(problem.platforms[k]),
                    },
                )
            )
    for k, most in sorted(rules.platform_max.items()):
        count = int((locked & (problem.platform == k)).sum())
        if count > most:
            reasons.append(
                Reason(
                    ReasonCode.LOCKED_OVER_PLATFORM_MAX,
                    {"platform": problem.platforms[k].value, "count": count, "max": most},
                )
            )
    # Must-haves: the locked lines plus the cheapest line of each must-have community that no
    # locked line already covers is the least any plan can cost.
    covered = set(problem.community[locked].tolist())
    cheapest_by_community = {
        k: int(problem.price[problem.community == k].min())
        for k in range(len(problem.community_ids))
    }
    needed = [k for k in rules.must_have if k not in covered]
    must_cost = locked_cost + sum(cheapest_by_community[k] for k in needed)
    if needed and must_cost > budget:
        names = [
            problem.candidates[int(np.nonzero(problem.community == k)[0][0])].community_name
            for k in needed
        ]
        reasons.append(
            Reason(
                ReasonCode.MUST_HAVE_OVER_BUDGET,
                {
                    "communities": tuple(sorted(names)),
                    "needed": must_cost,
                    "budget": budget,
                    "shortfall": must_cost - budget,
                },
            )
        )
    if settings.strict_diversity:
        n_comm = len(problem.community_ids)
        if settings.min_communities > n_comm:
            reasons.append(
                Reason(
                    ReasonCode.DIVERSITY_TOO_FEW_COMMUNITIES,
                    {"required": settings.min_communities, "available": n_comm},
                )
            )
        elif settings.min_communities > 0:
            least = sum(sorted(cheapest_by_community.values())[: settings.min_communities])
            if least > budget:
                reasons.append(
                    Reason(
                        ReasonCode.DIVERSITY_OVER_BUDGET,
                        {
                            "required": settings.min_communities,
                            "needed": least,
                            "budget": budget,
                            "shortfall": least - budget,
                        },
                    )
                )
        if settings.min_platforms > len(problem.platforms):
            reasons.append(
                Reason(
                    ReasonCode.DIVERSITY_TOO_FEW_PLATFORMS,
                    {"required": settings.min_platforms, "available": len(problem.platforms)},
                )
            )
    cheapest = int(problem.price.min())
    if cheapest > budget:
        at = int(np.argmin(problem.price))
        reasons.append(
            Reason(
                ReasonCode.BUDGET_BELOW_CHEAPEST,
                {
                    "budget": budget,
                    "cheapest": cheapest,
                    "shortfall": cheapest - budget,
                    "community": problem.candidates[at].community_name,
                    "platform": problem.candidates[at].platform.value,
                    "placement": problem.candidates[at].placement.value,
                },
            )
        )
    return reasons


def _hard_requirements(plan_input: PlanInput) -> bool:
    """Whether the rules demand something be bought (so an empty plan breaks them)."""
    s = plan_input.settings
    return any(c.locked or c.must_have for c in plan_input.candidates) or (
        s.strict_diversity and (s.min_communities > 0 or s.min_platforms > 1)
    )


def _solve_exact(problem: Problem, rules: Rules, plan_input: PlanInput) -> tuple[Solution, Rules]:
    """Solve, then make sure the rounded 0/1 answer meets every money row in integers."""
    settings = plan_input.settings
    solution = solve(
        problem, rules, time_limit_s=settings.time_limit_s, mip_rel_gap=settings.mip_rel_gap
    )
    current = rules
    seconds = solution.seconds
    for _ in range(_MAX_REPAIRS):
        if solution.selected is None or not check(problem, rules, solution.selected):
            break
        current = tightened(current, problem, solution.selected)
        solution = solve(
            problem,
            current,
            time_limit_s=settings.time_limit_s,
            mip_rel_gap=settings.mip_rel_gap,
        )
        seconds += solution.seconds
    return replace(solution, seconds=seconds), current


def _drop_worthless(problem: Problem, rules: Rules, selected: BoolArray) -> BoolArray:
    """Remove bought lines of zero expected value that no rule needs (the objective is
    indifferent to them, so the solver may leave them in)."""
    x = selected.copy()
    for i in np.nonzero(x & (problem.expected <= 0))[0]:
        if problem.candidates[int(i)].locked:
            continue
        x[i] = False
        if check(problem, rules, x):
            x[i] = True
    return x


def _diagnose(problem: Problem, rules: Rules, plan_input: PlanInput) -> Reason:
    """Name the rule families whose removal alone would make a plan possible."""
    settings = plan_input.settings
    families: dict[str, Rules] = {}
    if rules.locks and any(c.locked for c in problem.candidates):
        families["locks"] = replace(rules, locks=False)
    if rules.must_have:
        families["must_have"] = replace(rules, must_have=())
    if rules.platform_caps:
        families["platform_caps"] = replace(rules, platform_caps={})
    if rules.platform_max:
        families["platform_max"] = replace(rules, platform_max={})
    if rules.community_max is not None:
        families["community_max"] = replace(rules, community_max=None)
    if rules.min_communities > 0:
        families["min_communities"] = replace(rules, min_communities=0)
    if rules.min_platforms > 1:
        families["min_platforms"] = replace(rules, min_platforms=0)
    families["budget"] = replace(rules, budget=None, platform_caps={})
    relax = tuple(
        name
        for name, relaxed in families.items()
        if solve(
            problem,
            relaxed,
            time_limit_s=settings.time_limit_s,
            mip_rel_gap=1.0,
            feasibility_only=True,
        ).selected
        is not None
    )
    return Reason(ReasonCode.RULES_CONFLICT, {"relax": relax})


def _empty_plan(
    plan_input: PlanInput,
    status: PlanStatus,
    reasons: list[Reason],
    *,
    message: str = "",
    seconds: float = 0.0,
    size: ModelSize | None = None,
) -> Plan:
    zero = Quantiles(0, 0, 0)
    return Plan(
        status=status,
        lines=(),
        currency=plan_input.currency,
        budget_minor=plan_input.budget_minor,
        cost_minor=0,
        owner_payout_minor=0,
        margin_minor=0,
        budget_left_minor=plan_input.budget_minor,
        reach=zero,
        value_minor=zero,
        gross_reach_p50=0,
        expected_value_minor=0,
        reasons=tuple(reasons),
        notes=(),
        solver_message=message,
        solver_gap=None,
        solve_seconds=seconds,
        model=size,
        settings=plan_input.settings,
    )


def _build_plan(
    plan_input: PlanInput,
    problem: Problem,
    selected: BoolArray,
    solution: Solution,
    notes: list[Reason],
) -> Plan:
    chosen = value_order(problem, np.nonzero(selected)[0].tolist())
    keep = keep_shares(problem, chosen).tolist()
    lines = tuple(
        PlanLine(
            candidate=problem.candidates[i],
            owner_rate_minor=int(problem.rate[i]),
            margin_minor=int(problem.margin[i]),
            brand_price_minor=int(problem.price[i]),
            expected_value_minor=_round_half_up(float(problem.expected[i])),
            unique_share_bp=_round_half_up(share * BP),
        )
        for i, share in zip(chosen, keep, strict=True)
    )
    cands = [problem.candidates[i] for i in chosen]
    gross_reach = [sum(getattr(c.reach, q) for c in cands) for q in ("p10", "p50", "p90")]
    gross_value = [sum(getattr(c.value_minor, q) for c in cands) for q in ("p10", "p50", "p90")]
    unique_reach = sum(c.reach.p50 * s for c, s in zip(cands, keep, strict=True))
    unique_value = sum(c.value_minor.p50 * s for c, s in zip(cands, keep, strict=True))
    kinds = sorted({kind for c in cands for kind in c.outcomes})
    outcomes = {}
    for kind in kinds:
        gross = [sum(getattr(c.outcomes[kind], q) for c in cands if kind in c.outcomes)
                 for q in ("p10", "p50", "p90")]  # fmt: skip
        unique = sum(c.outcomes[kind].p50 * s for c, s in zip(cands, keep, strict=True)
                     if kind in c.outcomes)  # fmt: skip
        ratio = unique / gross[1] if gross[1] else 1.0
        outcomes[kind] = Quantiles(*(_round_half_up(ratio * g) for g in gross))
    reach_ratio = unique_reach / gross_reach[1] if gross_reach[1] else 1.0
    value_ratio = unique_value / gross_value[1] if gross_value[1] else 1.0
    cost = sum(line.brand_price_minor for line in lines)
    status = PlanStatus.OPTIMAL if solution.optimal else PlanStatus.FEASIBLE
    if solution.time_limited:
        notes = [
            *notes,
            Reason(ReasonCode.TIME_LIMIT, {"seconds": plan_input.settings.time_limit_s}),
        ]
    reasons: list[Reason] = []
    if not lines:
        status = PlanStatus.EMPTY
        reasons.append(Reason(ReasonCode.NOTHING_OF_VALUE, {}))
    return Plan(
        status=status,
        lines=lines,
        currency=plan_input.currency,
        budget_minor=plan_input.budget_minor,
        cost_minor=cost,
        owner_payout_minor=sum(line.owner_rate_minor for line in lines),
        margin_minor=sum(line.margin_minor for line in lines),
        budget_left_minor=plan_input.budget_minor - cost,
        reach=Quantiles(*(_round_half_up(reach_ratio * g) for g in gross_reach)),
        value_minor=Quantiles(*(_round_half_up(value_ratio * g) for g in gross_value)),
        gross_reach_p50=gross_reach[1],
        expected_value_minor=_round_half_up(
            sum(float(problem.expected[i]) * s for i, s in zip(chosen, keep, strict=True))
        ),
        reasons=tuple(reasons),
        notes=tuple(notes),
        solver_message=solution.message,
        solver_gap=solution.gap,
        solve_seconds=solution.seconds,
        model=solution.size,
        settings=plan_input.settings,
        outcomes=outcomes,
    )


def optimise(plan_input: PlanInput) -> Plan:
    """The plan of greatest fit-weighted, deduplicated expected value within the rules.

    Never raises for unsatisfiable input (only :class:`PlanInputError` for malformed input,
    at construction); an empty plan always carries ``reasons``.
    """
    start = time.perf_counter()
    if plan_input.constraints is not None:
        # The brief's places, languages and audience first: who may be bought at all.
        allowed, refused = apply_constraints(plan_input.constraints, plan_input.candidates)
        plan = optimise(replace(plan_input, candidates=allowed, constraints=None))
        if refused and not allowed:
            # Nothing is "excluded": the brief's own rules kept every community out. Say so.
            why = Reason(ReasonCode.NONE_KEEP_TO_BRIEF, {"refused": len(refused)})
            kept = tuple(why if r.code is ReasonCode.NO_CANDIDATES else r for r in plan.reasons)
            plan = replace(plan, reasons=kept)
        return replace(plan, refused=refused)
    settings = plan_input.settings
    problem = build_problem(plan_input)
    reasons = _prechecks(plan_input, problem)
    if reasons:
        hard = _hard_requirements(plan_input) or any(
            r.code is not ReasonCode.BUDGET_BELOW_CHEAPEST
            and r.code is not ReasonCode.BUDGET_NOT_POSITIVE
            and r.code is not ReasonCode.NO_CANDIDATES
            for r in reasons
        )
        status = PlanStatus.INFEASIBLE if hard else PlanStatus.EMPTY
        return _empty_plan(plan_input, status, reasons, seconds=time.perf_counter() - start)

    n_comm = len(problem.community_ids)
    n_plat = len(problem.platforms)
    want_n, want_p = settings.min_communities, settings.min_platforms
    if not settings.strict_diversity:
        want_n, want_p = min(want_n, n_comm), min(want_p, n_plat)
    notes: list[Reason] = []
    solution, rules = _solve_exact(
        problem, plan_rules(problem, plan_input, want_n, want_p), plan_input
    )
    seconds = solution.seconds
    if solution.selected is None and not settings.strict_diversity and (want_n or want_p > 1):
        # "When the budget allows": lower the minimums until a plan exists.
        for n_min, p_min in [(n, want_p) for n in range(want_n - 1, -1, -1)] + [
            (0, p) for p in range(want_p - 1, 0, -1)
        ]:
            solution, rules = _solve_exact(
                problem, plan_rules(problem, plan_input, n_min, p_min), plan_input
            )
            seconds += solution.seconds
            if solution.selected is not None:
                break
    if solution.selected is not None and not settings.strict_diversity:
        x = solution.selected
        used_n = len(set(problem.community[x].tolist()))
        used_p = len(set(problem.platform[x].tolist()))
        if used_n < settings.min_communities or (
            settings.min_platforms > 1 and used_p < settings.min_platforms
        ):
            notes.append(
                Reason(
                    ReasonCode.DIVERSITY_RELAXED,
                    {
                        "required_communities": settings.min_communities,
                        "communities": used_n,
                        "required_platforms": settings.min_platforms,
                        "platforms": used_p,
                        "available_communities": n_comm,
                    },
                )
            )
    solution = replace(solution, seconds=time.perf_counter() - start)
    if solution.selected is None:
        if solution.time_limited:
            reason = Reason(
                ReasonCode.SOLVER_FAILED,
                {"message": solution.message, "seconds": settings.time_limit_s},
            )
        else:
            reason = _diagnose(problem, rules, plan_input)
        solution = replace(solution, seconds=time.perf_counter() - start)
        return _empty_plan(
            plan_input,
            PlanStatus.INFEASIBLE,
            [reason],
            message=solution.message,
            seconds=solution.seconds,
            size=solution.size,
        )
    selected = _drop_worthless(problem, rules, solution.selected)
    broken = check(problem, plan_rules(problem, plan_input, 0, 0), selected)
    if broken:  # the repairs could not restore an integer money row: refuse, do not overspend
        return _empty_plan(
            plan_input,
            PlanStatus.INFEASIBLE,
            [
                Reason(
                    ReasonCode.SOLVER_FAILED,
                    {"message": f"broken: {', '.join(broken)}", "seconds": seconds},
                )
            ],
            message=solution.message,
            seconds=solution.seconds,
            size=solution.size,
        )
    return _build_plan(plan_input, problem, selected, solution, notes)


def scaled_budget(budget_minor: int, budget_bp: int) -> int:
    """The budget at `budget_bp` basis points of itself (12,000 = 20% more), rounded down to a
    whole minor unit (never above what was asked); integers throughout."""
    return budget_minor * budget_bp // BP


def what_if(plan_input: PlanInput, budget_bp: int = 12_000, *, base: Plan | None = None) -> WhatIf:
    """Re-solve the same shortlist at `budget_bp` basis points of the budget and compare.

    Pass `base` when the plan at the current budget is already solved, to avoid solving it
    twice. Locks, exclusions and rules are kept; only the budget (and so the share caps)
    moves.
    """
    if not isinstance(budget_bp, int) or isinstance(budget_bp, bool) or budget_bp <= 0:
        raise ValueError("budget_bp must be a positive whole number of basis points")
    base = base if base is not None else optimise(plan_input)
    alternative = optimise(
        replace(plan_input, budget_minor=scaled_budget(plan_input.budget_minor, budget_bp))
    )
    base_keys = {line.candidate.line_key for line in base.lines}
    alt_keys = {line.candidate.line_key for line in alternative.lines}
    added = tuple(line for line in alternative.lines if line.candidate.line_key not in base_keys)
    removed = tuple(line for line in base.lines if line.candidate.line_key not in alt_keys)
    extra_budget = alternative.budget_minor - base.budget_minor
    extra_cost = alternative.cost_minor - base.cost_minor
    extra_value = alternative.value_minor.p50 - base.value_minor.p50
    return WhatIf(
        base=base,
        alternative=alternative,
        budget_bp=budget_bp,
        added=added,
        removed=removed,
        extra_budget_minor=extra_budget,
        extra_cost_minor=extra_cost,
        extra_value_p50_minor=extra_value,
        extra_reach_p50=alternative.reach.p50 - base.reach.p50,
        value_per_extra_budget_bp=extra_value * BP // extra_budget if extra_budget > 0 else None,
        value_per_extra_cost_bp=extra_value * BP // extra_cost if extra_cost > 0 else None,
    )
