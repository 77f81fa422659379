"""The MILP finds the brute-force optimum of its own objective; the overlap estimate's bounds."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from campaigns.planning import (
    AudienceProfile,
    Candidate,
    OverlapSettings,
    PlanInput,
    PlanSettings,
    Quantiles,
    estimate_overlap,
    optimise,
)
from campaigns.planning.baseline import greedy_selection
from campaigns.planning.formulation import build_problem, check, objective_value
from campaigns.planning.optimise import plan_rules
from campaigns.planning.synthetic import synthetic_candidates
from pricing.taxonomy import PlacementType, Platform

PLATFORMS = (Platform.WHATSAPP_GROUP, Platform.FACEBOOK_GROUP, Platform.NEWSLETTER)
PLACEMENTS = (PlacementType.POST, PlacementType.PINNED_POST, PlacementType.STORY)
REGIONS = ("tel_aviv", "haifa", "nationwide")
TOPICS = ("parenting", "tech", "finance", "food", "fitness")


def random_instance(seed: int) -> PlanInput:
    rng = random.Random(seed)
    n = rng.randint(6, 12)
    communities = rng.randint(3, max(3, n - 2))
    profiles = {
        c: AudienceProfile(
            region=rng.choice(REGIONS),
            topics=tuple(rng.sample(TOPICS, rng.randint(1, 3))),
            shares={"gender": {"female": (f := rng.randint(0, 10_000)), "male": 10_000 - f}},
        )
        for c in range(1, communities + 1)
    }
    rows = []
    for k in range(n):
        c = rng.randint(1, communities)
        reach = rng.randint(50, 5_000)
        value = rng.randint(0, 20_000)
        rows.append(
            Candidate(
                community_id=c,
                community_name=f"C{c}",
                platform=PLATFORMS[c % 3],
                placement=PLACEMENTS[k % 3],
                asset_id=k,
                rate_minor=rng.randint(500, 8_000),
                reach=Quantiles(reach // 2, reach, reach * 2),
                value_minor=Quantiles(value // 2, value, value * 2),
                score=rng.random(),
                audience=profiles[c],
                locked=rng.random() < 0.08,
                must_have=rng.random() < 0.08,
            )
        )
    settings = PlanSettings(
        margin_bp=rng.choice([0, 2_500]),
        max_per_community=rng.choice([1, 2, 3]),
        min_communities=rng.choice([0, 2, 3]),
        strict_diversity=True,
        min_platforms=rng.choice([0, 2]),
        platform_cap_bp={Platform.WHATSAPP_GROUP: rng.choice([4_000, 7_000, 10_000])},
        overlap=OverlapSettings(min_pair_bp=0, neighbours=20, max_overlap_bp=6_000),
        mip_rel_gap=0.0,
    )
    total = sum(r.rate_minor for r in rows)
    return PlanInput(tuple(rows), rng.randint(total // 5, total // 2), settings=settings)


@pytest.mark.parametrize("seed", range(30))
def test_milp_matches_brute_force_on_small_instances(seed: int) -> None:
    plan_input = random_instance(seed)
    s = plan_input.settings
    problem = build_problem(plan_input)
    rules = plan_rules(problem, plan_input, s.min_communities, s.min_platforms)
    best = None
    for mask in itertools.product((False, True), repeat=problem.size):
        x = np.array(mask, dtype=bool)
        if check(problem, rules, x):
            continue
        value = objective_value(problem, x)
        best = value if best is None else max(best, value)
    plan = optimise(plan_input)
    if best is None:
        assert plan.lines == ()
        assert plan.reasons
        return
    assert plan.lines, plan.reasons
    keys = {line.candidate.line_key for line in plan.lines}
    x = np.array([c.line_key in keys for c in problem.candidates], dtype=bool)
    assert check(problem, rules, x) == []
    assert objective_value(problem, x) == pytest.approx(best, rel=1e-7, abs=1e-6)


def test_greedy_never_beats_the_milp_on_the_same_objective() -> None:
    rows = synthetic_candidates(40, placements=100, seed=5)
    budget = sum(r.rate_minor for r in rows) // 5
    plan_input = PlanInput(rows, budget, settings=PlanSettings(min_communities=0))
    problem = build_problem(plan_input)
    rules = plan_rules(problem, plan_input, 0, 0)
    greedy = greedy_selection(problem, rules)
    assert check(problem, rules, greedy) == []
    plan = optimise(plan_input)
    keys = {line.candidate.line_key for line in plan.lines}
    milp = np.array([c.line_key in keys for c in problem.candidates], dtype=bool)
    slack = plan_input.settings.mip_rel_gap * objective_value(problem, milp)
    assert objective_value(problem, milp) + slack >= objective_value(problem, greedy)


def profile(region: str, topics: tuple[str, ...], female: int) -> AudienceProfile:
    return AudienceProfile(
        region=region, topics=topics, shares={"gender": {"female": female, "male": 10_000 - female}}
    )


def test_overlap_estimate_is_symmetric_bounded_and_ordered_by_similarity() -> None:
    settings = OverlapSettings()
    base = profile("tel_aviv", ("parenting", "education"), 8_000)
    same = profile("tel_aviv", ("parenting", "education"), 8_000)
    near = profile("nationwide", ("parenting",), 7_000)
    far = profile("haifa", ("tech",), 2_000)
    assert estimate_overlap(base, same) == pytest.approx(0.4)  # the documented maximum
    assert estimate_overlap(base, near) == pytest.approx(estimate_overlap(near, base))
    # nationwide 0.6 × topics (0.2 + 0.8 × 1/2) × gender intersection 0.9 × 0.4
    assert estimate_overlap(base, near) == pytest.approx(0.4 * 0.6 * 0.6 * 0.9)
    # other region 0.15 × topic floor 0.2 × gender 0.4 × 0.4
    assert estimate_overlap(base, far) == pytest.approx(0.4 * 0.15 * 0.2 * 0.4)
    assert 0 <= estimate_overlap(base, far) < estimate_overlap(base, near) < 0.4
    # A measured region distribution replaces the region keys.
    measured_a = AudienceProfile(
        region="center", shares={"region": {"center": 6_000, "haifa": 4_000}}
    )
    measured_b = AudienceProfile(
        region="haifa", shares={"region": {"center": 3_000, "haifa": 7_000}}
    )
    unknown = settings.unknown_bp / 10_000
    assert estimate_overlap(measured_a, measured_b) == pytest.approx(0.4 * 0.7 * unknown * unknown)
