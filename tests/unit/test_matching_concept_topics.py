"""A brief's audience named only in its message (issue 16, eighth round; ``glossary.csv``'s
``topic`` column, ``glossary.concept_topics``, ``topics.split_brief_topics``).

A brief filed under an umbrella ("deals", "tech", "finance", "health") whose message says who it
is for — babies and toddlers, dogs and cats, runners — lost that audience: the topic cues only
know the vocabulary audiences (olim, seniors, students…), so every deals channel matched a
car-seat brief fully and the parents' groups not at all. Glossary concepts that name an audience
now carry the catalog topic of that audience (babies -> parenting, dogs -> pets, running ->
fitness), in the four languages and their inflections; the topic counts as one found in the
brief's words (half weight, at most the lightest named topic). And the longer phrase wins: a cue
or concept inside a longer concept's phrase is that concept's ("car seats" are no word about cars,
"אובדן כושר עבודה" — disability insurance — is neither fitness nor the disabled audience)."""

from __future__ import annotations

import pytest

from campaigns.brief import BriefSpec, parse_brief
from campaigns.matching import build_features, rank, score_catalog
from campaigns.matching.glossary import concept_topics, load_glossary
from campaigns.matching.reference import reference_scores
from campaigns.matching.scoring import brief_topic_weights
from campaigns.matching.text import normalise
from campaigns.matching.topics import (
    CONCEPT_WEIGHT,
    DETECTED_WEIGHT,
    _found_topics,
    split_brief_topics,
)
from tests.unit.matching_builders import community

pytestmark = pytest.mark.unit


def found(topics: list[str], title: str, message: str = "") -> dict[str, float]:
    return split_brief_topics(topics, title, message).weights


@pytest.mark.parametrize(
    ("title", "topic"),
    [
        ("כיסאות בטיחות לתינוקות ולפעוטות", "parenting"),
        ("עגלות תינוק במבצע", "parenting"),
        ("Diapers and strollers on sale", "parenting"),
        ("للرضع والأطفال الصغار", "parenting"),
        ("подгузники и коляски", "parenting"),
        ("מזון לכלבים ולחתולים", "pets"),
        ("Insurance for dogs and cats", "pets"),
        ("طعام للقطط والكلاب", "pets"),
        ("корм для собак и кошек", "pets"),
        ("Physio for runners and cyclists", "fitness"),
        ("שיעורי פילאטיס ויוגה", "fitness"),
    ],
)
def test_a_message_names_its_audience_in_four_languages(title: str, topic: str) -> None:
    weights = found(["consumer_deals"], title)
    assert weights[topic] == CONCEPT_WEIGHT == 1.0
    assert weights["consumer_deals"] == 1.0


def test_passing_words_about_children_or_parents_find_no_topic() -> None:
    # "children", "parents", "mothers" appear in passing in many briefs (flexible hours for
    # parents, a family clinic for children and adults): only words that name an audience of
    # young children count (measured: the general words cost three briefs).
    assert "parenting" not in found(["careers"], "משרות", "משרות גמישות להורים ולאמהות")
    assert "parenting" not in found(["health"], "Family clinic", "for children and adults")
    assert "parenting" in found(["careers"], "משרות", "משרות גמישות להורים לתינוקות")


def test_the_longer_phrase_wins_over_a_word_inside_it() -> None:
    assert "cars" not in found(["consumer_deals"], "מבצע על כיסאות בטיחות לרכב")
    assert "cars" not in found(["consumer_deals"], "Car seats on sale")
    assert "cars" in found(["finance"], "ביטוח לרכב")  # a car alone is still a car
    assert "cars" in found(["finance"], "Insurance for car owners")
    disability = found(["finance"], "ביטוח אובדן כושר עבודה לעצמאים")
    assert "fitness" not in disability
    assert "disability" not in disability
    assert disability["small_business"] == DETECTED_WEIGHT
    assert "disability" not in found(["finance"], "disability insurance for freelancers")
    assert "disability" in found(["tech"], "accessibility for people with disabilities")
    assert "fitness" in found(["consumer_deals"], "חדר כושר חדש בשכונה")


