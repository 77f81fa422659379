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
