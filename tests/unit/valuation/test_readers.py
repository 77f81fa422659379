"""A measured active share counts members who posted or reacted; the estimate reads it as readers.

Worked example (docs/pricing.md, "Members who post and members who read"): a 600-member WhatsApp
group whose chat export (10 days old) shows 15% of members posting or reacting.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from pricing.valuation import (
    DATA_DIR,
    estimate_frame,
    estimate_row,
    priors_from_tables,
    read_tables,
)

Z = 1.2815515655446004


def group(**extra: object) -> dict[str, object]:
    return {"asset_id": 1, "platform": "whatsapp_group", "placement": "post", "currency": "ILS",
            "members": 600, "members_tier": 3, "members_age_days": 10,
            "vertical": "parenting", "region": "center", **extra}  # fmt: skip


def measured(share: float) -> dict[str, object]:
    return group(active_share=share, active_share_tier=3, active_share_age_days=10)


def reach(row: dict[str, object]) -> tuple[int, int, int]:
    frame = estimate_frame(pd.DataFrame([row])).iloc[0]
    vectorised = (int(frame["reach_p10"]), int(frame["reach_p50"]), int(frame["reach_p90"]))
    estimate = estimate_row(row)
    assert (estimate.reach.p10, estimate.reach.p50, estimate.reach.p90) == vectorised
    return vectorised


def test_the_ratio_is_the_geometric_middle_of_the_published_participation_figures() -> None:
    model = json.loads((DATA_DIR / "model.json").read_text(encoding="utf-8"))
    # 90-9-1 (NN/g): 10 readers per participant; hosted communities 2020 (55-25-20): 2.2.
    assert model["readers_per_active_member"] == pytest.approx(math.sqrt(10 * 2.2), abs=0.01)
    assert model["readers_per_active_member_log_sd"] == pytest.approx(
        math.log(10 / 2.2) / (2 * Z), abs=0.01
    )
    assert set(model["sources"]["readers_per_active_member"].split(";")) == {
        "nngroup-participation-inequality",
        "higherlogic-engagement-2020",
    }


def test_the_worked_example_reads_fifteen_percent_posting_as_seventy_percent_reading() -> None:
    estimate = estimate_row(measured(0.15))
    factor = next(f for f in estimate.factors if f.key == "active_share")
    assert factor.value == pytest.approx(0.15 * 4.7)  # export: taken at its word
    # export 0.10² + drift 0.30² × 10/365, plus the ratio's 0.59²
    assert factor.variance == pytest.approx(0.01 + 0.09 * 10 / 365 + 0.59**2)
    assert reach(measured(0.15)) == (95, 254, 676)


def test_a_group_where_more_members_post_reaches_more_up_to_every_member() -> None:
    assert reach(measured(0.05))[1] < reach(measured(0.15))[1] < reach(measured(0.3))[1]
    # 30% and 82% posting both mean everyone reads: 600 × view rate 0.6 = 360 ...
    assert reach(measured(0.3))[1] == reach(measured(0.82))[1] == 360
    # ... but the livelier chat leaves less doubt that it is everyone (a narrower range).
    low_30, _, high_30 = reach(measured(0.3))
    low_82, _, high_82 = reach(measured(0.82))
    assert high_82 - low_82 < high_30 - low_30
    estimate = estimate_row(measured(0.82))
    factor = next(f for f in estimate.factors if f.key == "active_share")
    # 0.82 × 4.7 = 3.85: even its P10 (÷ e^(1.2816 × 0.59)) is above all members, so no doubt.
    assert factor.variance == pytest.approx(0.01 + 0.09 * 10 / 365)


def test_a_measured_lively_group_is_no_longer_worth_less_than_an_unmeasured_one() -> None:
    benchmark = reach(group())  # 600 × active 0.8 × view 0.6 = 288
    assert benchmark[1] == 288
    assert reach(measured(0.3))[1] > benchmark[1]
    # A chat where 2% post is still read by few: 600 × 0.094 × 0.6.
    assert reach(measured(0.02))[1] == round(600 * 0.02 * 4.7 * 0.6)


def test_a_stored_model_without_the_setting_reads_the_share_as_before() -> None:
    tables, model = read_tables()
    for key in ("readers_per_active_member", "readers_per_active_member_log_sd"):
        del model[key]
    del model["sources"]["readers_per_active_member"]
    old = priors_from_tables(tables, model)
    estimate = estimate_row(measured(0.15), old)
    assert estimate.reach.p50 == round(600 * 0.15 * 0.6)
    model["readers_per_active_member"] = 0.5  # fewer readers than posters is impossible
    with pytest.raises(ValueError, match="readers_per_active_member"):
        priors_from_tables(tables, model)
