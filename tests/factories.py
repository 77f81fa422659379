"""Builders of realistic test data, through the services (so the data obeys the rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from marketplace.auth.models import User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import ChannelAsset, Community, EvidenceFile, MetricSnapshot
from pricing.taxonomy import EvidenceTier, MetricKind, PlacementType, Platform

#: The smallest valid PNG (1×1 pixel).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d5e1a0000000"
    "0049454e44ae426082"
)


@dataclass
class Listing:
    community: Community
    asset: ChannelAsset
    snapshot: MetricSnapshot
    evidence: EvidenceFile


def make_listing(session: Any, owner: User, **overrides: Any) -> Listing:
    """A community with one WhatsApp group, a rate card, an audience and a screenshot figure."""
    n = session.query(Community).count() + 1
    data = {
        "name_he": f"רצים בתל אביב {n}",
        "name_en": f"TLV Runners {n}",
        "description": "קהילת ריצה שכונתית: אימונים בפארק הירקון, מרתונים ושיחות על ציוד.",
        "dna_tone": "חברי, מפרגן, בלי שיפוטיות",
        "topics": ["fitness", "local"],
        "languages": ["he"],
        "region": "tel_aviv",
        "city": "תל אביב",
        "tags": ["ריצה", "מרתון"],
        "contact_phone": "050-1234567",
        **overrides,
    }
    community = catalog.save_community(session, data, actor=owner)
    asset = catalog.save_asset(
        session,
        community,
        {
            "platform": Platform.WHATSAPP_GROUP,
            "url": f"https://chat.whatsapp.com/Runners{n}x",
            "size": 640,
            "interaction_mode": "many_to_many",
        },
        actor=owner,
        observed_on=date(2026, 10, 1),
    )
    catalog.set_rates(session, asset, {PlacementType.POST: (35_000, "ILS")}, actor=owner)
    catalog.set_audience(session, community, "gender", {"female": 6500, "male": 3500}, actor=owner)
    evidence = catalog.store_evidence(
        session, community, filename="insights.png", data=PNG, actor=owner
    )
    snapshot = catalog.record_metric(
        session, asset, MetricKind.ACTIVE_MEMBERS, 310, actor=owner,
        observed_on=date(2026, 11, 1), source="WhatsApp insights", tier=EvidenceTier.SCREENSHOT,
        evidence=evidence,
    )  # fmt: skip
    session.flush()
    return Listing(community, asset, snapshot, evidence)
