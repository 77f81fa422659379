"""Text fit across languages: the brief's words translated by the market glossary
(campaigns/matching/glossary.py), on both sides — the right community in the other language is
found, an unrelated one is not lifted, and the community's own words are never changed."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from campaigns.brief import BriefSpec, parse_brief
from campaigns.matching import CommunityRecord, PlacementOffer, build_features, rank, score_catalog
from campaigns.matching.components import TEXT_COS_FULL, TRANSLATED_MAX_DF, TRANSLATED_WEIGHT
from campaigns.matching.features import own_text
from campaigns.matching.glossary import LANGUAGES, found_concepts, load_glossary, translate
from campaigns.matching.reference import reference_scores
from campaigns.matching.scoring import brief_query
from pricing.taxonomy import PlacementType, Platform

pytestmark = pytest.mark.unit


def community(cid: int, name: str, description: str, **changes: object) -> CommunityRecord:
    base = CommunityRecord(
        id=cid,
        name=name,
        description=description,
        topics=("home_garden",),
        languages=("he",),
        region="center",
        platforms=(Platform.WHATSAPP_GROUP,),
        offers=(PlacementOffer(PlacementType.POST, 20_000, value_p50_minor=30_000),),
        total_size=1000,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def brief(title: str, message: str, **fields: object) -> BriefSpec:
    data: dict[str, object] = {
        "goal": "awareness",
        "title": title,
        "message": message,
        "topics": [],
        "languages": ["he", "en"],
        "budget_minor": 100_000,
    }
    data.update(fields)
    return parse_brief(data)


SOLAR_HE = community(
    1, "בעלי בתים – פאנלים סולאריים", "בעלי בתים פרטיים מחליפים המלצות על חשמל וסוללות"
)
RUNNERS_HE = community(2, "רצים בפארק", "ריצה בבוקר ואימונים קבוצתיים", topics=("fitness",))
SHOES_EN = community(
    3, "Parents of Little Ones", "English-speaking parents of toddlers swap tips on kids' shoes",
    topics=("parenting",), languages=("en", "he"),
)  # fmt: skip
CHESS_EN = community(
    4, "Chess Club", "Weekly chess tournaments, openings and endgames", topics=("gaming",)
)
SOLAR_BRIEF = brief("Home solar", "Rooftop solar panels and home batteries for homeowners")
SHOES_BRIEF = brief("נעלי ילדים", "נעליים נוחות לילדים ולפעוטות, רוצים שהורים יכירו")


def test_the_glossary_translates_a_brief_word_into_the_other_languages_only() -> None:
    out = translate("rooftop solar panels")
    assert "סולארית" in out
    assert "солнечные" in out
    assert "طاقة شمسية" in out
    assert "solar" not in out.split()  # not the brief's own language
    assert "shoes" in translate("נעלי ילדים").split()  # the reverse direction, construct form
    assert translate("quarterly board minutes") == ""  # words it does not know add nothing
    # Every row names its concept in English and Hebrew at least.
    assert all(c.forms["en"] and c.forms["he"] for c in load_glossary())
    assert set(LANGUAGES) == {"en", "he", "ar", "ru"}


def test_a_long_form_matches_the_words_it_starts_a_short_one_only_whole_words() -> None:
    assert found_concepts("probiotics") == found_concepts("probiotic")  # 5+ letters: prefix
    assert found_concepts("gut")
    assert not found_concepts("gutter")


def test_an_english_brief_finds_the_hebrew_community_and_lifts_no_unrelated_one() -> None:
    features = build_features([SOLAR_HE, RUNNERS_HE, CHESS_EN])
    table = score_catalog(SOLAR_BRIEF, features)
    assert table.cosine[0] == 0.0  # no shared word in their own texts
    assert table.translated is not None
    assert table.translated[0] > 0.05
    assert table.components["topic"][0] > 0
    # Unrelated communities (Hebrew runners, an English chess club) share at most stray
    # n-grams with the translation, far less than the right community does.
    for unrelated in (1, 2):
        assert table.translated[unrelated] < table.translated[0] / 3
    assert [r.community_id for r in rank(SOLAR_BRIEF, features).rows][0] == 1


def test_a_hebrew_brief_finds_the_english_community_and_lifts_no_unrelated_one() -> None:
    features = build_features([SHOES_EN, CHESS_EN, RUNNERS_HE])
    table = score_catalog(SHOES_BRIEF, features)
    assert table.cosine[0] < 0.02  # only stray n-grams in common
    assert table.translated is not None
    assert table.translated[0] > 0.1
    for unrelated in (1, 2):  # the chess club and the runners are not lifted
        assert table.translated[unrelated] < table.translated[0] / 3


def test_a_translation_counts_at_a_reduced_weight_and_never_adds_to_own_words() -> None:
    features = build_features([SOLAR_HE, RUNNERS_HE])
    table = score_catalog(SOLAR_BRIEF, features)
    assert table.translated is not None
    # The translated query is a unit vector like the brief's own: its cosine is at most 1.
    assert 0 < table.translated[0] <= TRANSLATED_WEIGHT
    text = min(1.0, max(table.cosine[0], table.translated[0]) / TEXT_COS_FULL)
    assert table.components["topic"][0] == pytest.approx(text)  # no topics: text only
    # The same brief written in Hebrew scores on its own words, and the larger side counts.
    hebrew = brief("סולארית ביתית", "פאנלים סולאריים וסוללות לבעלי בתים")
    own = score_catalog(hebrew, features)
    assert own.cosine[0] >= own.translated[0]  # type: ignore[index]
    # The community's text is its own words only (nothing from the glossary was appended).
    assert own_text(SOLAR_HE) == " ".join(
        [SOLAR_HE.name, SOLAR_HE.description, "", "", "", "", "", ""]
    )


def test_the_reference_engine_reads_the_translation_the_same_way() -> None:
    features = build_features([SOLAR_HE, RUNNERS_HE, CHESS_EN, SHOES_EN])
    for b in (SOLAR_BRIEF, SHOES_BRIEF):
        table = score_catalog(b, features)
        for ref in reference_scores(b, features):
            i = features.index_of[ref.community_id]
            assert ref.components["topic"] == pytest.approx(table.components["topic"][i], abs=1e-9)


def test_the_explanation_says_when_the_text_fit_came_from_a_translation() -> None:
    features = build_features([SOLAR_HE, RUNNERS_HE])
    row = rank(SOLAR_BRIEF, features).rows[0]
    topic = next(e for e in row.explanations if e.component == "topic")
    assert topic.params["translated"] is True
    assert topic.en.endswith("match for your message in translation.")
    assert topic.he.endswith("להודעה שלך בתרגום.")
    hebrew = brief("סולארית ביתית", "פאנלים סולאריים וסוללות לבעלי בתים")
    own = next(e for e in rank(hebrew, features).rows[0].explanations if e.component == "topic")
    assert own.params["translated"] is False
    assert "translation" not in own.en
    assert "בתרגום" not in own.he


def test_a_hebrew_brief_for_new_immigrants_finds_the_russian_group_not_the_pensioners() -> None:
    olim_ru = community(
        5, "Новые репатрианты", "Вопросы и ответы для новых репатриантов: работа, иврит, ульпан",
        topics=("careers",), languages=("ru", "he"),
    )  # fmt: skip
    pensioners_ru = community(
        6, "Пенсионеры Хайфы", "Клуб пенсионеров: концерты и прогулки", topics=("seniors",),
        languages=("ru",),
    )  # fmt: skip
    b = brief("דרושים נציגי שירות", "מוקד שירות מגייס עולים חדשים דוברי רוסית, עם קורס עברית")
    table = score_catalog(b, build_features([olim_ru, pensioners_ru, RUNNERS_HE]))
    assert table.translated is not None
    assert table.translated[0] > 3 * table.translated[1]
    assert table.components["topic"][0] > table.components["topic"][1]


def test_on_a_large_catalog_the_translation_skips_its_most_common_n_grams() -> None:
    """Speed bound: n-grams in more than TRANSLATED_MAX_DF of a catalog over the stop-n-gram
    floor are not read for the translation; a small catalog keeps every n-gram."""
    small = build_features([SOLAR_HE, RUNNERS_HE])
    full = brief_query(SOLAR_BRIEF, small, translated=True)
    floor = replace(small.text_config, max_df_floor=1)  # as if the catalog were large
    large = replace(small, text_config=floor)
    cut = brief_query(SOLAR_BRIEF, large, translated=True)
    df = np.diff(small.text_csc.indptr)
    assert len(cut.columns) < len(full.columns)
    assert set(cut.columns) <= set(full.columns)
    assert all(df[c] <= max(TRANSLATED_MAX_DF * len(small), 1) for c in cut.columns)
