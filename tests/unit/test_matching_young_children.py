"""Parents of young children are not an adult health audience (issue 16, sixth round;
``components.parents_off_topic``): a parents' group of babies or toddlers carries "health"
because its members talk about their children's health, and it leaked into briefs for
health-conscious adults. For a brief about health that neither names nor finds "parenting",
such a group counts its topic overlap half, and its topic sentence says so. A brief about
children, and a parents' group of older children or none named, are unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from campaigns.brief import BriefSpec, parse_brief
from campaigns.matching import build_features, rank, score_catalog
from campaigns.matching.components import parents_health_only
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
    # and without the tenth round's focus (parenting is a subject the brief does not name)
    monkeypatch.setattr("campaigns.matching.components.FOCUS_SHARE", 0.0)
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


def test_parents_of_older_children_sharing_only_health_are_halved_too() -> None:
    # Sixth round: only the babies' group was counted half. Seventh round: a parents' group of
    # any age that shares nothing but "health" with an adults' brief is (parents_health_only);
    # the sentence names the babies and toddlers only where the sixth round's rule applies.
    rows_ = {r.community_id: r for r in rank(ADULT_HEALTH, build_features(CATALOG)).rows}
    for cid, young in ((BABIES.id, True), (SCHOOL.id, False)):
        topic = next(e for e in rows_[cid].explanations if e.component == "topic")
        assert "counted half" in topic.en
        assert ("babies and toddlers" in topic.en) == young


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


# Seventh round: parents of children of any age, when they share only "health" with an adults'
# health brief (components.parents_health_only). The sixth round's rule covered babies and
# toddlers only; a school parents' group whose only link to a vitamin brief for adults is its
# children's health still led a plain adults' group.
SCHOOL_HEALTH = community(
    4,
    name="הורים לילדי בית ספר",
    description="בית ספר יסודי, שיעורי בית ובריאות הילדים",
    topics=("parenting", "health"),
    total_size=5000,
    best_evidence=4,
)
FAMILY_FOOD = community(
    5,
    name="אוכל בריא לילדים",
    description="מתכונים בריאים לכל המשפחה",
    topics=("parenting", "health", "food"),
    total_size=5000,
    best_evidence=4,
)
OLDER = [ADULTS, SCHOOL_HEALTH, FAMILY_FOOD, *CATALOG[3:]]


def older_rows(spec: BriefSpec) -> dict[int, int]:
    return {r.community_id: i for i, r in enumerate(rank(spec, build_features(OLDER)).rows)}


def test_an_adult_health_brief_puts_adults_above_parents_of_school_children() -> None:
    ranked = older_rows(ADULT_HEALTH)
    assert ranked[ADULTS.id] < ranked[SCHOOL_HEALTH.id]
    row = next(r for r in rank(ADULT_HEALTH, build_features(OLDER)).rows if r.community_id == 4)
    topic = next(e for e in row.explanations if e.code == "topic_shared")
    assert "but they are parents, there for their children's health (counted half)" in topic.en
    assert "אבל הם הורים, שבאים בשביל בריאות הילדים (נספר בחצי)" in topic.he


def test_without_the_seventh_round_rule_the_school_parents_led(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        "campaigns.matching.scoring.parents_health_rows",
        lambda features, topics: np.zeros(len(features), dtype=bool),
    )
    monkeypatch.setattr("campaigns.matching.components.FOCUS_SHARE", 0.0)  # tenth round's focus
    ranked = older_rows(ADULT_HEALTH)
    assert ranked[SCHOOL_HEALTH.id] < ranked[ADULTS.id]


def test_parents_who_share_the_briefs_subject_keep_their_overlap() -> None:
    # A probiotic-style brief (health and food): a family food group shares food, so it is not
    # there only for its children's health.
    food = brief(["health", "food"], "יוגורט פרוביוטי למבוגרים")
    assert not parents_health_only(True, ["health", "food"], FAMILY_FOOD.topics)
    assert parents_health_only(True, ["health", "food"], SCHOOL_HEALTH.topics)
    table = score_catalog(food, build_features(OLDER))
    whole = score_catalog(brief(["health", "food", "parenting"], "יוגורט"), build_features(OLDER))
    assert table.components["topic"][2] > 0.5 * whole.components["topic"][2]
    assert not parents_health_only(True, ["health", "parenting"], SCHOOL_HEALTH.topics)
    assert not parents_health_only(False, ["food"], SCHOOL_HEALTH.topics)


def test_the_reference_engine_agrees_on_older_children() -> None:
    features = build_features(OLDER)
    table = score_catalog(ADULT_HEALTH, features)
    for i, ref in enumerate(reference_scores(ADULT_HEALTH, features)):
        assert ref.total == pytest.approx(float(table.total[i]), abs=1e-9)
