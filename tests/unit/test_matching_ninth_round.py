"""Issue 16, ninth round: briefs of shapes the tuned set lacked (docs/matching.md, "Issue 16,
ninth round").

- A brief that says its audience is the whole country ("delivered anywhere in Israel", "משלוח
  לכל הארץ") names a city only as where the brand is: it has no target city, so the city's
  groups are not its audience (``places.says_nationwide``, ``components.target_cities``).
- A one-city brief that also lists that city's own region (a Beersheba shop tagged "south") is
  still a brief for that city (``components.is_local_brief``), unless it names "local" itself.
- Glossary concepts that name a travel, careers, beauty or green audience carry that topic
  (backpackers -> travel, career change -> careers, skin care -> fashion, environmental ->
  sustainability)."""

from __future__ import annotations

from typing import Any

import pytest

from campaigns.brief import BriefSpec, parse_brief
from campaigns.matching import build_features, rank, score_catalog
from campaigns.matching.components import Component, is_local_brief, target_cities
from campaigns.matching.places import says_nationwide
from campaigns.matching.reference import reference_scores
from campaigns.matching.topics import split_brief_topics
from tests.unit.matching_builders import community

pytestmark = pytest.mark.unit

HAIFA_RESIDENTS = community(
    1,
    name="שכנים בכרמל",
    description="תושבי הכרמל בחיפה: המלצות ואירועים",
    topics=("local",),
    region="haifa",
    city="חיפה",
    total_size=3000,
)
COFFEE = community(
    2,
    name="Coffee Lovers",
    description="Specialty coffee, roasters and home espresso across Israel",
    topics=("food",),
    languages=("en", "he"),
    total_size=3000,
)
BEERSHEBA_RESIDENTS = community(
    3,
    name="תושבי באר שבע",
    description="חדשות העיר, המלצות ולוח יד שנייה",
    topics=("local",),
    region="south",
    city="באר שבע",
    total_size=3000,
)
GYM_ELSEWHERE = community(
    4,
    name="כושר בדרום",
    description="אימוני כושר וריצה",
    topics=("fitness",),
    region="south",
    total_size=3000,
)
CATALOG = [HAIFA_RESIDENTS, COFFEE, BEERSHEBA_RESIDENTS, GYM_ELSEWHERE]


def spec(**changes: Any) -> BriefSpec:
    data: dict[str, Any] = {
        "goal": "sales_leads",
        "title": "Fresh-roasted coffee",
        "message": "Coffee beans from our roastery in Haifa, delivered anywhere in Israel.",
        "topics": ["food"],
        "languages": ["en", "he"],
        "budget_minor": 1_000_000,
    }
    data.update(changes)
    return parse_brief(data)


def order(brief: BriefSpec) -> list[int]:
    return [r.community_id for r in rank(brief, build_features(CATALOG)).rows]


@pytest.mark.parametrize(
    ("text", "nationwide"),
    [
        ("delivered anywhere in Israel within 48 hours", True),
        ("Nationwide delivery from our Haifa shop", True),
        ("משלוח לכל הארץ מהקלייה שלנו בחיפה", True),
        ("שולחים בכל רחבי הארץ", True),
        ("משלוח חינם בכל העיר", False),  # the whole city is still one city
        ("a new shop in Haifa", False),
    ],
)
def test_a_brief_that_says_the_whole_country(text: str, nationwide: bool) -> None:
    assert says_nationwide(text) is nationwide


def test_a_nationwide_brief_names_no_target_city_and_its_city_groups_do_not_lead() -> None:
    online = spec()
    assert target_cities(online) == ()
    assert order(online)[0] == COFFEE.id
    # the other side: the same shop for Haifa's people keeps Haifa, and its residents lead
    local = spec(message="Coffee beans from our new roastery and café in Haifa; visit us.")
    assert target_cities(local) == ("haifa",)
    assert order(local)[0] == HAIFA_RESIDENTS.id


def bike_shop(**changes: Any) -> BriefSpec:
    data: dict[str, Any] = {
        "title": "Bike shop opening in Beer Sheva",
        "message": "A bicycle shop opens next to the university in Beer Sheva.",
        "topics": ["fitness"],
        "regions": ["south"],
    }
    data.update(changes)
    return spec(**data)


def test_a_city_s_own_region_keeps_the_brief_local() -> None:
    own = bike_shop()
    assert target_cities(own) == ("beersheba",)
    assert is_local_brief(own, target_cities(own))
    features = build_features(CATALOG)
    table = score_catalog(own, features)
    residents = features.index_of[BEERSHEBA_RESIDENTS.id]
    # the other side: a further region, or "local" named by the brief, is not a one-city brief
    for other in (bike_shop(regions=["south", "center"]), bike_shop(topics=["fitness", "local"])):
        assert not is_local_brief(other, target_cities(other))
    # local, the city's residents earn the "local" topic by being there, which the same brief
    # with a further region does not give them
    wider = score_catalog(bike_shop(regions=["south", "center"]), features)
    assert table.components[Component.TOPIC][residents] > 0.3
    assert wider.components[Component.TOPIC][residents] <= 0.3
    assert table.total[residents] > wider.total[residents]


def test_the_reference_engine_agrees() -> None:
    features = build_features(CATALOG)
    for brief in (spec(), bike_shop(), bike_shop(topics=["fitness", "local"])):
        table = score_catalog(brief, features)
        for ref in reference_scores(brief, features):
            i = features.index_of[ref.community_id]
            assert ref.total == pytest.approx(float(table.total[i]), abs=1e-9)


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("ביטוח נסיעות לתרמילאים אחרי צבא", "travel"),
        ("Travel insurance for backpackers", "travel"),
        ("קורס ערב למבוגרים שרוצים הסבה מקצועית", "careers"),
        ("An evening course for career changers", "careers"),
        ("סדרת קרמים לטיפוח הפנים", "fashion"),
        ("Natural skin care for women", "fashion"),
        ("עמותה סביבתית מגייסת מתנדבים", "sustainability"),
        ("An environmental group recruits volunteers", "sustainability"),
    ],
)
def test_travel_careers_and_beauty_audiences_carry_their_topic(message: str, topic: str) -> None:
    weights = split_brief_topics(["finance"], "", message).weights
    assert weights.get(topic, 0) > 0


@pytest.mark.parametrize(
    "message",
    [
        "חנות ספרים ובית קפה קטן נפתחים ברחביה",  # a café is no audience of food lovers
        "Coffee beans delivered",
        "קורס ערב בניתוח נתונים",  # a course names no careers audience
        "באר שבע והסביבה",  # the area around, not the environment
    ],
)
def test_words_that_name_no_audience_add_no_topic(message: str) -> None:
    weights = split_brief_topics(["culture"], "", message).weights
    assert set(weights) <= {"culture", "education", "tech"}, weights
