"""Small builders of matching inputs for the unit tests: one plain community and its variants."""

from __future__ import annotations

from dataclasses import replace

from campaigns.matching import CommunityRecord, PlacementOffer
from pricing.taxonomy import PlacementType, Platform


def community(cid: int, **changes: object) -> CommunityRecord:
    """A plain listed Hebrew community in Tel Aviv offering a post; ``changes`` override."""
    base = CommunityRecord(
        id=cid,
        name=f"קהילה {cid}",
        description="קהילה של הורים לתינוקות",
        topics=("parenting",),
        languages=("he",),
        region="tel_aviv",
        platforms=(Platform.WHATSAPP_GROUP,),
        offers=(PlacementOffer(PlacementType.POST, 20_000, value_p50_minor=30_000),),
        total_size=1000,
    )
    return replace(base, **changes)  # type: ignore[arg-type]
