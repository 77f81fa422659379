"""The judged set: briefs with two brokers' graded picks, and the ranking metrics over them.

Grades: 3 = ideal, 2 = good, 1 = acceptable, unlisted = 0. Each brief carries broker A's
grades (``judgments``) and, where a second broker graded it independently, broker B's
(``judgments_b``). Issue 16's hidden set is scored against the MEAN of two brokers' grades,
so ours is too: a community's grade is the mean of A's and B's, a community graded by only
one broker counting 0 for the other (A 3, B unlisted -> 1.5). A brief without B's grades is
scored on A's alone.

NDCG@k uses gain 2^grade - 1 (a fractional mean grade is fine: 2^1.5 - 1 = 1.83) and the
usual log2(position + 1) discount, normalised by the best ordering of all the brief's graded
communities; precision@k counts the communities whose grade is >= 2 (on the mean: A 3 and
B 1 counts, A 2 and B 1 does not) among the first k (the denominator is k even when fewer
than k communities are relevant, as usual).

Agreement between the brokers (:func:`agreement`), like the issue's "the two brokers agree
with each other at 0.975": for each brief graded by both, B's grades are read as a ranking
(the communities B graded, by B's grade, highest first) and scored by NDCG@10 against A's
grades as the truth; then A's ranking against B's; the brief's agreement is the mean of the
two, and the set's is the mean over briefs. A broker's grades put many communities level, so
the order within a tie is not chosen: each tied group contributes its members' MEAN gain at
each of the positions it occupies, which is the expected NDCG over every order of the ties
(tie-aware NDCG, McSherry and Najork, ECIR 2008). A perfect agreement is 1.0; communities the
ranking broker left unlisted are not ranked (they add nothing).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from campaigns.brief import BriefSpec, parse_brief
from campaigns.matching.components import DEFAULT_WEIGHTS, Component
from campaigns.matching.features import CatalogFeatures, build_features
from campaigns.matching.records import CommunityRecord, records_from_json
from campaigns.matching.scoring import ranked_indices, score_catalog

#: Grade at which a community counts as relevant for precision.
RELEVANT = 2
#: A disagreement worth listing: the two brokers' grades differ by this much or more.
DISAGREEMENT = 2

#: Whose grades a ranking is scored against.
Grader = Literal["mean", "a", "b"]


@dataclass(frozen=True, slots=True)
class JudgedBrief:
    key: str
    brief: BriefSpec
    #: Broker A: community id -> grade (1-3); anything else is 0.
    judgments: Mapping[int, int]
    note: str = ""
    #: The class of error the case was written for ("sensitive", "vocabulary", "text"; "" for
    #: the original set).
    kind: str = ""
    #: Broker B, graded independently (blind to A's grades and to the engine); None when the
    #: brief has only one broker's grades.
    judgments_b: Mapping[int, int] | None = None

    def grades(self, grader: Grader = "mean") -> dict[int, float]:
        """The grades a ranking of this brief is scored against (unlisted = 0)."""
        if grader == "a":
            return {i: float(g) for i, g in self.judgments.items()}
        if grader == "b":
            if self.judgments_b is None:
                raise ValueError(f"brief {self.key!r} has no second broker's grades")
            return {i: float(g) for i, g in self.judgments_b.items()}
        if grader == "mean":
            if self.judgments_b is None:
                return {i: float(g) for i, g in self.judgments.items()}
            return mean_grades(self.judgments, self.judgments_b)
        raise ValueError(f"unknown grader {grader!r}")


def mean_grades(*gradings: Mapping[int, float]) -> dict[int, float]:
    """The mean of several brokers' grades; a community one broker left unlisted counts 0
    for that broker. Communities every broker left unlisted stay out."""
    ids = sorted({i for grading in gradings for i in grading})
    mean = {i: sum(float(g.get(i, 0)) for g in gradings) / len(gradings) for i in ids}
    return {i: m for i, m in mean.items() if m > 0}


def gain(grade: float) -> float:
    return float(2**grade - 1)


def discount(position: int) -> float:
    """The discount of the 0-based ``position``."""
    return 1 / math.log2(position + 2)


def dcg_at_k(grades: Sequence[float], k: int) -> float:
    return float(sum(gain(g) * discount(i) for i, g in enumerate(grades[:k])))


def ndcg_at_k(ranked: Sequence[int], judgments: Mapping[int, float], k: int = 10) -> float:
    """NDCG@k of a ranked list of ids against graded judgments (1.0 when nothing is relevant
    and nothing was expected, 0.0 when something was expected and nothing relevant came)."""
    ideal = dcg_at_k(sorted(judgments.values(), reverse=True), k)
    if ideal == 0:
        return 1.0
    return dcg_at_k([judgments.get(i, 0) for i in ranked], k) / ideal


def precision_at_k(
    ranked: Sequence[int], judgments: Mapping[int, float], k: int = 5, relevant: int = RELEVANT
) -> float:
    return sum(1 for i in ranked[:k] if judgments.get(i, 0) >= relevant) / k


def tie_aware_ndcg_at_k(
    ranking: Mapping[int, float], judgments: Mapping[int, float], k: int = 10
) -> float:
    """NDCG@k of the ids ``ranking`` grades above 0, ordered by that grade (highest first),
    against ``judgments``; ids with the same ranking grade are a tie whose order is not
    chosen, so each position the tie occupies gets the tied ids' mean gain (the expected NDCG
    over every order of the ties)."""
    ideal = dcg_at_k(sorted(judgments.values(), reverse=True), k)
    if ideal == 0:
        return 1.0
    levels: dict[float, list[int]] = {}
    for i, g in ranking.items():
        if g > 0:
            levels.setdefault(g, []).append(i)
    dcg = 0.0
    position = 0
    for level in sorted(levels, reverse=True):
        members = levels[level]
        mean_gain = sum(gain(judgments.get(i, 0)) for i in members) / len(members)
        for p in range(position, min(position + len(members), k)):
            dcg += mean_gain * discount(p)
        position += len(members)
    return dcg / ideal


def load_judged(
    directory: Path, name: str = "briefs.json"
) -> tuple[list[CommunityRecord], list[JudgedBrief]]:
    """Read ``catalog.json`` and the briefs file ``name`` from a judged-set directory
    (``briefs.json``, the set tuned on; ``holdout.json``, graded blind and never tuned on)."""
    records = records_from_json(directory / "catalog.json")
    raw = json.loads((directory / name).read_text(encoding="utf-8"))
    briefs = [
        JudgedBrief(
            key=str(item["key"]),
            brief=parse_brief(item["brief"]),
            judgments={int(cid): int(grade) for cid, grade in item["judgments"].items()},
            note=str(item.get("note", "")),
            kind=str(item.get("class", "")),
            judgments_b=(
                {int(cid): int(grade) for cid, grade in item["judgments_b"].items()}
                if "judgments_b" in item
                else None
            ),
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


def rankings(
    features: CatalogFeatures,
    judged: Sequence[JudgedBrief],
    *,
    weights: Mapping[Component, float] | Mapping[str, float] = DEFAULT_WEIGHTS,
    baseline: str | None = None,
    k: int = 10,
) -> dict[str, list[int]]:
    """Each brief's first ``k`` community ids by the engine, or by a baseline ordering of the
    eligible communities (see :func:`evaluate`)."""
    out: dict[str, list[int]] = {}
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
        out[item.key] = [int(features.ids[i]) for i in order]
    return out


def score_rankings(
    ranked: Mapping[str, Sequence[int]],
    judged: Sequence[JudgedBrief],
    *,
    grader: Grader = "mean",
    k: int = 10,
) -> Evaluation:
    """NDCG@k and P@5 of each brief's ranking against ``grader``'s grades."""
    out = Evaluation()
    for item in judged:
        grades = item.grades(grader)
        out.ndcg[item.key] = ndcg_at_k(ranked[item.key], grades, k)
        out.precision[item.key] = precision_at_k(ranked[item.key], grades, 5)
    return out


def evaluate(
    features: CatalogFeatures,
    judged: Sequence[JudgedBrief],
    *,
    weights: Mapping[Component, float] | Mapping[str, float] = DEFAULT_WEIGHTS,
    baseline: str | None = None,
    k: int = 10,
    grader: Grader = "mean",
) -> Evaluation:
    """NDCG@k and P@5 of the engine, or of a baseline ordering of the eligible communities,
    against the mean of the two brokers' grades (``grader="a"`` or ``"b"``: one broker's).

    ``baseline="size"`` ranks the communities that pass the gates by size alone; the engine
    must beat it, or its components add nothing a sort by members would not.
    ``baseline="text"`` ranks them by the text cosine alone (the brief's and the community's
    own words): what a plain search box would give.
    """
    ranked = rankings(features, judged, weights=weights, baseline=baseline, k=k)
    return score_rankings(ranked, judged, grader=grader, k=k)


def precision_ceiling(judged: Sequence[JudgedBrief], grader: Grader = "mean") -> float:
    """Mean P@5 of a perfect ranking: below 1 when a brief has fewer than five communities
    graded 2 or more."""
    return float(
        np.mean([min(5, sum(g >= RELEVANT for g in j.grades(grader).values())) / 5 for j in judged])
    )


@dataclass(frozen=True, slots=True)
class Disagreement:
    key: str
    community_id: int
    grade_a: int
    grade_b: int


@dataclass(frozen=True, slots=True)
class Agreement:
    """How far the two brokers agree (see the module docstring)."""

    #: brief key -> tie-aware NDCG@10 of B's ranking scored against A's grades.
    b_by_a: dict[str, float] = field(default_factory=dict)
    #: brief key -> tie-aware NDCG@10 of A's ranking scored against B's grades.
    a_by_b: dict[str, float] = field(default_factory=dict)
    #: Communities whose two grades differ by DISAGREEMENT or more (unlisted = 0).
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def per_brief(self) -> dict[str, float]:
        return {key: (self.b_by_a[key] + self.a_by_b[key]) / 2 for key in self.b_by_a}

    @property
    def mean(self) -> float:
        return float(np.mean(list(self.per_brief.values())))


def agreement(judged: Sequence[JudgedBrief], k: int = 10) -> Agreement:
    """The two brokers' agreement over the briefs both graded."""
    out = Agreement()
    for item in judged:
        if item.judgments_b is None:
            continue
        a, b = item.judgments, item.judgments_b
        out.b_by_a[item.key] = tie_aware_ndcg_at_k(b, a, k)
        out.a_by_b[item.key] = tie_aware_ndcg_at_k(a, b, k)
        for cid in sorted(set(a) | set(b)):
            if abs(a.get(cid, 0) - b.get(cid, 0)) >= DISAGREEMENT:
                out.disagreements.append(Disagreement(item.key, cid, a.get(cid, 0), b.get(cid, 0)))
    return out


