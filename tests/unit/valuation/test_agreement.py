"""The vectorised engine and the per-row reference give the same numbers, row for row."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from pricing.valuation import (
    AssetAdjustment,
    CalibrationState,
    GroupAdjustment,
    estimate_at,
    estimate_frame,
    estimate_reference,
    estimate_row,
)
from pricing.valuation.synthetic import synthetic_catalog

from .conftest import messy_catalog


def assert_frames_agree(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    """Same columns; floats within 1e-9 relative; integers, codes and text exactly."""
    assert list(fast.columns) == list(slow.columns)
    assert fast.index.equals(slow.index)
    for column in fast.columns:
        a, b = fast[column], slow[column]
        if a.dtype.kind == "f" or b.dtype.kind == "f":
            x = a.to_numpy(dtype=float, na_value=np.nan)
            y = b.to_numpy(dtype=float, na_value=np.nan)
            assert np.allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True), column
        else:
            left = [None if pd.isna(v) else v for v in a.astype(object)]
            right = [None if pd.isna(v) else v for v in b.astype(object)]
            assert left == right, column


def calibration_for(frame: pd.DataFrame) -> CalibrationState:
    ids = frame["asset_id"].drop_duplicates().head(200)
    return CalibrationState(
        version="test-cal",
        groups={
            ("facebook_group", "parenting"): GroupAdjustment(-0.3, 0.01, 10, 40),
            ("whatsapp_group", "finance"): GroupAdjustment(0.2, 0.02, 5, 9),
            ("newsletter", ""): GroupAdjustment(0.1, 0.03, 2, 2),
        },
        assets={
            int(i): AssetAdjustment(0.05 * (int(i) % 7 - 3), 0.3 + 0.1 * (int(i) % 5), 3)
            for i in ids
        },
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_vectorised_and_reference_agree_on_a_messy_catalog(seed: int) -> None:
    frame = messy_catalog(3000, seed)
    assert_frames_agree(estimate_frame(frame), estimate_reference(frame))


def test_vectorised_and_reference_agree_once_calibrated() -> None:
    frame = messy_catalog(3000, 4)
    calibration = calibration_for(frame)
    fast = estimate_frame(frame, calibration=calibration)
    assert_frames_agree(fast, estimate_reference(frame, calibration=calibration))
    assert (fast["basis_calibration_asset"] == 8).sum() > 100
    assert set(fast.loc[fast.status != "refused", "calibration_version"]) == {"test-cal"}


def test_the_messy_catalog_exercises_every_status() -> None:
    statuses = set(estimate_frame(messy_catalog(3000, 1))["status"])
    assert statuses == {"ok", "wide", "refused"}


def test_explained_rows_match_the_reference_estimates() -> None:
    frame = messy_catalog(400, 5)
    result = estimate_frame(frame)
    records: list[dict[str, Any]] = frame.to_dict("records")
    for position in range(0, 400, 7):
        fast = estimate_at(result, position)
        slow = estimate_row(records[position])
        assert (fast.status, fast.reasons, fast.reach, fast.value_minor) == (
            slow.status,
            slow.reasons,
            slow.reach,
            slow.value_minor,
        )
        assert [(f.key, f.basis, f.source) for f in fast.factors] == [
            (f.key, f.basis, f.source) for f in slow.factors
        ]
        for a, b in zip(fast.factors, slow.factors, strict=True):
            assert a.value == pytest.approx(b.value, rel=1e-9)
            assert a.variance == pytest.approx(b.variance, rel=1e-9, abs=1e-15)


def test_the_agreement_check_notices_a_single_changed_number() -> None:
    frame = messy_catalog(300, 6)
    fast = estimate_frame(frame)
    slow = estimate_reference(frame)
    live = fast.index[fast["status"] != "refused"][0]
    slow.loc[live, "value_mu"] = slow.loc[live, "value_mu"] * (1 + 1e-8)
    with pytest.raises(AssertionError):
        assert_frames_agree(fast, slow)


def test_a_frame_without_explanation_columns_keeps_the_same_figures() -> None:
    frame = messy_catalog(500, 7)
    full = estimate_frame(frame)
    lean = estimate_frame(frame, explain=False)
    assert not any(c.startswith("effect_") for c in lean.columns)
    assert_frames_agree(lean, full[list(lean.columns)])


def test_the_benchmark_catalog_is_estimable_and_agrees_with_the_reference() -> None:
    catalog = synthetic_catalog(300, seed=3)
    assert catalog.groupby("community_id")["asset_id"].nunique().max() > 1
    assert catalog.groupby("asset_id")["placement"].nunique().max() > 1
    fast = estimate_frame(catalog)
    assert (fast["status"] != "refused").all()
    assert_frames_agree(fast, estimate_reference(catalog))
