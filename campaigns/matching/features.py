"""Brief-independent arrays over a whole catalog, built once and reused for every brief.

Building is the slow part (the TF-IDF fit reads every community's text); ranking a brief only
reads these arrays. Rebuild when the catalog changes: the web layer caches one instance.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import math
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse

from campaigns.brief import AUDIENCE_DIMENSIONS, GOAL_PLACEMENTS, Goal, RegulatedCategory
from campaigns.matching.components import (
    ACTIVE_FULL,
    EVIDENCE_TOP,
    FORMAT_BEST_SHARE,
    INTERACTIONS_FULL,
    NATIONWIDE,
    NEUTRAL,
    PAST_FULL,
    effective_sensitive_flags,
    goal_placement_weights,
)
from campaigns.matching.places import community_cities
from campaigns.matching.records import LISTED, SENSITIVE_FLAGS, CommunityRecord
from campaigns.matching.text import DEFAULT_TEXT, CharNgramTfidf, TextConfig, community_text
from campaigns.matching.topics import community_topics, detect_topics, topic_level
from pricing.taxonomy import PlacementType, Platform

Bool = npt.NDArray[np.bool_]
Float = npt.NDArray[np.float64]
Int = npt.NDArray[np.int64]

PLACEMENTS: tuple[PlacementType, ...] = tuple(PlacementType)
PLATFORMS: tuple[Platform, ...] = tuple(Platform)
REGULATED: tuple[RegulatedCategory, ...] = tuple(RegulatedCategory)


def bucket_key(bucket: str) -> str:
    """Audience buckets compare case- and space-insensitively (occupation labels are free)."""
    return " ".join(bucket.strip().lower().split())


@dataclass(frozen=True, slots=True)
class AudienceDimension:
    """One audience dimension over the catalog: shares (0-1) by bucket, and who reported it."""

    buckets: dict[str, int]
    #: n x buckets, column-compressed so a brief's buckets are cheap to sum.
    shares: sparse.csc_matrix
    known: Bool


@dataclass(frozen=True, slots=True)
class CatalogFeatures:
    """Everything :func:`campaigns.matching.rank` needs, as arrays aligned with ``records``."""

    #: A tuple when built; a lazily decoded sequence when loaded (campaigns.matching.store).
    records: Sequence[CommunityRecord]
    ids: Int
    index_of: dict[int, int]
    text_config: TextConfig
    vectorizer: CharNgramTfidf
    #: n x n-grams, L2-normalised rows, column-compressed so a brief reads only its n-grams.
    text_csc: sparse.csc_matrix
    #: Topics: each community's stated topics and those its own words show (topics.py).
    topic_index: dict[str, int]
    topics: Bool
    n_topics: Int
    #: How many communities carry each topic (aligned with ``topic_index``).
    topic_df: Int
    #: Cities: where each community is (its city field, else its name; places.py).
    city_index: dict[str, int]
    cities: Bool
    language_index: dict[str, int]
    languages: Bool
    region_index: dict[str, int]
    region: Int
    platforms: Bool
    regulated_allowed: Bool
    sensitive: Bool
    listed: Bool
    #: n x placement types: offered, cheapest rate (inf if not offered), value P50 (nan if not).
    offered: Bool
    rate: Float
    value_p50: Float
    health: Float
    active_share: Float
    interactions: Float
    evidence: Float
    past: Float
    total_size: Float
    audience: dict[str, AudienceDimension]
    #: Components that do not depend on the brief, or only on its goal, computed once.
    health_score: Float
    evidence_score: Float
    past_score: Float
    goal: dict[Goal, GoalArrays]

    def __len__(self) -> int:
        return len(self.records)

    def specificity(self, slug: str) -> float:
        """A topic's weight in the overlap: its curated level times its smoothed idf."""
        j = self.topic_index.get(slug)
        df = 0 if j is None else int(self.topic_df[j])
        return topic_specificity(slug, df, len(self.records))


def topic_specificity(slug: str, df: int, n: int) -> float:
    """``level x (1 + ln((1 + n) / (1 + df)))``: rare and specific topics weigh most."""
    return topic_level(slug) * (1.0 + math.log((1.0 + n) / (1.0 + df)))


