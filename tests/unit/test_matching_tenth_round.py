"""Issue 16, tenth round (docs/matching.md, "Issue 16, tenth round"), each rule on both sides:

- A brief for neighbouring cities of one region (Kfar Saba and Ra'anana, Tel Aviv and
  Givatayim) is a local brief, as a brief for one city is (``components.is_local_brief``);
  cities of different regions, or more than ``LOCAL_MAX_CITIES``, are not.
- A local brief's topic counts ``LOCAL_TOPIC_PLACE_SHARE`` = 0.35 by place (was 0.2).
- A professionals' group (``b2b_professionals``) counts half for a consumers' brief of its
  trade; a brief that names a profession or a professional topic keeps it whole
  (professions.py).
- Adults' ages a brief's words name ("בנות 50 עד 74", "over 70") are an age target (ages.py).
- A community's topic focus: its specific topics the brief does not credit take up to
  ``FOCUS_SHARE`` off its overlap (``components.topic_focus``).
- "شباب" (young people, often adults) is no youth cue; "مراهقين" (teenagers) still is.
"""

from __future__ import annotations

from typing import Any

import pytest

from campaigns.brief import BriefSpec, parse_brief
from campaigns.matching import build_features, rank, score_catalog
from campaigns.matching.ages import age_buckets, brief_age_buckets, named_age_range
from campaigns.matching.components import (
    FOCUS_SHARE,
    LOCAL_TOPIC_PLACE_SHARE,
    PROFESSIONALS_SHARE,
    audience_targets,
    focus_factor,
    is_local_brief,
    local_topic_factor,
    target_cities,
    topic_focus,
)
from campaigns.matching.professions import brief_for_professionals, names_professions
from campaigns.matching.reference import reference_scores
from campaigns.matching.topics import split_brief_topics
from tests.unit.matching_builders import community

pytestmark = pytest.mark.unit


def spec(**changes: Any) -> BriefSpec:
    data: dict[str, Any] = {
        "goal": "sales_leads",
        "title": "",
        "message": "",
        "topics": [],
        "languages": ["he"],
        "budget_minor": 1_000_000,
    }
    data.update(changes)
    return parse_brief(data)


def order(brief: BriefSpec, catalog: list[Any]) -> list[int]:
    return [r.community_id for r in rank(brief, build_features(catalog)).rows]


def topic_sentence(brief: BriefSpec, catalog: list[Any], cid: int) -> Any:
    row = next(r for r in rank(brief, build_features(catalog)).rows if r.community_id == cid)
    return next(e for e in row.explanations if e.component == "topic")


def same_as_reference(brief: BriefSpec, catalog: list[Any]) -> None:
    features = build_features(catalog)
    table = score_catalog(brief, features)
    for i, ref in enumerate(reference_scores(brief, features)):
        assert ref.total == pytest.approx(float(table.total[i]), abs=1e-9)


# --- Neighbouring cities of one region -------------------------------------------------------

KFAR_SABA = community(
    1, name="כפר סבא ממליצה", description="המלצות על בעלי מקצוע ועסקים בעיר",
    topics=("local",), region="center", city="כפר סבא", total_size=3000,
)  # fmt: skip
RAANANA = community(
    2, name="שכנים ברעננה", description="תושבי העיר: המלצות ואירועים",
    topics=("local",), region="center", city="רעננה", total_size=3000,
)  # fmt: skip
JEEPS = community(
    3, name="טיולי ג'יפים", description="טיולי שטח, מסלולים וציוד לרכב",
    topics=("travel",), region="nationwide", city="", total_size=12000,
)  # fmt: skip
NEIGHBOURS = [KFAR_SABA, RAANANA, JEEPS]
DRIVING = spec(
    title="שיעור נהיגה ראשון חינם",
    message="בית ספר לנהיגה בכפר סבא וברעננה: שיעור ראשון חינם",
    topics=["cars"],
    regions=["center"],
)