def test_concept_topics_reports_the_words_a_phrase_covers() -> None:
    words = normalise("כיסאות בטיחות לרכב לתינוקות").split()
    topics, covered = concept_topics(words)
    assert topics == {"parenting"}
    assert {words[i] for i in covered} >= {"כיסאות", "בטיחות", "לרכב"}
    # the ninth round adds travel, careers and fashion (test_matching_ninth_round.py)
    assert all(
        c.topic
        in {
            None,
            "parenting",
            "pets",
            "fitness",
            "finance",
            "travel",
            "careers",
            "fashion",
            "sustainability",
        }
        for c in load_glossary()
    )


def test_a_concept_s_audience_weighs_as_named_and_a_cue_s_stays_capped() -> None:
    features = build_features(CATALOG)
    weights = brief_topic_weights(brief(), features).weights
    # parenting (one community of nine) is not capped at the deals channel's weight
    assert weights["parenting"] == pytest.approx(features.specificity("parenting"))
    assert weights["parenting"] > weights["consumer_deals"]
    # a vocabulary cue in passing ("suits students") still weighs at most a named topic
    students = parse_brief(
        {"goal": "awareness", "title": "מבצע", "message": "מתאים גם לסטודנטים",
         "topics": ["consumer_deals"], "languages": ["he"], "budget_minor": 1_000_000}
    )  # fmt: skip
    capped = brief_topic_weights(students, features).weights
    assert capped["students"] <= capped["consumer_deals"]


PARENTS = community(
    1, name="הורים לתינוקות", description="הורים לתינוקות ופעוטות ממליצים על ציוד", total_size=300
)
DEALS = community(
    2,
    name="דילים ומבצעים",
    description="מבצעים יומיים בסופר, אלקטרוניקה ואופנה",
    topics=("consumer_deals",),
    total_size=9000,
    best_evidence=4,
)
CARS = community(
    3, name="חובבי רכב", description="נהגים, טיפולים ואביזרים", topics=("cars",), total_size=3000
)
CATALOG = [
    PARENTS,
    DEALS,
    CARS,
    *[community(10 + i, name=f"ספורט {i}", description="ריצה", topics=("fitness",))
      for i in range(6)],
]  # fmt: skip


def brief() -> BriefSpec:
    return parse_brief(
        {
            "goal": "awareness",
            "title": "מבצע על כיסאות בטיחות לרכב",
            "message": "כיסאות בטיחות לתינוקות ולפעוטות בהנחה של 30%",
            "topics": ["consumer_deals"],
            "languages": ["he"],
            "budget_minor": 1_000_000,
        }
    )


def order() -> list[int]:
    return [r.community_id for r in rank(brief(), build_features(CATALOG)).rows]


def test_the_parents_group_outranks_the_deals_channel_and_the_car_lovers() -> None:
    ranked = order()
    assert ranked.index(PARENTS.id) < ranked.index(DEALS.id)
    assert ranked.index(PARENTS.id) < ranked.index(CARS.id)
    row = next(r for r in rank(brief(), build_features(CATALOG)).rows if r.community_id == 1)
    topic = next(e for e in row.explanations if e.component == "topic")
    # The sentence names the audience as a topic of the brief, in both languages.
    assert "parenting and family — topics of your brief" in topic.en
    assert "הורות ומשפחה — נושאי הבריף שלך" in topic.he


def test_without_the_glossary_s_topics_the_deals_channel_won(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        "campaigns.matching.topics.concept_topics", lambda words: (frozenset(), frozenset())
    )
    _found_topics.cache_clear()  # the brief's words were read with the concepts
    try:
        ranked = order()
    finally:
        _found_topics.cache_clear()
    assert ranked.index(DEALS.id) < ranked.index(PARENTS.id)


def test_the_reference_engine_agrees() -> None:
    features = build_features(CATALOG)
    table = score_catalog(brief(), features)
    index = {int(cid): i for i, cid in enumerate(features.ids)}
    for ref in reference_scores(brief(), features):
        assert ref.total == pytest.approx(float(table.total[index[ref.community_id]]), abs=1e-9)
