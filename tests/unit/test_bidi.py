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
