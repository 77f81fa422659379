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
