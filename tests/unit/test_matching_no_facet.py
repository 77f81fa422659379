"""A group of the brief's vertical that names none of its disciplines (issue 16, eighth round;
``facets.no_facet``, ``components.NO_FACET_SHARE``).

The fifth round halved a group of the brief's vertical that names only *other* disciplines (yoga
for a running brief) and left whole one that names none — a healthy-living or home-workouts
group carrying "fitness" matched a runners' physiotherapist as fully as the runners did, and,
carrying "health" too, outranked them. A brief that names a discipline now counts such a group
at ``NO_FACET_SHARE`` (0.75); a group naming the brief's discipline is whole, one naming only
others half, and a brief that names no discipline changes nothing."""

from __future__ import annotations

import pytest

from campaigns.brief import BriefSpec, parse_brief
from campaigns.matching import build_features, rank, score_catalog
from campaigns.matching.components import NO_FACET_SHARE
from campaigns.matching.facets import no_facet
from campaigns.matching.reference import reference_scores
from tests.unit.matching_builders import community

pytestmark = pytest.mark.unit

RUNNERS = community(1, name="רצים בפארק", description="קבוצת ריצה: אימוני ריצה ומרוצים",
                    topics=("fitness",))  # fmt: skip
HEALTHY = community(
    2,
    name="חיים בריאים",
    description="אורח חיים בריא, תזונה ותנועה",
    topics=("fitness", "health"),
    total_size=5000,
    best_evidence=4,
)
OTHERS = [community(10 + i, topics=("food",), description="מתכונים") for i in range(4)]
CATALOG = [RUNNERS, HEALTHY, *OTHERS]


def physio(message: str = "פיזיותרפיה לפציעות ריצה, בדיקה ראשונה חינם לרצים") -> BriefSpec:
    return parse_brief(
        {
            "goal": "sales_leads",
            "title": "פיזיותרפיה ספורטיבית",
            "message": message,
            "topics": ["health"],
            "languages": ["he"],
            "budget_minor": 1_000_000,
        }
    )


def order(spec: BriefSpec) -> list[int]:
    return [r.community_id for r in rank(spec, build_features(CATALOG)).rows]


def test_no_facet_reads_the_community_s_disciplines() -> None:
    wanted = {"fitness": frozenset({"running"})}
    assert no_facet(wanted, {"fitness": frozenset()})
    assert not no_facet(wanted, {"fitness": frozenset({"running"})})
    assert not no_facet(wanted, {"fitness": frozenset({"yoga_pilates"})})  # other: half
    assert not no_facet(wanted, {})  # not of the vertical


def test_the_runners_outrank_a_healthy_living_group_for_a_runners_brief() -> None:
    ranked = order(physio())
    assert ranked.index(RUNNERS.id) < ranked.index(HEALTHY.id)


def test_without_the_rule_the_healthy_living_group_won(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("campaigns.matching.scoring.NO_FACET_SHARE", 1.0)
    ranked = order(physio())
    assert ranked.index(HEALTHY.id) < ranked.index(RUNNERS.id)


def test_a_brief_that_names_no_discipline_keeps_the_group_whole() -> None:
    features = build_features(CATALOG)
    vague = physio(message="פיזיותרפיה ספורטיבית לכל ענפי הכושר, בדיקה ראשונה חינם")
    named = score_catalog(physio(), features).components["topic"][1]
    whole = score_catalog(vague, features).components["topic"][1]
    assert whole > named
    row = next(r for r in rank(vague, features).rows if r.community_id == HEALTHY.id)
    assert not next(e for e in row.explanations if e.component == "topic").params["no_facet"]


def test_the_sentence_says_so_in_both_languages() -> None:
    row = next(r for r in rank(physio(), build_features(CATALOG)).rows if r.community_id == 2)
    topic = next(e for e in row.explanations if e.component == "topic")
    assert topic.params["no_facet"] == {"verticals": ["fitness"], "brief_facets": ["running"]}
    assert topic.params["no_facet_share"] == NO_FACET_SHARE
    assert "but it does not say which kind of sport and fitness it is about" in topic.en
    assert "your brief names running (counted at 75%)" in topic.en
    assert "אבל היא לא אומרת באיזה תחום של ספורט וכושר היא עוסקת" in topic.he
    assert "(נספר ב-75%)" in topic.he


def test_the_reference_engine_agrees() -> None:
    features = build_features(CATALOG)
    table = score_catalog(physio(), features)
    for ref in reference_scores(physio(), features):
        i = features.index_of[ref.community_id]
        assert ref.total == pytest.approx(float(table.total[i]), abs=1e-9)
