"""A city named in a brief's words, however the sentence inflects it (issue 16, sixth round;
``places.detect_cities``): Hebrew prefixes were read, Russian cases and Arabic clitics were not,
so "пекарня в Нетании" or "مخبز بحيفا" named no place and nationwide groups beat the city's own.
A word that only starts like a city, or a short name in a case, is still not a place."""

from __future__ import annotations

import pytest

from campaigns.brief import parse_brief
from campaigns.matching import build_features, rank
from campaigns.matching.places import brief_cities, detect_cities
from tests.unit.matching_builders import community

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("пекарня открывается в Нетании", "netanya"),
        ("для жителей Хайфы", "haifa"),
        ("новый магазин в Ашдоде", "ashdod"),
        ("кафе в Тель-Авиве", "tel_aviv"),
        ("مخبز جديد بحيفا", "haifa"),
        ("وبالناصرة", "nazareth"),
        ("للقدس", "jerusalem"),
        ("מאפייה נפתחת בנתניה", "netanya"),
        ("ולחיפה", "haifa"),
    ],
)
def test_a_city_is_read_in_the_form_a_sentence_puts_it(text: str, city: str) -> None:
    assert detect_cities(text) == {city}


@pytest.mark.parametrize("text", ["лодка", "Лоде", "сад и огород", "الحيوانات", "נתניהו"])
def test_words_that_only_look_like_a_city_are_not_one(text: str) -> None:
    assert detect_cities(text) == frozenset()


RESIDENTS = community(
    1,
    name="Жители Нетании",
    description="Соседи, объявления, события",
    topics=("local",),
    region="center",
    city="Нетания",
    languages=("ru",),
)
BAKING = community(
    2,
    name="Хлеб и выпечка",
    description="Рецепты хлеба и выпечки",
    topics=("food",),
    region="nationwide",
    languages=("ru",),
)


def order(message: str) -> list[int]:
    spec = parse_brief(
        {
            "goal": "sales_leads",
            "title": "Пекарня",
            "message": message,
            "topics": ["food"],
            "languages": ["ru"],
            "budget_minor": 1_000_000,
        }
    )
    return [r.community_id for r in rank(spec, build_features([BAKING, RESIDENTS])).rows]


def test_a_russian_local_brief_prefers_the_named_citys_residents() -> None:
    assert brief_cities("Пекарня", "Новая пекарня открывается в Нетании") == ("netanya",)
    assert order("Новая пекарня открывается в Нетании")[0] == RESIDENTS.id


def test_without_a_city_the_residents_group_does_not_win_on_place() -> None:
    assert order("Новая пекарня: хлеб и выпечка")[0] == BAKING.id
