"""Calibration from delivered results: honest intervals, and error that falls with history."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pricing.valuation import (
    CalibrationReport,
    calibrate,
    calibration_report,
    estimate_frame,
    group_table,
    state_from_frames,
    state_to_frames,
)
from pricing.valuation.synthetic import synthetic_deliveries, synthetic_market

HISTORY = (0, 1, 2, 4, 8)


@pytest.fixture(scope="module")
def market() -> pd.DataFrame:
    # The priors are optimistic: true reach is about exp(-0.4) = 67% of what they say.
    return synthetic_market(2400, seed=7, group_shift=-0.4)


@pytest.fixture(scope="module")
def holdout(market: pd.DataFrame) -> pd.DataFrame:
    return synthetic_deliveries(market, 1, seed=999)


@pytest.fixture(scope="module")
def reports(market: pd.DataFrame, holdout: pd.DataFrame) -> dict[int, CalibrationReport]:
    out = {}
    for per_asset in HISTORY:
        history = synthetic_deliveries(market, per_asset, seed=100 + per_asset)
        state = calibrate(history) if per_asset else None
        out[per_asset] = calibration_report(
            estimate_frame(holdout, calibration=state), holdout["realised_reach"]
        )
    return out


@pytest.mark.parametrize("per_asset", HISTORY[1:])
def test_after_calibration_p10_to_p90_covers_70_to_90_percent_of_realised_reach(
    reports: dict[int, CalibrationReport], per_asset: int
) -> None:
    report = reports[per_asset]
    assert report.n == 2400
    assert 0.70 <= report.coverage_p10_p90 <= 0.90
    # and the misses fall on both sides, not all below
    assert abs(report.below_p10 - report.above_p90) < 0.05


def test_the_median_error_falls_as_history_grows(reports: dict[int, CalibrationReport]) -> None:
    errors = [reports[h].median_abs_log_error for h in HISTORY]
    assert errors == sorted(errors, reverse=True)
    assert len(set(errors)) == len(errors)
    assert errors[-1] < 0.5 * errors[0]


def test_optimistic_priors_miss_low_until_calibration_learns_the_gap(
    reports: dict[int, CalibrationReport],
) -> None:
    before, after = reports[0], reports[4]
    assert before.below_p10 > 0.2
    assert before.coverage_p10_p90 < 0.72
    assert after.below_p10 < 0.12


def test_the_learned_channel_gaps_are_the_true_ones(market: pd.DataFrame) -> None:
    state = calibrate(synthetic_deliveries(market, 4, seed=5))
    truth = market.groupby(["platform", "vertical"])["true_group_bias"].first()
    learned = pd.Series({key: group.bias for key, group in state.groups.items()})
    assert len(learned) == len(truth) == 15
    gap = (learned - truth.reindex(learned.index)).abs()
    assert gap.max() < 0.12
    table = group_table(state)
    row = table.iloc[0]
    assert row["updated_reach_rate"] == pytest.approx(
        row["prior_reach_rate"] * math.exp(row["log_bias"])
    )


def test_an_asset_with_history_gets_its_own_shift_and_a_narrower_range(
    market: pd.DataFrame, holdout: pd.DataFrame
) -> None:
    history = synthetic_deliveries(market.head(50), 6, seed=11)
    state = calibrate(history)
    adjustment = state.assets[0]
    assert adjustment.n_deliveries == 6
    assert 0 < adjustment.variance_scale < 0.5
    with_history = estimate_frame(holdout.head(60), calibration=state)
    assert with_history["basis_calibration_asset"].iloc[:50].eq(8).all()
    assert with_history["basis_calibration_asset"].iloc[50:].eq(7).all()
    plain = estimate_frame(holdout.head(50))
    assert (with_history["reach_sigma"].iloc[:50] < plain["reach_sigma"]).all()
    assert with_history["calibration_version"].iloc[0] == state.version


def test_refused_rows_and_missing_results_teach_nothing(market: pd.DataFrame) -> None:
    history = synthetic_deliveries(market.head(40), 2, seed=3)
    spoiled = history.copy()
    spoiled.loc[0:9, "members"] = 0
    spoiled.loc[10:19, "realised_reach"] = np.nan
    state = calibrate(spoiled)
    assert sum(g.n_deliveries for g in state.groups.values()) == len(history) - 20
    with pytest.raises(ValueError, match="realised_reach"):
        calibrate(history.drop(columns="realised_reach"))


def test_a_stored_state_estimates_exactly_like_the_original(
    market: pd.DataFrame, holdout: pd.DataFrame
) -> None:
    state = calibrate(synthetic_deliveries(market.head(300), 3, seed=8))
    groups, assets = state_to_frames(state)
    restored = state_from_frames(groups, assets, state.version)
    assert restored == state
    first = estimate_frame(holdout.head(300), calibration=state)
    second = estimate_frame(holdout.head(300), calibration=restored)
    pd.testing.assert_frame_equal(first, second)


def test_deliveries_without_an_asset_id_teach_their_channel_only(market: pd.DataFrame) -> None:
    history = synthetic_deliveries(market.head(60), 2, seed=4)
    named = calibrate(history)
    unnamed = calibrate(history.drop(columns="asset_id"))
    assert unnamed.assets == {}
    assert sum(g.n_deliveries for g in unnamed.groups.values()) == len(history)
    mixed = history.astype({"asset_id": object})
    mixed.loc[:9, "asset_id"] = None
    mixed.loc[10:11, "asset_id"] = "text-id"
    state = calibrate(mixed)
    # Rows come two per asset: assets 0-4 lose their id, asset 5 is renamed "text-id".
    assert len(named.assets) == 60
    assert state.assets["text-id"].n_deliveries == 2
    assert state.assets["text-id"].variance_scale == pytest.approx(named.assets[5].variance_scale)
    assert set(state.assets) == {"text-id", *range(6, 60)}
