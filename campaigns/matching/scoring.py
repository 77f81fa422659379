"""Vectorised scoring: every gate and component for every community at once.

``score_catalog`` reads only the precomputed :class:`CatalogFeatures` (no Python loop over
communities); ``reference.py`` computes the same numbers one community at a time and a test
holds them equal. Formulas: docs/matching.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from campaigns.brief import BriefSpec
from campaigns.matching.components import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    GATES,
    LOCAL_REGION_CREDIT,
    LOCAL_TOPIC_PLACE_SHARE,
    MENTIONED_SHARE,
    NATIONWIDE,
    NEUTRAL,
    NICHE_BROAD_SHARE,
    NO_FACET_SHARE,
    PATIENTS_OFF_TOPIC_SHARE,
    PROFESSIONALS_SHARE,
    SECOND_LANGUAGE_MARGIN,
    TEXT_COS_FULL,
    TOPIC_OVERLAP_SHARE,
    TRANSLATED_MAX_DF,
    TRANSLATED_WEIGHT,
    YOUNG_STAGES,
    Component,
    Gate,
    audience_targets,
    brief_about_health,
    brief_first_language,
    combine,
    focus_factor,
    is_local_brief,
    overlap_norm,
    parents_off_topic,
    patients_off_topic,
    region_open,
    sensitive_closed,
    target_cities,
)
from campaigns.matching.conditions import brief_conditions
from campaigns.matching.facets import brief_facets, off_facet
from campaigns.matching.features import (
    PLACEMENTS,
    PLATFORMS,
    REGULATED,
    Bool,
    CatalogFeatures,
    Float,
    bucket_key,
)
from campaigns.matching.glossary import translate
from campaigns.matching.places import (
    PLACE_ELSEWHERE,
    PLACE_SAME_CITY,
    PLACE_SAME_REGION,
    place_regions,
)
from campaigns.matching.professions import brief_for_professionals
from campaigns.matching.records import SENSITIVE_FLAGS
from campaigns.matching.result import GateCount
from campaigns.matching.rows import (  # noqa: F401 - re-exported for their callers
    community_condition_sets,
    community_facet_sets,
    community_stage_matrix,
    focus_rows,
    mentioned_rows,
    other_language_shares,
    parents_health_rows,
    professional_rows,
)
from campaigns.matching.stages import (
    PARENTING,
    STAGE_ADJACENT,
    STAGE_NEUTRAL,
    STAGE_OTHER,
    STAGES,
    brief_stages,
)
from campaigns.matching.text import brief_text
from campaigns.matching.topics import (
    AUDIENCE_TOPICS,
    GENERIC_TOPICS,
    LOCAL,
    SUBJECT_SHARE,
    SUBJECT_TOPICS,
    resolve_topic,
    split_brief_topics,
    topic_credit,
    umbrella_only,
)

#: The weight of the "local" topic of a brief for one city (``is_local_brief``), before its
#: specificity: as a named topic (issue 16, sixth round; was ``DETECTED_WEIGHT``, 0.5).
LOCAL_BRIEF_WEIGHT = 1.0

_PLACEMENT_COL = {p: j for j, p in enumerate(PLACEMENTS)}
_PLATFORM_COL = {p: j for j, p in enumerate(PLATFORMS)}
_REGULATED_COL = {c: j for j, c in enumerate(REGULATED)}


def normalise_weights(
    weights: Mapping[Component, float] | Mapping[str, float],
) -> dict[Component, float]:
    """Weights for every component (missing ones are 0); they must be >= 0 and not all 0."""
    out = dict.fromkeys(COMPONENTS, 0.0)
    for key, value in weights.items():
        out[Component(key)] = float(value)
    if any(v < 0 for v in out.values()) or sum(out.values()) <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    return out


@dataclass(frozen=True, slots=True)
class BriefQuery:
    """The brief's TF-IDF vector as (column indices, weights); empty if it has no text."""

    columns: np.ndarray
    weights: Float

    @property
    def empty(self) -> bool:
        return len(self.columns) == 0


