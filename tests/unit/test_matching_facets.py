"""Which discipline within a vertical (issue 16, fifth round; campaigns/matching/facets.py): a
brief for runners and a yoga group share "fitness", a brief for UX designers and an interior
designers' group share "design", yet brokers grade them apart. A group of the brief's vertical
that names only other disciplines counts its topic overlap half; one that names the brief's,
or none, or a brief that names none, is unchanged."""

from __future__ import annotations

import pytest

from campaigns.brief import BriefSpec, parse_brief
from campaigns.matching import CommunityRecord, build_features, rank, score_catalog
from campaigns.matching.components import (
    NO_FACET_SHARE,
    PATIENTS_OFF_TOPIC_SHARE,
    TEXT_COS_FULL,
    TOPIC_OVERLAP_SHARE,
)
from campaigns.matching.facets import brief_facets, facets
from campaigns.matching.reference import reference_scores
from tests.unit.matching_builders import community

pytestmark = pytest.mark.unit


def group(cid: int, name: str, description: str, topic: str) -> CommunityRecord:
    return community(cid, name=name, description=description, topics=(topic,))


RUNNERS = group(1, "רצים בפארק", "ריצות בוקר, חצי מרתון ואימוני ריצה", "fitness")
YOGA = group(2, "יוגה על הדשא", "שיעורי יוגה ופילאטיס בפארק", "fitness")
PLAIN = group(3, "מתאמנים יחד", "אימונים, מוטיבציה ותזונה", "fitness")
BOTH = group(4, "ריצה ויוגה", "רצים בבוקר ויוגה בערב", "fitness")
NOT_FITNESS = group(5, "שכונת הפארק", "תושבי השכונה: ריצה בפארק, גינות ואירועים", "local")
INTERIOR = group(6, "Interior Designers IL", "Interior designers and architects", "design")
UX = group(7, "מעצבי UX ישראל", "מעצבי ממשק ועיצוב מוצר, פיגמה", "design")


def brief(title: str, message: str, topics: list[str], goal: str = "sales_leads") -> BriefSpec:
    return parse_brief(
        {
            "goal": goal,
            "title": title,
            "message": message,
            "topics": topics,
            "languages": ["he", "en"],
            "budget_minor": 1_000_000,
        }
    )


RUNNING_BRIEF = brief("נעלי ריצה", "חנות חדשה לנעלי ריצה: רוצים שרצים יכירו אותה", ["fitness"])


def test_disciplines_are_read_in_four_languages() -> None:
    assert facets("fitness", "חצי מרתון ואימוני ריצה") == {"running"}
    assert facets("fitness", "Клуб бегунов Ашдода") == {"running"}
    assert facets("fitness", "دروس يوغا للنساء") == {"yoga_pilates"}
    assert facets("fitness", "ולפילאטיס מכשירים") == {"yoga_pilates"}
    assert facets("design", "Дизайн интерьера и архитекторы") == {"interior"}
    assert facets("design", "מעצבים גרפיים ומאיירים") == {"digital"}
    assert facets("fitness", "תזונה ומוטיבציה") == frozenset()
    assert facets("design", "עיצוב הבית") == frozenset()  # a home's look names no discipline


def test_a_group_of_another_discipline_counts_half_for_a_brief_that_names_one() -> None:
    features = build_features([RUNNERS, YOGA, PLAIN, BOTH, NOT_FITNESS])
    assert brief_facets(["fitness"], RUNNING_BRIEF.title, RUNNING_BRIEF.message) == {
        "fitness": {"running"}
    }
    table = score_catalog(RUNNING_BRIEF, features)
    topic = table.components["topic"]

    def text(i: int) -> float:
        return (1 - TOPIC_OVERLAP_SHARE) * min(1.0, table.text_cosine(i) / TEXT_COS_FULL)

    # Runners and a group that names running among others: whole.
    for i in (0, 3):
        assert topic[i] == pytest.approx(TOPIC_OVERLAP_SHARE + text(i))
    # A group of the vertical that names no discipline: NO_FACET_SHARE (eighth round).
    assert topic[2] == pytest.approx(TOPIC_OVERLAP_SHARE * NO_FACET_SHARE + text(2))
    # The yoga group: the same "fitness" overlap, counted half.
    assert topic[1] == pytest.approx(TOPIC_OVERLAP_SHARE * PATIENTS_OFF_TOPIC_SHARE + text(1))
    # A group outside the vertical is not read for its disciplines (it earns no fitness anyway).
    assert topic[4] < TOPIC_OVERLAP_SHARE * PATIENTS_OFF_TOPIC_SHARE
    rows = {r.community_id: r for r in rank(RUNNING_BRIEF, features).rows}
    assert list(rows).index(1) < list(rows).index(2)
    said = next(e for e in rows[2].explanations if e.component == "topic")
    assert "it is about yoga and pilates, not the running your brief names (counted half)" in (
        said.en
    )
    assert "היא עוסקת ביוגה ופילאטיס, לא בריצה שהבריף שלך מציין (נספר בחצי)" in said.he
    for cid in (1, 3, 4):
        said = next(e for e in rows[cid].explanations if e.component == "topic")
        assert "counted half" not in said.en
    for i, ref in enumerate(reference_scores(RUNNING_BRIEF, features)):
        assert ref.total == pytest.approx(float(table.total[i]), abs=1e-9)


def test_design_briefs_tell_interior_from_digital_designers() -> None:
    features = build_features([INTERIOR, UX])
    tool = brief(
        "Round table on a design tool",
        "We want product, UX and graphic designers for a paid round table.",
        ["design"],
        goal="product_feedback",
    )
    doors = brief(
        "דלתות למעצבי פנים",
        "יצרנית דלתות רוצה לדבר עם מעצבי פנים ואדריכלים",
        ["design"],
        goal="positioning",
    )
    tool_topic = score_catalog(tool, features).components["topic"]
    doors_topic = score_catalog(doors, features).components["topic"]
    assert tool_topic[1] > tool_topic[0]  # UX designers for the tool
    assert doors_topic[0] > doors_topic[1]  # interior designers for the doors
    half = TOPIC_OVERLAP_SHARE * PATIENTS_OFF_TOPIC_SHARE + (1 - TOPIC_OVERLAP_SHARE)
    assert tool_topic[0] <= half + 1e-9  # at most half the overlap and a full text fit
    assert doors_topic[1] <= half + 1e-9


def test_a_brief_that_names_no_discipline_halves_no_one() -> None:
    features = build_features([RUNNERS, YOGA, PLAIN])
    snack = brief("חטיף חלבון", "חטיף חלבון חדש למתאמנים", ["fitness"])
    assert brief_facets(["fitness"], snack.title, snack.message) == {}
    topic = score_catalog(snack, features).components["topic"]
    assert min(topic) >= TOPIC_OVERLAP_SHARE - 1e-9


@pytest.mark.parametrize(
    ("text", "discipline"),
    [
        ("ערבי זומבה וריקודים לטיניים", "dance"),
        ("Krav Maga for women", "martial_arts"),
        ("שיעורי קראטה לילדים ולמבוגרים", "martial_arts"),
        ("טרקים ומסלולי הליכה בגליל", "hiking"),
        ("Клуб любителей танцев", "dance"),
    ],
)
def test_more_disciplines_of_fitness_are_read(text: str, discipline: str) -> None:
    # Vocabulary of the kept rule (fifth round): a running brief counts these groups half.
    assert facets("fitness", text) == {discipline}
    features = build_features([RUNNERS, group(9, text, text, "fitness")])
    topic = score_catalog(RUNNING_BRIEF, features).components["topic"]
    assert topic[1] < topic[0]
