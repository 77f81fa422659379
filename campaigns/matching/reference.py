"""The same scores as ``scoring.py``, one community at a time in plain Python.

This is the yardstick for the vectorised engine: it reads each :class:`CommunityRecord`
directly (not the feature arrays) and follows docs/matching.md line by line. Only the TF-IDF
vectors come from the fitted features, because fitting is brief-independent preparation, not
scoring. A test holds both engines to the same ranking and to scores within 1e-9.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scipy import sparse

from campaigns.brief import GOAL_PLACEMENTS, BriefSpec
from campaigns.matching.components import (
    ACTIVE_FULL,
    DEFAULT_WEIGHTS,
    EVIDENCE_TOP,
    FORMAT_BEST_SHARE,
    INTERACTIONS_FULL,
    MENTIONED_SHARE,
    NEUTRAL,
    NICHE_BROAD_SHARE,
    NO_FACET_SHARE,
    PATIENTS_OFF_TOPIC_SHARE,
    PROFESSIONALS_SHARE,
    TOPIC_OVERLAP_SHARE,
    TRANSLATED_WEIGHT,
    Component,
    Gate,
    audience_targets,
    brief_about_health,
    city_group_topics,
    combine,
    effective_sensitive_flags,
    focus_factor,
    goal_placement_weights,
    local_credit,
    local_topic_factor,
    niche_subjects,
    parents_health_only,
    parents_off_topic,
    past_score,
    patients_off_topic,
    region_open,
    second_language_penalty,
    sensitive_closed,
    text_score,
    topic_focus,
    topic_overlap_score,
    value_score,
)
from campaigns.matching.conditions import brief_conditions, detect_conditions
from campaigns.matching.facets import (
    audience_shared,
    brief_facets,
    community_facets,
    no_facet,
    off_facet,
)
from campaigns.matching.features import (
    CatalogFeatures,
    bucket_key,
    mentioned_topics,
    own_text,
    record_topics,
)
from campaigns.matching.places import community_place
from campaigns.matching.professions import professionals_off_brief
from campaigns.matching.records import LISTED, CommunityRecord
from campaigns.matching.scoring import (
    avoided_topics,
    brief_query,
    brief_topic_weights,
    normalise_weights,
)
from campaigns.matching.stages import PARENTING, brief_stages, community_stage, community_stages
from campaigns.matching.topics import GENERIC_TOPICS, LOCAL, topic_credit


@dataclass(frozen=True, slots=True)
class ReferenceScore:
    community_id: int
    total: float
    components: dict[Component, float]
    closed_by: tuple[Gate, ...]

    @property
    def eligible(self) -> bool:
        return not self.closed_by


def _gates(brief: BriefSpec, r: CommunityRecord) -> tuple[Gate, ...]:
    closed: list[Gate] = []
    if r.status != LISTED:
        closed.append(Gate.STATUS)
    if r.id in brief.exclude_communities:
        closed.append(Gate.EXCLUDED)
    if any(t in record_topics(r) for t in avoided_topics(brief)):
        closed.append(Gate.AVOID_TOPICS)
    if brief.languages and not any(lang in r.languages for lang in brief.languages):
        closed.append(Gate.LANGUAGE)
    if not region_open(r.region, brief.regions):
        closed.append(Gate.REGION)
    if brief.platforms and not any(p in r.platforms for p in brief.platforms):
        closed.append(Gate.PLATFORM)
    if any(c not in r.regulated_allowed for c in brief.regulated):
        closed.append(Gate.REGULATED)
    if any(
        sensitive_closed(flag, brief)
        for flag in effective_sensitive_flags(r.sensitive_flags, r.audience)
    ):
        closed.append(Gate.SENSITIVE)
    goal_offers = [o for o in r.offers if o.placement in GOAL_PLACEMENTS[brief.goal]]
    if not goal_offers:
        closed.append(Gate.GOAL_FORMAT)
    elif (
        brief.budget_minor > 0
        and brief.currency == "ILS"
        and min(o.rate_minor for o in goal_offers) > brief.budget_minor
    ):
        closed.append(Gate.BUDGET)
    return tuple(closed)


def _cosine(query: Mapping[int, float], row: Mapping[int, float]) -> float:
    return sum(weight * row.get(col, 0.0) for col, weight in query.items())


def reference_scores(
    brief: BriefSpec,
    features: CatalogFeatures,
    weights: Mapping[Component, float] | Mapping[str, float] = DEFAULT_WEIGHTS,
    indices: Sequence[int] | None = None,
) -> list[ReferenceScore]:
    """Score the records at ``indices`` (all by default) one by one."""
    w = normalise_weights(weights)
    q = brief_query(brief, features)
    query = {int(c): float(v) for c, v in zip(q.columns, q.weights, strict=True)}
    tq = brief_query(brief, features, translated=True)
    translation = {int(c): float(v) for c, v in zip(tq.columns, tq.weights, strict=True)}
    topics = brief_topic_weights(brief, features)
    cities = topics.cities
    stages = brief_stages(brief, topics.weights)
    conditions = brief_conditions(brief.title, brief.message, brief.topics)
    disciplines = brief_facets(topics.weights, brief.title, brief.message, topics.free_text)
    about_health = brief_about_health(topics.weights, brief.regulated, conditions)
    credited = {o for t in topics.weights for o, _part in topic_credit(t)}
    goal_weights = goal_placement_weights(brief.goal)
    goal_weight_sum = sum(goal_weights.values())
    csr = sparse.csr_matrix(features.text_csc)  # rows, for reading one community at a time
    out: list[ReferenceScore] = []
    for i in range(len(features)) if indices is None else indices:
        r = features.records[i]
        start, end = csr.indptr[i], csr.indptr[i + 1]
        row = dict(zip(csr.indices[start:end].tolist(), csr.data[start:end].tolist(), strict=True))
        c: dict[Component, float] = {}

        cosine = max(_cosine(query, row), TRANSLATED_WEIGHT * _cosine(translation, row))
        text = text_score(cosine) if query else 0.0
        if topics.any:
            own = set(record_topics(r))
            mentioned = mentioned_topics(r)
            shared = 0.0
            how = (
                community_place(
                    cities, brief.regions, r.city, r.name, r.region, r.audience.get("region")
                )[1]
                if topics.place_local
                else "elsewhere"
            )
            general = set(city_group_topics(topics.weights, own, how) if topics.place_local else ())
            for t, weight in topics.weights.items():
                if t == LOCAL and topics.place_local:
                    shared += weight * local_credit(how)
                    continue
                if t in general:
                    shared += weight
                    continue
                earned = max(
                    (
                        c * (MENTIONED_SHARE if other in mentioned else 1.0)
                        for other, c in topic_credit(t)
                        if other in own
                    ),
                    default=0.0,
                )
                if (
                    topics.place_local
                    and t in GENERIC_TOPICS
                    and niche_subjects(topics.weights, own)
                ):
                    earned *= NICHE_BROAD_SHARE
                shared += weight * earned
            shared += topics.subject * text
            overlap = topic_overlap_score(shared, topics.norm)
            if professionals_off_brief(topics.weights, brief.title, brief.message, own):
                overlap *= PROFESSIONALS_SHARE
            overlap *= focus_factor(topic_focus(own, credited, features.specificity))
            if "health" in effective_sensitive_flags(
                r.sensitive_flags, r.audience
            ) and patients_off_topic(about_health, conditions, detect_conditions(own_text(r))):
                overlap *= PATIENTS_OFF_TOPIC_SHARE
            if (
                PARENTING in own
                and parents_off_topic(about_health, topics.weights, community_stages(r))
            ) or parents_health_only(about_health, topics.weights, own):
                overlap *= PATIENTS_OFF_TOPIC_SHARE
            found = community_facets(disciplines, own, own_text(r)) if disciplines else {}
            if (
                disciplines
                and off_facet(disciplines, found)
                and not audience_shared(topics.weights, own)
            ):
                overlap *= PATIENTS_OFF_TOPIC_SHARE
            elif disciplines and no_facet(disciplines, found):
                overlap *= NO_FACET_SHARE
            c[Component.TOPIC] = TOPIC_OVERLAP_SHARE * overlap + (1 - TOPIC_OVERLAP_SHARE) * text
        elif not query:
            c[Component.TOPIC] = NEUTRAL
        else:
            c[Component.TOPIC] = text

        if topics.place_local:
            place = community_place(
                cities, brief.regions, r.city, r.name, r.region, r.audience.get("region")
            )[0]
            c[Component.TOPIC] *= local_topic_factor(place)

        fits: list[float] = []
        for dim, buckets in audience_targets(brief, implied_region=not cities):
            shares = r.audience.get(dim)
            if not shares:
                fits.append(NEUTRAL)
                continue
            wanted = {bucket_key(b) for b in buckets}
            fits.append(
                min(1.0, sum(bp / 10_000 for b, bp in shares.items() if bucket_key(b) in wanted))
            )
        if cities:
            fits.append(
                community_place(
                    cities, brief.regions, r.city, r.name, r.region, r.audience.get("region")
                )[0]
            )
        if stages:
            fits.append(community_stage(stages, r, record_topics(r))[0])
        c[Component.AUDIENCE] = math.prod(fits) ** (1.0 / len(fits)) if fits else NEUTRAL

        best = 0.0
        covered = 0.0
        for placement, weight in goal_weights.items():
            if r.offer(placement) is not None:
                best = max(best, weight)
                covered += weight
        c[Component.GOAL_FORMAT] = FORMAT_BEST_SHARE * best + (1 - FORMAT_BEST_SHARE) * (
            covered / goal_weight_sum
        )

        health = NEUTRAL if r.health_score is None else r.health_score / 100.0
        parts: list[float] = []
        if r.active_share is not None:
            parts.append(min(1.0, r.active_share / ACTIVE_FULL))
        if r.interactions_per_member_week is not None:
            parts.append(min(1.0, r.interactions_per_member_week / INTERACTIONS_FULL))
        engagement = sum(parts) / len(parts) if parts else NEUTRAL
        c[Component.HEALTH] = (health + engagement) / 2.0

        c[Component.EVIDENCE] = min(r.best_evidence, EVIDENCE_TOP) / EVIDENCE_TOP

        ratios = [
            o.value_p50_minor / o.rate_minor
            for o in r.offers
            if o.placement in goal_weights and o.value_p50_minor is not None and o.rate_minor > 0
        ]
        c[Component.VALUE] = value_score(max(ratios)) if ratios else NEUTRAL

        c[Component.PAST] = (
            NEUTRAL if r.past_performance is None else past_score(r.past_performance)
        )

        total = float(combine(c, w)) - second_language_penalty(
            brief, r.languages, r.audience.get("language")
        )
        out.append(ReferenceScore(r.id, total, c, _gates(brief, r)))
    return out


def reference_rank(
    brief: BriefSpec,
    features: CatalogFeatures,
    top: int | None = 20,
    weights: Mapping[Component, float] | Mapping[str, float] = DEFAULT_WEIGHTS,
    indices: Sequence[int] | None = None,
) -> list[ReferenceScore]:
    """Eligible communities by score descending, ties by id; the first ``top`` (None: all)."""
    scores = [s for s in reference_scores(brief, features, weights, indices) if s.eligible]
    scores.sort(key=lambda s: (-s.total, s.community_id))
    return scores if top is None else scores[:top]
