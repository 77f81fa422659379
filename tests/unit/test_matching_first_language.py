"""A bilingual group whose first language is not the brief's one language ranks below an
otherwise equal group whose first language it is (issue 16, sixth round;
``components.SECOND_LANGUAGE_FACTOR``). A brief in several languages, or in none, is unchanged."""

from __future__ import annotations

import pytest

from campaigns.brief import parse_brief
from campaigns.matching import build_features, rank
from campaigns.matching.components import SECOND_LANGUAGE_FACTOR, second_language_factor
from tests.unit.matching_builders import community

pytestmark = pytest.mark.unit

HEBREW_FIRST = community(1, languages=("he", "en"))
ENGLISH_FIRST = community(2, languages=("en", "he"))


def order(languages: list[str]) -> list[int]:
    spec = parse_brief(
        {"goal": "awareness", "title": "עגלות", "message": "עגלה לתינוקות", "topics": ["parenting"],
         "languages": languages, "budget_minor": 1_000_000}
    )  # fmt: skip
    return [r.community_id for r in rank(spec, build_features([ENGLISH_FIRST, HEBREW_FIRST])).rows]


def test_the_group_whose_first_language_is_the_briefs_ranks_first() -> None:
    assert order(["he"]) == [1, 2]
    spec = parse_brief(
        {"goal": "awareness", "title": "t", "message": "m", "languages": ["he"], "budget_minor": 1}
    )
    assert second_language_factor(spec, ("en", "he")) == SECOND_LANGUAGE_FACTOR < 1
    assert second_language_factor(spec, ("he", "en")) == 1


def test_a_brief_in_both_languages_keeps_them_equal() -> None:
    # Equal scores: ties go by community id.
    assert order(["he", "en"]) == [1, 2]
    spec = parse_brief(
        {
            "goal": "awareness",
            "title": "t",
            "message": "m",
            "languages": ["he", "en"],
            "budget_minor": 1,
        }
    )
    assert second_language_factor(spec, ("en", "he")) == 1
