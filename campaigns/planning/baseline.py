"""A greedy baseline for the benchmark: best marginal value per shekel first.

Standard practice before an exact solver: repeatedly buy the affordable line with the highest
marginal expected value (its value minus what it shares with lines already bought) per unit of
price. It honours the budget, caps, per-community maximum, locks and must-haves, but not the
diversity minimums. The benchmark reports how much value it leaves on the table.
"""

from __future__ import annotations

import numpy as np

from campaigns.planning.formulation import BoolArray, Problem, Rules


def greedy_selection(problem: Problem, rules: Rules) -> BoolArray:
    """The greedy selection under `rules` (diversity minimums ignored)."""
    n = problem.size
    chosen = np.zeros(n, dtype=bool)
    penalty = np.zeros((n, n))
    penalty[problem.pair_i, problem.pair_j] = problem.pair_penalty
    penalty[problem.pair_j, problem.pair_i] = problem.pair_penalty
    gain = problem.expected.copy()
    price = problem.price.astype(np.float64)
    spent = 0
    platform_spent = np.zeros(len(problem.platforms), dtype=np.int64)
    platform_count = np.zeros(len(problem.platforms), dtype=np.int64)
    community_count = np.zeros(len(problem.community_ids), dtype=np.int64)
    budget = rules.budget if rules.budget is not None else int(problem.price.sum())

    def fits(i: int) -> bool:
        p = int(problem.platform[i])
        cost = int(problem.price[i])
        if spent + cost > budget:
            return False
        if p in rules.platform_caps and platform_spent[p] + cost > rules.platform_caps[p]:
            return False
        if p in rules.platform_max and platform_count[p] + 1 > rules.platform_max[p]:
            return False
        most = rules.community_max
        return most is None or community_count[int(problem.community[i])] + 1 <= most

    def buy(i: int) -> None:
        nonlocal spent, gain
        chosen[i] = True
        spent += int(problem.price[i])
        platform_spent[int(problem.platform[i])] += int(problem.price[i])
        platform_count[int(problem.platform[i])] += 1
        community_count[int(problem.community[i])] += 1
        gain = gain - penalty[:, i]

    if rules.locks:
        for i, candidate in enumerate(problem.candidates):
            if candidate.locked:
                buy(i)
    for k in rules.must_have:
        if community_count[k]:
            continue
        members = [int(i) for i in np.nonzero(problem.community == k)[0] if fits(int(i))]
        if members:
            buy(max(members, key=lambda i: (float(gain[i]) / max(float(price[i]), 1.0), -i)))
    while True:
        ratio = np.where(chosen | (gain <= 0), -np.inf, gain / np.maximum(price, 1.0))
        best = -1
        for i in np.argsort(-ratio, kind="stable"):
            if not np.isfinite(ratio[i]):
                break
            if fits(int(i)):
                best = int(i)
                break
        if best < 0:
            return chosen
        buy(best)
