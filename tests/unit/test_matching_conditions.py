"""Which health condition (issue 16, fifth round; campaigns/matching/conditions.py): a brief
about one condition reaches the patients' groups of that condition, not every patients' group
that shares its broad "health" and "patients" topics; and a brief that names a condition is
about health even when it is filed under other topics, so the condition's own group counts
whole. On both sides: what must now count half, and what must still count whole."""

from __future__ import annotations

import pytest

from campaigns.brief import BriefSpec, RegulatedCategory, parse_brief
from campaigns.matching import CommunityRecord, build_features, rank, score_catalog
from campaigns.matching.components import PATIENTS_OFF_TOPIC_SHARE, TOPIC_OVERLAP_SHARE
from campaigns.matching.conditions import brief_conditions, detect_conditions
from campaigns.matching.reference import reference_scores
from tests.unit.matching_builders import community

pytestmark = pytest.mark.unit

HEALTH = (RegulatedCategory.HEALTH,)


def patients(cid: int, name: str, description: str, **changes: object) -> CommunityRecord:
    return community(
        cid,
        name=name,
        description=description,
        topics=("health", "patients"),
        sensitive_flags=("health",),
        regulated_allowed=HEALTH,
        **changes,
    )


DIABETES = patients(1, "חיים עם סוכרת", "תמיכה לחולי סוכרת סוג 2: מדידות, תרופות ותזונה.")
FIBRO = patients(2, "Fibromyalgia Support", "People living with fibromyalgia and chronic pain.")
UNNAMED = patients(3, "מתמודדים יחד", "קבוצת תמיכה למטופלים ובני משפחותיהם: זכויות ושיתוף.")
INTEREST = community(
    4,
    name="חרדה? לא אצלנו – יוגה ונשימה",
    description="מתעניינים בנשימה ומדיטציה",
    topics=("health",),
    sensitive_flags=("health_interest",),
    regulated_allowed=HEALTH,
)


def brief(title: str, message: str, topics: list[str], **fields: object) -> BriefSpec:
    data: dict[str, object] = {
        "goal": "expert_session",
        "title": title,
        "message": message,
        "topics": topics,
        "languages": ["he", "en"],
        "budget_minor": 1_000_000,
    }
    data.update(fields)
    return parse_brief(data)


DIABETES_BRIEF = brief(
    "Eating well with type 2 diabetes",
    "A dietitian answers questions on meal planning for people with diabetes.",
    ["health", "patients"],
    regulated=["health"],
)


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("חיים עם סוכרת סוג 2", "diabetes"),
        ("לחולי סוכרת", "diabetes"),
        ("Советы для диабетиков", "diabetes"),
        ("دعم لمرضى السكري", "diabetes"),
        ("הורים לילדים עם הפרעת קשב וריכוז", "adhd"),
        ("ולילדים על הרצף האוטיסטי", "autism"),
        ("Living with fibromyalgia", "chronic_pain"),
        ("מתמודדות עם סרטן השד", "cancer"),
        ("התקפי חרדה ופאניקה", "anxiety"),
        ("בני משפחה של חולי אלצהיימר", "dementia"),
    ],
)
def test_a_condition_is_read_in_four_languages_and_through_inflections(
    text: str, condition: str
) -> None:
    assert condition in detect_conditions(text)


@pytest.mark.parametrize(
    "text",
    [
        "מתכונים דלי סוכר למי ששומר על רמת הסוכר",  # sugar, not diabetes
        "a swimming stroke clinic",
        "recovery after a marathon",
        "add a comment",
        "ספרים לילדים",
    ],
)
def test_words_that_are_not_a_condition_name_none(text: str) -> None:
    assert detect_conditions(text) == frozenset()


