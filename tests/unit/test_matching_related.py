"""Issue 16, third round: topics that relate, a product vertical at full level, and "Anglos".

Both sides of each rule. Related topics: a community carrying only a topic related to the
brief's earns half that topic's weight (the homeowners' group filed under home and garden now
reaches a home-energy brief filed under real estate, below a group that carries real estate
itself), an unrelated topic still earns nothing, and the explanation says so. Food counts in
full like any vertical while the umbrella topics (careers, tech...) still count half. "Anglos"
name English-speaking olim; English speakers or anglophiles alone do not.
docs/matching.md ("Issue 16, third round") gives the worked numbers.
"""

from __future__ import annotations

import pytest

from campaigns.brief import BriefSpec, parse_brief
from campaigns.matching import build_features, rank, score_catalog
from campaigns.matching.scoring import brief_topic_weights
from campaigns.matching.topics import (
    GENERIC_LEVEL,
    RELATED_SHARE,
    TOPIC_RELATED,
    detect_topics,
    topic_credit,
    topic_level,
)
from tests.unit.matching_builders import community

pytestmark = pytest.mark.unit


def solar_brief(**fields: object) -> BriefSpec:
    data: dict[str, object] = {
        "goal": "market_education",
        "title": "How home solar works",
        "message": "A solar installer explains rooftop panels and batteries",
        "topics": ["sustainability", "real_estate"],
        "budget_minor": 2_000_000,
    }
    data.update(fields)
    return parse_brief(data)


def catalog() -> list:
    same = "קהילה של אנשים"  # the same own words everywhere: only the topics differ
    return [
        community(1, topics=("home_garden",), description=same),
        community(2, topics=("real_estate",), description=same),
        community(3, topics=("fashion",), description=same),
    ]


def test_home_and_garden_and_real_estate_relate_both_ways() -> None:
    assert ("home_garden", RELATED_SHARE) in topic_credit("real_estate")
    assert ("real_estate", RELATED_SHARE) in topic_credit("home_garden")
    # A relation is a partial credit, never a synonym.
    assert RELATED_SHARE < 1
    assert "home_garden" in TOPIC_RELATED["real_estate"]


def test_a_home_and_garden_group_earns_half_of_a_real_estate_brief_s_topic() -> None:
    features = build_features(catalog())
    b = solar_brief(topics=["real_estate"])
    table = score_catalog(b, features)
    weights = brief_topic_weights(b, features)
    w = weights.weights["real_estate"]
    # topic = 0.7 · overlap + 0.3 · text; the three share the same words, so the same text.
    text = table.components["topic"][2] / 0.3
    overlap = (table.components["topic"] - 0.3 * text) / 0.7
    assert overlap[1] == pytest.approx(1.0)  # carries real estate itself
    assert overlap[0] == pytest.approx(min(1.0, RELATED_SHARE * w / weights.norm))
    assert overlap[2] == pytest.approx(0.0)  # fashion: unrelated, nothing
    order = [r.community_id for r in rank(b, features).rows]
    assert order == [2, 1, 3]


def test_a_brief_without_a_related_topic_gives_home_and_garden_nothing() -> None:
    features = build_features(catalog())
    b = solar_brief(topics=["sustainability", "fashion"])
    topic = score_catalog(b, features).components["topic"]
    # The home-and-garden group and the real-estate group score alike: neither is related.
    assert topic[0] == pytest.approx(topic[1])
    assert topic[2] > topic[0]


def test_the_explanation_names_the_related_topic_and_the_half_credit() -> None:
    features = build_features(catalog())
    rows = {r.community_id: r for r in rank(solar_brief(), features).rows}
    related = rows[1].explanations[0]
    assert related.params["related"] == [["real_estate", "home_garden"]]
    assert "home and garden, related to your brief's real estate" in related.en
    assert "half credit" in related.en
    assert "בית וגינה — קרוב לנושא הבריף שלך" in related.he
    assert "חצי משקל" in related.he
    # The group that carries real estate itself is not said to be "related".
    own = rows[2].explanations[0]
    assert own.params["related"] == []
    assert "related to your brief" not in own.en
    assert "fashion" not in related.en
    unrelated = rows[3].explanations[0]
    assert unrelated.params["related"] == []


# --- Food is a vertical, not an umbrella (third round) -----------------------------------


def test_food_counts_in_full_and_the_umbrella_topics_still_count_half() -> None:
    assert topic_level("food") == 1.0
    assert topic_level("fitness") == 1.0
    for umbrella in ("tech", "careers", "local", "health", "consumer_deals"):
        assert topic_level(umbrella) == GENERIC_LEVEL


def _vertical_catalog(first: str, second: str) -> list:
    # As many communities carry each topic, with the same words: only the level differs.
    same = "קהילה של אנשים"
    return [
        community(1, topics=(first,), description=same),
        community(2, topics=(second,), description=same),
        community(3, topics=(first,), description=same),
        community(4, topics=(second,), description=same),
    ]


def test_a_food_group_is_not_outranked_by_a_group_with_only_the_brief_s_other_vertical() -> None:
    # A protein snack's brief names food and fitness: the food group and the fitness group
    # each carry one of the two; neither is a mere channel, so they fit alike.
    features = build_features(_vertical_catalog("food", "fitness"))
    b = solar_brief(goal="sales_leads", title="", message="", topics=["food", "fitness"])
    topic = score_catalog(b, features).components["topic"]
    assert topic[0] == pytest.approx(topic[1])


def test_a_broad_channel_beside_a_specific_audience_still_counts_half() -> None:
    # The other side: recruitment for olim names careers (the channel) and olim (the
    # audience); the olim group outranks the job board that carries careers alone.
    features = build_features(_vertical_catalog("careers", "olim"))
    b = solar_brief(goal="recruitment", title="", message="", topics=["careers", "olim"])
    topic = score_catalog(b, features).components["topic"]
    assert topic[1] > 1.5 * topic[0]


# --- "Anglos" are olim (third round) -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Haifa Anglos – recommendations and events",
        "קהילת האנגלוסקסים ברעננה",
        "the anglo community",
    ],
)
def test_anglos_are_english_speaking_olim(text: str) -> None:
    assert "olim" in detect_topics(text)


@pytest.mark.parametrize(
    "text", ["Anglophone literature club", "English speakers' book club", "Anglo-Saxon history"]
)
def test_english_speakers_or_anglophiles_alone_are_not_olim(text: str) -> None:
    assert "olim" not in detect_topics(text)
