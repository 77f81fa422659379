"""Issue 16, fourth round: the children's stage a brief for parents names.

"Parenting" cannot tell the parents of babies from the parents of school children; the words
can. Both sides: a parents' group that names the brief's stage (in words or as an age range)
fits its audience in full; one that names only a non-neighbouring stage fits poorly; one that
names none, a neighbouring one, or a community that is not a parents' group stays neutral; a
brief that is not for parents, or names no stage, is not changed at all. Each explanation
sentence is true of the factor it describes. docs/matching.md ("Children's stages") gives the
worked numbers.
"""

from __future__ import annotations

import pytest

from campaigns.brief import BriefSpec, parse_brief
from campaigns.matching import build_features, rank, reference_scores, score_catalog
from campaigns.matching.components import Component
from campaigns.matching.stages import (
    STAGE_ADJACENT,
    STAGE_NEUTRAL,
    STAGE_OTHER,
    detect_stages,
    stage_fit,
)
from tests.unit.matching_builders import community

pytestmark = pytest.mark.unit


def brief(message: str, topics: tuple[str, ...] = ("parenting",)) -> BriefSpec:
    return parse_brief(
        {
            "goal": "awareness",
            "title": "תיקי גב",
            "message": message,
            "topics": list(topics),
            "budget_minor": 2_000_000,
        }
    )


SCHOOL = "רוצים שהורים לילדי בית ספר יסודי יכירו את התיקים"


def catalog() -> list:
    return [
        community(1, description="הורים לילדים בכיתות א'–ו': שיעורי בית וחוגים"),
        community(2, description="הורים לפעוטות: גנים וחוגים"),
        community(3, description="הורים לתינוקות: הנקה ושינה"),
        community(4, description="הורים ממליצים על צעצועים ובגדים"),
        community(5, description="Parents of school-age kids: after-school clubs"),
        community(6, description="הורים ממליצים על משחקים לילדים בגילאי 0–10"),
        community(7, description="מורים לבית ספר יסודי", topics=("education",)),
    ]


@pytest.mark.parametrize(
    ("text", "stages"),
    [
        ("הורים לילדי בית ספר יסודי", {"school"}),
        ("לקראת שנת הלימודים לכיתות א'–ו'", {"school"}),
        ("Parents of school-age kids", {"school"}),
        ("אמהות לתינוקות אחרי לידה", {"babies"}),
        ("English-speaking parents of toddlers", {"toddlers"}),
        ("הורים למתבגרים ובני נוער", {"teens"}),
        ("Сообщество мам: садики, малыши", {"toddlers"}),
        ("أمهات: الرضاعة، الحضانات", {"babies", "toddlers"}),
        ("נעלי ילדים לגילאי 1–8", {"toddlers", "school"}),
        ("ניוזלטר להורים לילדים עד גיל 6", {"babies", "toddlers"}),
        ("הורים לבני 12–18", {"teens"}),
    ],
)
def test_the_stage_is_read_from_words_and_age_ranges(text: str, stages: set[str]) -> None:
    assert detect_stages(text) == stages


@pytest.mark.parametrize(
    "text",
    [
        "הורים בגבעתיים ורמת גן",  # the city, not a kindergarten
        "אמהות בבני ברק",  # the city, not "sons of"
        "סטודנטים בני 20–30",  # adults
        "הורים ממליצים על צעצועים",
        "Parents sharing recipes",
    ],
)
def test_words_that_name_no_children_s_stage_name_none(text: str) -> None:
    assert detect_stages(text) == set()


def test_stage_fit_full_for_the_named_stage_neutral_for_a_neighbour_low_for_others() -> None:
    school = frozenset({"school"})
    assert stage_fit(school, frozenset({"school", "teens"})) == (1.0, "match")
    assert stage_fit(school, frozenset({"toddlers"})) == (STAGE_ADJACENT, "adjacent")
    assert stage_fit(school, frozenset({"babies"})) == (STAGE_OTHER, "other")
    assert stage_fit(school, frozenset()) == (STAGE_NEUTRAL, "unsaid")
    assert STAGE_OTHER < STAGE_ADJACENT <= STAGE_NEUTRAL < 1.0


def test_a_school_brief_prefers_the_parents_of_school_children() -> None:
    features = build_features(catalog())
    table = score_catalog(brief(SCHOOL), features)
    audience = dict(zip(features.ids.tolist(), table.components[Component.AUDIENCE], strict=True))
    # Named in words, in English, or as an age range that covers primary school: full fit.
    assert audience[1] == audience[5] == audience[6] == pytest.approx(1.0)
    # Kindergarten parents (next year's buyers) and a group that does not say: neutral.
    assert audience[2] == audience[4] == pytest.approx(STAGE_NEUTRAL)
    # Babies' parents: the brief's children are not theirs.
    assert audience[3] == pytest.approx(STAGE_OTHER)
    # Teachers talk about school but are not a parents' group: neutral.
    assert audience[7] == pytest.approx(STAGE_NEUTRAL)
    order = [row.community_id for row in rank(brief(SCHOOL), features).rows]
    assert order.index(1) < order.index(2) < order.index(3)


def test_a_brief_for_parents_that_names_no_stage_or_not_for_parents_is_unchanged() -> None:
    features = build_features(catalog())
    for spec in (
        brief("מותג ישראלי של בגדי ילדים"),  # for parents, no stage
        brief(SCHOOL, topics=("education",)),  # a stage, but not a brief for parents
    ):
        table = score_catalog(spec, features)
        assert set(table.components[Component.AUDIENCE].tolist()) == {0.5}
        for row in rank(spec, features).rows:
            codes = {e.code for e in row.explanations}
            assert "audience_untargeted" in codes


def test_the_explanation_says_which_children_in_both_languages() -> None:
    features = build_features(catalog())
    rows = {row.community_id: row for row in rank(brief(SCHOOL), features).rows}

    def audience(cid: int) -> tuple[str, str]:
        e = next(e for e in rows[cid].explanations if e.code == "audience_fit")
        return e.en, e.he

    en, he = audience(1)
    assert "for parents of primary-school children, the children your brief names" in en
    assert "להורים לילדי בית ספר יסודי, הילדים שהבריף שלך מציין" in he
    en, he = audience(3)
    assert "for parents of babies, not of primary-school children" in en
    assert "להורים לתינוקות, לא לילדי בית ספר יסודי" in he
    en, he = audience(4)
    assert "does not say how old its members' children are" in en
    assert "נספר כניטרלי" in he
    en, _ = audience(7)
    assert "not a parents' group" in en


@pytest.mark.parametrize(
    "message", [SCHOOL, "לקראת הבגרויות: להורים לבני נוער", "Parents of newborn babies"]
)
def test_the_vectorised_and_reference_engines_agree_on_every_stage(message: str) -> None:
    features = build_features(catalog())
    spec = brief(message)
    table = score_catalog(spec, features)
    for ref in reference_scores(spec, features):
        i = features.index_of[ref.community_id]
        audience = ref.components[Component.AUDIENCE]
        assert table.components[Component.AUDIENCE][i] == pytest.approx(audience, abs=1e-12)
        assert table.total[i] == pytest.approx(ref.total, abs=1e-9)
    # The teenagers' brief: a babies' group is two stages away, a school one is a neighbour.
    if "נוער" in message:
        audience = table.components[Component.AUDIENCE]
        assert audience[features.index_of[3]] == pytest.approx(STAGE_OTHER)
        assert audience[features.index_of[1]] == pytest.approx(STAGE_ADJACENT)
