"""A listing's channels, their rate cards and its audience."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.auth.models import User
from marketplace.catalog import rules
from marketplace.catalog.models import AudienceShare, ChannelAsset, Community, RateCard
from marketplace.catalog.services.access import can_manage, require_confirmed_unless_draft
from marketplace.catalog.services.derived import refresh_derived
from marketplace.catalog.services.errors import raise_if
from marketplace.catalog.services.figures import record_metric
from marketplace.catalog.services.lifecycle import send_back_to_review
from marketplace.db import SessionLike
from marketplace.errors import NotFound
from pricing.taxonomy import EvidenceTier, MetricKind, PlacementType

# --- assets, rates, audience ---------------------------------------------------------------


def save_asset(
    session: SessionLike,
    community: Community,
    data: Mapping[str, Any],
    *,
    actor: User,
    asset: ChannelAsset | None = None,
    observed_on: date | None = None,
    tier: EvidenceTier = EvidenceTier.SELF_REPORTED,
) -> ChannelAsset:
    """Add or update a channel asset; a new size becomes a dated MEMBERS snapshot."""
    if not can_manage(actor, community):
        raise NotFound()
    require_confirmed_unless_draft(actor, community)
    platform = data.get("platform", asset.platform if asset else None)
    url = (data.get("url", asset.url if asset else "") or "").strip()
    size = data.get("size")
    problems = rules.check_asset(platform, url, size)
    key = rules.normalise_url(url) if url else None
    if key:
        clash = session.scalar(select(ChannelAsset).where(ChannelAsset.url_key == key))
        if clash is not None and clash is not asset:
            problems.append(("url", str(_l("This address is already listed in the catalog."))))
    raise_if(problems)
    identity = (
        None if asset is None else {f: getattr(asset, f) for f in rules.REVIEWED_ASSET_FIELDS}
    )
    if asset is None:
        asset = ChannelAsset(community=community, platform=platform)
        session.add(asset)
    asset.platform = platform
    asset.url = url
    asset.url_key = key
    for field in ("handle", "activity_hours"):
        if field in data:
            setattr(asset, field, (data[field] or "").strip())
    if "interaction_mode" in data:
        asset.interaction_mode = data["interaction_mode"]
    if "posts_per_week" in data:
        asset.posts_per_week = data["posts_per_week"]
    session.flush()
    if size is not None and size != asset.size:
        record_metric(
            session, asset, MetricKind.MEMBERS, float(size), actor=actor,
            observed_on=observed_on or date.today(), source=str(_l("Stated by the owner")),
            tier=tier,
        )  # fmt: skip
    refresh_derived(session, community)
    changed = (
        rules.REVIEWED_ASSET_FIELDS  # a new channel is reviewed as a whole
        if identity is None
        else [f for f, value in identity.items() if not rules.same_value(value, getattr(asset, f))]
    )
    send_back_to_review(
        session, community, changed, actor=actor, reviewed=rules.REVIEWED_ASSET_FIELDS
    )
    return asset


def delete_asset(session: SessionLike, asset: ChannelAsset, *, actor: User) -> None:
    """Remove a channel asset (with its rates and figures)."""
    community = asset.community
    if not can_manage(actor, community):
        raise NotFound()
    require_confirmed_unless_draft(actor, community)
    community.assets.remove(asset)
    session.flush()
    refresh_derived(session, community)


def set_rates(
    session: SessionLike,
    asset: ChannelAsset,
    rates: Mapping[PlacementType, tuple[int | None, str | None]],
    *,
    actor: User,
) -> None:
    """Replace the asset's rate card; a placement with no amount is removed from it."""
    if not can_manage(actor, asset.community):
        raise NotFound()
    require_confirmed_unless_draft(actor, asset.community)
    problems = [
        (f"rate_{placement.value}", message)
        for placement, (amount, currency) in rates.items()
        for _field, message in rules.check_rate(amount, currency)
    ]
    problems += [
        problem
        for placement, (amount, _currency) in rates.items()
        if amount is not None
        for problem in rules.check_offered(asset.platform, placement)
    ]
    raise_if(problems)
    existing = {rate.placement: rate for rate in asset.rates}
    for placement, (amount, currency) in rates.items():
        if amount is None:
            if placement in existing:
                asset.rates.remove(existing[placement])
            continue
        rate = existing.get(placement) or RateCard(placement=placement)
        rate.amount_minor, rate.currency = amount, str(currency)
        if placement not in existing:
            asset.rates.append(rate)
    session.flush()
    refresh_derived(session, asset.community)


def set_audience(
    session: SessionLike,
    community: Community,
    dimension: str,
    shares_bp: Mapping[str, int],
    *,
    actor: User,
) -> None:
    """Replace one audience distribution; it must sum to exactly 100% (or be empty)."""
    if not can_manage(actor, community):
        raise NotFound()
    require_confirmed_unless_draft(actor, community)
    raise_if(rules.check_audience(dimension, shares_bp))
    for share in [s for s in community.audience if s.dimension == dimension]:
        community.audience.remove(share)
    session.flush()
    for bucket, share_bp in shares_bp.items():
        community.audience.append(
            AudienceShare(dimension=dimension, bucket=bucket, share_bp=share_bp)
        )
    session.flush()
    refresh_derived(session, community)
