"""Learning from delivered results: update reach per channel x vertical and per asset.

The model behind it is a two-level normal model on the log scale. For delivery i of asset k in
group g (platform x vertical)::

    log(realised_i) - mu_i = b_g + c_k + e_i
    b_g ~ N(0, tau^2)          the group's systematic gap (tau = group_bias_prior_sd)
    c_k ~ N(0, V_k)            the asset's own gap; V_k = the variance of its input factors
    e_i ~ N(0, eps^2 + P_i)    one delivery's luck (eps = delivery_noise_sd) plus the error of
                               its placement type's factor (P_i, that factor's variance)

where mu_i is the uncalibrated estimate's log-median reach. These are exactly the variance
components the uncalibrated estimate already adds up, so the update is conjugate and closed
form (empirical Bayes with known variances): b_g from each asset's precision-weighted mean
residual r_k (weight W_k = sum of 1 / (eps^2 + P_i)), weighted by 1 / (V_k + 1 / W_k); then
c_k ~ N(W_k (r_k - b_g) / (1 / V_k + W_k), 1 / (1 / V_k + W_k)) from what b_g leaves.
Calibration is batch: run it on the whole delivery history each time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pricing.valuation.model import estimate_frame
from pricing.valuation.parsing import is_missing
from pricing.valuation.priors import Priors, default_priors
from pricing.valuation.schema import (
    ASSET_FACTORS,
    AssetAdjustment,
    CalibrationState,
    GroupAdjustment,
    Status,
)


def calibrate(deliveries: pd.DataFrame, priors: Priors | None = None) -> CalibrationState:
    """Learn group and asset corrections from delivered placements.

    `deliveries` holds the estimate's input columns for each delivered placement plus
    ``realised_reach`` (people actually reached). Rows the model refuses, or without a positive
    realised reach, teach nothing and are skipped.
    """
    priors = priors if priors is not None else default_priors()
    c = priors.constants
    if "realised_reach" not in deliveries.columns:
        raise ValueError("deliveries need a realised_reach column")
    estimates = estimate_frame(deliveries, priors, None, explain=True)
    realised = pd.to_numeric(deliveries["realised_reach"], errors="coerce").to_numpy(float)
    with np.errstate(invalid="ignore"):
        usable = (estimates["status"].to_numpy() != Status.REFUSED.value) & (realised > 0)
    # A delivery without an asset id still teaches its channel, as an asset of its own.
    ids = estimates["asset_id"].tolist()
    keys = [a if _named(a) else _Anonymous(i) for i, a in enumerate(ids)]
    codes, asset_keys = pd.factorize(pd.Series(keys, dtype=object), sort=False)
    frame = pd.DataFrame(
        {
            "platform": estimates["platform"].astype(object).to_numpy()[usable],
            "vertical": estimates["vertical"].astype(object).fillna("").to_numpy()[usable],
            "asset": codes[usable],
            "residual": np.log(realised[usable]) - estimates["reach_mu"].to_numpy()[usable],
            "v_asset": sum(estimates[f"var_{key}"].to_numpy()[usable] for key in ASSET_FACTORS),
            "v_placement": estimates["var_placement"].to_numpy()[usable],
        }
    )
    eps2 = c.delivery_noise_sd * c.delivery_noise_sd
    tau2 = c.group_bias_prior_sd * c.group_bias_prior_sd
    groups: dict[tuple[str, str], GroupAdjustment] = {}
    assets: dict[Hashable, AssetAdjustment] = {}
    if len(frame):
        # Per delivery, the luck of the day and the placement type's own error are noise.
        frame["w"] = 1.0 / (eps2 + frame["v_placement"])
        frame["wr"] = frame["w"] * frame["residual"]
        per_asset = (
            frame.groupby(["platform", "vertical", "asset"], sort=True, dropna=False)
            .agg(n=("w", "size"), w=("w", "sum"), wr=("wr", "sum"), v=("v_asset", "mean"))
            .reset_index()
        )
        for (platform, vertical), block in per_asset.groupby(["platform", "vertical"], sort=True):
            n = block["n"].to_numpy(float)
            w = block["w"].to_numpy(float)
            mean = block["wr"].to_numpy(float) / w
            v = np.maximum(block["v"].to_numpy(float), 1e-12)
            weight = 1.0 / (v + 1.0 / w)
            precision = 1.0 / tau2 + weight.sum()
            bias = float((weight * mean).sum() / precision)
            groups[(str(platform), str(vertical))] = GroupAdjustment(
                bias=bias,
                variance=1.0 / precision,
                n_assets=len(block),
                n_deliveries=int(n.sum()),
            )
            asset_precision = 1.0 / v + w
            shift = (w * (mean - bias)) / asset_precision
            scale = (1.0 / asset_precision) / v
            for code, s, k, count in zip(block["asset"], shift, scale, n, strict=True):
                asset = asset_keys[code]
                if not isinstance(asset, _Anonymous):
                    assets[asset] = AssetAdjustment(float(s), float(k), int(count))
    digest = hashlib.sha256(repr((sorted(groups.items()), len(assets))).encode()).hexdigest()
    version = f"{priors.model_version}/cal-{digest[:10]}-n{int(usable.sum())}"
    return CalibrationState(version=version, groups=groups, assets=assets)


@dataclass(frozen=True)
class _Anonymous:
    """The stand-in asset key of a delivery that names no asset."""

    row: int


def _named(asset: object) -> bool:
    """Whether an asset id can key a per-asset correction (present and hashable)."""
    return isinstance(asset, Hashable) and not is_missing(asset)


@dataclass(frozen=True)
class CalibrationReport:
    """How well reach estimates matched what was delivered."""

    n: int
    coverage_p10_p90: float  # share of realised reach inside [P10, P90]; 0.8 is perfect
    below_p10: float
    above_p90: float
    median_abs_log_error: float  # median |log(realised / P50)|
    by_platform: pd.DataFrame


def calibration_report(
    estimates: pd.DataFrame, realised: Sequence[Any] | pd.Series
) -> CalibrationReport:
    """Compare estimates (from :func:`estimate_frame`) with realised reach, row by row."""
    reach = pd.to_numeric(pd.Series(np.asarray(realised, dtype=object)), errors="coerce")
    actual = reach.to_numpy(float)
    with np.errstate(invalid="ignore"):
        usable = (estimates["status"].to_numpy() != Status.REFUSED.value) & (actual > 0)
    p10 = estimates["reach_p10"].to_numpy(dtype=float, na_value=np.nan)[usable]
    p90 = estimates["reach_p90"].to_numpy(dtype=float, na_value=np.nan)[usable]
    mu = estimates["reach_mu"].to_numpy(float)[usable]
    actual = actual[usable]
    below = actual < p10
    above = actual > p90
    error = np.abs(np.log(actual) - mu)
    detail = pd.DataFrame(
        {
            "platform": estimates["platform"].to_numpy()[usable],
            "inside": ~below & ~above,
            "abs_log_error": error,
        }
    )
    by_platform = detail.groupby("platform").agg(
        n=("inside", "size"),
        coverage_p10_p90=("inside", "mean"),
        median_abs_log_error=("abs_log_error", "median"),
    )
    n = int(usable.sum())
    return CalibrationReport(
        n=n,
        coverage_p10_p90=float((~below & ~above).mean()) if n else math.nan,
        below_p10=float(below.mean()) if n else math.nan,
        above_p90=float(above.mean()) if n else math.nan,
        median_abs_log_error=float(np.median(error)) if n else math.nan,
        by_platform=by_platform,
    )


def group_table(state: CalibrationState, priors: Priors | None = None) -> pd.DataFrame:
    """The updated priors per channel x vertical: the prior reach rate and what it became."""
    priors = priors if priors is not None else default_priors()
    rows = []
    for (platform, vertical), group in sorted(state.groups.items()):
        prior = next((p for p in priors.platforms.values() if p.platform.value == platform), None)
        rate = prior.active_share * prior.view_rate if prior is not None else math.nan
        rows.append(
            {
                "platform": platform,
                "vertical": vertical,
                "n_assets": group.n_assets,
                "n_deliveries": group.n_deliveries,
                "log_bias": group.bias,
                "bias_sd": math.sqrt(group.variance),
                "multiplier": math.exp(group.bias),
                "prior_reach_rate": rate,
                "updated_reach_rate": rate * math.exp(group.bias),
            }
        )
    return pd.DataFrame(rows)


def state_to_frames(state: CalibrationState) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flatten a state into two tables (groups, assets) for storage."""
    groups = pd.DataFrame(
        [
            {"platform": p, "vertical": v, **vars_of(g)}
            for (p, v), g in sorted(state.groups.items())
        ],
        columns=["platform", "vertical", "bias", "variance", "n_assets", "n_deliveries"],
    )
    assets = pd.DataFrame(
        [{"asset_id": k, **vars_of(a)} for k, a in state.assets.items()],
        columns=["asset_id", "shift", "variance_scale", "n_deliveries"],
    )
    groups.attrs["version"] = assets.attrs["version"] = state.version
    return groups, assets


def state_from_frames(groups: pd.DataFrame, assets: pd.DataFrame, version: str) -> CalibrationState:
    """Rebuild a state stored with :func:`state_to_frames`."""
    return CalibrationState(
        version=version,
        groups={
            (str(r.platform), str(r.vertical)): GroupAdjustment(
                float(r.bias), float(r.variance), int(r.n_assets), int(r.n_deliveries)
            )
            for r in groups.itertuples(index=False)
        },
        assets={
            r.asset_id: AssetAdjustment(
                float(r.shift), float(r.variance_scale), int(r.n_deliveries)
            )
            for r in assets.itertuples(index=False)
        },
    )


def vars_of(item: GroupAdjustment | AssetAdjustment) -> dict[str, Any]:
    """The fields of an adjustment as a dict."""
    return dataclasses.asdict(item)
