"""Which citation stands behind each factor of an estimate (shared by both implementations)."""

from __future__ import annotations

from pricing.taxonomy import PlacementType, Platform
from pricing.valuation.priors import Priors
from pricing.valuation.schema import Basis

_EVIDENCE_METRIC = {
    "members": "members",
    "views_per_post": "views_per_post",
    "open_rate": "open_rate",
    "active_share": "active_share",
    "engagement": "engagement_rate",
}


def factor_source(
    priors: Priors,
    key: str,
    basis: Basis,
    platform: Platform,
    placement: PlacementType,
    vertical: str | None,
    region: str | None,
) -> str:
    """Return the ``;``-separated source keys behind factor `key` of one estimate."""
    constants = priors.constants
    if basis in (Basis.SELF_REPORTED, Basis.SCREENSHOT, Basis.EXPORT, Basis.VERIFIED):
        source = priors.evidence[(_EVIDENCE_METRIC[key], int(basis))].source
        readers = constants.sources.get("readers_per_active_member")
        if key == "active_share" and readers and constants.readers_per_active_member != 1.0:
            return f"{source};{readers}"  # a measured share of posters, read as readers
        return source
    platform_prior = priors.platforms[platform]
    placement_prior = priors.placements[(platform, placement)]
    vertical_prior = priors.verticals.get(vertical or "")
    region_prior = priors.regions.get(region or "")
    if key in ("active_share", "view_rate", "open_rate_correction"):
        return platform_prior.source_reach
    if key == "engagement":
        return platform_prior.source_engagement
    if key == "health":
        return constants.sources["health"]
    if key == "placement":
        return placement_prior.source_placement
    if key in ("calibration_asset", "calibration_channel", "delivery_noise"):
        return constants.sources["calibration"]
    if key == "cpm":
        return placement_prior.source_cpm
    if key == "vertical":
        return vertical_prior.source if vertical_prior else constants.sources["unknown"]
    if key == "region":
        return region_prior.source_cpm if region_prior else constants.sources["unknown"]
    if key == "interaction_mode":
        return constants.sources["interaction"]
    if key == "whatsapp_floor":
        if region_prior is not None and region_prior.wa_marketing_usd is not None:
            return region_prior.source_wa
        return constants.sources["wa_floor_unknown_region_usd"]
    raise KeyError(key)
