"""The judged set: briefs with a broker's graded picks, and the ranking metrics over them.

Grades: 3 = ideal, 2 = good, 1 = acceptable, unlisted = 0. NDCG@k uses gain 2^grade - 1 and
the usual log2(position + 1) discount, normalised by the best ordering of all the brief's
judged communities; precision@k counts grades >= 2 among the first k (the denominator is k
even when fewer than k communities are relevant, as usual).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from campaigns.brief import BriefSpec, parse_brief
from campaigns.matching.components import DEFAULT_WEIGHTS, Component
from campaigns.matching.features import CatalogFeatures, build_features
from campaigns.matching.records import CommunityRecord, records_from_json
from campaigns.matching.scoring import ranked_indices, score_catalog

#: Grade at which a community counts as relevant for precision.
RELEVANT = 2


@dataclass(frozen=True, slots=True)
class JudgedBrief:
    key: str
    brief: BriefSpec
    #: community id -> grade (1-3); anything else is 0.
    judgments: Mapping[int, int]
    note: str = ""
    #: The class of error the case was written for ("sensitive", "vocabulary", "text"; "" for
    #: the original set).
    kind: str = ""


def dcg_at_k(grades: Sequence[int], k: int) -> float:
    return float(sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k])))


def ndcg_at_k(ranked: Sequence[int], judgments: Mapping[int, int], k: int = 10) -> float:
    """NDCG@k of a ranked list of ids against graded judgments (1.0 when nothing is relevant
    and nothing was expected, 0.0 when something was expected and nothing relevant came)."""
    ideal = dcg_at_k(sorted(judgments.values(), reverse=True), k)
    if ideal == 0:
        return 1.0
    return dcg_at_k([judgments.get(i, 0) for i in ranked], k) / ideal


def precision_at_k(
    ranked: Sequence[int], judgments: Mapping[int, int], k: int = 5, relevant: int = RELEVANT
) -> float:
    return sum(1 for i in ranked[:k] if judgments.get(i, 0) >= relevant) / k


def load_judged(directory: Path) -> tuple[list[CommunityRecord], list[JudgedBrief]]:
    """Read ``catalog.json`` and ``briefs.json`` from a judged-set directory."""
    records = records_from_json(directory / "catalog.json")
    raw = json.loads((directory / "briefs.json").read_text(encoding="utf-8"))
    briefs = [
        JudgedBrief(
            key=str(item["key"]),
            brief=parse_brief(item["brief"]),
            judgments={int(cid): int(grade) for cid, grade in item["judgments"].items()},
            note=str(item.get("note", "")),
            kind=str(item.get("class", "")),
        )
        for item in raw
    ]
    return records, briefs


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Per-brief and mean metrics of one ranking method over the judged set."""

    ndcg: dict[str, float] = field(default_factory=dict)
    precision: dict[str, float] = field(default_factory=dict)

    @property
    def mean_ndcg(self) -> float:
        return float(np.mean(list(self.ndcg.values())))

    @property
    def mean_precision(self) -> float:
        return float(np.mean(list(self.precision.values())))


def evaluate(
    features: CatalogFeatures,
    judged: Sequence[JudgedBrief],
    *,
    weights: Mapping[Component, float] | Mapping[str, float] = DEFAULT_WEIGHTS,
    baseline: str | None = None,
    k: int = 10,
) -> Evaluation:
    """NDCG@k and P@5 of the engine, or of a baseline ordering of the eligible communities.

    ``baseline="size"`` ranks the communities that pass the gates by size alone; the engine
    must beat it, or its components add nothing a sort by members would not.
    ``baseline="text"`` ranks them by the text cosine alone (the brief's and the community's
    own words): what a plain search box would give.
    """
    out = Evaluation()
    for item in judged:
        table = score_catalog(item.brief, features, weights)
        candidates = np.flatnonzero(table.eligible)
        if baseline is None:
            order = ranked_indices(table.total, features.ids, candidates, k)
        elif baseline == "size":
            order = ranked_indices(features.total_size, features.ids, candidates, k)
        elif baseline == "text":
            order = ranked_indices(table.cosine, features.ids, candidates, k)
        else:
            raise ValueError(f"unknown baseline {baseline!r}")
        ids = [int(features.ids[i]) for i in order]
        out.ndcg[item.key] = ndcg_at_k(ids, item.judgments, k)
        out.precision[item.key] = precision_at_k(ids, item.judgments, 5)
    return out


def summary(directory: Path) -> str:
    """The judged set's figures as text: the engine and both baselines, overall, per class
    and per brief. docs/matching.md gives the one-line command that prints it."""
    records, judged = load_judged(directory)
    features = build_features(records)
    methods = (("engine", None), ("text only", "text"), ("by size", "size"))
    runs = {name: evaluate(features, judged, baseline=base) for name, base in methods}
    kinds: dict[str, list[str]] = {}
    for item in judged:
        kinds.setdefault(item.kind or "original", []).append(item.key)
    lines = [f"{len(judged)} briefs, {len(records)} communities; mean NDCG@10 / P@5"]
    for name, ev in runs.items():
        lines.append(f"{name:10s} {ev.mean_ndcg:.3f} / {ev.mean_precision:.3f}")
    engine = runs["engine"]
    for kind, keys in kinds.items():
        ndcg = float(np.mean([engine.ndcg[k] for k in keys]))
        precision = float(np.mean([engine.precision[k] for k in keys]))
        lines.append(f"  {kind:11s} ({len(keys):2d}) {ndcg:.3f} / {precision:.3f}")
    for item in judged:
        lines.append(
            f"    {item.key:34s} {item.kind or '-':10s} "
            f"{engine.ndcg[item.key]:.3f} / {engine.precision[item.key]:.2f}"
        )
    return "\n".join(lines)