@dataclass(frozen=True, slots=True)
class BriefTopicWeights:
    """A brief's topics, each weighed by how it was given (named or found) and its specificity."""

    weights: dict[str, float]
    #: What a full overlap is worth (the two heaviest topics); 0 when the brief has none.
    norm: float
    free_text: tuple[str, ...]
    #: The cities the brief names (title, message, free-text topics).
    cities: tuple[str, ...] = ()
    #: A local brief (``components.is_local_brief``): its "local" topic is earned by being in
    #: the named city (or its region), not by a community's "local" tag.
    place_local: bool = False
    #: An umbrella-only brief (``umbrella_only``): the weight of its own subject, the words of
    #: its message, earned by a community's text fit (0 otherwise).
    subject: float = 0.0

    @property
    def any(self) -> bool:
        return bool(self.weights)


def brief_topic_weights(brief: BriefSpec, features: CatalogFeatures) -> BriefTopicWeights:
    topics = split_brief_topics(brief.topics, brief.title, brief.message)
    named = dict(topics.weights)
    cities = target_cities(brief, topics.free_text)
    place_local = is_local_brief(brief, cities)
    if place_local:
        # A brief for a place that opens in one city: the city's communities are its audience
        # as much as any topic it names, so "local" counts as a named topic (sixth round).
        named[LOCAL] = LOCAL_BRIEF_WEIGHT
    weights = {t: w * features.specificity(t) for t, w in named.items()}
    weights = cap_found_topics(weights, {t for t, w in named.items() if w >= 1.0})
    subject = 0.0 if cities else subject_weight(weights, brief, topics.free_text)
    norm = overlap_norm([*weights.values(), subject])
    return BriefTopicWeights(weights, norm, topics.free_text, cities, place_local, subject)


def subject_weight(weights: dict[str, float], brief: BriefSpec, free: tuple[str, ...]) -> float:
    """The weight of an umbrella-only brief's own subject (``topics.umbrella_only``): as much
    as its heaviest umbrella (SUBJECT_SHARE of it), earned by the text fit; 0 for a brief with
    a specific topic, no topics or no words."""
    if (
        not weights
        or not umbrella_only(weights)
        or not brief_text(brief.title, brief.message, free).strip()
    ):
        return 0.0
    return SUBJECT_SHARE * max(weights.values())


def cap_found_topics(weights: dict[str, float], named: set[str]) -> dict[str, float]:
    """A topic only found in the brief's words weighs at most as much as its lightest named
    topic: what the brand names leads, and a rare audience a message mentions in passing
    ("suits students") must not outweigh it because it is rare (docs/matching.md)."""
    lightest = min((w for t, w in weights.items() if t in named), default=None)
    if lightest is None:
        return weights
    return {t: w if t in named else min(w, lightest) for t, w in weights.items()}


def avoided_topics(brief: BriefSpec) -> list[str]:
    """The brief's avoided topics as catalog slugs (unknown names kept as written)."""
    return [resolve_topic(t) or t for t in brief.avoid_topics]


def brief_query(
    brief: BriefSpec, features: CatalogFeatures, *, translated: bool = False
) -> BriefQuery:
    """The brief's own words as a TF-IDF query; ``translated``: their glossary translation
    (``glossary.translate``: the forms of the concepts they name in the other languages)."""
    free = split_brief_topics(brief.topics).free_text
    text = brief_text(brief.title, brief.message, free)
    if translated:
        text = translate(text)
        if not text:
            return BriefQuery(np.zeros(0, dtype=np.int64), np.zeros(0))
    row = features.vectorizer.transform([text]).tocsr()
    cols, vals = row.indices.astype(np.int64), row.data.astype(np.float64)
    if translated:
        # Speed: a translation brings many forms; its n-grams found in more than
        # TRANSLATED_MAX_DF of a large catalog cost the most to read and say the least.
        n = len(features)
        most = max(TRANSLATED_MAX_DF * n, features.text_config.max_df_floor)
        keep = np.diff(features.text_csc.indptr)[cols] <= most
        cols, vals = cols[keep], vals[keep]
    return BriefQuery(cols, vals)


@dataclass(frozen=True, slots=True)
class ScoreTable:
    """Every component, the total and every gate, for every community (aligned with records)."""

    components: dict[Component, Float]
    total: Float
    gates: dict[Gate, Bool]
    eligible: Bool
    #: Text cosine of the brief's own words with each community's own words.
    cosine: Float
    weights: dict[Component, float]
    #: ``TRANSLATED_WEIGHT`` x the cosine of the brief's translation (0 without one); the text
    #: fit reads the larger of this and ``cosine``.
    translated: Float | None = None

    def text_cosine(self, i: int) -> float:
        """The cosine the text fit of row ``i`` reads: own words, or their translation."""
        own = float(self.cosine[i])
        return own if self.translated is None else max(own, float(self.translated[i]))


