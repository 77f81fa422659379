"""Estimating a listing's placements: one engine call over many communities, stored per placement.

Every function takes the session explicitly and flushes; the caller commits once.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import selectinload

from marketplace.catalog.models import ChannelAsset, Community, ListingStatus, MetricSnapshot
from marketplace.db import SessionLike, utcnow
from marketplace.valuation.models import PlacementEstimate
from marketplace.valuation.services.calibration import current_calibration
from marketplace.valuation.services.inputs import estimate_inputs, int_or_none
from marketplace.valuation.services.market import market_frame
from marketplace.valuation.services.tables import active_priors
from pricing.money import CURRENCY_EXPONENTS
from pricing.taxonomy import PlacementType, Platform
from pricing.valuation import FACTOR_KEYS, Basis, Priors, default_priors, estimate_frame
from pricing.valuation.lenses import lens_frame, market_position
from pricing.valuation.schema import CalibrationState
from pricing.valuation.sources import factor_source

log = logging.getLogger(__name__)

#: Reason stored when the engine itself failed: the listing is saved, the estimate refused.
ESTIMATE_FAILED = "estimate_failed"

#: Communities per engine call in bulk recomputation.
BATCH = 5_000
#: The largest amount an estimate's integer money columns hold (PostgreSQL's INTEGER).
MAX_STORED_MINOR = 2**31 - 1


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows)
    if "rate_minor" in frame.columns:
        frame["rate_minor"] = frame["rate_minor"].astype("float64")
    return frame


@dataclass
class Computed:
    """The rows to store for a set of communities, and their sort keys."""

    rows: list[dict[str, Any]]
    sort_keys: dict[int, tuple[int | None, int | None]]  # community id → (value ILS, bp)


def compute(
    communities: Sequence[Community],
    *,
    today: date | None = None,
    priors: Priors | None = None,
    market: pd.DataFrame | None = None,
    calibration: CalibrationState | None = None,
) -> Computed:
    """Run the engine once over every placement of `communities`; nothing is written.

    The stored verdict is the three-lens meter's (:mod:`pricing.valuation.lenses`), with the
    rate's place among `market` (:func:`market_frame`); without a market the value lenses judge
    alone. `calibration` (:func:`current_calibration`) moves the reach of the channels and
    assets that delivered results.
    """
    priors = priors or default_priors()
    inputs: list[dict[str, Any]] = []
    owner: list[int] = []
    for community in communities:
        rows = estimate_inputs(community, today=today)
        inputs.extend(rows)
        owner.extend([community.id] * len(rows))
    keys: dict[int, tuple[int | None, int | None]] = {c.id: (None, None) for c in communities}
    if not inputs:
        return Computed([], keys)
    frame = _frame(inputs)
    result = estimate_frame(frame, priors, calibration)
    n = len(result)
    status = result["status"].astype(str).tolist()
    reasons = result["reasons"].astype(str).tolist()
    quantiles = {
        name: [int_or_none(v) for v in result[name].tolist()]
        for name in ("reach_p10", "reach_p50", "reach_p90", "value_p10_minor",
                     "value_p50_minor", "value_p90_minor")
    }  # fmt: skip
    has_rate = "rate_minor" in result.columns
    verdicts = _lens_verdicts(frame, result, priors, market) if has_rate else [None] * n
    # A price far above what a channel reaches (₪50,000 for a group of five) makes a cost per
    # thousand beyond the estimate's integer column; such a figure means nothing to a reader
    # either, so it is not kept (the verdict still says "over priced") and the save goes on.
    cpms = [
        cpm if cpm is None or cpm <= MAX_STORED_MINOR else None
        for cpm in (
            [int_or_none(v) for v in result["effective_cpm_minor"].tolist()]
            if has_rate
            else [None] * n
        )
    ]
    effects = {k: result[f"effect_{k}"].to_numpy(dtype=np.float64) for k in FACTOR_KEYS}
    variances = {k: result[f"var_{k}"].to_numpy(dtype=np.float64) for k in FACTOR_KEYS}
    bases = {k: result[f"basis_{k}"].to_numpy(dtype=np.int64) for k in FACTOR_KEYS}
    floor = result["floor_per_person"].to_numpy(dtype=np.float64)
    sigma = result["value_sigma"].to_numpy(dtype=np.float64)
    version = priors.model_version
    now = utcnow()
    verticals = [None if pd.isna(v) else str(v) for v in result["vertical"].tolist()]
    regions = [None if pd.isna(v) else str(v) for v in result["region"].tolist()]
    sources: dict[tuple[Any, ...], str] = {}
    stored: list[dict[str, Any]] = []
    best: dict[int, list[int]] = {}
    per_shekel: dict[int, list[int]] = {}
    ils_per = {c: priors.fx("ILS") / priors.fx(c) for c in CURRENCY_EXPONENTS}
    for i, row in enumerate(inputs):
        refused = status[i] == "refused"
        rate = row.get("rate_minor")
        factors: list[dict[str, Any]] = []
        if not refused:
            total = float(sigma[i]) ** 2
            for key in FACTOR_KEYS:
                basis = Basis(int(bases[key][i]))
                if basis is Basis.NOT_APPLIED:
                    continue
                effect = float(effects[key][i])
                cite = (key, basis, row["platform"], row["placement"], verticals[i], regions[i])
                if cite not in sources:
                    sources[cite] = factor_source(
                        priors, key, basis, Platform(row["platform"]),
                        PlacementType(row["placement"]), verticals[i], regions[i],
                    )  # fmt: skip
                factors.append(
                    {
                        "key": key,
                        "value": float(floor[i]) if key == "whatsapp_floor" else math.exp(effect),
                        "effect": round(effect, 6),
                        "share": round(float(variances[key][i]) / total, 4) if total else 0.0,
                        "basis": basis.slug,
                        "source": sources[cite],
                    }
                )
        value_p50 = quantiles["value_p50_minor"][i]
        community_id = owner[i]
        if value_p50 is not None and row["currency"] in ils_per:
            best.setdefault(community_id, []).append(
                int(value_p50 * ils_per[row["currency"]] + 0.5)
            )
            if rate and row["currency"] == "ILS":
                per_shekel.setdefault(community_id, []).append(int(value_p50 * 10_000 / rate))
        stored.append(
            {
                "asset_id": row["asset_id"],
                "placement": PlacementType(row["placement"]),
                "currency": row["currency"],
                "status": status[i],
                "reasons": [r for r in reasons[i].split(";") if r],
                **{name: values[i] for name, values in quantiles.items()},
                "rate_minor": rate,
                "price_verdict": verdicts[i] if rate else None,
                "effective_cpm_minor": cpms[i] if rate else None,
                "factors": factors,
                "model_version": version,
                "computed_at": now,
            }
        )
    for community_id in keys:
        values, ratios = best.get(community_id), per_shekel.get(community_id)
        keys[community_id] = (max(values) if values else None, max(ratios) if ratios else None)
    return Computed(stored, keys)


def _lens_verdicts(
    frame: pd.DataFrame, result: pd.DataFrame, priors: Priors, market: pd.DataFrame | None
) -> list[str | None]:
    """The three-lens meter's verdict per row (the estimate-only one where it cannot judge)."""
    lens_input = frame.assign(
        reach_p10=result["reach_p10"].astype("float64"),
        reach_p50=result["reach_p50"].astype("float64"),
        reach_p90=result["reach_p90"].astype("float64"),
    )
    if market is not None:
        lens_input = lens_input.join(market_position(lens_input, market))
    lenses = lens_frame(lens_input, priors)
    estimate_only = result["price_verdict"].astype(object).tolist()
    return [
        old if lens == "unknown" else str(lens)
        for lens, old in zip(lenses["lens_verdict"].tolist(), estimate_only, strict=True)
    ]


