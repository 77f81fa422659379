"""Learning from delivered results: realised reach recorded beside its estimate, calibration
learnt from that history, and how often past P10–P90 ranges held.

Every function takes the session explicitly and flushes; the caller commits once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select

from marketplace.catalog.models import ChannelAsset
from marketplace.db import SessionLike, utcnow
from marketplace.valuation.models import PlacementEstimate, RealisedReach
from marketplace.valuation.services.inputs import estimate_inputs
from pricing.taxonomy import PlacementType
from pricing.valuation import Priors
from pricing.valuation.calibration import calibrate
from pricing.valuation.schema import CalibrationState

# --- learning from delivered results ---------------------------------------------------------

#: The calibration learnt from the delivery history, per (model version, history fingerprint).
_CALIBRATION_CACHE: dict[tuple[Any, ...], CalibrationState] = {}


def estimate_input(asset: ChannelAsset, placement: PlacementType) -> dict[str, Any]:
    """The engine's input row for one placement on `asset` (as :func:`estimate_inputs` builds)."""
    rows = [r for r in estimate_inputs(asset.community) if r["asset_id"] == asset.id]
    for row in rows:
        if row["placement"] == placement.value:
            return row
    base = {k: v for k, v in rows[0].items() if k not in ("rate_minor",)} if rows else {}
    return {**base, "placement": placement.value}


def record_realised_reach(
    session: SessionLike,
    *,
    source_key: str,
    asset: ChannelAsset,
    placement: PlacementType,
    realised_reach: int,
) -> RealisedReach:
    """Record what one post reached, beside the estimate it had before its first figure.

    A later figure for the same delivery replaces the reach and keeps the first estimate, so
    the coverage of P10–P90 judges what was said before anything was known.
    """
    row = session.scalar(select(RealisedReach).where(RealisedReach.source_key == source_key))
    if row is None:
        estimate = session.scalar(
            select(PlacementEstimate).where(
                PlacementEstimate.asset_id == asset.id, PlacementEstimate.placement == placement
            )
        )
        row = RealisedReach(
            source_key=source_key,
            asset_id=asset.id,
            placement=placement,
            platform=str(asset.platform),
            inputs=_json_safe(estimate_input(asset, placement)),
            reach_p10=estimate.reach_p10 if estimate else None,
            reach_p50=estimate.reach_p50 if estimate else None,
            reach_p90=estimate.reach_p90 if estimate else None,
        )
        session.add(row)
    row.realised_reach = int(realised_reach)
    row.recorded_at = utcnow()
    session.flush()
    return row


def _json_safe(row: Mapping[str, Any]) -> dict[str, Any]:
    """An input row as JSON both databases store: NaN as null, other values as text or numbers."""
    safe = {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
    return dict(json.loads(json.dumps(safe, default=str)))


def current_calibration(session: SessionLike, priors: Priors) -> CalibrationState | None:
    """The calibration learnt from every recorded delivery (None before the first one).

    Batch, as :func:`pricing.valuation.calibration.calibrate` intends: the whole history each
    time it changes, remembered per model version and history fingerprint.
    """
    rows = list(
        session.execute(
            select(RealisedReach.id, RealisedReach.inputs, RealisedReach.realised_reach,
                   RealisedReach.recorded_at).order_by(RealisedReach.id)
        )
    )  # fmt: skip
    if not rows:
        return None
    latest = max(r.recorded_at for r in rows).isoformat()
    key = (
        priors.model_version,
        len(rows),
        rows[-1].id,
        latest,
        sum(r.realised_reach for r in rows),
    )
    state = _CALIBRATION_CACHE.get(key)
    if state is None:
        frame = pd.DataFrame.from_records(
            [{**r.inputs, "realised_reach": r.realised_reach} for r in rows]
        )
        if "rate_minor" in frame.columns:
            frame["rate_minor"] = frame["rate_minor"].astype("float64")
        state = calibrate(frame, priors)
        _CALIBRATION_CACHE.clear()
        _CALIBRATION_CACHE[key] = state
    return state


@dataclass(frozen=True)
class ReachCoverage:
    """How often realised reach fell inside the P10–P90 range estimated before it."""

    n: int
    inside: int
    below: int
    above: int
    by_platform: list[dict[str, Any]]

    @property
    def share(self) -> float | None:
        return self.inside / self.n if self.n else None


def reach_coverage(session: SessionLike) -> ReachCoverage:
    """The coverage of past P10–P90 ranges, overall and per platform (0.8 is honest)."""
    rows = session.execute(
        select(RealisedReach.platform, RealisedReach.realised_reach, RealisedReach.reach_p10,
               RealisedReach.reach_p90).where(RealisedReach.reach_p10.is_not(None),
                                              RealisedReach.reach_p90.is_not(None))
    ).all()  # fmt: skip
    per: dict[str, list[int]] = {}
    below = above = 0
    for platform, reach, p10, p90 in rows:
        counts = per.setdefault(platform, [0, 0])
        counts[0] += 1
        if reach < (p10 or 0):
            below += 1
        elif reach > (p90 or 0):
            above += 1
        else:
            counts[1] += 1
    return ReachCoverage(
        n=len(rows),
        inside=len(rows) - below - above,
        below=below,
        above=above,
        by_platform=[
            {"platform": p, "n": n, "inside": inside, "share": inside / n}
            for p, (n, inside) in sorted(per.items())
        ],
    )
