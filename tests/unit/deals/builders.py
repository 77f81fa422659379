"""Small builders of deal-desk values for the unit tests: one realistic offer and its variants."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from campaigns.deals import (
    Exclusivity,
    OfferTerms,
    Placement,
    ProofKind,
    UsageRights,
)
from pricing.taxonomy import PlacementType

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)
HOUR = dt.timedelta(hours=1)
DISCLOSURE = "שיתוף פעולה בתשלום"


def placement(
    asset_id: int = 11,
    kind: PlacementType = PlacementType.POST,
    *,
    payout: int = 80_000,
    price: int = 100_000,
    count: int = 1,
    day: int = 10,
    days: int = 0,
) -> Placement:
    start = dt.date(2026, 3, day)
    return Placement(asset_id, kind, count, start, start + dt.timedelta(days=days), payout, price)


def terms(*placements: Placement, **changes: Any) -> OfferTerms:
    base = OfferTerms(
        placements=placements or (placement(), placement(12, PlacementType.PINNED_POST)),
        currency="ILS",
        disclosure=DISCLOSURE,
        expires_at=T0 + WEEK,
        payment_terms_days=30,
        deliverables=("פוסט אחד עם תמונה", "תגובה לשאלות חברי הקהילה"),
        required_proof=(ProofKind.SCREENSHOT, ProofKind.POST_LINK),
        exclusivity=Exclusivity(("bank",), 14),
        usage_rights=UsageRights.BRAND_CHANNELS,
        usage_days=30,
    )
    return replace(base, **changes)


def repriced(t: OfferTerms, *, payout_delta: int = 0, price_delta: int = 0) -> OfferTerms:
    """The same terms with every placement's payout and/or brand price moved."""
    return replace(
        t,
        placements=tuple(
            replace(
                p,
                owner_payout_minor=p.owner_payout_minor + payout_delta,
                brand_price_minor=p.brand_price_minor + price_delta,
            )
            for p in t.placements
        ),
    )


def keys_anywhere(value: Any) -> set[str]:
    """Every dict key in a nested JSON-like value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_anywhere(v)}
    if isinstance(value, list | tuple):
        return {k for v in value for k in keys_anywhere(v)}
    return set()
