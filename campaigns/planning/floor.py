"""The value-for-money floor: a line priced above its value is bought only to meet a target.

The optimiser maximises fit-weighted value within the budget; any line with value adds to
that, so left alone it spends the budget on whatever the shortlist holds, however far the
owner's rate is above what the line is worth. A broker does not: a line whose owner rate is
above what its value defends at P90 (``campaigns.planning.value``, the poor-value check) is
held back, and bought only when the brief's reach/KPI targets cannot be met without it and
can be met with it. Then as few as needed are let in, closest to their value first. Locked and
must-have lines are staff's and the brand's choice, never held back. docs/planning.md works an
example.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from campaigns.brief import RATE_KPIS, Kpi, KpiKind
from campaigns.planning.kpis import planned
from campaigns.planning.optimise import optimise
from campaigns.planning.types import Candidate, Plan, PlanInput, Reason, ReasonCode

#: What identifies a line: ``Candidate.line_key``.
LineKey = tuple[int, int, str, str]

#: The most solves spent holding back again lines let in that the targets turn out not to need.
PRUNE_SOLVES = 32


@dataclass(frozen=True, slots=True)
class Floored:
    """The plan under the floor, the input it was solved from (held-back lines marked
    excluded, so the KPI outlook and the unspent-budget note read the same shortlist), and the
    note saying what was held back or bought above value (None when nothing was)."""

    plan: Plan
    plan_input: PlanInput
    note: Reason | None


def above_value(candidate: Candidate, tops: Mapping[LineKey, int]) -> bool:
    """Whether the owner's rate is above what the line's value defends at P90 (unknown: no)."""
    top = tops.get(candidate.line_key)
    return top is not None and candidate.rate_minor > top


def targets_met(plan: Plan, kpis: Iterable[Kpi], min_communities: int = 0) -> frozenset[str]:
    """The targets the plan meets: each count KPI (reach, clicks, leads, engagements) whose
    P50 reaches its target, and ``communities`` when it spans the ``min_communities`` staff
    asked for. Rates and KPIs the plan cannot estimate are not targets here."""
    met = set()
    if len({line.candidate.community_id for line in plan.lines}) >= min_communities:
        met.add("communities")
    for kpi in kpis:
        kind = KpiKind(kpi.kind).value
        q = planned(plan, kind)
        if kpi.kind not in RATE_KPIS and q is not None and q.p50 >= kpi.target:
            met.add(kind)
    return frozenset(met)


def _holding(plan_input: PlanInput, held: set[LineKey]) -> PlanInput:
    rows = tuple(replace(c, excluded=True) if c.line_key in held else c
                 for c in plan_input.candidates)  # fmt: skip
    return replace(plan_input, candidates=rows)


def within_value(
    plan_input: PlanInput,
    kpis: Sequence[Kpi],
    tops: Mapping[LineKey, int],
    *,
    min_communities: int = 0,
) -> Floored:
    """The plan with lines above their value held back unless a target needs them.

    ``tops`` maps a line to the most its value defends at P90 (owner rate, minor units), on
    the brief's share of its audience. Lines missing from it are never held back.
    ``min_communities`` is a spread staff asked for (not the optimiser's default of "when the
    budget allows"): a target like the KPIs, which lines above value may be bought to meet.
    """
    above = [
        c
        for c in plan_input.candidates
        if not (c.locked or c.must_have or c.excluded) and above_value(c, tops)
    ]
    if not above:
        return Floored(optimise(plan_input), plan_input, None)
    # Closest to its value first: the least overpriced line is the first let in.
    above.sort(key=lambda c: (-tops[c.line_key] / max(c.rate_minor, 1), c.rate_minor))
    keys = [c.line_key for c in above]
    held_input = _holding(plan_input, set(keys))
    held_plan = optimise(held_input)
    full = optimise(plan_input)
    # Only a target the lines above value would meet justifies them: one the plan meets
    # without them needs nothing, one it misses even with them is not bought by paying more.
    wanted = targets_met(full, kpis, min_communities)
    if _meets(held_plan, kpis, wanted, min_communities):
        return Floored(held_plan, held_input, _held_note(above, len(above)))
    if not held_plan.lines and not wanted - {"communities"}:
        # Every line is above value and buying them meets no target: a plan with nothing in
        # it gives the desk nothing to negotiate, so the lines stand as asked, each with its
        # target rate (the value check).
        return Floored(full, plan_input, _note(ReasonCode.VALUE_NONE_AT_VALUE, full, above))
    k, trial = _fewest_let_in(plan_input, keys, full, kpis, wanted, min_communities)
    held = set(keys[k:])
    # The optimiser buys every row let in that fits: hold back again the ones (furthest from
    # its value first) the targets do not need. A row the plan did not buy needs no solve:
    # holding it back leaves the same plan. The rest are tried in runs that double while the
    # targets hold and halve when they do not, up to PRUNE_SOLVES solves (a shortlist of
    # hundreds of lines above value then keeps the furthest-from-value ones out and the rest
    # of what it let in).
    order = list(reversed(keys[:k]))
    solves, run, i = 0, 1, 0
    while i < len(order) and solves < PRUNE_SOLVES:
        if order[i] not in {line.candidate.line_key for line in trial.lines}:
            held.add(order[i])
            i += 1
            continue
        block = set(order[i : i + run])
        solves += 1
        again = optimise(_holding(plan_input, held | block))
        if _meets(again, kpis, wanted, min_communities):
            held |= block
            trial = again
            i += run
            run *= 2
        elif run > 1:
            run //= 2
        else:
            i += 1  # the targets need this one
    return Floored(trial, _holding(plan_input, held), _bought_note(trial, above))


def _meets(plan: Plan, kpis: Sequence[Kpi], wanted: frozenset[str], min_communities: int) -> bool:
    return bool(plan.lines) and targets_met(plan, kpis, min_communities) >= wanted


def _fewest_let_in(
    plan_input: PlanInput,
    keys: Sequence[LineKey],
    full: Plan,
    kpis: Sequence[Kpi],
    wanted: frozenset[str],
    min_communities: int,
) -> tuple[int, Plan]:
    """How many lines above value (closest to value first) must be let in for the plan to meet
    ``wanted``, and that plan. Letting in more lines only widens what the optimiser may buy, so
    the count is found by doubling and then halving: about 2·log2(lines) solves instead of one
    per line. ``full`` is the plan with every line let in, which meets ``wanted``."""

    def trial(k: int) -> Plan | None:
        if k == len(keys):  # the whole shortlist: the bound the search starts from
            return full
        plan = optimise(_holding(plan_input, set(keys[k:])))
        return plan if _meets(plan, kpis, wanted, min_communities) else None

    fails, k = 0, 1  # with none let in the plan misses `wanted` (the caller checked)
    while (found := trial(k)) is None:
        fails, k = k, min(2 * k, len(keys))
    while k - fails > 1:
        middle = (fails + k) // 2
        if (plan := trial(middle)) is None:
            fails = middle
        else:
            k, found = middle, plan
    return k, found


def _held_note(above: Sequence[Candidate], held: int) -> Reason:
    names = tuple(dict.fromkeys(c.community_name for c in above))
    return Reason(
        ReasonCode.VALUE_HELD_BACK,
        {"held": held, "communities": names, "asked": sum(c.rate_minor for c in above)},
    )


def _bought_note(plan: Plan, above: Sequence[Candidate]) -> Reason:
    return _note(ReasonCode.VALUE_BOUGHT_FOR_TARGET, plan, above)


def _note(code: ReasonCode, plan: Plan, above: Sequence[Candidate]) -> Reason:
    keys = {c.line_key for c in above}
    bought = [line.candidate for line in plan.lines if line.candidate.line_key in keys]
    return Reason(
        code,
        {
            "bought": len(bought),
            "held": len(above) - len(bought),
            "communities": tuple(dict.fromkeys(c.community_name for c in bought)),
        },
    )
