"""The demo catalog reads in one language per community."""

from __future__ import annotations

import re

from marketplace.catalog import demo

HEBREW = re.compile(r"[\u0590-\u05ff]")


def test_an_english_only_demo_community_is_described_in_english() -> None:
    """A Hebrew reader of the catalog met 'meetups around עבודה בהייטק.': an English sentence
    with the Hebrew theme dropped into it, drawn in the wrong order on a right-to-left page."""
    english = [
        spec.community
        for spec in demo.generate(120, plain=True)
        if spec.community.name_he is None and spec.community.name_en
    ]
    assert len(english) > 3
    for community in english:
        assert not HEBREW.search(community.description), community.description


def test_a_demo_place_with_the_definite_article_reads_as_hebrew_after_in() -> None:
    """The owner's dashboard listed "חוסכים חכם בהגליל": Hebrew drops the ה after ב ("בגליל")."""
    names = [
        spec.community.name_he
        for spec in demo.generate(200, plain=True)
        if spec.community.name_he and spec.community.name_he.endswith(("גליל", "שרון"))
    ]
    assert names
    for name in names:
        assert " בה" not in name, name
        assert name.endswith((" בגליל", " בשרון")), name


def _women(spec: object) -> int:
    shares = spec.community.audience  # type: ignore[attr-defined]
    return next(a.share_bp for a in shares if a.dimension == "gender" and a.bucket == "female")


def test_a_demo_group_named_for_its_members_gender_has_that_audience() -> None:
    """The fathers' group "אבות בשטח" was seeded 80% women: its theme's (parenting) share."""
    specs = list(demo.generate(400, plain=True))
    named = {
        "fathers": [s for s in specs if (s.community.name_he or "").startswith("אבות בשטח")],
        "women": [s for s in specs if (s.community.name_he or "").startswith("נשים בהייטק")],
    }
    assert named["fathers"]
    assert named["women"]
    assert all(_women(s) <= 3_500 for s in named["fathers"])
    assert all(_women(s) >= 7_000 for s in named["women"])
    # The rest of a theme keeps its share: young parents' groups stay mostly mothers.
    parents = [s for s in specs if (s.community.name_he or "").startswith("הורים צעירים")]
    assert parents
    assert sum(_women(s) for s in parents) / len(parents) >= 6_500


def test_a_demo_group_named_in_both_languages_says_the_same_in_each() -> None:
    """The group "אבות בשטח בחיפה" was "Twin Parents Haifa" in English: the two names were drawn
    apart."""
    stems = {stem for theme in demo.THEMES for stem in theme[1]}
    assert stems == set(demo.ENGLISH_STEM)
    both = [
        spec.community
        for spec in demo.generate(300, plain=True)
        if spec.community.name_he and spec.community.name_en
    ]
    assert len(both) > 50
    for community in both:
        stem = next(s for s in stems if community.name_he.startswith(f"{s} "))
        assert community.name_en.startswith(f"{demo.ENGLISH_STEM[stem]} "), community.name_en