def failed(communities: Sequence[Community], priors: Priors | None = None) -> Computed:
    """Refused rows for every placement of `communities`, for when the engine itself failed."""
    try:
        version = (priors or default_priors()).model_version
    except Exception:  # noqa: BLE001 - the tables themselves may be what failed
        version = "unavailable"
    now = utcnow()
    rows = [
        {
            "asset_id": row["asset_id"],
            "placement": PlacementType(row["placement"]),
            "currency": row["currency"],
            "status": "refused",
            "reasons": [ESTIMATE_FAILED],
            "rate_minor": row.get("rate_minor"),
            "factors": [],
            "model_version": version,
            "computed_at": now,
        }  # fmt: skip
        for community in communities
        for row in estimate_inputs(community)
    ]
    return Computed(rows, {c.id: (None, None) for c in communities})


def store(session: SessionLike, communities: Sequence[Community], computed: Computed) -> None:
    """Replace the stored estimates and sort keys of `communities` with `computed`."""
    asset_ids = [asset.id for community in communities for asset in community.assets]
    for start in range(0, len(asset_ids), 500):
        session.execute(
            delete(PlacementEstimate).where(
                PlacementEstimate.asset_id.in_(asset_ids[start : start + 500])
            )
        )
    for start in range(0, len(computed.rows), 2_000):
        session.execute(insert(PlacementEstimate), computed.rows[start : start + 2_000])
    for community in communities:
        community.value_p50_ils, community.value_per_shekel_bp = computed.sort_keys[community.id]
    session.flush()


