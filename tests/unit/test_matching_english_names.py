"""English names and transliterations of Israeli audiences (issue 16, seventh round; the blind
grader's class "briefs in English about Israeli audiences"). An English brief says "milluim",
"chareidi", "Dati", "kibbutz", "lone soldiers", "Druze": each must reach its topic (topics.py cues)
and the Hebrew words communities use (glossary.csv), and must not pull in look-alikes."""

from __future__ import annotations

import pytest

from campaigns.brief import parse_brief
from campaigns.matching import build_features, score_catalog
from campaigns.matching.glossary import translate
from campaigns.matching.topics import detect_topics, resolve_topic
from tests.unit.matching_builders import community

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("word", "topic"),
    [
        ("milluim", "reservists"),
        ("reserve soldiers", "reservists"),
        ("chareidi", "haredi"),
        ("chareidim", "haredi"),
        ("ultra-Orthodox", "haredi"),
        ("Dati", "religious"),
        ("dati leumi", "religious"),
        ("national religious", "religious"),
        ("Anglos", "olim"),
        ("olim", "olim"),
    ],
)
def test_english_names_and_transliterations_reach_their_topic(word: str, topic: str) -> None:
    assert resolve_topic(word) == topic
    assert topic in detect_topics(f"for {word} families")


@pytest.mark.parametrize(
    ("word", "hebrew"),
    [
        ("Dati families", "דתיים"),
        ("dati leumi", "ציונות דתית"),
        ("chareidi", "חרדים"),
        ("milluim", "מילואים"),
        ("kibbutz members", "קיבוץ"),
        ("kibbutzniks", "קיבוצים"),
        ("lone soldiers", "חיילים בודדים"),
        ("Druze", "דרוזים"),
        ("Ethiopian Israelis", "יוצאי אתיופיה"),
        ("francophones", "דוברי צרפתית"),
    ],
)
def test_english_names_translate_into_the_hebrew_communities_use(word: str, hebrew: str) -> None:
    assert hebrew in translate(word)


def test_look_alikes_are_not_translated() -> None:
    # "Anglo" alone is an adjective of many groups (Anglo parents, Anglo moms): only "Anglos",
    # the people, means English-speaking olim. "Orthodox" alone is not Haredi.
    assert "דוברי אנגלית" not in translate("Anglo parents")
    assert resolve_topic("Orthodox") is None
    assert "חרדים" not in translate("orthodox church")


def test_an_english_kibbutz_brief_finds_the_hebrew_kibbutz_group_and_not_a_neighbour() -> None:
    kibbutz = community(1, name="קיבוץ יזרעאל – חברים ותושבים", description="לוח הקיבוץ",
                        topics=("local",))  # fmt: skip
    town = community(2, name="שכנים בעפולה", description="לוח השכונה", topics=("local",))
    spec = parse_brief(
        {"goal": "awareness", "title": "Kibbutz guesthouse",
         "message": "A new guesthouse for kibbutz members and their guests",
         "topics": ["local"], "languages": ["en", "he"], "budget_minor": 1_000_000}
    )  # fmt: skip
    table = score_catalog(spec, build_features([kibbutz, town]))
    assert table.translated is not None
    assert table.translated[0] > 0.1
    assert table.translated[1] < table.translated[0] / 3
    assert table.components["topic"][0] > table.components["topic"][1]
