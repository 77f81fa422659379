"""What the matching engine knows about a community: one plain, frozen record per community.

The web layer fills :class:`CommunityRecord` from the database (listing, channel assets, rate
cards, audience shares, pricing estimates, health scores); the judged set and the benchmark fill
it from JSON or a generator. Nothing here knows about Flask or SQLAlchemy.

Conventions: money is integer minor units in ILS (agorot); audience shares are basis points
(10,000 = 100%) per dimension; ``None`` means "not known" and is scored as neutral, never as bad.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaigns.brief import AUDIENCE_DIMENSIONS, RegulatedCategory
from pricing.taxonomy import PlacementType, Platform

#: The sensitive-audience flags of the catalog (``marketplace/catalog/vocab.py``).
SENSITIVE_FLAGS = (
    "health",
    "health_interest",
    "minors",
    "about_children",
    "bereavement",
    "recovery",
    "religious",
    "political",
)

#: The listing status a community needs to be matched at all.
LISTED = "listed"


@dataclass(frozen=True, slots=True)
class PlacementOffer:
    """One placement type a community sells, with its cheapest rate and the pricing estimate.

    ``rate_minor`` is the cheapest price a brand pays for this placement over the community's
    channels (ILS minor units): the owner's rate plus the agency margin (pricing.margin). The
    value and reach figures are the pricing engine's estimate for that same channel and
    placement; any of them may be missing (``None``).
    """

    placement: PlacementType
    rate_minor: int
    value_p10_minor: int | None = None
    value_p50_minor: int | None = None
    value_p90_minor: int | None = None
    reach_p50: int | None = None


@dataclass(frozen=True, slots=True)
class CommunityRecord:
    """Everything the engine scores a community on. Lists are tuples so the record is frozen."""

    id: int
    name: str
    description: str = ""
    dna_tone: str = ""
    dna_values: str = ""
    dna_rituals: str = ""
    member_type: str = ""
    common_denominator: str = ""
    tags: tuple[str, ...] = ()
    #: Controlled topic slugs (``marketplace/catalog/vocab.py`` TOPICS).
    topics: tuple[str, ...] = ()
    #: Language codes the community speaks (he, en, ar, ru, am, fr, es).
    languages: tuple[str, ...] = ()
    country: str = "IL"
    #: A region slug; "nationwide" means all of Israel, "abroad" outside it.
    region: str = "nationwide"
    city: str = ""
    #: b2c, b2b or both.
    audience_kind: str = "b2c"
    sensitive_flags: tuple[str, ...] = ()
    #: Regulated categories the community's rules allow; empty means none is allowed.
    regulated_allowed: tuple[RegulatedCategory, ...] = ()
    status: str = LISTED
    #: dimension -> {bucket: share in basis points}; a missing dimension means "unknown".
    audience: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    platforms: tuple[Platform, ...] = ()
    offers: tuple[PlacementOffer, ...] = ()
    total_size: int = 0
    #: The latest health score, 0-100, or None when never measured.
    health_score: float | None = None
    #: Share of members active in a week (0-1), or None.
    active_share: float | None = None
    #: Comments + reactions per member per week, or None.
    interactions_per_member_week: float | None = None
    #: The best evidence tier behind its figures: 1 self-reported ... 4 verified; 0 none.
    best_evidence: int = 0
    #: Delivered / promised over past campaigns (1.0 = as promised), or None (no campaigns yet).
    past_performance: float | None = None

    def offer(self, placement: PlacementType) -> PlacementOffer | None:
        """The offer for ``placement``, or None if the community does not sell it."""
        for offer in self.offers:
            if offer.placement is placement:
                return offer
        return None


def _offer_to_dict(offer: PlacementOffer) -> dict[str, Any]:
    return {
        "placement": offer.placement.value,
        "rate_minor": offer.rate_minor,
        "value_p10_minor": offer.value_p10_minor,
        "value_p50_minor": offer.value_p50_minor,
        "value_p90_minor": offer.value_p90_minor,
        "reach_p50": offer.reach_p50,
    }


def record_to_dict(record: CommunityRecord) -> dict[str, Any]:
    """The JSON form of one record (what :func:`record_from_dict` reads back)."""
    return {
        "id": record.id,
        "name": record.name,
        "description": record.description,
        "dna_tone": record.dna_tone,
        "dna_values": record.dna_values,
        "dna_rituals": record.dna_rituals,
        "member_type": record.member_type,
        "common_denominator": record.common_denominator,
        "tags": list(record.tags),
        "topics": list(record.topics),
        "languages": list(record.languages),
        "country": record.country,
        "region": record.region,
        "city": record.city,
        "audience_kind": record.audience_kind,
        "sensitive_flags": list(record.sensitive_flags),
        "regulated_allowed": [c.value for c in record.regulated_allowed],
        "status": record.status,
        "audience": {dim: dict(shares) for dim, shares in record.audience.items()},
        "platforms": [p.value for p in record.platforms],
        "offers": [_offer_to_dict(o) for o in record.offers],
        "total_size": record.total_size,
        "health_score": record.health_score,
        "active_share": record.active_share,
        "interactions_per_member_week": record.interactions_per_member_week,
        "best_evidence": record.best_evidence,
        "past_performance": record.past_performance,
    }


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def record_from_dict(data: Mapping[str, Any]) -> CommunityRecord:
    """Read one record from its JSON form; unknown enum values raise ``ValueError``."""
    audience = data.get("audience") or {}
    for dim in audience:
        if dim not in AUDIENCE_DIMENSIONS:
            raise ValueError(f"community {data.get('id')}: unknown audience dimension {dim!r}")
    return CommunityRecord(
        id=int(data["id"]),
        name=str(data["name"]),
        description=str(data.get("description", "")),
        dna_tone=str(data.get("dna_tone", "")),
        dna_values=str(data.get("dna_values", "")),
        dna_rituals=str(data.get("dna_rituals", "")),
        member_type=str(data.get("member_type", "")),
        common_denominator=str(data.get("common_denominator", "")),
        tags=tuple(data.get("tags", ())),
        topics=tuple(data.get("topics", ())),
        languages=tuple(data.get("languages", ())),
        country=str(data.get("country", "IL")),
        region=str(data.get("region", "nationwide")),
        city=str(data.get("city", "")),
        audience_kind=str(data.get("audience_kind", "b2c")),
        sensitive_flags=tuple(data.get("sensitive_flags", ())),
        regulated_allowed=tuple(RegulatedCategory(c) for c in data.get("regulated_allowed", ())),
        status=str(data.get("status", LISTED)),
        audience={
            str(dim): {str(b): int(bp) for b, bp in shares.items()}
            for dim, shares in audience.items()
        },
        platforms=tuple(Platform(p) for p in data.get("platforms", ())),
        offers=tuple(
            PlacementOffer(
                placement=PlacementType(o["placement"]),
                rate_minor=int(o["rate_minor"]),
                value_p10_minor=_opt_int(o.get("value_p10_minor")),
                value_p50_minor=_opt_int(o.get("value_p50_minor")),
                value_p90_minor=_opt_int(o.get("value_p90_minor")),
                reach_p50=_opt_int(o.get("reach_p50")),
            )
            for o in data.get("offers", ())
        ),
        total_size=int(data.get("total_size", 0)),
        health_score=_opt_float(data.get("health_score")),
        active_share=_opt_float(data.get("active_share")),
        interactions_per_member_week=_opt_float(data.get("interactions_per_member_week")),
        best_evidence=int(data.get("best_evidence", 0)),
        past_performance=_opt_float(data.get("past_performance")),
    )


def records_to_json(records: Iterable[CommunityRecord], path: Path | None = None) -> str:
    """Serialise records as a readable JSON array (one record an object); write it if asked."""
    text = json.dumps([record_to_dict(r) for r in records], ensure_ascii=False, indent=1)
    if path is not None:
        path.write_text(text + "\n", encoding="utf-8")
    return text


def records_from_json(source: str | Path) -> list[CommunityRecord]:
    """Read records from a JSON array, given as text or as a path to a file."""
    text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("a catalog is a JSON array of community records")
    return [record_from_dict(item) for item in data]
