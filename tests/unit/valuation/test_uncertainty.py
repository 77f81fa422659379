"""The range follows the evidence: wider when self-reported, old or missing; the tier is priced."""

from __future__ import annotations

import math
from typing import Any

import pytest

from pricing.valuation import Estimate, estimate_row

ROW: dict[str, Any] = {
    "platform": "telegram_channel",
    "placement": "post",
    "currency": "ILS",
    "members": 10_000,
    "members_age_days": 30,
    "vertical": "tech",
    "region": "center",
}


def value(estimate: Estimate) -> tuple[int, int, int]:
    assert estimate.value_minor is not None
    return estimate.value_minor.p10, estimate.value_minor.p50, estimate.value_minor.p90


def test_each_evidence_tier_narrows_the_range_and_raises_the_floor_of_the_price() -> None:
    by_tier = [value(estimate_row({**ROW, "members_tier": tier})) for tier in (1, 2, 3, 4)]
    p10s = [v[0] for v in by_tier]
    spreads = [v[2] / v[0] for v in by_tier]
    assert p10s == sorted(p10s)
    assert len(set(p10s)) == 4
    assert spreads == sorted(spreads, reverse=True)
    # A self-reported count is also taken at 90% of its word (owners round up).
    assert by_tier[0][1] < by_tier[3][1]


def test_an_older_figure_gives_a_wider_range() -> None:
    sigmas = []
    for age in (0, 90, 365, 1000):
        estimate = estimate_row({**ROW, "members_tier": 3, "members_age_days": age})
        assert estimate.reach_sigma is not None
        sigmas.append(estimate.reach_sigma)
    assert sigmas == sorted(sigmas)
    assert len(set(sigmas)) == 4


def test_a_measured_rate_from_an_export_is_narrower_than_the_channel_benchmark() -> None:
    prior = estimate_row({**ROW, "members_tier": 3})
    measured = estimate_row(
        {**ROW, "members_tier": 3, "open_rate": 0.3, "open_rate_tier": 3, "open_rate_age_days": 5}
    )
    self_reported = estimate_row(
        {**ROW, "members_tier": 3, "open_rate": 0.3, "open_rate_tier": 1, "open_rate_age_days": 5}
    )
    assert prior.reach_sigma is not None
    assert measured.reach_sigma is not None
    assert self_reported.reach_sigma is not None
    assert measured.reach_sigma < self_reported.reach_sigma < prior.reach_sigma


def test_a_known_health_score_narrows_the_benchmark_active_share() -> None:
    unknown = estimate_row({**ROW, "members_tier": 3})
    known = estimate_row({**ROW, "members_tier": 3, "health_score": 50})
    assert known.reach_sigma is not None
    assert unknown.reach_sigma is not None
    assert known.reach_sigma < unknown.reach_sigma
    assert known.reach is not None
    assert unknown.reach is not None
    assert known.reach.p50 == unknown.reach.p50  # 50 is the neutral score


def test_health_moves_reach_only_when_no_measured_rate_already_reflects_it() -> None:
    low = estimate_row({**ROW, "members_tier": 3, "health_score": 10})
    high = estimate_row({**ROW, "members_tier": 3, "health_score": 90})
    assert low.reach is not None
    assert high.reach is not None
    assert high.reach.p50 / low.reach.p50 == pytest.approx(1.5 ** (80 / 50), rel=0.01)
    measured = {**ROW, "members_tier": 3, "open_rate": 0.3, "open_rate_tier": 3}
    assert (
        estimate_row({**measured, "health_score": 10}).reach
        == estimate_row({**measured, "health_score": 90}).reach
    )


def test_the_quantiles_are_those_of_a_lognormal() -> None:
    estimate = estimate_row({**ROW, "members_tier": 2})
    assert estimate.reach_mu is not None
    assert estimate.reach_sigma is not None
    assert estimate.reach is not None
    z = 1.2815515655446004
    assert estimate.reach.p10 == round(math.exp(estimate.reach_mu - z * estimate.reach_sigma))
    assert estimate.reach.p90 == round(math.exp(estimate.reach_mu + z * estimate.reach_sigma))