def test_a_brief_for_neighbouring_cities_of_one_region_is_local() -> None:
    cities = target_cities(DRIVING)
    assert cities == ("kfar_saba", "raanana")
    assert is_local_brief(DRIVING, cities)
    # The cities' own groups lead; the nationwide group a passing "car" word gave the brief's
    # topic does not.
    assert order(DRIVING, NEIGHBOURS)[:2] in ([1, 2], [2, 1])
    topic = score_catalog(DRIVING, build_features(NEIGHBOURS)).components["topic"]
    assert topic[2] < min(topic[0], topic[1])
    same_as_reference(DRIVING, NEIGHBOURS)


def test_without_the_rule_the_nationwide_group_outranked_a_city_s_residents(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("campaigns.matching.components.LOCAL_MAX_CITIES", 1)
    ranked = order(DRIVING, NEIGHBOURS)
    assert ranked.index(JEEPS.id) < ranked.index(KFAR_SABA.id)
    topic = score_catalog(DRIVING, build_features(NEIGHBOURS)).components["topic"]
    assert topic[2] > max(topic[0], topic[1])  # with the rule: below both (first test)


def test_cities_of_different_regions_or_too_many_are_not_local() -> None:
    two_regions = spec(message="סניפים בחיפה ובתל אביב", topics=["fitness"])
    assert not is_local_brief(two_regions, target_cities(two_regions))
    four = spec(message="סניפים בכפר סבא, ברעננה, בהוד השרון ובנתניה", topics=["fitness"])
    assert len(target_cities(four)) == 4
    assert not is_local_brief(four, target_cities(four))
    # A further region listed, or a content goal: not local either.
    wider = spec(message="בית ספר לנהיגה בכפר סבא וברעננה", regions=["center", "tel_aviv"])
    assert not is_local_brief(wider, target_cities(wider))
    content = spec(goal="employer_branding", message="משרדים בכפר סבא וברעננה")
    assert not is_local_brief(content, target_cities(content))


# --- A local brief's topic by place ----------------------------------------------------------


def test_a_local_brief_s_topic_counts_035_by_place() -> None:
    assert LOCAL_TOPIC_PLACE_SHARE == 0.35
    assert local_topic_factor(1.0) == pytest.approx(1.0)
    # A nationwide group whose region share is unknown (place 0.3): 0.65 + 0.35 x 0.3.
    assert local_topic_factor(0.3) == pytest.approx(0.755)
    assert local_topic_factor(0.1) == pytest.approx(0.685)


# --- Professionals' groups and consumers' briefs ---------------------------------------------

OWNERS = community(
    1, name="בעלי כלבים", description="בעלי כלבים: טיולים, וטרינרים ואוכל", topics=("pets",),
    total_size=3000,
)  # fmt: skip
TRAINERS = community(
    2, name="מאלפי כלבים מקצועיים", description="בעלי כלבים, אוכל לכלבים ושיטות אילוף",
    topics=("pets", "b2b_professionals"), total_size=9000, best_evidence=4,
)  # fmt: skip
PET_FOOD = spec(title="מזון לכלבים", message="מזון טבעי לכלבים במשלוח עד הבית", topics=["pets"])


def test_a_professionals_group_counts_half_for_a_consumers_brief() -> None:
    assert not brief_for_professionals(["pets"], PET_FOOD.title, PET_FOOD.message)
    assert order(PET_FOOD, [OWNERS, TRAINERS]) == [1, 2]
    sentence = topic_sentence(PET_FOOD, [OWNERS, TRAINERS], TRAINERS.id)
    assert "professionals of the trade and your brief is for its customers (counted at 50%)" in (
        sentence.en
    )
    assert "אנשי מקצוע בתחום" in sentence.he
    assert sentence.params["professionals"] == PROFESSIONALS_SHARE
    owners = topic_sentence(PET_FOOD, [OWNERS, TRAINERS], OWNERS.id)
    assert "professionals" not in owners.en
    same_as_reference(PET_FOOD, [OWNERS, TRAINERS])


def test_without_the_rule_the_trainers_led(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("campaigns.matching.scoring.PROFESSIONALS_SHARE", 1.0)
    assert order(PET_FOOD, [OWNERS, TRAINERS])[0] == TRAINERS.id


def test_a_brief_that_speaks_to_the_trade_keeps_its_professionals_whole() -> None:
    # It names the profession in its words, or a professional topic.
    for brief in (
        spec(title="כלי לניהול לקוחות", message="כלי חדש לרופאים וטרינרים", topics=["pets"]),
        spec(title="Round table", message="for product and UX designers", topics=["pets"]),
        spec(title="מזון לכלבים", message="לפנסיונים ולעסקים", topics=["pets", "small_business"]),
    ):
        features = build_features([OWNERS, TRAINERS])
        topic = score_catalog(brief, features).components["topic"]
        assert brief_for_professionals(
            split_brief_topics(brief.topics, brief.title, brief.message).weights,
            brief.title,
            brief.message,
        )
        # Whole but for the focus: the trainers are also about their trade (a broad topic,
        # which the focus does not read), so the two groups' overlaps are equal.
        assert topic[1] >= topic[0] - 0.3 * 1.0 - 1e-9
        sentence = topic_sentence(brief, [OWNERS, TRAINERS], TRAINERS.id)
        assert "professionals of the trade" not in sentence.en


def test_profession_words_in_four_languages_and_words_that_are_none() -> None:
    for text in ("מורות ומורים", "מעצבי פנים ואדריכלים", "security engineers", "для врачей",
                 "للمعلمين", "רואי חשבון ועורכי דין"):  # fmt: skip
        assert names_professions(text), text
    for text in ("בעלי כלבים וחתולים", "homeowners", "students", "צלמים חובבים", "parents"):
        assert not names_professions(text), text


# --- Adults' ages named in the words ---------------------------------------------------------


def test_ages_a_brief_names_in_four_languages() -> None:
    assert brief_age_buckets("", "לנשים בנות 50 עד 74") == ("45_54", "55_64", "65_plus")
    assert brief_age_buckets("", "חינם לבני 65 ומעלה") == ("65_plus",)
    assert brief_age_buckets("", "for people over 70 and their families") == ("65_plus",)
    assert brief_age_buckets("", "для пенсионеров старше 65") == ("65_plus",)
    assert brief_age_buckets("", "للنساء فوق 50.") == ("45_54", "55_64", "65_plus")
    assert brief_age_buckets("", "בני 60 פלוס") == ("55_64", "65_plus")
    assert named_age_range("age 25-34") == (25, 35)
    assert age_buckets(40, float("inf")) == ("35_44", "45_54", "55_64", "65_plus")


def test_numbers_that_are_no_adult_age() -> None:
    for text in (
        "בני 16.5 ומעלה מקבלים שיעור חינם",  # a child's age: the stages read it, and 16+ is all
        "kids aged 9-14",
        'בהזמנה מעל 400 ש"ח',
        'מעל 50 ש"ח',
        "a company with over 50 employees",
        "3 to 5 room apartments",
        "players 18 and over",  # every adult bucket: it prefers nobody
        "от 20 до 30 минут",
    ):
        assert brief_age_buckets("", text) == (), text


WOMEN_50 = community(
    1, name="נשים מדברות", description="נשים מדברות על בריאות", topics=("women", "health"),
    audience={"age": {"45_54": 5500, "55_64": 3500, "35_44": 1000}},
)  # fmt: skip
WOMEN_25 = community(
    2, name="נשים מתאמנות", description="נשים מדברות על בריאות", topics=("women", "health"),
    audience={"age": {"18_24": 3000, "25_34": 6000, "35_44": 1000}}, total_size=9000,
)  # fmt: skip
SCREENING = spec(
    goal="awareness",
    title="בדיקת ממוגרפיה",
    message="תזכורת לנשים בנות 50 עד 74 לקבוע בדיקה",
    topics=["health", "women"],
)


def test_an_age_the_words_name_is_an_age_target() -> None:
    assert ("age", ("45_54", "55_64", "65_plus")) in audience_targets(SCREENING)
    assert order(SCREENING, [WOMEN_25, WOMEN_50]) == [1, 2]
    row = next(r for r in rank(SCREENING, build_features([WOMEN_50])).rows)
    audience = next(e for e in row.explanations if e.component == "audience")
    assert "90% of its members are aged 45–54, 55–64 or 65+" in audience.en
    same_as_reference(SCREENING, [WOMEN_25, WOMEN_50])


def test_a_brief_that_targets_ages_itself_keeps_its_own_and_no_age_named_adds_none() -> None:
    own = spec(message="לנשים בנות 50 עד 74", audience={"age": ["25_34"]})
    assert [t for t in audience_targets(own) if t[0] == "age"] == [("age", ("25_34",))]
    plain = spec(message="תזכורת לנשים לקבוע בדיקה", topics=["health", "women"])
    assert not [t for t in audience_targets(plain) if t[0] == "age"]
    # Without an age named, the two groups' audience fit is the same (nothing is targeted).
    table = score_catalog(plain, build_features([WOMEN_25, WOMEN_50]))
    assert table.components["audience"][0] == table.components["audience"][1]


# --- Topic focus -----------------------------------------------------------------------------

ROAD = community(1, name="רצים", description="ריצות בוקר ואימונים", topics=("fitness",))
TRAIL = community(
    2, name="רצים", description="ריצות בוקר ואימונים", topics=("fitness", "travel"),
    total_size=9000, best_evidence=4,
)  # fmt: skip
PHYSIO = spec(title="פיזיותרפיה לרצים", message="בדיקה ראשונה חינם לרצים", topics=["fitness"])


def test_a_community_about_other_subjects_too_counts_less() -> None:
    features = build_features([ROAD, TRAIL])
    focus = topic_focus(("fitness", "travel"), ("fitness",), features.specificity)
    assert 0.4 < focus < 0.6  # two topics of like specificity
    assert focus_factor(focus) == pytest.approx(1 - FOCUS_SHARE * (1 - focus))
    assert order(PHYSIO, [ROAD, TRAIL]) == [1, 2]
    sentence = topic_sentence(PHYSIO, [ROAD, TRAIL], TRAIL.id)
    assert "it is also about travel" in sentence.en
    assert f"(counted at {round(focus_factor(focus) * 100)}%)" in sentence.en
    assert "עוסקת גם ב" in sentence.he
    assert "also about" not in topic_sentence(PHYSIO, [ROAD, TRAIL], ROAD.id).en
    same_as_reference(PHYSIO, [ROAD, TRAIL])


def test_without_the_focus_the_larger_group_led(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("campaigns.matching.components.FOCUS_SHARE", 0.0)
    assert order(PHYSIO, [ROAD, TRAIL])[0] == TRAIL.id


def test_broad_topics_and_the_brief_s_own_topics_take_nothing_off() -> None:
    features = build_features([ROAD, TRAIL])
    spec_of = features.specificity
    assert topic_focus(("fitness", "health", "local"), ("fitness",), spec_of) == 1.0
    assert topic_focus(("local", "culture"), ("fitness",), spec_of) == 1.0  # no specific topic
    assert topic_focus(("fitness", "travel"), ("fitness", "travel"), spec_of) == 1.0
    both = spec(title="טיולי ריצה", message='טיולי ריצה בחו"ל', topics=["fitness", "travel"])
    assert "also about" not in topic_sentence(both, [ROAD, TRAIL], TRAIL.id).en


# --- "شباب" -----------------------------------------------------------------------------------


def test_young_working_people_in_arabic_are_no_teenagers() -> None:
    found = split_brief_topics(["finance"], "", "نريد الوصول إلى العائلات والشباب العاملين")
    assert "youth" not in found.weights
    assert "youth" in split_brief_topics([], "", "برنامج للمراهقين في المدارس").weights


# --- Finance's facets, and a group of the brief's audience -----------------------------------

INVESTORS = community(
    1, name="משקיעים מתחילים", description="השקעות למתחילים: מניות וקרנות מחקות",
    topics=("finance",), total_size=45000, best_evidence=4,
)  # fmt: skip
INSURED = community(
    2, name="ביטוחים בשפה פשוטה", description="שאלות על ביטוח בריאות, ביטוח רכב וביטוח דירה",
    topics=("finance",), total_size=3000,
)  # fmt: skip
OWNERS_TAX = community(
    3, name="בעלי עסקים קטנים", description="בעלי עסקים קטנים ועצמאים: מיסים והנהלת חשבונות",
    topics=("finance", "b2b_professionals"), total_size=3000,
)  # fmt: skip
PET_INSURANCE = spec(
    title="ביטוח לכלבים", message="ביטוח בריאות לכלבים ולחתולים", topics=["finance", "pets"]
)


def test_a_finance_group_about_another_kind_of_finance_counts_half() -> None:
    from campaigns.matching.facets import brief_facets, facets

    assert facets("finance", "ביטוח נסיעות לתרמילאים") == {"insurance"}
    assert facets("finance", "Independent workers must pay into a pension") == {"pension"}
    assert facets("finance", "حساب بنكي رقمي بدون عمولات") == {"banking"}
    assert brief_facets(["finance"], PET_INSURANCE.title, PET_INSURANCE.message) == {
        "finance": frozenset({"insurance"})
    }
    assert order(PET_INSURANCE, [INVESTORS, INSURED]) == [2, 1]
    sentence = topic_sentence(PET_INSURANCE, [INVESTORS, INSURED], INVESTORS.id)
    assert "it is about investing, not the insurance your brief names (counted half)" in sentence.en
    same_as_reference(PET_INSURANCE, [INVESTORS, INSURED])


def test_a_brief_naming_no_kind_of_finance_leaves_its_groups_whole() -> None:
    plain = spec(title="כסף", message="אפליקציה לניהול כסף", topics=["finance"])
    from campaigns.matching.facets import brief_facets

    assert brief_facets(["finance"], plain.title, plain.message) == {}
    for cid in (INVESTORS.id, INSURED.id):
        assert "counted half" not in topic_sentence(plain, [INVESTORS, INSURED], cid).en


def test_a_group_of_the_brief_s_audience_is_not_halved_for_another_facet() -> None:
    # A pension review for the self-employed: small-business owners talk about taxes, not
    # pensions, but they are the brief's audience (small business, found in its words).
    pension = spec(
        title="בדיקת פנסיה לעצמאים",
        message="עצמאים חייבים להפריש לפנסיה: בדיקה חינם של הפנסיה",
        topics=["finance"],
    )
    from campaigns.matching.facets import audience_shared

    found = split_brief_topics(pension.topics, pension.title, pension.message).weights
    assert "small_business" in found
    assert audience_shared(found, ("finance", "small_business", "b2b_professionals"))
    assert not audience_shared(found, ("finance",))
    sentence = topic_sentence(pension, [INVESTORS, OWNERS_TAX], OWNERS_TAX.id)
    assert "counted half" not in sentence.en
    investors = topic_sentence(pension, [INVESTORS, OWNERS_TAX], INVESTORS.id)
    assert "not the pensions and provident funds your brief names (counted half)" in investors.en
    assert order(pension, [INVESTORS, OWNERS_TAX])[0] == OWNERS_TAX.id
    same_as_reference(pension, [INVESTORS, OWNERS_TAX])
