"""The catalog's rows a brief's rules read, each computed once per features object and kept.

Moved out of ``scoring.py``, which reads them (and re-exports them): the other-language shares,
parents' groups that share only health, rows that only mention a topic, patients' conditions,
a vertical's facets and parents' children's stages. Each cache holds its features object, so
an id is never reused.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping

import numpy as np

from campaigns.matching.components import (
    FOCUS_IGNORED,
    other_language_share,
)
from campaigns.matching.conditions import detect_conditions
from campaigns.matching.facets import FACET_CUES, facets
from campaigns.matching.features import (
    Bool,
    CatalogFeatures,
    mentioned_topics,
    own_text,
)
from campaigns.matching.professions import PROFESSIONALS
from campaigns.matching.records import SENSITIVE_FLAGS
from campaigns.matching.stages import PARENTING, STAGES, community_stages
from campaigns.matching.topics import topic_credit

#: Held while a kept-rows cache below drops its oldest entry and adds one: a worker ranks in
#: several threads, and two dropping "the oldest" at once named the same key twice (KeyError).
_CACHES_WRITING = threading.Lock()


#: Each catalog's shares of members who do not speak a language, by (features, language).
_OTHER_LANGUAGE_CACHE: dict[tuple[int, str], tuple[CatalogFeatures, np.ndarray]] = {}


def other_language_shares(features: CatalogFeatures, language: str) -> np.ndarray:
    """``components.other_language_share`` of every community for ``language``, read once per
    features object and language."""
    key = (id(features), language)
    hit = _OTHER_LANGUAGE_CACHE.get(key)
    if hit is not None and hit[0] is features:
        return hit[1]
    out = np.array(
        [
            other_language_share(language, r.languages, r.audience.get("language"))
            for r in features.records
        ],
        dtype=np.float64,
    )
    with _CACHES_WRITING:
        while len(_OTHER_LANGUAGE_CACHE) >= 8:
            del _OTHER_LANGUAGE_CACHE[next(iter(_OTHER_LANGUAGE_CACHE))]
        _OTHER_LANGUAGE_CACHE[key] = (features, out)
    return out


def parents_health_rows(features: CatalogFeatures, brief_topics: Mapping[str, float]) -> Bool:
    """The parents' groups that share no brief topic but "health"
    (``components.parents_health_only``), for a brief about adults' health."""
    n = len(features)
    jp = features.topic_index.get(PARENTING)
    if jp is None:
        return np.zeros(n, dtype=bool)
    others = np.zeros(n, dtype=bool)
    for topic in brief_topics:
        if topic == "health":
            continue
        for other, _part in topic_credit(topic):
            j = features.topic_index.get(other)
            if j is not None:
                others |= features.topics[:, j].astype(bool)
    return features.topics[:, jp].astype(bool) & ~others


#: Each catalog's rows that only mention a topic, by (features, topic), read once.
_MENTIONED_CACHE: dict[tuple[int, str], tuple[CatalogFeatures, Bool]] = {}


def mentioned_rows(features: CatalogFeatures, topic: str) -> Bool:
    """The communities that carry ``topic`` only because their description mentions it
    (``features.mentioned_topics``)."""
    key = (id(features), topic)
    hit = _MENTIONED_CACHE.get(key)
    if hit is not None and hit[0] is features:
        return hit[1]
    out = np.zeros(len(features), dtype=bool)
    j = features.topic_index.get(topic)
    if j is not None:
        for i in np.flatnonzero(features.topics[:, j]).tolist():
            record = features.records[i]
            if topic not in record.topics:
                out[i] = topic in mentioned_topics(record)
    with _CACHES_WRITING:
        while len(_MENTIONED_CACHE) >= 64:
            del _MENTIONED_CACHE[next(iter(_MENTIONED_CACHE))]
        _MENTIONED_CACHE[key] = (features, out)
    return out


#: Each catalog's patients' groups' conditions, read once per features object (as the stages).
_CONDITION_CACHE: dict[int, tuple[CatalogFeatures, dict[int, frozenset[str]]]] = {}


def community_condition_sets(features: CatalogFeatures) -> dict[int, frozenset[str]]:
    """``conditions.detect_conditions`` of every patients' group's own words, by row (only the
    groups that name a condition)."""
    hit = _CONDITION_CACHE.get(id(features))
    if hit is not None and hit[0] is features:
        return hit[1]
    patients = features.sensitive[:, SENSITIVE_FLAGS.index("health")]
    out: dict[int, frozenset[str]] = {}
    for i in np.flatnonzero(patients).tolist():
        named = detect_conditions(own_text(features.records[i]))
        if named:
            out[i] = named
    with _CACHES_WRITING:
        while len(_CONDITION_CACHE) >= 2:
            del _CONDITION_CACHE[next(iter(_CONDITION_CACHE))]
        _CONDITION_CACHE[id(features)] = (features, out)
    return out


