"""The vectorised engine and the per-community reference loop give the same scores and order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from campaigns.brief import BriefSpec
from campaigns.matching import (
    CatalogFeatures,
    build_features,
    load_judged,
    rank,
    reference_rank,
    reference_scores,
    score_catalog,
)
from campaigns.matching.scoring import ranked_indices
from campaigns.matching.synthetic import synthetic_briefs, synthetic_records

pytestmark = pytest.mark.unit

JUDGED = Path(__file__).resolve().parents[1] / "data" / "matching"


def assert_agree(brief: BriefSpec, features: CatalogFeatures) -> None:
    table = score_catalog(brief, features)
    reference = reference_scores(brief, features)
    assert [s.community_id for s in reference] == [int(i) for i in features.ids]
    assert np.abs(np.array([s.total for s in reference]) - table.total).max() <= 1e-9
    for component, values in table.components.items():
        slow = np.array([s.components[component] for s in reference])
        assert np.abs(slow - values).max() <= 1e-9, component
    assert [s.eligible for s in reference] == [bool(x) for x in table.eligible]
    closed = {g: [g in s.closed_by for s in reference] for g in table.gates}
    assert closed == {g: [not bool(x) for x in m] for g, m in table.gates.items()}
    order = ranked_indices(table.total, features.ids, np.flatnonzero(table.eligible), None)
    slow_order = sorted(
        (s for s in reference if s.eligible), key=lambda s: (-s.total, s.community_id)
    )
    assert [s.community_id for s in reference_rank(brief, features, top=5)] == [
        s.community_id for s in slow_order[:5]
    ]
    assert [int(features.ids[i]) for i in order] == [s.community_id for s in slow_order]
    top = rank(brief, features, top=20).rows
    assert [r.community_id for r in top] == [s.community_id for s in slow_order[:20]]
    assert [r.score for r in top] == pytest.approx([s.total for s in slow_order[:20]], abs=1e-9)


def test_agreement_on_the_judged_catalog() -> None:
    records, judged = load_judged(JUDGED)
    features = build_features(records)
    for item in judged:
        assert_agree(item.brief, features)


def test_agreement_on_a_random_synthetic_catalog() -> None:
    features = build_features(synthetic_records(1000, seed=11))
    for brief in synthetic_briefs(22, seed=12):
        assert_agree(brief, features)


def test_reference_can_score_a_subset() -> None:
    features = build_features(synthetic_records(300, seed=3))
    brief = synthetic_briefs(1, seed=4)[0]
    subset = [5, 17, 250]
    scores = reference_scores(brief, features, indices=subset)
    table = score_catalog(brief, features)
    assert [s.community_id for s in scores] == [int(features.ids[i]) for i in subset]
    assert [s.total for s in scores] == pytest.approx([float(table.total[i]) for i in subset])
