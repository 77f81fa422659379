"""The engine's input, built from a listing's rows: one row per placement on a rate card."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from marketplace.catalog.models import Community, newest_metric
from pricing.taxonomy import MetricKind, PlacementType, Platform

#: The placement estimated for an asset without a rate card: what a brand would first buy there.
#: Newsletters sell a sponsorship block, podcasts a host read, offline communities a meetup;
#: every other platform an ordinary post (the one placement every online platform offers).
DEFAULT_PLACEMENTS: dict[Platform, PlacementType] = {
    Platform.NEWSLETTER: PlacementType.NEWSLETTER_SPONSORSHIP,
    Platform.PODCAST: PlacementType.PODCAST_READ,
    Platform.OFFLINE_EVENTS: PlacementType.MEETUP,
}


def default_placement(platform: Platform) -> PlacementType:
    """The placement estimated for an asset of `platform` that has no rate card."""
    return DEFAULT_PLACEMENTS.get(platform, PlacementType.POST)


def _latest(asset: Any, kind: MetricKind) -> Any:
    return newest_metric(asset.metrics, kind)


def _measured(row: dict[str, Any], name: str, value: float, snapshot: Any, today: date) -> None:
    row[name] = value
    row[f"{name}_tier"] = int(snapshot.tier)
    row[f"{name}_age_days"] = max(0, (today - snapshot.observed_on).days)


def estimate_inputs(community: Community, *, today: date | None = None) -> list[dict[str, Any]]:
    """The engine's input rows for a community: one per (asset, placement on its rate card).

    An asset without a rate card gets one row for its platform's default placement. Its size
    is the channel's current member count (`ChannelAsset.members`), as matching reads it.
    """
    today = today or date.today()
    rows: list[dict[str, Any]] = []
    vertical = community.topics[0] if community.topics else None
    for asset in community.assets:
        # Plain strings: forms may set enum columns to their values before the next load.
        platform = Platform(asset.platform)
        members = asset.members
        base: dict[str, Any] = {
            "asset_id": asset.id,
            "platform": platform.value,
            "members": float(members.value),
            "interaction_mode": str(asset.interaction_mode) if asset.interaction_mode else None,
            "vertical": vertical,
            "region": community.region,
        }
        if members.snapshot is not None:
            base["members_tier"] = int(members.snapshot.tier)
            base["members_age_days"] = max(0, (today - members.snapshot.observed_on).days)
        active = _latest(asset, MetricKind.ACTIVE_MEMBERS)
        if active is not None and members.value > 0:
            _measured(base, "active_share", active.value / members.value, active, today)
        views = _latest(asset, MetricKind.VIEWS_PER_POST)
        if views is not None:
            _measured(base, "views_per_post", float(views.value), views, today)
        if platform is Platform.NEWSLETTER:
            opens = _latest(asset, MetricKind.OPEN_RATE)
            if opens is not None:
                _measured(base, "open_rate", float(opens.value), opens, today)
        health = _latest(asset, MetricKind.HEALTH_SCORE)
        if health is not None:
            base["health_score"] = float(health.value)
        if asset.rates:
            for rate in asset.rates:
                rows.append(
                    {**base, "placement": str(rate.placement), "currency": rate.currency,
                     "rate_minor": rate.amount_minor}
                )  # fmt: skip
        else:
            placement = default_placement(platform)
            rows.append({**base, "placement": placement.value, "currency": "ILS"})
    return rows


def int_or_none(value: Any) -> int | None:
    """A figure of the engine's output as an int; None when it is missing (NA or NaN)."""
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else int(number)
