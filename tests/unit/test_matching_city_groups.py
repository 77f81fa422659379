"""A local brief's broad topics and the city's general groups (issue 16, eighth round;
``components.city_group_topics``).

A bookshop or a dental clinic opening in one city names a broad topic (culture, health) beside
the place. The city's general groups — residents, a neighbourhood, the city's parents or
women's recommendations, tagged "local" — carry no such topic, so a niche group of the city that
did (a food-and-culture group, a pilates studio filed under health) outranked them, although the
city's general groups are where its people hear of a new shop. For a local brief a general
group of the named city now earns the brief's broad topics in full; specific topics (pets,
fitness) are not earned, a group elsewhere earns nothing, and other briefs are unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from campaigns.brief import BriefSpec, parse_brief
from campaigns.matching import build_features, rank, score_catalog
from campaigns.matching.components import Component, city_group_topics, niche_subjects
from campaigns.matching.reference import reference_scores
from campaigns.matching.text import TOPIC_WORDS
from campaigns.matching.topics import AUDIENCE_TOPICS, GENERIC_TOPICS, SUBJECT_TOPICS
from tests.unit.matching_builders import community

pytestmark = pytest.mark.unit

RESIDENTS = community(
    1,
    name="שכנים ברחביה",
    description="תושבי השכונה: המלצות, אירועים ומסירות",
    topics=("local",),
    region="jerusalem",
    city="ירושלים",
)
NICHE = community(
    2,
    name="אוכלים בעיר",
    description="ביקורות מסעדות ובתי קפה",
    topics=("food", "culture"),
    region="jerusalem",
    city="ירושלים",
    total_size=3000,
    best_evidence=4,
)
PETS_HERE = community(
    3,
    name="כלבים בירושלים",
    description="בעלי כלבים בעיר: גינות כלבים ווטרינרים",
    topics=("pets", "local"),
    region="jerusalem",
    city="ירושלים",
)
RESIDENTS_ELSEWHERE = community(
    4,
    name="שכנים בחיפה",
    description="תושבי השכונה: המלצות, אירועים ומסירות",
    topics=("local",),
    region="haifa",
    city="חיפה",
)
RUNNERS = [community(10 + i, topics=("fitness",), description="ריצה") for i in range(5)]
CATALOG = [RESIDENTS, NICHE, PETS_HERE, RESIDENTS_ELSEWHERE, *RUNNERS]


def brief(**changes: Any) -> BriefSpec:
    data: dict[str, Any] = {
        "goal": "awareness",
        "title": "חנות ספרים נפתחת בירושלים",
        "message": "חנות ספרים עצמאית נפתחת ברחביה בירושלים, שעת סיפור בימי שישי",
        "topics": ["culture"],
        "languages": ["he"],
        "budget_minor": 1_000_000,
    }
    data.update(changes)
    return parse_brief(data)


def order(spec: BriefSpec) -> list[int]:
    return [r.community_id for r in rank(spec, build_features(CATALOG)).rows]


def test_the_city_s_general_group_earns_the_brief_s_broad_topic() -> None:
    assert city_group_topics(["culture", "local"], ["local"], "city") == ["culture"]
    assert city_group_topics(["culture", "local"], ["local", "culture"], "city") == []
    assert city_group_topics(["pets", "local"], ["local"], "city") == []  # specific: no
    assert city_group_topics(["culture", "local"], ["local"], "region") == []  # not in the city
    assert city_group_topics(["culture", "local"], ["food"], "city") == []  # not a general group
    # a group of the city about a subject is a niche of it, not one of its general groups
    assert city_group_topics(["culture", "local"], ["pets", "local"], "city") == []
    assert city_group_topics(["health", "local"], ["seniors", "local"], "city") == ["health"]


def test_every_catalog_topic_is_generic_a_subject_or_an_audience() -> None:
    assert set(TOPIC_WORDS) == GENERIC_TOPICS | SUBJECT_TOPICS | AUDIENCE_TOPICS
    assert not GENERIC_TOPICS & SUBJECT_TOPICS
    assert not GENERIC_TOPICS & AUDIENCE_TOPICS
    assert not SUBJECT_TOPICS & AUDIENCE_TOPICS


def test_the_residents_outrank_a_niche_group_of_the_city_that_shares_the_broad_topic() -> None:
    ranked = order(brief())
    assert ranked.index(RESIDENTS.id) < ranked.index(NICHE.id)
    assert ranked.index(NICHE.id) < ranked.index(RESIDENTS_ELSEWHERE.id)
    # the city's dog owners (tagged local too) earn no culture: a niche of the city
    assert ranked.index(NICHE.id) < ranked.index(PETS_HERE.id)


def test_without_the_rule_the_niche_group_won(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("campaigns.matching.scoring.city_groups", lambda *a: None)
    ranked = order(brief())
    assert ranked.index(NICHE.id) < ranked.index(RESIDENTS.id)


def test_a_specific_topic_is_not_earned_and_other_briefs_are_unchanged() -> None:
    pets = brief(title="חנות חיות נפתחת בירושלים", message="ציוד לכלבים בירושלים", topics=["pets"])
    ranked = order(pets)
    assert ranked.index(PETS_HERE.id) < ranked.index(RESIDENTS.id)
    features = build_features(CATALOG)
    i = features.index_of[RESIDENTS.id]
    # Two cities, or listed regions beyond the city's own: not a local brief, nothing earned
    # (the city's own region alone keeps it local since the ninth round:
    # test_matching_ninth_round.py).
    for spec in (
        brief(message="חנויות ספרים נפתחות בירושלים ובחיפה"),
        brief(regions=["jerusalem", "center"]),
    ):
        row = next(r for r in rank(spec, features).rows if r.community_id == RESIDENTS.id)
        topic = next(e for e in row.explanations if e.component == "topic")
        assert topic.params.get("city_group", []) == []
        # no topic shared: the topic fit is the text fit's share alone (at most 0.3)
        assert score_catalog(spec, features).components[Component.TOPIC][i] <= 0.3


def test_the_sentence_says_so_in_both_languages() -> None:
    row = next(r for r in rank(brief(), build_features(CATALOG)).rows if r.community_id == 1)
    topic = next(e for e in row.explanations if e.component == "topic")
    assert topic.params["city_group"] == ["culture"]
    assert topic.en.startswith(
        "As a general group of Jerusalem, it also counts for your brief's art and culture; "
    )
    assert topic.he.startswith("כקבוצה כללית של ירושלים היא נספרת גם לאמנות ותרבות של הבריף שלך;")
    niche = next(r for r in rank(brief(), build_features(CATALOG)).rows if r.community_id == 2)
    assert not next(e for e in niche.explanations if e.component == "topic").params["city_group"]


def test_the_reference_engine_agrees() -> None:
    features = build_features(CATALOG)
    for spec in (brief(), brief(topics=["pets"])):
        table = score_catalog(spec, features)
        for ref in reference_scores(spec, features):
            i = features.index_of[ref.community_id]
            assert ref.total == pytest.approx(float(table.total[i]), abs=1e-9)


# --- a group about another subject earns half of a local brief's broad topic ---------------

STUDIO = community(
    5,
    name="סטודיו בעיר",
    description="שיעורי פילאטיס ויוגה בירושלים, בריאות ותנועה: שיעור ראשון חינם",
    topics=("fitness", "health"),
    region="jerusalem",
    city="ירושלים",
    total_size=4000,
    best_evidence=4,
)


def dental() -> BriefSpec:
    return brief(
        title="מרפאת שיניים נפתחת בירושלים",
        message="מרפאת שיניים משפחתית נפתחת בירושלים: בדיקה ראשונה חינם",
        topics=["health"],
    )


def test_a_group_about_another_subject_is_a_niche_of_the_city() -> None:
    assert niche_subjects(["health", "local"], ["fitness", "health"]) == ["fitness"]
    assert niche_subjects(["fitness", "local"], ["fitness", "health"]) == []  # the brief's own
    assert niche_subjects(["health", "local"], ["local", "women"]) == []  # a general group


def test_the_residents_outrank_a_studio_that_shares_only_the_broad_topic() -> None:
    catalog = [*CATALOG, STUDIO]
    ranked = [r.community_id for r in rank(dental(), build_features(catalog)).rows]
    assert ranked.index(RESIDENTS.id) < ranked.index(STUDIO.id)
    row = next(r for r in rank(dental(), build_features(catalog)).rows if r.community_id == 5)
    topic = next(e for e in row.explanations if e.component == "topic")
    assert topic.params["niche"] == {"subjects": ["fitness"], "broad": ["health"]}
    assert "but it is about sport and fitness, so your brief's health and wellbeing is" in topic.en
    assert "אבל היא עוסקת בספורט וכושר, ולכן בריאות ורווחה של הבריף שלך נספר בחצי" in topic.he


def test_without_the_half_the_studio_won(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("campaigns.matching.scoring.NICHE_BROAD_SHARE", 1.0)
    catalog = [*CATALOG, STUDIO]
    ranked = [r.community_id for r in rank(dental(), build_features(catalog)).rows]
    assert ranked.index(STUDIO.id) < ranked.index(RESIDENTS.id)


def test_the_reference_engine_agrees_on_the_niche_half() -> None:
    features = build_features([*CATALOG, STUDIO])
    table = score_catalog(dental(), features)
    for ref in reference_scores(dental(), features):
        i = features.index_of[ref.community_id]
        assert ref.total == pytest.approx(float(table.total[i]), abs=1e-9)
