"""Parents of young children are not an adult health audience (issue 16, sixth round;
``components.parents_off_topic``): a parents' group of babies or toddlers carries "health"
because its members talk about their children's health, and it leaked into briefs for
health-conscious adults. For a brief about health that neither names nor finds "parenting",
such a group counts its topic overlap half, and its topic sentence says so. A brief about
children, and a parents' group of older children or none named, are unchanged."""

from __future__ import annotations

import pytest

from campaigns.brief import BriefSpec, parse_brief
from campaigns.matching import build_features, rank, score_catalog
from campaigns.matching.reference import reference_scores
from tests.unit.matching_builders import community

pytestmark = pytest.mark.unit

BABIES = community(
    1,
    name="הורים לתינוקות",
    description="הנקה, שינה, חיסונים ובריאות התינוק",
    topics=("parenting", "health"),
    total_size=5000,
    best_evidence=4,
)
ADULTS = community(
    2,
    name="בריאים ושמחים",
    description="הליכות בוקר ושינה טובה",
    topics=("health",),
    total_size=800,
)
SCHOOL = community(
    3,
    name="הורים לילדי בית ספר",
    description="בית ספר יסודי, שיעורי בית ובריאות",
    topics=("parenting", "health"),
    total_size=5000,
    best_evidence=4,
)
CATALOG = [BABIES, ADULTS, SCHOOL, *[community(10 + i, topics=("culture",)) for i in range(4)]]


def brief(topics: list[str], message: str) -> BriefSpec:
    return parse_brief(
        {
            "goal": "awareness",
            "title": "ויטמין D",
            "message": message,
            "topics": topics,
            "languages": ["he"],
            "budget_minor": 1_000_000,
        }
    )


ADULT_HEALTH = brief(["health"], "תוסף ויטמין D למבוגרים שמקפידים על אורח חיים בריא")


def rows(spec: BriefSpec) -> dict[int, int]:
    return {r.community_id: i for i, r in enumerate(rank(spec, build_features(CATALOG)).rows)}


def test_an_adult_health_brief_puts_the_adults_group_above_the_babies_parents() -> None:
    ranked = rows(ADULT_HEALTH)
    assert ranked[ADULTS.id] < ranked[BABIES.id]


def test_without_the_rule_the_babies_parents_led(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("campaigns.matching.scoring.parents_off_topic", lambda *a: False)
    ranked = rows(ADULT_HEALTH)
    assert ranked[BABIES.id] < ranked[ADULTS.id]


def test_a_brief_about_children_keeps_the_parents_whole() -> None:
    kids = brief(["health", "parenting"], "טיפות ויטמין D לתינוקות")
    ranked = rows(kids)
    assert ranked[BABIES.id] < ranked[ADULTS.id]
    said = next(
        e for r in rank(kids, build_features(CATALOG)).rows if r.community_id == BABIES.id
        for e in r.explanations if e.component == "topic"
    )  # fmt: skip
    assert "counted half" not in said.en


def test_parents_of_older_children_are_not_halved() -> None:
    table = score_catalog(ADULT_HEALTH, build_features(CATALOG))
    # Same topics, size and evidence: only the babies' group is counted half.
    assert table.total[2] > table.total[0]


def test_the_topic_sentence_says_why() -> None:
    said = next(
        e for r in rank(ADULT_HEALTH, build_features(CATALOG)).rows if r.community_id == BABIES.id
        for e in r.explanations if e.component == "topic"
    )  # fmt: skip
    assert "parents of babies and toddlers" in said.en
    assert "counted half" in said.en
    assert "הורים לתינוקות ופעוטות" in said.he
    assert "נספר בחצי" in said.he


def test_the_reference_engine_agrees() -> None:
    features = build_features(CATALOG)
    table = score_catalog(ADULT_HEALTH, features)
    for i, ref in enumerate(reference_scores(ADULT_HEALTH, features)):
        assert ref.total == pytest.approx(float(table.total[i]), abs=1e-9)