def budget_applies(brief: BriefSpec) -> bool:
    """Rates are in ILS: a budget is compared only when it is positive and in ILS."""
    return brief.budget_minor > 0 and brief.currency == "ILS"


def column_sum(matrix: sparse.csc_matrix, cols: np.ndarray, weights: Float | None, n: int) -> Float:
    """Row sums of ``matrix[:, cols]`` (each column times its weight), without slicing.

    Gathers the columns' stored entries straight from the CSC arrays and adds them up with
    ``bincount``: one pass over exactly the entries a brief touches.
    """
    if len(cols) == 0:
        return np.zeros(n)
    starts = matrix.indptr[cols]
    lengths = matrix.indptr[cols + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(n)
    firsts = np.cumsum(lengths) - lengths
    positions = np.arange(total) + np.repeat(starts - firsts, lengths)
    values = matrix.data[positions].astype(np.float64)
    if weights is not None:
        values *= np.repeat(weights, lengths)
    return np.asarray(
        np.bincount(matrix.indices[positions], weights=values, minlength=n), dtype=np.float64
    )


def any_of(matrix: Bool, cols: list[int]) -> Bool:
    """Rows with any of ``cols`` set (False everywhere for no columns)."""
    return np.asarray(matrix[:, cols].any(axis=1), dtype=bool)


def gate_masks(brief: BriefSpec, features: CatalogFeatures) -> dict[Gate, Bool]:
    """Which communities pass each hard gate (True = open to this brief)."""
    n = len(features)
    everyone = np.ones(n, dtype=bool)
    gates: dict[Gate, Bool] = {Gate.STATUS: features.listed}

    gates[Gate.EXCLUDED] = (
        ~np.isin(features.ids, np.array(brief.exclude_communities, dtype=np.int64))
        if brief.exclude_communities
        else everyone
    )
    avoid = [features.topic_index[t] for t in avoided_topics(brief) if t in features.topic_index]
    gates[Gate.AVOID_TOPICS] = ~any_of(features.topics, avoid)

    if brief.languages:
        cols = [features.language_index[x] for x in brief.languages if x in features.language_index]
        gates[Gate.LANGUAGE] = any_of(features.languages, cols)
    else:
        gates[Gate.LANGUAGE] = everyone

    table = np.zeros(len(features.region_index), dtype=bool)
    for region, j in features.region_index.items():
        table[j] = region_open(region, brief.regions)
    gates[Gate.REGION] = table[features.region]

    if brief.platforms:
        cols = [_PLATFORM_COL[p] for p in brief.platforms]
        gates[Gate.PLATFORM] = any_of(features.platforms, cols)
    else:
        gates[Gate.PLATFORM] = everyone

    if brief.regulated:
        cols = [_REGULATED_COL[c] for c in brief.regulated]
        gates[Gate.REGULATED] = np.asarray(
            features.regulated_allowed[:, cols].all(axis=1), dtype=bool
        )
    else:
        gates[Gate.REGULATED] = everyone

    closed = [j for j, flag in enumerate(SENSITIVE_FLAGS) if sensitive_closed(flag, brief)]
    # ``features.sensitive`` holds the effective flags (legacy "minors" read against ages).
    gates[Gate.SENSITIVE] = ~any_of(features.sensitive, closed)

    goal = features.goal[brief.goal]
    gates[Gate.GOAL_FORMAT] = goal.offers
    if budget_applies(brief):
        # A community without the goal's formats fails the format gate, not this one.
        gates[Gate.BUDGET] = ~goal.offers | (goal.cheapest <= brief.budget_minor)
    else:
        gates[Gate.BUDGET] = everyone
    return {g: gates[g] for g in GATES}


def score_catalog(
    brief: BriefSpec,
    features: CatalogFeatures,
    weights: Mapping[Component, float] | Mapping[str, float] = DEFAULT_WEIGHTS,
) -> ScoreTable:
    """Score every community on every component and gate (see docs/matching.md)."""
    w = normalise_weights(weights)
    n = len(features)
    comps: dict[Component, Float] = {}

    # Topic fit: text cosine (only the brief's n-gram columns are read), plus topic overlap.
    query = brief_query(brief, features)
    cosine = column_sum(features.text_csc, query.columns, query.weights, n)
    # Across languages: the brief's words translated by the glossary, at a reduced weight.
    tq = brief_query(brief, features, translated=True)
    translated = TRANSLATED_WEIGHT * column_sum(features.text_csc, tq.columns, tq.weights, n)
    text = np.minimum(1.0, np.maximum(np.maximum(cosine, translated), 0.0) / TEXT_COS_FULL)
    topics = brief_topic_weights(brief, features)
    if topics.any:
        shared = np.zeros(n)
        general = city_groups(topics, brief.regions, features)
        niche = niche_rows(topics, features) if general is not None else None
        for topic, weight in topics.weights.items():
            # Each brief topic earns its weight where the community carries it, and
            # RELATED_SHARE of it where the community carries only a related topic.
            credit = np.zeros(n)
            for other, part in topic_credit(topic):
                j = features.topic_index.get(other)
                if j is not None:
                    # A topic the description only mentions earns MENTIONED_SHARE of it.
                    held = np.where(mentioned_rows(features, other), MENTIONED_SHARE, 1.0)
                    credit = np.maximum(credit, part * held * features.topics[:, j])
            if topic == LOCAL and topics.place_local:
                credit = local_credits(topics.cities, brief.regions, features)
            elif general is not None and niche is not None and topic in GENERIC_TOPICS:
                # A local brief's broad topic: groups about another subject earn part of it,
                # the city's general groups all of it (components.niche_subjects,
                # city_group_topics; eighth round).
                credit = np.where(niche, NICHE_BROAD_SHARE * credit, credit)
                credit = np.maximum(credit, general)
            shared = shared + weight * credit
        if topics.subject:
            shared = shared + topics.subject * text
        overlap = np.minimum(1.0, shared / topics.norm)
        if not brief_for_professionals(topics.weights, brief.title, brief.message):
            # A consumers' brief: professionals' groups of its trade count less (professions.py).
            overlap = np.where(professional_rows(features), PROFESSIONALS_SHARE * overlap, overlap)
        # A community about other subjects too fits less (components.topic_focus).
        overlap = overlap * focus_factor(focus_rows(features, topics.weights))
        patients = features.sensitive[:, SENSITIVE_FLAGS.index("health")]
        conditions = brief_conditions(brief.title, brief.message, brief.topics)
        if not brief_about_health(topics.weights, brief.regulated, conditions):
            # Patients' communities come for their condition: a shared broad topic counts half.
            overlap = np.where(patients, PATIENTS_OFF_TOPIC_SHARE * overlap, overlap)
        elif conditions:
            # A brief about a condition: patients' groups about other conditions only count
            # half too (conditions.py; components.patients_off_topic).
            off = np.zeros(n, dtype=bool)
            for i, named in community_condition_sets(features).items():
                off[i] = patients_off_topic(True, conditions, named)
            overlap = np.where(patients & off, PATIENTS_OFF_TOPIC_SHARE * overlap, overlap)
        if parents_off_topic(
            brief_about_health(topics.weights, brief.regulated, conditions),
            topics.weights,
            YOUNG_STAGES,
        ):
            # A brief about adults' health: groups of parents of babies and toddlers come for
            # their children's health; their overlap counts half (components.parents_off_topic).
            young = any_of(community_stage_matrix(features),
                           [k for k, s in enumerate(STAGES) if s in YOUNG_STAGES])  # fmt: skip
            # So do parents' groups of any age that share only "health" with the brief
            # (components.parents_health_only, seventh round).
            young = young | parents_health_rows(features, topics.weights)
            overlap = np.where(young, PATIENTS_OFF_TOPIC_SHARE * overlap, overlap)
        if disciplines := brief_facets(
            topics.weights, brief.title, brief.message, topics.free_text
        ):
            # A brief for one discipline of a vertical (runners, interior designers): groups of
            # the vertical that name only its other disciplines count half (facets.py).
            off = np.zeros(n, dtype=bool)
            sets = community_facet_sets(features, disciplines)
            for i, found in sets.items():
                off[i] = off_facet(disciplines, found)
            # ... unless they are of the brief's audience (facets.audience_shared).
            audience = [features.topic_index[t] for t in topics.weights
                        if t in AUDIENCE_TOPICS and t in features.topic_index]  # fmt: skip
            off &= ~any_of(features.topics, audience)
            overlap = np.where(off, PATIENTS_OFF_TOPIC_SHARE * overlap, overlap)
            # Groups of the vertical that name none of its disciplines: NO_FACET_SHARE.
            named_any = np.zeros(n, dtype=bool)
            named_any[list(sets)] = True
            cols = [features.topic_index[v] for v in disciplines if v in features.topic_index]
            vague = any_of(features.topics, cols) & ~named_any
            overlap = np.where(vague, NO_FACET_SHARE * overlap, overlap)
        comps[Component.TOPIC] = TOPIC_OVERLAP_SHARE * overlap + (1 - TOPIC_OVERLAP_SHARE) * text
    elif query.empty and tq.empty:
        comps[Component.TOPIC] = np.full(n, NEUTRAL)
    else:
        comps[Component.TOPIC] = text

    # Audience fit: share of members in the wanted buckets, geometric mean over dimensions,
    # and the place fit when the brief names cities.
    cities = topics.cities
    targeted = audience_targets(brief, implied_region=not cities)
    stages = stage_scores(brief, topics, features)
    if targeted or cities or stages is not None:
        product = np.ones(n)
        for dim, buckets in targeted:
            feature = features.audience[dim]
            wanted = {
                feature.buckets[k] for b in buckets if (k := bucket_key(b)) in feature.buckets
            }
            share = column_sum(feature.shares, np.array(sorted(wanted), dtype=np.int64), None, n)
            product = product * np.where(feature.known, np.minimum(share, 1.0), NEUTRAL)
        if cities:
            product = product * place_scores(cities, brief.regions, features)
        dims = len(targeted) + (1 if cities else 0)
        if stages is not None:
            product, dims = product * stages, dims + 1
        comps[Component.AUDIENCE] = product ** (1.0 / dims)
    else:
        comps[Component.AUDIENCE] = np.full(n, NEUTRAL)

    # Goal-format fit and value for money depend on the goal only: precomputed per goal.
    goal = features.goal[brief.goal]
    comps[Component.GOAL_FORMAT] = goal.format_score
    comps[Component.HEALTH] = features.health_score
    comps[Component.EVIDENCE] = features.evidence_score
    comps[Component.VALUE] = goal.value_score
    comps[Component.PAST] = features.past_score

    if topics.place_local and LOCAL_TOPIC_PLACE_SHARE:
        # A local brief: a community's topic counts by how much of it is where the brief is
        # (components.local_topic_factor).
        place = place_scores(cities, brief.regions, features)
        comps[Component.TOPIC] = comps[Component.TOPIC] * (
            1.0 - LOCAL_TOPIC_PLACE_SHARE + LOCAL_TOPIC_PLACE_SHARE * place
        )
    total = np.asarray(combine(comps, w), dtype=np.float64)
    if (first := brief_first_language(brief)) is not None:
        # A bilingual group that speaks the brief's one language second ranks below an
        # otherwise equal group whose first language it is (components.SECOND_LANGUAGE_MARGIN).
        total = total - SECOND_LANGUAGE_MARGIN * other_language_shares(features, first)

    gates = gate_masks(brief, features)
    eligible = np.ones(n, dtype=bool)
    for mask in gates.values():
        eligible &= mask
    return ScoreTable(comps, total, gates, eligible, cosine, w, translated)


def stage_scores(
    brief: BriefSpec, topics: BriefTopicWeights, features: CatalogFeatures
) -> Float | None:
    """``stages.community_stage`` for every community (neutral where it is not a parents'
    group or names no stage), or None when the brief is not for parents or names no stage."""
    wanted = brief_stages(brief, topics.weights)
    if not wanted or PARENTING not in features.topic_index:
        return None
    matrix = community_stage_matrix(features)
    cols = [k for k, s in enumerate(STAGES) if s in wanted]
    near = [k for k in range(len(STAGES)) if k not in cols
            and any(abs(k - c) == 1 for c in cols)]  # fmt: skip
    named = matrix.any(axis=1)
    return np.where(
        ~named,
        STAGE_NEUTRAL,
        np.where(
            any_of(matrix, cols),
            1.0,
            np.where(any_of(matrix, near), STAGE_ADJACENT, STAGE_OTHER),
        ),
    )


def _place_masks(
    cities: tuple[str, ...], brief_regions: tuple[str, ...], features: CatalogFeatures
) -> tuple[Bool, Bool, Bool, list[str]]:
    """In a named city, in a near region, nationwide (every community), and the near regions."""
    regions = sorted(place_regions(cities, brief_regions))
    in_city = any_of(features.cities, [features.city_index[c] for c in cities
                                       if c in features.city_index])  # fmt: skip
    region_cols = [features.region_index[r] for r in regions if r in features.region_index]
    same_region = np.isin(features.region, np.array(region_cols, dtype=np.int64))
    nationwide = features.region == features.region_index.get(NATIONWIDE, -1)
    return in_city, same_region, nationwide, regions


def city_groups(
    topics: BriefTopicWeights, brief_regions: tuple[str, ...], features: CatalogFeatures
) -> Float | None:
    """For a local brief: 1 for the named city's general groups (in the city, carrying
    "local" and no subject: ``components.city_group_topics``), else 0; None for any other
    brief."""
    j = features.topic_index.get(LOCAL)
    if not topics.place_local or j is None:
        return None
    in_city = _place_masks(topics.cities, brief_regions, features)[0]
    subjects = [
        features.topic_index[t] for t in sorted(SUBJECT_TOPICS) if t in features.topic_index
    ]
    niche = any_of(features.topics, subjects)
    general: Float = (in_city & features.topics[:, j].astype(bool) & ~niche).astype(np.float64)
    return general


def niche_rows(topics: BriefTopicWeights, features: CatalogFeatures) -> Bool:
    """``components.niche_subjects`` is not empty: rows about a subject the brief lacks."""
    index = features.topic_index
    other = [index[t] for t in sorted(SUBJECT_TOPICS - set(topics.weights)) if t in index]
    return any_of(features.topics, other)


def local_credits(
    cities: tuple[str, ...], brief_regions: tuple[str, ...], features: CatalogFeatures
) -> Float:
    """``components.local_credit`` for every community: 1 in the city, a share in its region."""
    in_city, same_region, _nationwide, _ = _place_masks(cities, brief_regions, features)
    return np.where(in_city, 1.0, np.where(same_region, LOCAL_REGION_CREDIT, 0.0))


def place_scores(
    cities: tuple[str, ...], brief_regions: tuple[str, ...], features: CatalogFeatures
) -> Float:
    """``places.place_fit`` for every community: named city, its region, nationwide share."""
    n = len(features)
    in_city, same_region, nationwide, regions = _place_masks(cities, brief_regions, features)
    dim = features.audience["region"]
    buckets = np.array(sorted(dim.buckets[r] for r in regions if r in dim.buckets), dtype=np.int64)
    share = np.where(dim.known, np.minimum(column_sum(dim.shares, buckets, None, n), 1.0), NEUTRAL)
    return np.where(
        in_city,
        PLACE_SAME_CITY,
        np.where(
            same_region,
            PLACE_SAME_REGION,
            np.where(
                nationwide,
                PLACE_ELSEWHERE + (PLACE_SAME_REGION - PLACE_ELSEWHERE) * share,
                PLACE_ELSEWHERE,
            ),
        ),
    )


def ranked_indices(
    total: Float, ids: np.ndarray, candidates: np.ndarray, top: int | None
) -> np.ndarray:
    """Indices of ``candidates`` by score descending, ties by community id ascending."""
    if top is not None and len(candidates) > top:
        scores = total[candidates]
        kth = np.partition(scores, len(scores) - top)[len(scores) - top]
        candidates = candidates[scores >= kth]
    order = np.lexsort((ids[candidates], -total[candidates]))
    chosen = candidates[order]
    return chosen if top is None else chosen[:top]


def gate_counts(gates: Mapping[Gate, Bool]) -> tuple[GateCount, ...]:
    fails = np.zeros(len(next(iter(gates.values()))), dtype=np.int64)
    for mask in gates.values():
        fails += ~mask
    return tuple(
        GateCount(g.value, int((~mask).sum()), int((~mask & (fails == 1)).sum()))
        for g, mask in gates.items()
    )
