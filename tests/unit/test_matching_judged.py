"""Ranking quality on the judged set, and the metrics it is measured with."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from campaigns.brief import Goal
from campaigns.matching import build_features, load_judged, ndcg_at_k, precision_at_k
from campaigns.matching.judged import evaluate, summary

pytestmark = pytest.mark.unit

JUDGED = Path(__file__).resolve().parents[1] / "data" / "matching"

#: Floors just under the figures measured on the deepened set (41 briefs, 267 communities;
#: docs/matching.md, issue 16): NDCG@10 0.889 and P@5 0.800 with relevance scaled by quality
#: (second round; before it 0.879 and 0.751 with the glossary; 0.856 and 0.722 before that;
#: 0.841 and 0.707 before the first round's engine changes); ranking by the text cosine of the
#: two sides' own words gives 0.671 and 0.585, by size 0.145 and 0.117.
NDCG_FLOOR = 0.885
PRECISION_FLOOR = 0.795
#: The cases written for issue 16's classes, mean NDCG@10 and P@5 (before the glossary:
#: vocabulary 0.902 / 0.83, sensitive 0.734 / 0.64, text 0.800 / 0.70, place 0.861 / 0.60;
#: the original 19 briefs 0.862 / 0.68; with the glossary: vocabulary 0.923 / 0.86, sensitive
#: 0.777 / 0.72, text 0.830 / 0.70, place 0.874 / 0.60, original 0.881 / 0.705; second round:
#: vocabulary 0.921 / 0.877, sensitive 0.813 / 0.88, text 0.882 / 0.90, place 0.914 / 0.80,
#: original 0.884 / 0.716).
CLASS_FLOORS = {
    "vocabulary": (0.92, 0.87),
    "sensitive": (0.81, 0.88),
    "text": (0.88, 0.90),
    "place": (0.91, 0.80),
    "": (0.88, 0.71),
}


def test_ndcg_by_hand() -> None:
    judgments = {1: 3, 2: 2, 3: 1}
    assert ndcg_at_k([1, 2, 3], judgments, 10) == pytest.approx(1.0)
    # Ranked 3, 1, 9: DCG = 1/log2(2) + 7/log2(3) + 0; ideal = 7 + 3/log2(3) + 1/2.
    dcg = 1 + 7 / math.log2(3)
    ideal = 7 + 3 / math.log2(3) + 1 / 2
    assert ndcg_at_k([3, 1, 9], judgments, 10) == pytest.approx(dcg / ideal)
    assert ndcg_at_k([9, 8], judgments, 10) == 0.0
    assert ndcg_at_k([9], {}, 10) == 1.0
    # Only the first k count.
    assert ndcg_at_k([9, 1], {1: 3}, 1) == 0.0


def test_precision_by_hand() -> None:
    judgments = {1: 3, 2: 2, 3: 1}
    assert precision_at_k([1, 2, 3, 4, 5], judgments, 5) == pytest.approx(2 / 5)
    assert precision_at_k([3, 4], judgments, 5) == 0.0
    assert precision_at_k([2], judgments, 5) == pytest.approx(1 / 5)  # k stays the denominator


def test_the_judged_set_is_big_and_varied_enough() -> None:
    records, judged = load_judged(JUDGED)
    assert len(records) >= 150
    assert len(judged) >= 15
    assert {j.brief.goal for j in judged} == set(Goal)
    assert {lang for r in records for lang in r.languages} >= {"he", "en", "ar", "ru"}
    assert any(j.brief.regulated for j in judged)
    assert any(j.brief.exclude_communities for j in judged)
    ids = {r.id for r in records}
    assert all(set(j.judgments) <= ids for j in judged)
    kinds = [j.kind for j in judged]
    assert kinds.count("sensitive") >= 2
    assert kinds.count("vocabulary") >= 5
    assert kinds.count("text") >= 2
    assert kinds.count("place") >= 2
    english = [j for j in judged if j.kind and j.brief.title.isascii()]
    hebrew = [j for j in judged if j.kind and not j.brief.title.isascii()]
    assert len(english) >= 3
    assert len(hebrew) >= 5


def test_ranking_quality_stays_above_its_floors_and_beats_ranking_by_size() -> None:
    records, judged = load_judged(JUDGED)
    features = build_features(records)
    engine = evaluate(features, judged)
    by_size = evaluate(features, judged, baseline="size")
    by_text = evaluate(features, judged, baseline="text")
    assert engine.mean_ndcg >= NDCG_FLOOR
    assert engine.mean_precision >= PRECISION_FLOOR
    assert engine.mean_ndcg >= by_size.mean_ndcg + 0.3
    assert engine.mean_precision >= by_size.mean_precision + 0.2
    # The text-only baseline (own words on both sides) and the engine's lead over it.
    assert 0.65 <= by_text.mean_ndcg <= 0.69
    assert 0.56 <= by_text.mean_precision <= 0.61
    assert engine.mean_ndcg >= by_text.mean_ndcg + 0.15
    assert engine.mean_precision >= by_text.mean_precision + 0.1
    for kind, (ndcg, precision) in CLASS_FLOORS.items():
        keys = [j.key for j in judged if j.kind == kind]
        assert sum(engine.ndcg[k] for k in keys) / len(keys) >= ndcg, kind
        assert sum(engine.precision[k] for k in keys) / len(keys) >= precision - 1e-9, kind


def test_the_judged_set_is_deep_enough_for_precision_at_5_to_tell_engines_apart() -> None:
    """Issue 16 asks for P@5 >= 0.85 on the hidden set. Before the set was deepened, 17 of 29
    briefs had fewer than five communities graded 2 or more, so even a perfect ranking scored
    0.779 and P@5 could not tell engines apart. Now only the pharma menopause brief is short
    (the market has few communities whose rules allow pharma): a perfect ranking scores 0.990."""
    _records, judged = load_judged(JUDGED)
    ceiling = {j.key: min(5, sum(g >= 2 for g in j.judgments.values())) / 5 for j in judged}
    assert [k for k, c in ceiling.items() if c < 1] == ["menopause-pharma-positioning"]
    assert sum(ceiling.values()) / len(ceiling) == pytest.approx(0.9902, abs=1e-4)


def test_the_summary_prints_the_engine_the_baselines_and_each_class() -> None:
    text = summary(JUDGED)
    records, judged = load_judged(JUDGED)
    engine = evaluate(build_features(records), judged)
    assert (
        text.splitlines()[0]
        == f"{len(judged)} briefs, {len(records)} communities; mean NDCG@10 / P@5"
    )
    assert f"engine     {engine.mean_ndcg:.3f} / {engine.mean_precision:.3f}" in text
    for kind in ("original", "sensitive", "vocabulary", "text", "place"):
        assert f"  {kind:11s} (" in text
    assert "school-bags-awareness" in text