#: A community about children (effective flag "about_children": adult members whose subject is
#: children — parents, educators) carries this topic even if its owner filed it elsewhere
#: ("education, tech" for a group of parents comparing children's coding clubs).
ABOUT_CHILDREN_TOPIC = "parenting"


def record_topics(record: CommunityRecord, text: str | None = None) -> tuple[str, ...]:
    """A community's stated topics, those its own words show, and "parenting" for a community
    about children (``text``: its own words, when already computed)."""
    topics = community_topics(record.topics, own_text(record) if text is None else text)
    flags = effective_sensitive_flags(record.sensitive_flags, record.audience)
    if "about_children" in flags and ABOUT_CHILDREN_TOPIC not in topics:
        topics += (ABOUT_CHILDREN_TOPIC,)
    return topics


def identity_text(record: CommunityRecord) -> str:
    """The words that say who a community's members are: its name, member type, common
    denominator and tags (not its description, which also says what it talks about)."""
    return " ".join([record.name, record.member_type, record.common_denominator, *record.tags])


def mentioned_topics(record: CommunityRecord, text: str | None = None) -> frozenset[str]:
    """The vocabulary topics a community carries only because its description mentions them
    ("we also help families of reservists"): not stated by its owner, not in the words that
    say who its members are (``identity_text``), and not "parenting" for a group about children.
    Such a topic earns ``components.MENTIONED_SHARE`` of its credit (issue 16, sixth round)."""
    found = detect_topics(own_text(record) if text is None else text)
    return frozenset(found - set(record.topics) - detect_topics(identity_text(record)))


def own_text(record: CommunityRecord) -> str:
    """The community's own words: what the text fit and the topic cues read."""
    return community_text(
        record.name,
        record.description,
        (record.dna_tone, record.dna_values, record.dna_rituals),
        record.member_type,
        record.common_denominator,
        record.tags,
    )


@dataclass(frozen=True, slots=True)
class GoalArrays:
    """What a goal needs from every community: format fit, value for money, cheapest price."""

    offers: Bool
    format_score: Float
    value_score: Float
    #: The cheapest of the goal's placements (inf where none is offered).
    cheapest: Float


def goal_arrays(offered: Bool, rate: Float, value_p50: Float, goal: Goal) -> GoalArrays:
    """Goal-format fit and value for money of every community for ``goal`` (docs/matching.md).

    Format: 0.75 x the weight of the best offered placement of the goal's list (1 for the
    first, down to 1/k for the last) + 0.25 x the share of the list's weight offered.
    Value: r / (r + 1) for the best value P50 / rate over the goal's offered placements.
    """
    weights = goal_placement_weights(goal)
    cols = [PLACEMENTS.index(p) for p in weights]
    w = np.array(list(weights.values()), dtype=np.float64)
    sub = offered[:, cols]
    best = np.where(sub, w, 0.0).max(axis=1)
    coverage = (sub @ w) / w.sum()
    fmt = FORMAT_BEST_SHARE * best + (1 - FORMAT_BEST_SHARE) * coverage
    r = rate[:, cols]
    v = value_p50[:, cols]
    usable = sub & ~np.isnan(v) & (r > 0)
    ratio = np.where(usable, v / np.where(usable, r, 1.0), -np.inf).max(axis=1)
    has_ratio = np.isfinite(ratio)
    ratio = np.where(has_ratio, ratio, 0.0)
    return GoalArrays(
        offers=np.asarray(sub.any(axis=1), dtype=bool),
        format_score=fmt,
        value_score=np.where(has_ratio, ratio / (ratio + 1.0), NEUTRAL),
        cheapest=r.min(axis=1),
    )


def health_component(health: Float, active_share: Float, interactions: Float) -> Float:
    """Half the health score / 100, half engagement; unknown parts count as neutral 0.5.

    Engagement is the mean of min(1, active share / 0.5) and min(1, interactions / 1.0) over
    the figures that are known.
    """
    h = np.where(np.isnan(health), NEUTRAL, health / 100.0)
    active = np.minimum(1.0, active_share / ACTIVE_FULL)
    inter = np.minimum(1.0, interactions / INTERACTIONS_FULL)
    known_a, known_i = ~np.isnan(active), ~np.isnan(inter)
    both = (np.where(known_a, active, 0.0) + np.where(known_i, inter, 0.0)) / np.maximum(
        1, known_a.astype(np.int64) + known_i
    )
    engagement = np.where(known_a | known_i, both, NEUTRAL)
    return (h + engagement) / 2.0


