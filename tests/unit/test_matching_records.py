"""Community records read and write as readable JSON; text normalisation for Hebrew."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaigns.brief import RegulatedCategory
from campaigns.matching import (
    CommunityRecord,
    PlacementOffer,
    build_features,
    records_from_json,
    records_to_json,
)
from campaigns.matching.text import TOPIC_WORDS, CharNgramTfidf, normalise, word_ngrams
from marketplace.catalog.vocab import TOPICS
from pricing.taxonomy import PlacementType, Platform

pytestmark = pytest.mark.unit


def test_records_round_trip_through_json(tmp_path: Path) -> None:
    record = CommunityRecord(
        id=7,
        name="אמהות טריות",
        tags=("הנקה",),
        topics=("parenting",),
        languages=("he", "en"),
        regulated_allowed=(RegulatedCategory.HEALTH,),
        audience={"gender": {"female": 9000, "male": 1000}},
        platforms=(Platform.WHATSAPP_COMMUNITY,),
        offers=(PlacementOffer(PlacementType.POST, 25_000, 10_000, 30_000, 60_000, 400),),
        health_score=81.5,
        past_performance=None,
    )
    text = records_to_json([record], tmp_path / "catalog.json")
    assert "אמהות טריות" in text  # readable, not \u-escaped
    assert records_from_json(tmp_path / "catalog.json") == [record]
    assert records_from_json(text) == [record]
    assert record.offer(PlacementType.POST) is record.offers[0]
    assert record.offer(PlacementType.STORY) is None


def test_bad_catalogs_are_refused() -> None:
    with pytest.raises(ValueError, match="JSON array"):
        records_from_json('{"id": 1}')
    with pytest.raises(ValueError, match="audience dimension"):
        records_from_json('[{"id": 1, "name": "x", "audience": {"shoe_size": {"42": 10000}}}]')
    with pytest.raises(ValueError, match="unique"):
        build_features([CommunityRecord(id=1, name="a"), CommunityRecord(id=1, name="b")])


def test_hebrew_normalisation_strips_niqqud_folds_finals_and_expands_prefixes() -> None:
    assert normalise("שָׁלוֹם") == "שלומ"
    assert normalise("נדל\"ן, צ'יפס!") == "נדלנ ציפס"
    assert normalise("ולהורים") == "ולהורימ להורימ"
    assert normalise("ורד") == "ורד"  # too short to be a prefixed word
    assert normalise("Running_Club") == "running club"


def test_ngrams_match_scikit_learn_char_wb() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["ריצה ומרתון בתל אביב", "running club", "a", "", "הורים לתינוקות והורות"]
    mine = CharNgramTfidf()
    ours = mine.fit_transform(texts)
    theirs = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 4),
        preprocessor=normalise,
        lowercase=False,
        sublinear_tf=True,
    )
    expected = theirs.fit_transform(texts)
    columns = [theirs.vocabulary_[g] for g in mine.vocabulary]
    assert abs(ours - expected[:, columns]).max() < 1e-12
    assert word_ngrams("ab", 2, 4) == [" a", "ab", "b ", " ab", "ab ", " ab "]
    assert mine.transform([""]).nnz == 0


def test_topic_words_cover_the_catalog_vocabulary() -> None:
    assert set(TOPIC_WORDS) == set(TOPICS)
