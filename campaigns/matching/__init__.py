"""Matching: from a brand's brief to a ranked, explained list of communities.

Pure: numpy, scipy and scikit-learn only. The web layer calls:

- :func:`records_from_json` / :class:`CommunityRecord` to describe the catalog, then
  :func:`build_features` once per catalog version (cache it: it fits TF-IDF over every text);
- :func:`rank` per brief: a :class:`MatchResult` with explained :class:`MatchRow` rows, gate
  counts and, when the gates leave fewer than ``DIAGNOSE_BELOW`` communities, a
  :class:`Diagnosis` that says what to relax;
- :func:`score_catalog` for every community's components at once (planner, benchmarks);
- :func:`reference_rank` — the per-community loop the vectorised engine is checked against.

Formulas, weights and the gate table: docs/matching.md.
"""

from campaigns.matching.components import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    DIAGNOSE_BELOW,
    GATES,
    SENSITIVE_RULES,
    Component,
    Gate,
    SensitiveRule,
)
from campaigns.matching.explain import LABELS, Explanation, label
from campaigns.matching.features import CatalogFeatures, build_features
from campaigns.matching.judged import JudgedBrief, load_judged, ndcg_at_k, precision_at_k
from campaigns.matching.rank import rank
from campaigns.matching.records import (
    CommunityRecord,
    PlacementOffer,
    record_from_dict,
    record_to_dict,
    records_from_json,
    records_to_json,
)
from campaigns.matching.reference import ReferenceScore, reference_rank, reference_scores
from campaigns.matching.result import Diagnosis, GateCount, MatchResult, MatchRow, Suggestion
from campaigns.matching.scoring import ScoreTable, gate_masks, score_catalog
from campaigns.matching.text import DEFAULT_TEXT, TextConfig

__all__ = [
    "COMPONENTS",
    "DEFAULT_TEXT",
    "DEFAULT_WEIGHTS",
    "DIAGNOSE_BELOW",
    "GATES",
    "LABELS",
    "SENSITIVE_RULES",
    "CatalogFeatures",
    "CommunityRecord",
    "Component",
    "Diagnosis",
    "Explanation",
    "Gate",
    "GateCount",
    "JudgedBrief",
    "MatchResult",
    "MatchRow",
    "PlacementOffer",
    "ReferenceScore",
    "ScoreTable",
    "SensitiveRule",
    "Suggestion",
    "TextConfig",
    "build_features",
    "gate_masks",
    "label",
    "load_judged",
    "ndcg_at_k",
    "precision_at_k",
    "rank",
    "record_from_dict",
    "record_to_dict",
    "records_from_json",
    "records_to_json",
    "reference_rank",
    "reference_scores",
    "score_catalog",
]
