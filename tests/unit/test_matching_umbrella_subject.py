"""An umbrella-only brief's own subject (issue 16, sixth round; ``topics.umbrella_only``,
``scoring.subject_weight``): a brief filed only under umbrellas (deals, education, tech...)
says what it is about in its message. Every deals channel shared the whole overlap and the one
group about the thing the message names (coffee) came last; now the brief's subject is a topic
as heavy as its heaviest umbrella, earned by a community's text fit. A brief with a specific
topic, or one that names a city, is unchanged."""

from __future__ import annotations

import pytest

from campaigns.brief import BriefSpec, parse_brief
from campaigns.matching import CommunityRecord, build_features, rank, score_catalog
from campaigns.matching.reference import reference_scores
from campaigns.matching.scoring import brief_topic_weights
from campaigns.matching.topics import umbrella_only
from tests.unit.matching_builders import community

pytestmark = pytest.mark.unit


def group(cid: int, name: str, description: str, *topics: str) -> CommunityRecord:
    return community(cid, name=name, description=description, topics=topics)


DEALS = [
    group(
        1, "דילים חמים", "מבצעים והנחות יומיות על אלקטרוניקה, אופנה ומוצרים לבית", "consumer_deals"
    ),
    group(2, "קופונים ישראל", "קופונים, הנחות ומבצעים בכל הרשתות", "consumer_deals"),
    group(3, "Deals IL", "Daily deals and discounts on gadgets and fashion", "consumer_deals"),
]
COFFEE = group(4, "אוהבי קפה", "קפה טרי, פולי קפה, מכונות קפה ואספרסו בבית", "culture")
KNITTING = group(5, "סריגה ביחד", "סריגה, צמר ודוגמאות", "culture")
CATALOG = [*DEALS, COFFEE, KNITTING, *[group(10 + i, f"שכונה {i}", "תושבי השכונה", "local")
                                      for i in range(6)]]  # fmt: skip


def brief(topics: list[str], message: str, title: str = "פולי קפה טריים") -> BriefSpec:
    return parse_brief(
        {
            "goal": "sales_leads",
            "title": title,
            "message": message,
            "topics": topics,
            "languages": ["he"],
            "budget_minor": 1_000_000,
        }
    )


COFFEE_DEAL = brief(["consumer_deals"], "פולי קפה טריים מהקלייה: קפה ואספרסו לבית")


def order(spec: BriefSpec) -> list[int]:
    return [m.community_id for m in rank(spec, build_features(CATALOG), top=20).rows]


def test_umbrellas_are_told_from_specific_topics() -> None:
    assert umbrella_only(["consumer_deals", "education", "tech"])
    # Green is a value many audiences share, not an audience (sixth round).
    assert umbrella_only(["sustainability"])
    assert not umbrella_only(["consumer_deals", "food"])


def test_the_group_about_the_briefs_subject_outranks_every_deals_channel() -> None:
    ranked = order(COFFEE_DEAL)
    assert ranked.index(COFFEE.id) < min(ranked.index(d.id) for d in DEALS)


def test_without_the_rule_the_deals_channels_won(monkeypatch: pytest.MonkeyPatch) -> None:
    # The failing side: the engine as it was (no subject weight) put the deals channels first.
    monkeypatch.setattr("campaigns.matching.scoring.SUBJECT_SHARE", 0.0)
    ranked = order(COFFEE_DEAL)
    assert ranked.index(COFFEE.id) > max(ranked.index(d.id) for d in DEALS)


def test_a_group_that_matches_neither_the_umbrella_nor_the_words_stays_below() -> None:
    ranked = order(COFFEE_DEAL)
    assert ranked.index(KNITTING.id) > max(ranked.index(d.id) for d in DEALS)


def test_a_specific_topic_or_a_named_city_keeps_the_overlap_as_it_was() -> None:
    features = build_features(CATALOG)
    assert brief_topic_weights(COFFEE_DEAL, features).subject > 0
    food = brief(["consumer_deals", "food"], "פולי קפה טריים במבצע")
    assert brief_topic_weights(food, features).subject == 0
    city = brief(["consumer_deals"], "פולי קפה טריים במבצע בחנות החדשה בנתניה")
    assert brief_topic_weights(city, features).subject == 0
    assert brief_topic_weights(brief([], "פולי קפה"), features).subject == 0


def test_the_reference_engine_agrees() -> None:
    features = build_features(CATALOG)
    table = score_catalog(COFFEE_DEAL, features)
    for i, ref in enumerate(reference_scores(COFFEE_DEAL, features)):
        assert ref.total == pytest.approx(float(table.total[i]), abs=1e-9)