def summary(directory: Path, name: str = "briefs.json") -> str:
    """The judged set's figures as text: the engine and both baselines against the mean of the
    two brokers' grades, overall, per class and per brief; then each method against each
    broker alone, the brokers' agreement and disagreements, and the P@5 ceiling.
    docs/matching.md gives the one-line command that prints it; ``name="holdout.json"`` prints
    the held-out briefs' figures."""
    records, judged = load_judged(directory, name)
    features = build_features(records)
    methods = (("engine", None), ("text only", "text"), ("by size", "size"))
    ranked = {name: rankings(features, judged, baseline=base) for name, base in methods}
    runs = {name: score_rankings(order, judged) for name, order in ranked.items()}
    kinds: dict[str, list[str]] = {}
    for item in judged:
        kinds.setdefault(item.kind or "original", []).append(item.key)
    both = all(j.judgments_b is not None for j in judged)
    lines = [f"{len(judged)} briefs, {len(records)} communities; mean NDCG@10 / P@5"]
    lines.append(
        "against the mean of two brokers' grades (A and B, graded independently)"
        if both
        else "against broker A's grades (B's where a brief has them: the mean of the two)"
    )
    for name, ev in runs.items():
        lines.append(f"{name:10s} {ev.mean_ndcg:.3f} / {ev.mean_precision:.3f}")
    engine = runs["engine"]
    for kind, keys in kinds.items():
        ndcg = float(np.mean([engine.ndcg[k] for k in keys]))
        precision = float(np.mean([engine.precision[k] for k in keys]))
        lines.append(f"  {kind:11s} ({len(keys):2d}) {ndcg:.3f} / {precision:.3f}")
    graders: tuple[Grader, ...] = ("a", "b", "mean") if both else ("a", "mean")
    labels = {"a": ("A alone", "A"), "b": ("B alone", "B"), "mean": ("mean", "mean")}
    header = "  ".join(f"{labels[g][0]:13s}" for g in graders)
    lines.append(f"by broker  {header}".rstrip())
    for name, order in ranked.items():
        cells = []
        for grader in graders:
            ev = score_rankings(order, judged, grader=grader)
            cells.append(f"{ev.mean_ndcg:.3f} / {ev.mean_precision:.3f}")
        lines.append(f"{name:10s} " + "  ".join(cells))
    ceiling = "  ".join(f"{labels[g][1]} {precision_ceiling(judged, g):.3f}" for g in graders)
    lines.append(f"ceiling    P@5 of a perfect ranking: {ceiling}")
    agreed = agreement(judged)
    if agreed.b_by_a:
        lines.append(
            f"agreement  {agreed.mean:.3f} (tie-aware NDCG@10 of one broker's grades as a ranking,"
            f" scored by the other's: B by A {np.mean(list(agreed.b_by_a.values())):.3f},"
            f" A by B {np.mean(list(agreed.a_by_b.values())):.3f}; {len(agreed.b_by_a)} briefs)"
        )
        lines.append(f"disagreements of {DISAGREEMENT}+ grade points: {len(agreed.disagreements)}")
        by_brief: dict[str, list[Disagreement]] = {}
        for d in agreed.disagreements:
            by_brief.setdefault(d.key, []).append(d)
        for key, found in by_brief.items():
            pairs = ", ".join(f"#{d.community_id} A{d.grade_a} B{d.grade_b}" for d in found)
            lines.append(f"    {key:34s} {pairs}")
    lines.append("per brief (engine, mean grades; agreement)")
    per_brief = agreed.per_brief
    for item in judged:
        agree = f"{per_brief[item.key]:.3f}" if item.key in per_brief else "-"
        lines.append(
            f"    {item.key:34s} {item.kind or '-':10s} "
            f"{engine.ndcg[item.key]:.3f} / {engine.precision[item.key]:.2f}  {agree}"
        )
    return "\n".join(lines)