def test_patients_groups_about_other_conditions_count_half_for_a_brief_about_one() -> None:
    features = build_features([DIABETES, FIBRO, UNNAMED, INTEREST])
    assert brief_conditions(DIABETES_BRIEF.title, DIABETES_BRIEF.message) == {"diabetes"}
    table = score_catalog(DIABETES_BRIEF, features)
    topic = table.components["topic"]
    text = {
        i: (topic[i] - TOPIC_OVERLAP_SHARE) / (1 - TOPIC_OVERLAP_SHARE) for i in (0, 2)
    }  # the full-overlap rows' text part
    # The diabetes group and the group that names no condition keep the whole overlap...
    assert topic[0] == pytest.approx(TOPIC_OVERLAP_SHARE + (1 - TOPIC_OVERLAP_SHARE) * text[0])
    assert topic[2] == pytest.approx(TOPIC_OVERLAP_SHARE + (1 - TOPIC_OVERLAP_SHARE) * text[2])
    # ...the fibromyalgia group's counts half (same topics, other condition).
    assert topic[1] < TOPIC_OVERLAP_SHARE * PATIENTS_OFF_TOPIC_SHARE + (1 - TOPIC_OVERLAP_SHARE)
    assert topic[1] < topic[2]
    rows = {r.community_id: r for r in rank(DIABETES_BRIEF, features).rows}
    assert list(rows)[0] == 1
    said = next(e for e in rows[2].explanations if e.component == "topic")
    assert "health condition your brief is not about (counted half)" in said.en
    assert "נספר בחצי" in said.he
    for cid in (1, 3, 4):  # the brief's condition, none named, not a patients' group
        said = next(e for e in rows[cid].explanations if e.component == "topic")
        assert "counted half" not in said.en
    # The reference engine agrees.
    for i, ref in enumerate(reference_scores(DIABETES_BRIEF, features)):
        assert ref.total == pytest.approx(float(table.total[i]), abs=1e-9)


def test_a_health_interest_group_naming_another_condition_is_not_halved() -> None:
    # Only patients' groups (effective flag "health") are read for their condition: a yoga
    # group whose name says "anxiety" is people interested in a health topic. The same group
    # flagged as patients would count half.
    as_patients = community(
        5,
        name=INTEREST.name,
        description=INTEREST.description,
        topics=INTEREST.topics,
        sensitive_flags=("health",),
        regulated_allowed=HEALTH,
    )
    features = build_features([INTEREST, as_patients])
    topic = score_catalog(DIABETES_BRIEF, features).components["topic"]
    assert "anxiety" in detect_conditions(INTEREST.name)
    # Same words, same text fit: the gap is the halved overlap of the patients' version.
    assert topic[0] > topic[1] + 0.05


def test_a_brief_that_names_a_condition_is_about_health_whatever_its_topics() -> None:
    # An ADHD coach's session for parents, filed under parenting and education: before, no
    # health topic meant every patients' group counted half — the ADHD parents' group too.
    adhd = community(
        5,
        name="הורים לילדים עם ADHD",
        description="הורים לילדים עם הפרעת קשב וריכוז: טיפול, בית ספר ותמיכה.",
        topics=("parenting", "education"),
        sensitive_flags=("health",),
    )
    autism = community(
        6,
        name="הורים לילדים על הרצף",
        description="הורים לילדים על הרצף האוטיסטי: אבחון, חינוך מיוחד ותמיכה.",
        topics=("parenting", "education"),
        sensitive_flags=("health",),
    )
    features = build_features([adhd, autism])
    session = brief(
        "הפרעת קשב: מומחית עונה להורים",
        "מאמנת הורים עונה על שאלות של הורים לילדים עם הפרעת קשב וריכוז.",
        ["parenting", "education"],
    )
    topic = score_catalog(session, features).components["topic"]
    assert topic[0] > TOPIC_OVERLAP_SHARE * 0.99  # whole overlap: the brief's condition
    assert topic[1] < TOPIC_OVERLAP_SHARE * PATIENTS_OFF_TOPIC_SHARE + (1 - TOPIC_OVERLAP_SHARE)
    # A brief for parents that names no condition still counts every patients' group half.
    bags = brief("תיקי גב", "תיקים לילדי בית ספר יסודי", ["parenting", "education"])
    topic = score_catalog(bags, features).components["topic"]
    assert max(topic) < TOPIC_OVERLAP_SHARE * PATIENTS_OFF_TOPIC_SHARE + (1 - TOPIC_OVERLAP_SHARE)
