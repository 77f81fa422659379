"""Benchmark: an optimal media plan over 500 shortlisted candidates in <= 2 s.

Builds a seeded synthetic shortlist (about 200 communities x 1-4 placements, trimmed to 500
rows; topic clusters and regions make many pairs of communities overlap), sets a budget that
buys roughly a sixth of it (binding), and times :func:`campaigns.planning.optimise` end to end
(median of 5 and worst). In the same run it times the greedy baseline (best marginal value per
shekel first) on the same model and reports how much of the optimiser's objective it leaves on
the table. Exits 1 if the median misses the 2-second goal.

    .venv/bin/python benchmarks/plan_optimise.py [--communities N] [--candidates N] [--seed N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime

import numpy as np
import scipy

from campaigns.planning import PlanInput, PlanSettings, optimise
from campaigns.planning.baseline import greedy_selection
from campaigns.planning.formulation import build_problem, objective_value
from campaigns.planning.optimise import plan_rules
from campaigns.planning.synthetic import synthetic_candidates

GOAL_SECONDS = 2.0
RUNS = 5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=200)
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--budget-share", type=float, default=0.15)
    args = parser.parse_args(argv)

    rows = synthetic_candidates(args.communities, placements=args.candidates, seed=args.seed)
    settings = PlanSettings()
    brand_total = sum(r.rate_minor + r.rate_minor * settings.margin_bp // 10_000 for r in rows)
    budget = int(brand_total * args.budget_share)
    plan_input = PlanInput(rows, budget, settings=settings)

    print(f"date {datetime.now(UTC):%Y-%m-%d}  machine {platform.machine()} {platform.system()}")
    print(
        f"python {platform.python_version()}  numpy {np.__version__}  scipy {scipy.__version__}"
        f"  cpus {os.cpu_count()}  load average {os.getloadavg()[0]:.2f}"
    )
    communities = len({r.community_id for r in rows})
    print(
        f"shortlist: {len(rows)} candidates in {communities} communities, "
        f"budget ₪{budget / 100:,.0f} of ₪{brand_total / 100:,.0f} brand price "
        f"({args.budget_share:.0%})"
    )

    times = []
    plan = optimise(plan_input)  # warm-up (imports, first-call caches); not counted
    for _ in range(RUNS):
        start = time.perf_counter()
        plan = optimise(plan_input)
        times.append(time.perf_counter() - start)
    median, worst = statistics.median(times), max(times)
    assert plan.model is not None
    print(
        f"optimise, {RUNS} runs: median {median:.3f} s, worst {worst:.3f} s  "
        f"(status {plan.status.value}, proven gap {plan.solver_gap or 0:.3%}, "
        f"{plan.model.binaries} bundle binaries, {plan.model.pair_terms} overlap pair terms, "
        f"{plan.model.constraints} rows)"
    )
    print(
        f"plan: {len(plan.lines)} lines in "
        f"{len({line.candidate.community_id for line in plan.lines})} communities, "
        f"cost ₪{plan.cost_minor / 100:,.2f} (owners ₪{plan.owner_payout_minor / 100:,.2f}, "
        f"margin ₪{plan.margin_minor / 100:,.2f}), left ₪{plan.budget_left_minor / 100:,.2f}"
    )
    print(
        f"reach P10/P50/P90 {plan.reach.p10:,} / {plan.reach.p50:,} / {plan.reach.p90:,} "
        f"(gross P50 {plan.gross_reach_p50:,}); value P50 ₪{plan.value_minor.p50 / 100:,.0f}"
    )

    problem = build_problem(plan_input)
    rules = plan_rules(problem, plan_input, 0, 0)
    start = time.perf_counter()
    greedy = greedy_selection(problem, rules)
    greedy_seconds = time.perf_counter() - start
    keys = {line.candidate.line_key for line in plan.lines}
    chosen = np.array([c.line_key in keys for c in problem.candidates], dtype=bool)
    best, heuristic = objective_value(problem, chosen), objective_value(problem, greedy)
    print(
        f"greedy baseline: {greedy_seconds:.3f} s, objective ₪{heuristic / 100:,.0f} vs "
        f"optimiser ₪{best / 100:,.0f}: leaves {(best - heuristic) / best:.2%} on the table"
    )
    print(f"ratio optimiser / greedy time: {median / greedy_seconds:,.1f}x")
    ok = median <= GOAL_SECONDS
    print(f"goal median <= {GOAL_SECONDS:.1f} s for {len(rows)} candidates: ", end="")
    print("met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
