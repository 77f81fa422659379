"""Numbers, ranges and the other language's words are isolated in right-to-left text."""

from __future__ import annotations

from marketplace.bidi import FSI, LRI, PDI, bdi, isolate, isolate_ltr, ltr, num_range, text_range


def test_plain_text_gets_unicode_isolates() -> None:
    assert isolate("Park Runners") == f"{FSI}Park Runners{PDI}"
    assert isolate_ltr("noa@example.com") == f"{LRI}noa@example.com{PDI}"
    assert text_range(210, "1,261") == f"{LRI}210–1,261{PDI}"


def test_html_isolates_escape_what_they_wrap() -> None:
    assert str(bdi("<b>רצים</b>")) == "<bdi>&lt;b&gt;רצים&lt;/b&gt;</bdi>"
    assert str(ltr("(P10–P90)")) == '<bdi dir="ltr">(P10–P90)</bdi>'
    assert str(num_range(25, 34)) == '<bdi dir="ltr" class="range">25–34</bdi>'
    assert str(num_range("<i>", 1)) == '<bdi dir="ltr" class="range">&lt;i&gt;–1</bdi>'


def test_ranges_inside_an_engine_sentence_become_left_to_right_units() -> None:
    """ "גיל: 45–54 ו-55–64" showed "54–45" on the plan page: the sentence comes whole."""
    from marketplace.bidi import ltr_ranges

    html = str(ltr_ranges("גיל: 45–54 ו-55–64. (P10–P90 1,166–9,583) <b>"))
    assert '<bdi dir="ltr" class="range">45–54</bdi> ו-' in html
    assert '<bdi dir="ltr" class="range">55–64</bdi>.' in html  # the full stop stays outside
    assert '<bdi dir="ltr" class="range">P10–P90</bdi>' in html
    assert '<bdi dir="ltr" class="range">1,166–9,583</bdi>' in html
    assert "&lt;b&gt;" in html  # the rest is escaped
    assert str(ltr_ranges("אבות בשטח – ראשון")) == "אבות בשטח – ראשון"  # a dash between words
    assert '<bdi dir="ltr" class="range">08:00–17:00</bdi>' in str(
        ltr_ranges("לדוגמה: 08:00–17:00")
    )


def test_a_hebrew_prefix_stays_joined_to_the_latin_word_or_figure_it_prefixes() -> None:
    """ "ב-P90)." broke after its hyphen in the plan's table, leaving "ב-" at a line's end."""
    from marketplace.bidi import WORD_JOINER, ltr_ranges

    html = str(ltr_ranges("לכל היותר ‏₪5 ב-P90). מ-50 ו-55–64"))
    assert f"ב-{WORD_JOINER}P90)." in html
    assert f"מ-{WORD_JOINER}50" in html
    assert f"ו-{WORD_JOINER}<bdi" in html  # before a range too
    # Hyphens inside words and between words are left alone.
    assert WORD_JOINER not in str(ltr_ranges("תל-אביב, קו - ירוק, INV-2026"))
