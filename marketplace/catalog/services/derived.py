"""What browsing reads, derived from a listing's rows: totals, facets, search text, estimates.

Every function takes the session explicitly and flushes; the caller commits once.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import delete, insert

from marketplace.catalog import vocab
from marketplace.catalog.models import (
    ChannelAsset,
    Community,
    CommunityFacet,
    ListingStatus,
    MetricSnapshot,
    newest_metric,
)
from marketplace.db import SessionLike
from marketplace.valuation import services as valuation
from pricing.taxonomy import MetricKind


def latest_metric(asset: ChannelAsset, kind: MetricKind) -> MetricSnapshot | None:
    """The newest snapshot of a kind (by the day it describes, then by entry)."""
    result: MetricSnapshot | None = newest_metric(asset.metrics, kind)
    return result


def audience_by_dimension(community: Community) -> dict[str, dict[str, int]]:
    """The audience as {dimension: {bucket: basis points}}, largest bucket first."""
    result: dict[str, dict[str, int]] = {}
    for share in sorted(community.audience, key=lambda s: -s.share_bp):
        result.setdefault(share.dimension, {})[share.bucket] = share.share_bp
    return result


# --- derived fields: totals, facets, search text -------------------------------------------

HEBREW_PREFIXES = "והבלמשכ"
_WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(text: str) -> list[str]:
    """Split text into search words, adding Hebrew words without their one-letter prefix.

    Hebrew glues "the", "and", "in", "to", "from", "that" and "as" to the next word
    ("הריצה", "ולרוץ"); indexing the bare form as well lets "ריצה" find "הריצה".
    """
    words: list[str] = []
    for word in _WORD.findall(text.lower()):
        words.append(word)
        if len(word) >= 4 and word[0] in HEBREW_PREFIXES and "\u0590" <= word[1] <= "\u05ff":
            words.append(word[1:])
    return words


def build_search_text(community: Community) -> str:
    """The text that full-text search indexes for a community."""
    parts = [
        community.name_he or "", community.name_en or "", community.description,
        community.founding_story, community.need_answered, community.dna_tone,
        community.dna_values, community.dna_rituals, community.dna_language,
        community.member_type, community.common_denominator, community.city,
        " ".join(community.tags or []),
        " ".join(str(vocab.TOPICS.get(t, t)) for t in community.topics or []),
    ]  # fmt: skip
    return " ".join(dict.fromkeys(search_terms(" ".join(parts))))


def band(value: int | None, bands: list[tuple[str, int, int | None]]) -> str | None:
    """The slug of the band `value` falls in."""
    if value is None:
        return None
    for slug, low, high in bands:
        if value >= low and (high is None or value < high):
            return slug
    return None


@functools.lru_cache(maxsize=4096)
def facet_token(facet: str, value: str) -> str:
    """A facet as one full-text word: ("platform", "whatsapp_group") → "fplatform0whatsappgroup"."""
    return (
        "f"
        + re.sub(r"[^a-z0-9]", "", facet.lower())
        + "0"
        + re.sub(r"[^a-z0-9]", "", value.lower())
    )


#: A facet holding the health score itself, zero-padded, for the "healthiest" sort.
HEALTH_SORT_FACET = "health_score"
#: Facets that are not filters, so they stay out of the full-text facet words.
UNFILTERED_FACETS = frozenset({"tag", HEALTH_SORT_FACET})


def community_health(community: Community) -> int | None:
    """The community's health score: the best of its channels' latest scores (0–100)."""
    scores = [
        latest.value
        for asset in community.assets
        if (latest := latest_metric(asset, MetricKind.HEALTH_SCORE)) is not None
    ]
    return int(max(0.0, min(100.0, max(scores))) + 0.5) if scores else None


def community_facets(community: Community) -> set[tuple[str, str]]:
    """The (facet, value) pairs a community can be filtered by."""
    facets = {("topic", t) for t in community.topics or []}
    facets.add(("status", ListingStatus(community.status or ListingStatus.DRAFT).value))
    facets |= {("language", lang) for lang in community.languages or []}
    facets |= {("sensitive", f) for f in community.sensitive_flags or []}
    facets |= {("tag", t.lower()[:60]) for t in community.tags or []}
    facets |= {("platform", a.platform.value) for a in community.assets}
    facets.add(("region", community.region))
    facets.add(("audience_kind", community.audience_kind))
    size_band = band(community.total_size, vocab.SIZE_BANDS)
    if size_band:
        facets.add(("size", size_band))
    price_band = band(community.min_rate_ils, vocab.PRICE_BANDS)
    if price_band:
        facets.add(("price", price_band))
    # Namespaces from the bulk paths have no estimate yet: `pricing recompute` fills it.
    value_band = band(getattr(community, "value_p50_ils", None), vocab.VALUE_BANDS)
    if value_band:
        facets.add(("value", value_band))
    health = community_health(community)
    if health is not None:
        facets.add(("health", band(health, vocab.HEALTH_BANDS) or "h_low"))
        facets.add((HEALTH_SORT_FACET, f"{health:03d}"))  # sortable as text: "062" < "100"
    for tier in range(1, community.best_evidence + 1):
        facets.add(("evidence", str(tier)))  # "at least this tier"
    for dimension, shares in audience_by_dimension(community).items():
        threshold = 6000 if dimension == "gender" else 2500
        facets |= {
            ("audience", f"{dimension}:{b}"[:60]) for b, s in shares.items() if s >= threshold
        }
    return facets


def compute_derived(community: Community) -> set[tuple[str, str]]:
    """Recompute the totals and search text in memory; return the community's facets."""
    community.total_size = sum(asset.size for asset in community.assets)
    ils_rates = [r.amount_minor for a in community.assets for r in a.rates if r.currency == "ILS"]
    community.min_rate_ils = min(ils_rates) if ils_rates else None
    tiers = [
        latest.tier
        for asset in community.assets
        if (latest := latest_metric(asset, MetricKind.MEMBERS)) is not None
    ]
    community.best_evidence = max(tiers, default=0)
    community.search_text = build_search_text(community)
    facets = community_facets(community)
    community.facet_text = " ".join(
        sorted(facet_token(f, v) for f, v in facets if f not in UNFILTERED_FACETS)
    )
    return facets


