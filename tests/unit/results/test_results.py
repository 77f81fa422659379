"""Campaign results over DataFrames, checked against figures worked out by hand."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from campaigns.results import (
    ResultMetric,
    calibration_rows,
    date_problem,
    figure_problem,
    kpi_results,
    placement_results,
    pulse_summary,
    rollup,
    rollups,
    without_staff_columns,
)
from campaigns.results.reference import campaign_totals, placement_rows

PLACEMENTS = pd.DataFrame(
    [
        # id, community, platform, asset, posts, brand price, owner payout, reach P10-P90, value
        (1, 10, "whatsapp_group", 100, 1, 100_000, 70_000, 200, 300, 400, 60_000),
        (2, 10, "facebook_group", 101, 2, 50_000, 40_000, 100, 150, 250, 20_000),
        (3, 20, "whatsapp_group", 102, 1, 30_000, 20_000, 50, 80, 120, 10_000),
    ],
    columns=[
        "placement_id", "community_id", "platform", "asset_id", "count", "brand_price_minor",
        "owner_payout_minor", "reach_p10", "reach_p50", "reach_p90", "value_p50_minor",
    ],
)  # fmt: skip
METRICS = pd.DataFrame(
    [
        (1, "reach", 999, 1),  # replaced by the later row below
        (1, "reach", 350, 1),
        (1, "reactions", 20, 1),
        (1, "comments", 10, 3),
        (1, "leads", 5, 1),
        (2, "reach", 600, 4),
        (2, "views", 900, 4),
    ],
    columns=["placement_id", "metric", "value", "tier"],
)
CLICKS = pd.DataFrame(
    [(1, "a", False), (1, "a", False), (1, "b", False), (1, "c", True), (2, "a", False),
     (2, "d", True)],
    columns=["placement_id", "visitor", "flagged"],
)  # fmt: skip
DELIVERED = pd.DataFrame({"placement_id": [1, 2, 3], "delivered": [1, 1, 0]})


def _results() -> pd.DataFrame:
    return placement_results(PLACEMENTS, METRICS, clicks=CLICKS, delivered=DELIVERED)


def _row(frame: pd.DataFrame, placement_id: int) -> pd.Series:
    return frame.set_index("placement_id").loc[placement_id]


def test_a_placement_adds_up_its_figures_clicks_and_cost_per_result() -> None:
    p1 = _row(_results(), 1)
    assert p1["reach"] == 350  # the later figure wins
    assert p1["engagements"] == 30  # 20 reactions + 10 comments; shares unknown
    assert (p1["clicks"], p1["unique_clicks"], p1["flagged_clicks"]) == (3, 2, 1)
    assert p1["conversions"] == 5
    assert p1["cost_per_click_minor"] == 33_333  # 100,000 / 3, rounded
    assert p1["cost_per_result_minor"] == 20_000
    assert p1["engagement_rate_bp"] == 857  # 30 / 350 = 8.57%
    assert p1["self_reported"]


def test_the_estimate_range_holds_or_not_and_realised_value_follows_reach() -> None:
    frame = _results()
    p1, p2, p3 = (_row(frame, i) for i in (1, 2, 3))
    assert p1["in_range"] == 1
    assert p1["measured"] == 1
    assert p1["realised_value_minor"] == 70_000  # 60,000 / 300 people × 350
    # Two posts: the line's range is 200–500; 600 reached is above it.
    assert (p2["est_reach_p10"], p2["est_reach_p90"]) == (200, 500)
    assert p2["in_range"] == 0
    assert p2["realised_value_minor"] == 80_000  # 40,000 / 300 × 600
    assert not p2["self_reported"]  # every figure verified
    assert math.isnan(p3["in_range"])
    assert p3["measured"] == 0


def test_unknown_figures_stay_unknown_never_zero() -> None:
    p3 = _row(_results(), 3)
    assert math.isnan(p3["reach"])
    assert math.isnan(p3["conversions"])
    assert p3["clicks"] == 0  # links record clicks: none came
    assert math.isnan(p3["cost_per_click_minor"])
    no_links = placement_results(PLACEMENTS, METRICS)
    assert no_links["clicks"].isna().all()
    assert no_links["delivered"].isna().all()


def test_realised_margin_counts_only_what_was_delivered() -> None:
    frame = _results()
    assert _row(frame, 1)["realised_margin_minor"] == 30_000
    assert _row(frame, 2)["realised_margin_minor"] == 5_000  # one of two posts
    assert _row(frame, 3)["realised_margin_minor"] == 0
    visible = without_staff_columns(frame)
    assert "realised_margin_minor" not in visible
    assert "owner_payout_minor" not in visible


def test_the_campaign_counts_a_visitor_of_two_placements_once() -> None:
    frame = _results()
    campaign = rollup(frame, [], clicks=CLICKS).iloc[0]
    assert campaign["placements"] == 3
    assert (campaign["clicks"], campaign["unique_clicks"]) == (4, 2)
    assert campaign["cost_per_click_minor"] == 45_000  # 180,000 / 4
    assert campaign["reach"] == 950
    assert campaign["coverage"] == 0.5  # one of the two measured placements inside its range
    assert campaign["realised_margin_minor"] == 35_000
    by_community = rollup(frame, ["community_id"], clicks=CLICKS).set_index("community_id")
    assert by_community.loc[10, "unique_clicks"] == 2
    assert by_community.loc[10, "cost_per_click_minor"] == 37_500
    assert by_community.loc[20, "clicks"] == 0
    assert math.isnan(by_community.loc[20, "reach"])
    by_channel = rollup(frame, ["platform"], clicks=CLICKS).set_index("platform")
    assert by_channel.loc["whatsapp_group", "reach"] == 350
    assert by_channel.loc["facebook_group", "coverage"] == 0


def test_each_kpi_is_compared_with_its_target() -> None:
    campaign = rollup(_results(), [], clicks=CLICKS).iloc[0].to_dict()
    reach, clicks, signups = kpi_results(campaign, {"reach": 1000, "clicks": 4, "signups": 10})
    assert (reach.actual, reach.share, reach.met) == (950, 0.95, False)
    assert clicks.met is True
    assert (signups.actual, signups.met) == (None, None)


def test_calibration_learns_one_posts_reach_per_measured_placement() -> None:
    rows = calibration_rows(_results())
    assert rows.to_dict("records") == [
        {"placement_id": 1, "asset_id": 100, "realised_reach": 350.0},
        {"placement_id": 2, "asset_id": 101, "realised_reach": 600.0},
    ]


def test_impossible_figures_are_named() -> None:
    # A 300-member WhatsApp group reaches at most 450 people (forwards add half again).
    assert figure_problem(ResultMetric.REACH, 450, platform="whatsapp_group", members=300) is None
    problem = figure_problem(ResultMetric.REACH, 451, platform="whatsapp_group", members=300)
    assert problem is not None
    assert "300 members" in problem
    assert figure_problem("views", 2_250, platform="whatsapp_group", members=300) is None
    assert figure_problem("reach", -1, platform="instagram", members=300) is not None
    assert figure_problem("reach", 3_000, platform="instagram", members=300) is None
    assert figure_problem("reach", 10**9, platform="instagram", members=0) is not None


def test_a_figure_cannot_predate_its_post() -> None:
    start = dt.date(2026, 5, 10)
    assert date_problem(dt.date(2026, 5, 9), starts_on=start, today=dt.date(2026, 6, 1))
    assert date_problem(dt.date(2026, 5, 10), starts_on=start, today=dt.date(2026, 6, 1)) is None
    assert date_problem(dt.date(2026, 6, 2), starts_on=start, today=dt.date(2026, 6, 1))


def test_pulse_is_reported_only_from_the_minimum_number_of_answers() -> None:
    answers = pd.DataFrame(
        {
            "community_id": [1] * 10 + [2] * 3,
            "recall": [True] * 7 + [False] * 3 + [True] * 3,
            "sentiment": [4] * 10 + [5] * 3,
            "trust": [3] * 5 + [5] * 5 + [1] * 3,
        }
    )
    summary = pulse_summary(answers).set_index("community_id")
    assert summary.loc[1, "reported"]
    assert summary.loc[1, "recall_share"] == pytest.approx(0.7)
    assert summary.loc[1, "trust"] == 4
    assert not summary.loc[2, "reported"]
    assert summary.loc[2, "answers"] == 3
    assert math.isnan(summary.loc[2, "sentiment"])


def test_the_vectorised_results_agree_with_the_row_by_row_reference() -> None:
    rng = np.random.default_rng(7)
    n = 60
    placements = pd.DataFrame(
        {
            "placement_id": np.arange(1, n + 1),
            "community_id": rng.integers(1, 8, n),
            "platform": rng.choice(["whatsapp_group", "instagram"], n),
            "asset_id": np.arange(1, n + 1),
            "count": rng.integers(1, 3, n),
            "brand_price_minor": rng.integers(1_000, 90_000, n),
            "owner_payout_minor": 500,
            "reach_p10": 100,
            "reach_p50": 200,
            "reach_p90": 300,
            "value_p50_minor": 5_000,
        }
    )
    metrics = pd.DataFrame(
        {
            "placement_id": rng.integers(1, n + 1, 150),
            "metric": rng.choice(["reach", "reactions", "comments"], 150),
            "value": rng.integers(0, 700, 150),
            "tier": 1,
        }
    ).drop_duplicates(["placement_id", "metric"], keep="last")
    clicks = pd.DataFrame(
        {
            "placement_id": rng.integers(1, n + 5, 3_000),  # some for unknown placements
            "visitor": rng.integers(0, 400, 3_000),
            "flagged": rng.random(3_000) < 0.1,
        }
    )
    fast = placement_results(placements, metrics, clicks=clicks).set_index("placement_id")
    slow = placement_rows(
        placements.to_dict("records"), metrics.to_dict("records"), clicks.to_dict("records")
    )
    for pid, row in slow.items():
        for key in ("clicks", "unique_clicks", "cost_per_click_minor", "engagements", "in_range"):
            expected, got = row[key], fast.loc[pid, key]
            assert (math.isnan(expected) and math.isnan(got)) or expected == got, (pid, key)
    total = rollup(fast.reset_index(), []).iloc[0]
    reference = campaign_totals(slow)
    assert total["clicks"] == reference["clicks"]
    assert total["cost_per_click_minor"] == reference["cost_per_click_minor"]


def test_clicks_counted_in_the_database_give_the_same_results() -> None:
    grouped = (
        CLICKS.groupby(["placement_id", "visitor", "flagged"]).size().rename("clicks").reset_index()
    )
    assert len(grouped) < len(CLICKS)
    one_by_one = placement_results(PLACEMENTS, METRICS, clicks=CLICKS)
    counted = placement_results(PLACEMENTS, METRICS, clicks=grouped)
    for column in ("clicks", "unique_clicks", "flagged_clicks", "cost_per_click_minor"):
        assert counted[column].fillna(-1).tolist() == one_by_one[column].fillna(-1).tolist()
    assert rollup(counted, [], clicks=grouped).iloc[0]["unique_clicks"] == 2


def test_more_unique_visitors_than_the_group_can_account_for_are_flagged() -> None:
    # Placement 1: a WhatsApp group of 1 member can account for at most 1 visitor (1 × 1.5,
    # rounded down); it had 2 (a and b) -> flagged. Placement 2: a Facebook group of 2
    # members, at most 3; one visitor -> not flagged. Placement 3: no clicks -> not flagged.
    placements = PLACEMENTS.assign(members=[1, 2, 0])
    per = placement_results(placements, METRICS, clicks=CLICKS, delivered=DELIVERED)
    per = per.set_index("placement_id")
    assert list(per["unique_clicks"]) == [2, 1, 0]
    assert per.loc[1, "clicks_ceiling"] == 1
    assert per.loc[2, "clicks_ceiling"] == 3
    assert math.isnan(per.loc[3, "clicks_ceiling"])  # members unknown: no ceiling
    assert list(per["clicks_suspect"]) == [True, False, False]
    by_community = rollup(per.reset_index(), ["community_id"]).set_index("community_id")
    assert list(by_community["clicks_suspect"]) == [True, False]
    # An open channel's ceiling is ten times its members: 2 visitors on 1 member is plausible.
    open_channel = placements.assign(platform="instagram")
    per = placement_results(open_channel, METRICS, clicks=CLICKS, delivered=DELIVERED)
    assert list(per["clicks_suspect"]) == [False, False, False]


def counted_like_the_database(clicks: pd.DataFrame) -> pd.DataFrame:
    """What the aggregate queries give: people's, flagged and distinct visitors per placement."""
    people = clicks[~clicks["flagged"]]
    return (
        pd.DataFrame(
            {
                "clicks": people.groupby("placement_id").size(),
                "flagged_clicks": clicks[clicks["flagged"]].groupby("placement_id").size(),
                "unique_clicks": people.groupby("placement_id")["visitor"].nunique(),
            }
        )
        .fillna(0)
        .rename_axis("placement_id")
        .reset_index()
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clicks_counted_per_placement_give_the_same_placement_results_and_add_up(
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    n = 40
    placements = pd.DataFrame(
        {
            "placement_id": np.arange(1, n + 1),
            "community_id": rng.integers(1, 6, n),
            "platform": rng.choice(["whatsapp_group", "instagram", "facebook_group"], n),
            "asset_id": np.arange(1, n + 1),
            "count": 1,
            "brand_price_minor": 10_000,
            "owner_payout_minor": 6_000,
            "reach_p10": 10,
            "reach_p50": 20,
            "reach_p90": 40,
            "value_p50_minor": 500,
        }
    )
    clicks = pd.DataFrame(
        {
            "placement_id": rng.integers(1, n + 3, 4_000),  # some for placements not shown
            "visitor": rng.integers(0, 900, 4_000).astype(str),
            "flagged": rng.random(4_000) < 0.1,
        }
    )
    counts = counted_like_the_database(clicks)
    rows = placement_results(placements, METRICS.iloc[:0], clicks=clicks)
    fast = placement_results(placements, METRICS.iloc[:0], clicks=counts)
    for column in ("clicks", "unique_clicks", "flagged_clicks", "cost_per_click_minor"):
        assert fast[column].tolist() == rows[column].tolist(), column
    levels = [["community_id"], ["platform"], []]
    from_rows = rollups(rows, levels, clicks=clicks)
    from_counts = rollups(fast, levels, clicks=counts)
    for level, (exact, summed) in enumerate(zip(from_rows, from_counts, strict=True)):
        assert summed["clicks"].tolist() == exact["clicks"].tolist()
        by = levels[level] or None
        added = fast.groupby(by)["unique_clicks"].sum() if by else fast["unique_clicks"].sum()
        assert summed["unique_clicks"].tolist() == np.atleast_1d(added).tolist()
        # Click rows count a visitor of two placements of a group once; counts cannot.
        assert (summed["unique_clicks"] >= exact["unique_clicks"]).all()
    assert from_counts[2].iloc[0]["unique_clicks"] > from_rows[2].iloc[0]["unique_clicks"]
