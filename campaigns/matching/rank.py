"""Rank a catalog for a brief: score everything, keep the eligible, explain the best rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from campaigns.brief import GOAL_PLACEMENTS, BriefSpec
from campaigns.matching.components import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    EVIDENCE_TOP,
    FOCUS_IGNORED,
    MENTIONED_SHARE,
    NO_FACET_SHARE,
    PROFESSIONALS_SHARE,
    TEXT_COS_FULL,
    Component,
    audience_targets,
    brief_about_health,
    brief_first_language,
    city_group_topics,
    effective_sensitive_flags,
    focus_factor,
    is_local_brief,
    local_credit,
    local_topic_factor,
    niche_subjects,
    other_language_share,
    parents_health_only,
    parents_off_topic,
    patients_off_topic,
    second_language_penalty,
    target_cities,
    topic_focus,
)
from campaigns.matching.conditions import brief_conditions, detect_conditions
from campaigns.matching.diagnose import diagnose, notes_for
from campaigns.matching.explain import Explanation, explanation
from campaigns.matching.facets import (
    audience_shared,
    brief_facets,
    community_facets,
    no_facet,
    other_facets,
)
from campaigns.matching.features import (
    CatalogFeatures,
    bucket_key,
    mentioned_topics,
    own_text,
    record_topics,
)
from campaigns.matching.places import community_place, place_regions
from campaigns.matching.professions import professionals_off_brief
from campaigns.matching.records import CommunityRecord
from campaigns.matching.result import MatchResult, MatchRow
from campaigns.matching.scoring import gate_counts, ranked_indices, score_catalog
from campaigns.matching.stages import (
    PARENTING,
    STAGES,
    brief_stages,
    community_stage,
    community_stages,
)
from campaigns.matching.topics import GENERIC_TOPICS, LOCAL, split_brief_topics, topic_credit

#: The text component at or above which a description is called a strong / moderate match
#: (a test holds every sentence to these ranges).
TEXT_STRONG = 2 / 3
TEXT_MODERATE = 1 / 3


def text_level(text_score: float) -> str:
    if text_score >= TEXT_STRONG:
        return "strong"
    return "moderate" if text_score >= TEXT_MODERATE else "weak"


def explain_row(
    brief: BriefSpec,
    record: CommunityRecord,
    scores: Mapping[Component, float],
    cosine: float,
    translated: float = 0.0,
    specificity: Callable[[str], float] | None = None,
) -> tuple[tuple[Explanation, ...], tuple[str, ...]]:
    """Explanations (one per component) and neutral-value flags for one ranked community
    (``cosine``: own words; ``translated``: the weighted cosine of the brief's translation;
    ``specificity``: the catalog's topic weights, for the topic focus sentence)."""
    out: list[Explanation] = []
    flags: list[str] = []
    text = min(1.0, max(cosine, translated, 0.0) / TEXT_COS_FULL)
    named = split_brief_topics(brief.topics, brief.title, brief.message)
    own = set(record_topics(record))
    shared = [t for t in named.weights if t in own]
    # Brief topics the community lacks but earns part of through a related topic it carries
    # (topics.TOPIC_RELATED): [brief topic, the community's related topic].
    related = [
        [t, other]
        for t in named.weights
        if t not in own
        for other in [next((o for o, part in topic_credit(t)[1:] if o in own), None)]
        if other is not None
    ]
    cities = target_cities(brief, named.free_text)
    if LOCAL in shared and is_local_brief(brief, cities):
        # For a brief about one city, "local" is shared only by being there (scoring).
        how = community_place(
            cities, brief.regions, record.city, record.name, record.region,
            record.audience.get("region"),
        )[1]  # fmt: skip
        if local_credit(how) == 0:
            shared.remove(LOCAL)
    # The overlap of a patients' community counts half for a brief not about health (scoring).
    # So does one about other conditions than the brief's (conditions.py).
    conditions = brief_conditions(brief.title, brief.message, brief.topics)
    off_topic = "health" in effective_sensitive_flags(
        record.sensitive_flags, record.audience
    ) and patients_off_topic(
        brief_about_health(named.weights, brief.regulated, conditions),
        conditions,
        detect_conditions(own_text(record)),
    )
    # A group of the brief's vertical about its other disciplines counts half too (facets.py).
    disciplines = brief_facets(named.weights, brief.title, brief.message, named.free_text)
    found_facets = community_facets(disciplines, own, own_text(record))
    theirs, ours = other_facets(disciplines, found_facets)
    if audience_shared(named.weights, own):
        theirs, ours = [], []  # of the brief's audience: not counted half (tenth round)
    # One that names none of them counts NO_FACET_SHARE (eighth round).
    vague: dict[str, Any] = {}
    if no_facet(disciplines, found_facets):
        asked = sorted(set().union(*(disciplines[v] for v in found_facets)))
        vague = {"verticals": sorted(found_facets), "brief_facets": asked}
    # Parents of babies and toddlers count half for a brief about adults' health (scoring).
    young = PARENTING in own and parents_off_topic(
        brief_about_health(named.weights, brief.regulated, conditions),
        named.weights,
        community_stages(record),
    )
    # Parents' groups of any age sharing only "health" with it, too (seventh round).
    parents_only = not young and parents_health_only(
        brief_about_health(named.weights, brief.regulated, conditions), named.weights, own
    )
    # A local brief's broad topics a general group of the city earns without carrying them
    # (components.city_group_topics, eighth round).
    general: list[str] = []
    niche: dict[str, list[str]] = {}
    if is_local_brief(brief, cities):
        how = community_place(
            cities, brief.regions, record.city, record.name, record.region,
            record.audience.get("region"),
        )[1]  # fmt: skip
        general = city_group_topics(named.weights, own, how)
        related = [pair for pair in related if pair[0] not in general]
        # A group about another subject earns half of the brief's broad topics (scoring).
        if subjects := niche_subjects(named.weights, own):
            broad = [t for t in shared if t in GENERIC_TOPICS and t != LOCAL]
            niche = {"subjects": subjects, "broad": broad} if broad else {}
    # A professionals' group for a consumers' brief (professions.py, tenth round).
    trade = PROFESSIONALS_SHARE if professionals_off_brief(
        named.weights, brief.title, brief.message, own
    ) else None  # fmt: skip
    # A community about other specific subjects too: its topic focus (tenth round).
    focus: dict[str, Any] = {}
    credited = {o for t in named.weights for o, _part in topic_credit(t)}
    if specificity is not None and (f := topic_focus(own, credited, specificity)) < 1.0:
        other = sorted(t for t in own - credited if t not in FOCUS_IGNORED)
        focus = {"other": other, "factor": round(focus_factor(f), 4)}
    # Topics the community carries only because its description mentions them (scoring).
    mentioned = sorted(set(shared) & mentioned_topics(record))
    has_text = bool(brief.title or brief.message or named.free_text)
    local_factor: float | None = None
    if is_local_brief(brief, cities):
        place = community_place(
            cities, brief.regions, record.city, record.name, record.region,
            record.audience.get("region"),
        )[0]  # fmt: skip
        factor = local_topic_factor(place)
        local_factor = round(factor, 4) if factor < 1 else None
    text_params = {
        "local_factor": local_factor,
        "local_cities": list(cities),
        "text_level": text_level(text),
        "text": round(text, 4),
        "has_text": has_text,
        # The text fit came from the brief's words in the community's language (glossary.py).
        "translated": translated > cosine and text > 0,
        "related": related,
        "city_group": general,
        "niche": niche,
    }
    if not named.weights and not has_text:
        out.append(explanation(Component.TOPIC, "topic_none", {}))
    elif shared:
        out.append(
            explanation(
                Component.TOPIC,
                "topic_shared",
                {
                    "shared": shared,
                    "broad_only": all(t in GENERIC_TOPICS for t in shared),
                    "patients_off_topic": off_topic,
                    "other_facets": theirs,
                    "no_facet": vague,
                    "no_facet_share": NO_FACET_SHARE,
                    "brief_facets": ours,
                    "young_children": young,
                    "parents_health_only": parents_only,
                    "mentioned": mentioned,
                    "mentioned_share": MENTIONED_SHARE,
                    "professionals": trade,
                    "focus": focus,
                    **text_params,
                },
            )
        )
    else:
        out.append(explanation(Component.TOPIC, "topic_text", text_params))

    dims: list[dict[str, Any]] = []
    for dim, buckets in audience_targets(brief, implied_region=not cities):
        shares = record.audience.get(dim)
        if not shares:
            dims.append({"dimension": dim, "buckets": list(buckets), "share": None})
            flags.append(f"audience_unknown:{dim}")
            continue
        wanted = {bucket_key(b) for b in buckets}
        share = sum(bp for b, bp in shares.items() if bucket_key(b) in wanted) / 10_000
        dims.append({"dimension": dim, "buckets": list(buckets), "share": min(1.0, share)})
    if cities:
        fit, how, lives_near = community_place(
            cities, brief.regions, record.city, record.name, record.region,
            record.audience.get("region"),
        )  # fmt: skip
        near = sorted(place_regions(cities, brief.regions))
        dims.append(
            {"dimension": "place", "buckets": list(cities), "regions": near, "how": how,
             "share": lives_near, "fit": fit}
        )  # fmt: skip
    named_stages = brief_stages(brief, named.weights)
    if named_stages:
        fit, how, children = community_stage(named_stages, record, own)
        dims.append(
            {"dimension": "stage", "buckets": sorted(named_stages, key=STAGES.index),
             "own": sorted(children, key=STAGES.index), "how": how, "share": None, "fit": fit}
        )  # fmt: skip
    if dims:
        out.append(explanation(Component.AUDIENCE, "audience_fit", {"dimensions": dims}))
    else:
        out.append(explanation(Component.AUDIENCE, "audience_untargeted", {}))
    lowered = second_language_penalty(brief, record.languages, record.audience.get("language"))
    if lowered > 0:
        # Its first language is not the brief's one language (seventh round).
        first = brief_first_language(brief)
        out.append(
            explanation(
                Component.AUDIENCE,
                "second_language",
                {"first": record.languages[0], "brief": first, "lowered": round(lowered, 4),
                 "other_share": other_language_share(
                     first or "", record.languages, record.audience.get("language"))},
            )
        )  # fmt: skip

    goal_order = GOAL_PLACEMENTS[brief.goal]
    offered = [p.value for p in goal_order if record.offer(p) is not None]
    out.append(
        explanation(
            Component.GOAL_FORMAT,
            "format_fit",
            {"goal": brief.goal.value, "offered": offered, "best_for_goal": goal_order[0].value},
        )
    )

    health = {
        "health_score": record.health_score,
        "active_share": record.active_share,
        "interactions": record.interactions_per_member_week,
    }
    if all(v is None for v in health.values()):
        out.append(explanation(Component.HEALTH, "health_unknown", {}))
        flags.append("health_unknown")
    else:
        out.append(explanation(Component.HEALTH, "health", health))

    out.append(
        explanation(
            Component.EVIDENCE, "evidence", {"tier": min(record.best_evidence, EVIDENCE_TOP)}
        )
    )
    if record.best_evidence <= 0:
        flags.append("evidence_none")

    best: tuple[float, str, int, int] | None = None
    for p in goal_order:
        offer = record.offer(p)
        if offer is None or offer.value_p50_minor is None or offer.rate_minor <= 0:
            continue
        ratio = offer.value_p50_minor / offer.rate_minor
        if best is None or ratio > best[0]:
            best = (ratio, p.value, offer.value_p50_minor, offer.rate_minor)
    if best is None:
        out.append(explanation(Component.VALUE, "value_unknown", {}))
        flags.append("value_unknown")
    else:
        out.append(
            explanation(
                Component.VALUE,
                "value",
                {
                    "ratio": best[0],
                    "placement": best[1],
                    "value_p50_minor": best[2],
                    "rate_minor": best[3],
                },
            )
        )

    if record.past_performance is None:
        out.append(explanation(Component.PAST, "past_unknown", {}))
        flags.append("past_unknown")
    else:
        out.append(explanation(Component.PAST, "past", {"ratio": record.past_performance}))
    del scores  # the sentences restate inputs; the numbers are in the row's components
    return tuple(out), tuple(flags)


def rank(
    brief: BriefSpec,
    features: CatalogFeatures,
    top: int = 20,
    *,
    weights: Mapping[Component, float] | Mapping[str, float] = DEFAULT_WEIGHTS,
) -> MatchResult:
    """The ``top`` eligible communities for ``brief``, explained, with gate counts and advice."""
    table = score_catalog(brief, features, weights)
    candidates = np.flatnonzero(table.eligible)
    chosen = ranked_indices(table.total, features.ids, candidates, top)
    rows = []
    for position, i in enumerate(chosen, start=1):
        record = features.records[int(i)]
        comp = {c: float(table.components[c][i]) for c in COMPONENTS}
        explanations, flags = explain_row(
            brief,
            record,
            comp,
            float(table.cosine[i]),
            0.0 if table.translated is None else float(table.translated[i]),
            features.specificity,
        )
        rows.append(
            MatchRow(
                rank=position,
                community_id=record.id,
                name=record.name,
                score=float(table.total[i]),
                components={c.value: v for c, v in comp.items()},
                explanations=explanations,
                flags=flags,
            )
        )
    counts = gate_counts(table.gates)
    eligible = int(len(candidates))
    return MatchResult(
        rows=tuple(rows),
        total=len(features),
        eligible=eligible,
        gates=counts,
        weights={c.value: v for c, v in table.weights.items()},
        diagnosis=diagnose(brief, features, table, counts),
        notes=notes_for(brief, features, table),
    )
