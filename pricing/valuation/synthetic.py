"""Seeded synthetic data: a catalog for the benchmark, deliveries drawn from known true rates."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pricing.taxonomy import MEMBER_CAPS, PlacementType, Platform
from pricing.valuation.priors import Priors, default_priors

#: Typical sizes (median members, log spread) by platform, for plausible synthetic assets.
_SIZE = {
    Platform.WHATSAPP_GROUP: (250, 0.8),
    Platform.WHATSAPP_COMMUNITY: (3000, 1.0),
    Platform.WHATSAPP_CHANNEL: (5000, 1.2),
    Platform.FACEBOOK_GROUP: (15000, 1.3),
    Platform.FACEBOOK_PAGE: (20000, 1.3),
    Platform.TELEGRAM_CHANNEL: (8000, 1.2),
    Platform.TELEGRAM_GROUP: (2000, 1.0),
    Platform.NEWSLETTER: (6000, 1.1),
    Platform.PODCAST: (3000, 1.0),
    Platform.INSTAGRAM: (12000, 1.4),
}
_DEFAULT_SIZE = (3000, 1.2)

#: The five channel types of the worked examples; the calibration tests use them.
CALIBRATION_PLATFORMS = (
    Platform.NEWSLETTER,
    Platform.TELEGRAM_CHANNEL,
    Platform.WHATSAPP_GROUP,
    Platform.FACEBOOK_GROUP,
    Platform.PODCAST,
)


def synthetic_catalog(
    n_communities: int, *, seed: int = 0, priors: Priors | None = None
) -> pd.DataFrame:
    """A catalog of `n_communities`, each with 1-4 assets and every placement each asset offers.

    Figures are a realistic mix: every evidence tier, some measured rates, some health scores,
    a few stale dates, and rate cards around the market price.
    """
    priors = priors if priors is not None else default_priors()
    rng = np.random.default_rng(seed)
    platforms = list(priors.platforms)
    offered = {p: [pl for (pf, pl) in priors.placements if pf is p] for p in platforms}
    assets_per = rng.integers(1, 5, n_communities)
    n_assets = int(assets_per.sum())
    community = np.repeat(np.arange(n_communities), assets_per)
    platform_index = rng.integers(0, len(platforms), n_assets)
    counts = np.array([len(offered[platforms[i]]) for i in platform_index])
    asset = np.repeat(np.arange(n_assets), counts)
    rows = len(asset)
    placements = np.concatenate(
        [
            np.array([p.value for p in offered[platforms[i]]], dtype=object)
            for i in range(len(platforms))
        ]
    )
    offsets = np.cumsum([0] + [len(offered[p]) for p in platforms])
    within = np.arange(rows) - np.repeat(np.cumsum(counts) - counts, counts)
    platform_of_row = platform_index[asset]
    placement = placements[offsets[platform_of_row] + within]
    medians = np.array([_SIZE.get(p, _DEFAULT_SIZE)[0] for p in platforms], dtype=float)
    spreads = np.array([_SIZE.get(p, _DEFAULT_SIZE)[1] for p in platforms])
    members = np.round(
        medians[platform_index] * np.exp(rng.normal(0, 1, n_assets) * spreads[platform_index])
    )
    caps = np.array([MEMBER_CAPS.get(p) or math.inf for p in platforms])
    members = np.maximum(1.0, np.minimum(members, caps[platform_index]))
    verticals = np.array(list(priors.verticals), dtype=object)
    regions = np.array(list(priors.regions), dtype=object)
    vertical = verticals[rng.integers(0, len(verticals), n_communities)][community]
    region = regions[rng.integers(0, len(regions), n_communities)][community]
    currency = np.where(rng.random(n_communities) < 0.85, "ILS", "USD").astype(object)[community]

    def per_asset(values: np.ndarray) -> np.ndarray:
        return values[asset]

    measured_open = rng.random(n_assets) < 0.3
    measured_active = rng.random(n_assets) < 0.3
    frame = pd.DataFrame(
        {
            "community_id": per_asset(community),
            "asset_id": asset,
            "platform": np.array([p.value for p in platforms], dtype=object)[platform_of_row],
            "placement": placement,
            "currency": per_asset(currency),
            "members": per_asset(members),
            "members_tier": per_asset(rng.integers(1, 5, n_assets)),
            "members_age_days": per_asset(rng.integers(0, 500, n_assets)),
            "open_rate": per_asset(
                np.where(measured_open, rng.uniform(0.1, 0.7, n_assets), np.nan)
            ),
            "open_rate_tier": per_asset(rng.integers(1, 5, n_assets)),
            "open_rate_age_days": per_asset(rng.integers(0, 200, n_assets)),
            "active_share": per_asset(
                np.where(measured_active, rng.uniform(0.1, 0.9, n_assets), np.nan)
            ),
            "active_share_tier": per_asset(rng.integers(1, 5, n_assets)),
            "active_share_age_days": per_asset(rng.integers(0, 200, n_assets)),
            "health_score": per_asset(
                np.where(rng.random(n_assets) < 0.6, rng.uniform(0, 100, n_assets), np.nan)
            ),
            "vertical": per_asset(vertical),
            "region": per_asset(region),
        }
    )
    # Owners' asking prices: about 2.5 agorot / cents per member, give or take a factor of e.
    asking = np.log(frame["members"].to_numpy() * 2.5) + rng.normal(0.0, 1.0, len(frame))
    frame["rate_minor"] = np.maximum(100, np.round(np.exp(asking))).astype(np.int64)
    return frame


def synthetic_market(
    n_assets: int,
    *,
    seed: int = 0,
    group_shift: float = 0.0,
    platforms: Sequence[Platform] = CALIBRATION_PLATFORMS,
    verticals: Sequence[str] = ("parenting", "finance", "tech"),
    priors: Priors | None = None,
) -> pd.DataFrame:
    """Assets with known true reach, drawn the way the model says reach varies.

    Each asset gets true members and a true share of members who see an ordinary item; the
    figures the model sees are noisy, biased reports of them (by evidence tier and age, as in
    evidence.csv). Each platform x vertical gets a true gap from the priors,
    ``N(group_shift, group_bias_prior_sd)``, which calibration has to discover: a negative
    `group_shift` makes the priors optimistic everywhere. Columns ``true_*`` hold the truth.
    """
    priors = priors if priors is not None else default_priors()
    c = priors.constants
    rng = np.random.default_rng(seed)
    platform = np.array([p.value for p in platforms], dtype=object)[
        rng.integers(0, len(platforms), n_assets)
    ]
    vertical = np.array(list(verticals), dtype=object)[rng.integers(0, len(verticals), n_assets)]
    group_bias = {
        (p.value, v): rng.normal(group_shift, c.group_bias_prior_sd)
        for p in platforms
        for v in verticals
    }
    true_members = np.empty(n_assets)
    true_rate = np.empty(n_assets)
    reported: dict[str, np.ndarray] = {
        name: np.full(n_assets, np.nan)
        for name in ("members", "open_rate", "health_score", "views_per_post")
    }
    tiers = rng.integers(1, 5, (n_assets, 2))
    ages = rng.integers(0, 300, (n_assets, 2)).astype(float)
    has_open = rng.random(n_assets) < 0.4
    has_health = rng.random(n_assets) < 0.6
    for i in range(n_assets):
        pf = Platform(platform[i])
        prior = priors.platforms[pf]
        median, spread = _SIZE.get(pf, _DEFAULT_SIZE)
        cap = MEMBER_CAPS.get(pf) or math.inf
        true_members[i] = max(20.0, min(cap, median * math.exp(rng.normal(0, spread))))
        rule = priors.evidence[("members", int(tiers[i, 0]))]
        drift = rule.drift_log_sd_per_year * math.sqrt(ages[i, 0] / 365.0)
        report = true_members[i] * math.exp(rng.normal(0, drift) + rng.normal(0, rule.log_sd))
        reported["members"][i] = round(report / rule.median_factor)
        health = rng.uniform(0, 100) if has_health[i] else None
        scale = c.health_prior_sd_scale if health is not None else 1.0
        sd = math.hypot(prior.active_share_log_sd * scale, prior.view_rate_log_sd)
        effect = c.health_log_slope * ((health - 50.0) / 50.0) if health is not None else 0.0
        log_rate = math.log(prior.active_share * prior.view_rate) + effect + rng.normal(0, sd)
        true_rate[i] = min(0.98, math.exp(log_rate))
        if health is not None:
            reported["health_score"][i] = health
        if has_open[i]:
            rule = priors.evidence[("open_rate", int(tiers[i, 1]))]
            drift = rule.drift_log_sd_per_year * math.sqrt(ages[i, 1] / 365.0)
            seen = true_rate[i] / prior.open_rate_bias
            noisy = seen * math.exp(rng.normal(0, drift) + rng.normal(0, rule.log_sd))
            reported["open_rate"][i] = min(1.0, noisy / rule.median_factor)
    bias = np.array([group_bias[(p, v)] for p, v in zip(platform, vertical, strict=True)])
    return pd.DataFrame(
        {
            "asset_id": np.arange(n_assets),
            "platform": platform,
            "vertical": vertical,
            "region": "center",
            "currency": "ILS",
            "members": reported["members"],
            "members_tier": tiers[:, 0],
            "members_age_days": ages[:, 0],
            "open_rate": reported["open_rate"],
            "open_rate_tier": tiers[:, 1],
            "open_rate_age_days": ages[:, 1],
            "health_score": reported["health_score"],
            "true_members": true_members,
            "true_rate": true_rate,
            "true_group_bias": bias,
        }
    )


def synthetic_deliveries(
    market: pd.DataFrame,
    per_asset: int,
    *,
    seed: int = 0,
    priors: Priors | None = None,
) -> pd.DataFrame:
    """`per_asset` delivered placements for every asset of `market`, with realised reach.

    Each asset's placement types have a fixed true factor (drawn once from the prior); each
    delivery adds its own luck, ``N(0, delivery_noise_sd)`` on the log scale.
    """
    priors = priors if priors is not None else default_priors()
    c = priors.constants
    rng = np.random.default_rng(seed)
    factor_rng = np.random.default_rng(12345)  # the same true placement factors for every call
    rows = []
    for asset in market.itertuples(index=False):
        pf = Platform(asset.platform)
        offered = sorted(
            (pl for (p, pl) in priors.placements if p is pf),
            key=lambda x: list(PlacementType).index(x),
        )
        true_factor = {
            pl: priors.placements[(pf, pl)].factor
            * math.exp(factor_rng.normal(0, priors.placements[(pf, pl)].factor_log_sd))
            for pl in offered
        }
        for _ in range(per_asset):
            placement = offered[int(rng.integers(0, len(offered)))]
            mean = asset.true_members * asset.true_rate * true_factor[placement]
            realised = mean * math.exp(asset.true_group_bias + rng.normal(0, c.delivery_noise_sd))
            row = asset._asdict()
            row["placement"] = placement.value
            row["realised_reach"] = max(1, round(realised))
            rows.append(row)
    columns = [*market.columns, "placement", "realised_reach"]
    return pd.DataFrame(rows, columns=columns)
