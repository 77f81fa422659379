"""The three lenses beside a stored estimate: replacement cost, outcome value, market rates."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from sqlalchemy import select

from marketplace.catalog.models import ChannelAsset, Community, ListingStatus, RateCard
from marketplace.db import SessionLike
from marketplace.valuation.models import PlacementEstimate
from marketplace.valuation.services.inputs import int_or_none
from pricing.taxonomy import PlacementType, Platform
from pricing.valuation.lenses import (
    MARKET_COLUMNS,
    default_lens_tables,
    lens_frame,
    market_position,
)

# --- the three lenses ------------------------------------------------------------------------


def market_frame(session: SessionLike, platforms: Iterable[Platform] | None = None) -> pd.DataFrame:
    """Every listed community's rate cards, as the market lens compares them: one query.

    Columns: :data:`~pricing.valuation.lenses.MARKET_COLUMNS` and ``rate_minor``; the topic is
    the community's first (as the estimate reads it) and the size the channel's current one.
    With `platforms`, only those platforms' rates (the only ones a comparison can use).
    """
    query = (
        select(
            RateCard.asset_id,
            ChannelAsset.platform,
            RateCard.placement,
            RateCard.currency,
            ChannelAsset.size,
            Community.topics,
            RateCard.amount_minor,
        )
        .join(ChannelAsset, RateCard.asset_id == ChannelAsset.id)
        .join(Community, ChannelAsset.community_id == Community.id)
        .where(Community.status == ListingStatus.LISTED)
    )
    if platforms is not None:
        query = query.where(ChannelAsset.platform.in_(list(platforms)))
    rows = session.execute(query).all()
    records = [
        {
            "asset_id": asset_id,
            "platform": Platform(platform).value,
            "placement": PlacementType(placement).value,
            "currency": currency,
            "members": float(size or 0),
            "vertical": topics[0] if topics else None,
            "rate_minor": float(amount),
        }
        for asset_id, platform, placement, currency, size, topics, amount in rows
    ]
    return pd.DataFrame.from_records(records, columns=[*MARKET_COLUMNS, "rate_minor"])


def lenses_for(
    session: SessionLike,
    community: Community,
    stored: Mapping[int, Mapping[PlacementType, PlacementEstimate]],
    *,
    goal: str | None = None,
    result_value_minor: int | None = None,
    market: pd.DataFrame | None = None,
) -> dict[tuple[int, PlacementType], dict[str, Any]]:
    """The three lenses of each stored estimate of `community`, by (asset id, placement).

    Without a brief (`goal` None) the outcome lens counts clicks at what a paid click costs;
    with one, the goal's results at `result_value_minor` each when the brand said. The market
    is every listed community's rates (:func:`market_frame`, loaded once here unless given).
    """
    rows: list[dict[str, Any]] = []
    keys: list[tuple[int, PlacementType]] = []
    vertical = community.topics[0] if community.topics else None
    for asset in community.assets:
        for placement, estimate in stored.get(asset.id, {}).items():
            if estimate.status == "refused" or estimate.reach_p50 is None:
                continue
            keys.append((asset.id, placement))
            rows.append(
                {
                    "asset_id": asset.id,
                    "platform": Platform(asset.platform).value,
                    "placement": placement.value,
                    "currency": estimate.currency,
                    "members": float(asset.size or 0),
                    "vertical": vertical,
                    "interaction_mode": str(asset.interaction_mode)
                    if asset.interaction_mode
                    else None,
                    "reach_p10": estimate.reach_p10,
                    "reach_p50": estimate.reach_p50,
                    "reach_p90": estimate.reach_p90,
                    "goal": goal,
                    "result_value_minor": result_value_minor,
                    "rate_minor": float(estimate.rate_minor) if estimate.rate_minor else None,
                }
            )
    if not rows:
        return {}
    frame = pd.DataFrame.from_records(rows)
    frame["rate_minor"] = frame["rate_minor"].astype("float64")
    frame["result_value_minor"] = frame["result_value_minor"].astype("float64")
    if market is None:
        market = market_frame(session, {Platform(asset.platform) for asset in community.assets})
    position = market_position(frame, market)
    result = lens_frame(frame.join(position))
    uplift = default_lens_tables().uplift
    out: dict[tuple[int, PlacementType], dict[str, Any]] = {}
    for i, key in enumerate(keys):
        row = result.iloc[i]
        where = position.iloc[i]
        percentile = float(where["market_percentile"])
        suggested = (
            int_or_none(row["suggested_low_minor"]),
            int_or_none(row["suggested_high_minor"]),
        )
        out[key] = {
            "replacement": tuple(
                int_or_none(row[f"replacement_{q}_minor"]) for q in ("p10", "p50", "p90")
            ),
            "outcome": tuple(int_or_none(row[f"outcome_{q}_minor"]) for q in ("p10", "p50", "p90")),
            "uplift": float(row["uplift"]),
            "uplift_range": (uplift.low, uplift.high),
            "result_kind": str(row["result_kind"]),
            "results": float(row["outcome_results_p50"]),
            "from_brand": bool(row["result_value_from_brand"]),
            "percentile": None if math.isnan(percentile) else round(percentile),
            "market_n": int(where["market_n"]),
            "market_level": str(where["market_level"]),
            "verdict": str(row["lens_verdict"]) if "lens_verdict" in row else None,
            "note": str(row["lens_note"]) if "lens_note" in row else "",
            "suggested": None if None in suggested else suggested,
        }
    return out