def refresh_derived(session: SessionLike, community: Community, *, estimate: bool = True) -> None:
    """Recompute the value estimates, totals, search text and facets that browsing relies on.

    Bulk paths pass ``estimate=False`` and leave the estimates to ``pricing recompute``.
    """
    if estimate:
        valuation.refresh_estimates(session, community)
    facets = compute_derived(community)
    session.flush()
    session.execute(delete(CommunityFacet).where(CommunityFacet.community_id == community.id))
    session.add_all(
        CommunityFacet(community_id=community.id, facet=facet, value=value)
        for facet, value in sorted(facets)
    )
    session.flush()


def refresh_facets(session: SessionLike, communities: list[Community]) -> None:
    """Recompute the derived fields and facets of many communities in a few bulk statements."""
    facets = [compute_derived(community) for community in communities]
    session.flush()
    write_facets(session, communities, facets)


def write_facets(
    session: SessionLike, communities: list[Community], facets: list[set[tuple[str, str]]]
) -> None:
    """Replace the facet rows of flushed ``communities`` by ``facets``, in a few bulk statements."""
    ids = [community.id for community in communities]
    for start in range(0, len(ids), 500):
        session.execute(
            delete(CommunityFacet).where(CommunityFacet.community_id.in_(ids[start : start + 500]))
        )
    rows = [
        {"community_id": community.id, "facet": facet, "value": value}
        for community, pairs in zip(communities, facets, strict=True)
        for facet, value in sorted(pairs)
    ]
    for start in range(0, len(rows), 5000):
        session.execute(insert(CommunityFacet), rows[start : start + 5000])


def revalue(
    session: SessionLike, community_ids: Sequence[int], *, batch: int = valuation.BATCH
) -> Counter[str]:
    """Re-estimate these communities, one engine call per batch, then refresh their facets.

    The bulk twin of :func:`refresh_derived`: valuation stores the estimates and value sort
    keys, then the catalog rebuilds the facets (the value band) that depend on them.
    Returns how many placements came out ok, wide and refused.
    """
    counts: Counter[str] = Counter()
    priors = valuation.active_priors(session)
    for start in range(0, len(community_ids), batch):
        communities = valuation.load_communities(session, community_ids[start : start + batch])
        counts += valuation.estimate_communities(session, communities, priors=priors)
        refresh_facets(session, communities)
        session.flush()
        session.expunge_all()  # keep memory flat across batches
    return counts
