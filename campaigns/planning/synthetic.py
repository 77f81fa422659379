"""Seeded synthetic shortlists for the benchmark and the randomised tests.

Communities get a platform mix like the Israeli catalog (WhatsApp and Facebook groups first),
a region, one to three topics from a few clusters (so similar communities exist and overlap),
gender and age distributions, a size, and one to four placements with reach and value
quantiles shaped like the valuation engine's (lognormal, wider when evidence is thin) and an
owner rate around the value P50.
"""

from __future__ import annotations

import numpy as np

from campaigns.planning.types import AudienceProfile, Candidate
from pricing.taxonomy import PlacementType, Platform
from pricing.valuation.schema import Quantiles

TOPIC_CLUSTERS = (
    ("parenting", "women", "education"),
    ("tech", "careers", "marketing"),
    ("finance", "real_estate", "careers"),
    ("fitness", "health", "food"),
    ("culture", "travel", "food"),
    ("local", "consumer_deals", "parenting"),
    ("gaming", "tech", "culture"),
    ("pets", "sustainability", "local"),
)
REGIONS = ("nationwide", "tel_aviv", "center", "haifa", "jerusalem", "north", "south")
PLATFORM_MIX: tuple[tuple[Platform, float, tuple[PlacementType, ...]], ...] = (
    (Platform.WHATSAPP_GROUP, 0.25, (PlacementType.POST, PlacementType.PINNED_POST,
                                     PlacementType.SURVEY, PlacementType.EXPERT_SESSION)),
    (Platform.FACEBOOK_GROUP, 0.25, (PlacementType.POST, PlacementType.PINNED_POST,
                                     PlacementType.EXPERT_SESSION, PlacementType.SURVEY)),
    (Platform.TELEGRAM_CHANNEL, 0.15, (PlacementType.POST, PlacementType.PINNED_POST,
                                       PlacementType.SURVEY)),
    (Platform.NEWSLETTER, 0.1, (PlacementType.NEWSLETTER_SPONSORSHIP,
                                PlacementType.DEDICATED_SEND, PlacementType.SURVEY)),
    (Platform.INSTAGRAM, 0.1, (PlacementType.POST, PlacementType.STORY)),
    (Platform.PODCAST, 0.05, (PlacementType.PODCAST_READ, PlacementType.EXPERT_SESSION)),
    (Platform.WHATSAPP_COMMUNITY, 0.05, (PlacementType.POST, PlacementType.MEETUP)),
    (Platform.LINKEDIN_GROUP, 0.05, (PlacementType.POST, PlacementType.ROUND_TABLE)),
)  # fmt: skip
AGE_BANDS = ("18_24", "25_34", "35_44", "45_54", "55_64", "65_plus")


def _bp_split(rng: np.random.Generator, keys: tuple[str, ...], alpha: float) -> dict[str, int]:
    shares = rng.dirichlet(np.full(len(keys), alpha))
    bp = np.floor(shares * 10_000).astype(int)
    bp[int(np.argmax(bp))] += 10_000 - int(bp.sum())
    return {k: int(v) for k, v in zip(keys, bp, strict=True)}


def synthetic_candidates(
    communities: int = 200, *, placements: int | None = 500, seed: int = 2026
) -> tuple[Candidate, ...]:
    """`communities` communities with 1-4 placements each, trimmed or padded to `placements`
    rows when given (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    weights = np.array([w for _, w, _ in PLATFORM_MIX])
    rows: list[Candidate] = []
    for cid in range(1, communities + 1):
        platform, _, offered = PLATFORM_MIX[int(rng.choice(len(PLATFORM_MIX), p=weights))]
        cluster = TOPIC_CLUSTERS[int(rng.integers(len(TOPIC_CLUSTERS)))]
        topics = tuple(sorted(set(rng.choice(cluster, size=int(rng.integers(1, 4))).tolist())))
        size = int(np.exp(rng.normal(np.log(3_000), 1.1)))
        profile = AudienceProfile(
            region=REGIONS[int(rng.integers(len(REGIONS)))],
            topics=topics,
            shares={
                "gender": _bp_split(rng, ("female", "male"), 2.0),
                "age": _bp_split(rng, AGE_BANDS, 1.0),
            },
            total_size=size,
        )
        count = min(len(offered), int(rng.choice(4, p=[0.1, 0.25, 0.35, 0.3])) + 1)
        chosen = rng.choice(len(offered), size=count, replace=False)
        for k in sorted(chosen.tolist()):
            placement = offered[k]
            reach50 = max(20, int(size * rng.uniform(0.15, 0.6)))
            spread = rng.uniform(1.4, 2.6)
            cpm = rng.uniform(60, 250)  # ₪ per 1,000 reached, in shekels
            value50 = int(reach50 * cpm / 1000 * 100)
            rate = max(1_000, int(value50 * np.exp(rng.normal(-0.1, 0.45))) // 100 * 100)
            rows.append(
                Candidate(
                    community_id=cid,
                    community_name=f"Community {cid}",
                    platform=platform,
                    placement=placement,
                    rate_minor=rate,
                    reach=Quantiles(int(reach50 / spread), reach50, int(reach50 * spread)),
                    value_minor=Quantiles(int(value50 / spread), value50, int(value50 * spread)),
                    score=round(float(rng.uniform(0.3, 1.0)), 3),
                    audience=profile,
                    key=f"{cid}:{placement.value}",
                )
            )
    if placements is not None:
        rows = rows[:placements]
    return tuple(rows)