def estimate_communities(
    session: SessionLike, communities: Sequence[Community], *, priors: Priors | None = None
) -> Counter[str]:
    """Estimate every placement of `communities` in one engine call and store the results.

    Returns how many placements came out ok, wide and refused.
    """
    if any(asset.id is None for c in communities for asset in c.assets):
        session.flush()
    platforms = {Platform(asset.platform) for c in communities for asset in c.assets}
    market = market_frame(session, platforms)
    priors = priors or active_priors(session)
    computed = compute(
        communities, priors=priors, market=market,
        calibration=current_calibration(session, priors),
    )  # fmt: skip
    store(session, communities, computed)
    return Counter(row["status"] for row in computed.rows)


def estimate_community(session: SessionLike, community: Community) -> Counter[str]:
    """Recompute and store the estimates of one community's placements."""
    return estimate_communities(session, [community])


def refresh_estimates(session: SessionLike, community: Community) -> None:
    """Recompute one community's estimates; an engine failure refuses them but never the save."""
    if any(asset.id is None for asset in community.assets):
        session.flush()
    priors: Priors | None = None
    try:
        priors = active_priors(session)
        market = market_frame(session, {Platform(asset.platform) for asset in community.assets})
        calibration = current_calibration(session, priors)
        computed = compute([community], priors=priors, market=market, calibration=calibration)
    except Exception:
        log.exception("valuation failed for community %s; its estimates are refused", community.id)
        computed = failed([community], priors)
    store(session, [community], computed)


# --- reading and presenting ----------------------------------------------------------------


def estimates_by_asset(
    session: SessionLike, asset_ids: Iterable[int]
) -> dict[int, dict[PlacementType, PlacementEstimate]]:
    """The stored estimates of these assets, as {asset id: {placement: estimate}}."""
    ids = list(asset_ids)
    result: dict[int, dict[PlacementType, PlacementEstimate]] = {i: {} for i in ids}
    if not ids:
        return result
    for estimate in session.scalars(
        select(PlacementEstimate).where(PlacementEstimate.asset_id.in_(ids))
    ):
        result[estimate.asset_id][estimate.placement] = estimate
    return result


# --- bulk -----------------------------------------------------------------------------------


def listed_ids(session: SessionLike, *, everything: bool) -> list[int]:
    """The ids of the communities the recompute covers: listed ones, or all with --all."""
    query = select(Community.id).order_by(Community.id)
    if not everything:
        query = query.where(Community.status == ListingStatus.LISTED)
    return list(session.scalars(query))


def load_communities(session: SessionLike, community_ids: Sequence[int]) -> list[Community]:
    """These communities with all the engine reads (rates, figures, audience), in a few queries."""
    return list(
        session.scalars(
            select(Community)
            .where(Community.id.in_(list(community_ids)))
            .options(
                selectinload(Community.assets).selectinload(ChannelAsset.rates),
                selectinload(Community.assets)
                .selectinload(ChannelAsset.metrics)
                .load_only(
                    MetricSnapshot.kind,
                    MetricSnapshot.value,
                    MetricSnapshot.observed_on,
                    MetricSnapshot.tier,
                    MetricSnapshot.asset_id,
                ),
                selectinload(Community.audience),
            )  # fmt: skip
        )
    )