def _index(values: Sequence[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(dict.fromkeys(values))}


def _membership(rows: Sequence[Sequence[str]], index: dict[str, int]) -> Bool:
    # Column-major: a brief reads a few columns (its languages, platforms...) of every row.
    out = np.zeros((len(rows), len(index)), dtype=bool, order="F")
    for i, values in enumerate(rows):
        for v in values:
            j = index.get(v)
            if j is not None:
                out[i, j] = True
    return out


def _optional(values: Sequence[float | None]) -> Float:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


#: Separates the values of a row's topics or cities in :class:`RowState` (never in a slug).
_SEP = "\x1f"


@dataclass(frozen=True, slots=True)
class RowState:
    """What a build keeps of each community so the next build redoes only the changed ones.

    The costly part of a build is per community and depends only on its own words, stated
    topics and city: the text's raw n-gram counts, the topics its words show, the cities its
    name gives. They are kept here, aligned with ``ids``, with a fingerprint of those inputs
    (``keys``); a later build recomputes a row only when its fingerprint differs or it is new.
    Catalog-wide figures (which n-grams are kept, their idf, the topic and city columns) are
    always derived again from all rows, so the result equals a build from scratch.
    """

    text_config: TextConfig
    #: A fingerprint of the code that computes the rows (:func:`row_code`): a state made by
    #: other code is not reused, so a deploy that changes how text is read rebuilds fully.
    code: str
    ids: Int
    keys: npt.NDArray[np.uint64]
    #: Raw n-gram counts (rows: communities; columns: ``grams``), float32 whole numbers.
    counts: sparse.csr_matrix
    grams: npt.NDArray[np.str_]
    #: Each row's topics and cities, joined with ``_SEP``.
    topics: npt.NDArray[np.str_]
    cities: npt.NDArray[np.str_]
    #: How many rows this build computed (the rest were reused from the previous state).
    recounted: int = 0


@functools.cache
def row_code() -> str:
    """A fingerprint of the modules that compute a row's counts, topics and cities."""
    from campaigns.matching import components, places, text, topics  # noqa: PLC0415 - their files

    digest = hashlib.blake2b(digest_size=12)
    for module in (text, topics, places, components, sys.modules[__name__]):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()


def _row_key(record: CommunityRecord, text: str) -> int:
    """A stable fingerprint of what a row's counts, topics and cities are computed from."""
    # The topics read the sensitive flags against the reported ages (record_topics).
    ages = "\x1e".join(f"{k}={v}" for k, v in sorted((record.audience.get("age") or {}).items()))
    flags = "\x1e".join(record.sensitive_flags)
    inputs = _SEP.join([text, "\x1e".join(record.topics), record.city, record.name, flags, ages])
    return int.from_bytes(hashlib.blake2b(inputs.encode(), digest_size=8).digest(), "little")


def _split(joined: str) -> list[str]:
    return joined.split(_SEP) if joined else []


def _rows(
    records: tuple[CommunityRecord, ...],
    texts: list[str],
    config: TextConfig,
    previous: RowState | None,
) -> RowState:
    """The row state of ``records``: reused from ``previous`` where a row's inputs are equal."""
    n = len(records)
    ids = np.array([r.id for r in records], dtype=np.int64)
    keys = np.array([_row_key(r, t) for r, t in zip(records, texts, strict=True)], dtype=np.uint64)
    reuse = np.full(n, -1, dtype=np.int64)
    if previous is not None and previous.text_config == config and previous.code == row_code():
        position = {cid: j for j, cid in enumerate(previous.ids.tolist())}
        old_keys = previous.keys.tolist()
        for i, (cid, key) in enumerate(zip(ids.tolist(), keys.tolist(), strict=True)):
            j = position.get(cid)
            if j is not None and old_keys[j] == key:
                reuse[i] = j
    else:
        previous = None
    fresh = np.flatnonzero(reuse < 0)
    vectorizer = CharNgramTfidf(config)
    if previous is None:
        grams: dict[str, int] = {}
        old_grams = np.zeros(0, dtype=str)
    else:
        old_grams = previous.grams
        grams = {g: j for j, g in enumerate(old_grams.tolist())} if len(fresh) else {}
    new_counts = vectorizer.counts([texts[i] for i in fresh], grams) if len(fresh) else None
    width = max(len(grams), len(old_grams))
    if len(grams) > len(old_grams):
        added = np.array(list(islice(grams, len(old_grams), None)), dtype=str)
        names = np.concatenate([old_grams, added]) if len(old_grams) else added
    else:
        names = old_grams
    kept = np.flatnonzero(reuse >= 0)
    parts = []
    if previous is not None and len(kept):
        old = previous.counts[reuse[kept]]
        parts.append(
            sparse.csr_matrix((old.data, old.indices, old.indptr), shape=(len(kept), width))
        )
    if new_counts is not None:
        parts.append(
            sparse.csr_matrix(
                (new_counts.data.astype(np.float32), new_counts.indices, new_counts.indptr),
                shape=(len(fresh), width),
            )
        )
    if parts:
        stacked = sparse.csr_matrix(sparse.vstack(parts, format="csr", dtype=np.float32))
        order = np.empty(n, dtype=np.int64)
        order[kept] = np.arange(len(kept))
        order[fresh] = len(kept) + np.arange(len(fresh))
        counts = sparse.csr_matrix(stacked[order])
    else:
        counts = sparse.csr_matrix((n, width), dtype=np.float32)
    counts.indices = counts.indices.astype(np.int32, copy=False)
    counts.indptr = counts.indptr.astype(np.int64, copy=False)

    topics: list[str] = []
    cities: list[str] = []
    old_topics = previous.topics.tolist() if previous is not None else []
    old_cities = previous.cities.tolist() if previous is not None else []
    for j, record, text in zip(reuse.tolist(), records, texts, strict=True):
        if j >= 0:
            topics.append(old_topics[j])
            cities.append(old_cities[j])
        else:
            topics.append(_SEP.join(record_topics(record, text)))
            cities.append(_SEP.join(sorted(community_cities(record.city, record.name))))
    return RowState(
        text_config=config,
        code=row_code(),
        ids=ids,
        keys=keys,
        counts=counts,
        grams=names,
        topics=np.array(topics, dtype=str),
        cities=np.array(cities, dtype=str),
        recounted=len(fresh),
    )


def build_features(
    records: Sequence[CommunityRecord], *, text_config: TextConfig = DEFAULT_TEXT
) -> CatalogFeatures:
    """Precompute the brief-independent arrays for ``records`` (ids must be unique)."""
    return build_catalog(records, text_config=text_config)[0]


def build_catalog(
    records: Sequence[CommunityRecord],
    *,
    text_config: TextConfig = DEFAULT_TEXT,
    previous: RowState | None = None,
) -> tuple[CatalogFeatures, RowState]:
    """The features of ``records`` and the row state a later build can start from.

    With ``previous`` (the state of an earlier build), only communities that are new or whose
    own words, stated topics or city changed are counted again; the features are the same
    as those of a build without it (tests/unit/test_matching_incremental.py).
    """
    # Millions of small lists and tuples, none of them in a cycle: without the collector's
    # passes over them (about a third of an incremental build at 100,000 communities).
    with _collector_paused():
        return _build(tuple(records), text_config, previous)


@contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(
    records: tuple[CommunityRecord, ...], text_config: TextConfig, previous: RowState | None
) -> tuple[CatalogFeatures, RowState]:
    n = len(records)
    ids = np.array([r.id for r in records], dtype=np.int64)
    index_of = {int(cid): i for i, cid in enumerate(ids)}
    if len(index_of) != n:
        raise ValueError("community ids must be unique")

    texts = [own_text(r) for r in records]
    state = _rows(records, texts, text_config, previous)
    vectorizer = CharNgramTfidf(text_config)
    # float32 halves the largest array (about 37 million entries for 100,000 communities);
    # both engines read the same stored values, so they still agree to 1e-9.
    text_csc = sparse.csc_matrix(vectorizer.fit_counts(state.counts, state.grams), dtype=np.float32)

    all_topics = [_split(joined) for joined in state.topics.tolist()]
    topic_index = _index(sorted({t for ts in all_topics for t in ts}))
    topics = _membership(all_topics, topic_index)
    where = [_split(joined) for joined in state.cities.tolist()]
    city_index = _index(sorted({c for cs in where for c in cs}))
    language_index = _index(sorted({lang for r in records for lang in r.languages}))
    region_index = _index(sorted({r.region for r in records} | {NATIONWIDE}))

    offered = np.zeros((n, len(PLACEMENTS)), dtype=bool, order="F")
    rate = np.full((n, len(PLACEMENTS)), np.inf, order="F")
    value_p50 = np.full((n, len(PLACEMENTS)), np.nan, order="F")
    placement_col = {p: j for j, p in enumerate(PLACEMENTS)}
    for i, r in enumerate(records):
        for offer in r.offers:
            j = placement_col[offer.placement]
            offered[i, j] = True
            rate[i, j] = float(offer.rate_minor)
            if offer.value_p50_minor is not None:
                value_p50[i, j] = float(offer.value_p50_minor)

    audience: dict[str, AudienceDimension] = {}
    for dim in AUDIENCE_DIMENSIONS:
        buckets: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        known = np.zeros(n, dtype=bool)
        for i, r in enumerate(records):
            shares = r.audience.get(dim)
            if not shares:
                continue
            known[i] = True
            for bucket, bp in shares.items():
                j = buckets.setdefault(bucket_key(bucket), len(buckets))
                rows.append(i)
                cols.append(j)
                vals.append(bp / 10_000)
        matrix = sparse.csc_matrix(
            (np.array(vals, dtype=np.float64), (rows, cols)), shape=(n, max(1, len(buckets)))
        )
        audience[dim] = AudienceDimension(buckets, matrix, known)

    health = _optional([r.health_score for r in records])
    active_share = _optional([r.active_share for r in records])
    interactions = _optional([r.interactions_per_member_week for r in records])
    evidence = np.array([min(r.best_evidence, EVIDENCE_TOP) for r in records], dtype=np.float64)
    past = _optional([r.past_performance for r in records])
    features = CatalogFeatures(
        records=records,
        ids=ids,
        index_of=index_of,
        text_config=text_config,
        vectorizer=vectorizer,
        text_csc=text_csc,
        topic_index=topic_index,
        topics=topics,
        n_topics=topics.sum(axis=1).astype(np.int64),
        topic_df=topics.sum(axis=0).astype(np.int64),
        city_index=city_index,
        cities=_membership(where, city_index),
        language_index=language_index,
        languages=_membership([r.languages for r in records], language_index),
        region_index=region_index,
        region=np.array([region_index[r.region] for r in records], dtype=np.int64),
        platforms=_membership(
            [[p.value for p in r.platforms] for r in records], _index([p.value for p in PLATFORMS])
        ),
        regulated_allowed=_membership(
            [[c.value for c in r.regulated_allowed] for r in records],
            _index([c.value for c in REGULATED]),
        ),
        sensitive=_membership(
            [effective_sensitive_flags(r.sensitive_flags, r.audience) for r in records],
            _index(SENSITIVE_FLAGS),
        ),
        listed=np.array([r.status == LISTED for r in records], dtype=bool),
        offered=offered,
        rate=rate,
        value_p50=value_p50,
        health=health,
        active_share=active_share,
        interactions=interactions,
        evidence=evidence,
        past=past,
        total_size=np.array([r.total_size for r in records], dtype=np.float64),
        audience=audience,
        health_score=health_component(health, active_share, interactions),
        evidence_score=evidence / EVIDENCE_TOP,
        past_score=np.where(
            np.isnan(past), NEUTRAL, np.minimum(1.0, np.maximum(past, 0.0) / PAST_FULL)
        ),
        goal={g: goal_arrays(offered, rate, value_p50, g) for g in GOAL_PLACEMENTS},
    )
    return features, state