#: Each catalog's facets of a vertical (facets.py), by (features, vertical), read once.
_FACET_CACHE: dict[tuple[int, str], tuple[CatalogFeatures, dict[int, frozenset[str]]]] = {}


def community_facet_sets(
    features: CatalogFeatures, wanted: Mapping[str, frozenset[str]]
) -> dict[int, dict[str, frozenset[str]]]:
    """By row, the facets of the ``wanted`` verticals named by the communities that carry them
    (rows that name none are left out)."""
    out: dict[int, dict[str, frozenset[str]]] = {}
    for vertical in wanted:
        key = (id(features), vertical)
        hit = _FACET_CACHE.get(key)
        if hit is None or hit[0] is not features:
            rows: dict[int, frozenset[str]] = {}
            j = features.topic_index.get(vertical)
            if j is not None and vertical in FACET_CUES:
                for i in np.flatnonzero(features.topics[:, j]).tolist():
                    if named := facets(vertical, own_text(features.records[i])):
                        rows[i] = named
            with _CACHES_WRITING:
                while len(_FACET_CACHE) >= 2 * len(FACET_CUES):
                    del _FACET_CACHE[next(iter(_FACET_CACHE))]
                _FACET_CACHE[key] = hit = (features, rows)
        for i, named in hit[1].items():
            out.setdefault(i, {})[vertical] = named
    return out


#: Each catalog's parents' groups' stages (n x STAGES), read once per features object: the words
#: of thousands of parents' groups are too slow to read again for every brief. Two entries (the
#: current catalog and the one being replaced); the features are held, so an id is not reused.
_STAGE_CACHE: dict[int, tuple[CatalogFeatures, Bool]] = {}


def community_stage_matrix(features: CatalogFeatures) -> Bool:
    """``stages.community_stages`` of every parents' group as a bool matrix (others: none)."""
    hit = _STAGE_CACHE.get(id(features))
    if hit is not None and hit[0] is features:
        return hit[1]
    matrix = np.zeros((len(features), len(STAGES)), dtype=bool)
    j = features.topic_index.get(PARENTING)
    if j is not None:
        column = {s: k for k, s in enumerate(STAGES)}
        for i in np.flatnonzero(features.topics[:, j]).tolist():
            for stage in community_stages(features.records[i]):
                matrix[i, column[stage]] = True
    with _CACHES_WRITING:
        while len(_STAGE_CACHE) >= 2:
            del _STAGE_CACHE[next(iter(_STAGE_CACHE))]
        _STAGE_CACHE[id(features)] = (features, matrix)
    return matrix


#: Each catalog's brief-independent focus denominator (``_focus_total``), by features object.
_FOCUS_TOTAL_CACHE: dict[int, tuple[CatalogFeatures, np.ndarray]] = {}


def _focus_total(features: CatalogFeatures) -> np.ndarray:
    """Each community's specific topics' specificity summed (the focus's denominator): the same
    for every brief, so read once per features object."""
    hit = _FOCUS_TOTAL_CACHE.get(id(features))
    if hit is not None and hit[0] is features:
        return hit[1]
    total = np.zeros(len(features))
    for slug, j in features.topic_index.items():
        if slug not in FOCUS_IGNORED:
            total += features.specificity(slug) * features.topics[:, j]
    with _CACHES_WRITING:
        while len(_FOCUS_TOTAL_CACHE) >= 8:
            del _FOCUS_TOTAL_CACHE[next(iter(_FOCUS_TOTAL_CACHE))]
        _FOCUS_TOTAL_CACHE[id(features)] = (features, total)
    return total


def focus_rows(features: CatalogFeatures, brief_topics: Iterable[str]) -> np.ndarray:
    """``components.topic_focus`` of every community for a brief's topics (its own and their
    related ones are credited): the credited columns' specificity over the cached total."""
    credited = {o for t in brief_topics for o, _part in topic_credit(t)} - FOCUS_IGNORED
    covered = np.zeros(len(features))
    for slug in credited:
        j = features.topic_index.get(slug)
        if j is not None:
            covered += features.specificity(slug) * features.topics[:, j]
    total = _focus_total(features)
    return np.where(total > 0, covered / np.where(total > 0, total, 1.0), 1.0)


def professional_rows(features: CatalogFeatures) -> Bool:
    """The professionals' groups (professions.py): those carrying ``b2b_professionals``."""
    j = features.topic_index.get(PROFESSIONALS)
    return np.zeros(len(features), dtype=bool) if j is None else features.topics[:, j].copy()
