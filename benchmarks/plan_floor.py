"""Benchmark: the value-for-money floor costs a few solves, not two per line above value.

`campaigns.planning.floor.within_value` holds back lines priced above their value and lets
them in only as far as a target needs. The worst case for its cost is a shortlist where every
line is above value and the reach target needs almost all of what the budget buys: the floor
must then find how many to let in and which of those the target does without. Each step is a
solve of the plan's MILP, inside the web request that makes a plan.

The run builds the seeded synthetic shortlist of ``plan_optimise.py`` at each size, marks every
line above value (its P90-defended rate a little under the owner's rate) and sets the reach
target at 99.9% of the whole shortlist's plan's P50. It times, in the same run:

- one solve of the plan (``optimise``): the baseline the floor is a multiple of;
- ``within_value``: seconds, how many solves it made, and its ratio to one solve.

It also checks the floored plan meets the reach target. Exits 1 if the floor takes more than
2 + 2·log2(lines) + ``PRUNE_SOLVES`` solves, or misses the target. Before this bound the floor
let lines in one solve at a time and held each back again one solve at a time: 110 solves at
60 candidates, 266 (13 s) at 150, about 750 s at 500.

    .venv/bin/python benchmarks/plan_floor.py [--sizes 60,150,500]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from datetime import UTC, datetime

from campaigns.brief import Kpi, KpiKind
from campaigns.planning import Plan, PlanInput, PlanSettings, floor, optimise
from campaigns.planning.synthetic import synthetic_candidates


def _counted() -> list[int]:
    """Count the floor's solves: wrap the optimiser it calls (the benchmark's only patch)."""
    calls = [0]
    solve = floor.optimise

    def counting(plan_input: PlanInput) -> Plan:
        calls[0] += 1
        return solve(plan_input)

    floor.optimise = counting
    return calls


def run(size: int, calls: list[int]) -> bool:
    rows = synthetic_candidates(max(size // 2, 1), placements=size, seed=2026)
    settings = PlanSettings()
    brand_total = sum(r.rate_minor + r.rate_minor * settings.margin_bp // 10_000 for r in rows)
    plan_input = PlanInput(rows, int(brand_total * 0.15), settings=settings)
    tops = {r.line_key: r.rate_minor * 9 // 10 for r in rows}  # every line 10% above value

    start = time.perf_counter()
    full = optimise(plan_input)
    one = time.perf_counter() - start
    target = int(full.reach.p50 * 0.999)
    calls[0] = 0
    start, cpu = time.perf_counter(), time.process_time()
    floored = floor.within_value(plan_input, [Kpi(KpiKind.REACH, target)], tops)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    solves = calls[0]
    bought = len(floored.plan.lines)
    met = floored.plan.reach.p50 >= target
    # Two solves to start (all held back, all let in), two per halving of the lines above
    # value to find how many to let in, and the capped prune.
    goal = 2 + 2 * math.ceil(math.log2(len(rows))) + floor.PRUNE_SOLVES
    print(
        f"{len(rows):>4} candidates: one solve {one:6.3f} s; floor {seconds:7.2f} s "
        f"(CPU {cpu:.2f} s) = "
        f"{seconds / one:6.1f}x one solve, {solves} solves (goal <= {goal}); {bought} lines "
        f"bought, reach P50 {floored.plan.reach.p50:,} of target "
        f"{target:,} ({'met' if met else 'MISSED'})"
    )
    return met and solves <= goal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="60,150,500")
    args = parser.parse_args(argv)
    print(f"date {datetime.now(UTC):%Y-%m-%d}  machine {platform.machine()} {platform.system()}")
    print(f"python {platform.python_version()}  load average {os.getloadavg()[0]:.2f}")
    calls = _counted()
    optimise(PlanInput(synthetic_candidates(10, placements=20), 100_000))  # warm-up
    ok = all([run(int(size), calls) for size in args.sizes.split(",")])  # noqa: C419 - every size runs
    print("goal (solves within the bound, target met): " + ("met" if ok else "MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
