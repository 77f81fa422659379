"""Keep numbers, ranges and the other language's words in order inside right-to-left text.

In a Hebrew line "210–1,261" shows as "1,261–210" and an English name can swap places with
the words around it: the Unicode bidirectional algorithm orders each run by the paragraph's
direction. Isolating a run fixes it. HTML gets <bdi> (or dir="ltr" for a numeric range);
plain text (e-mails, flash messages, PDFs) gets the Unicode isolates U+2066..U+2069.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from markupsafe import Markup, escape

#: Left-to-right isolate, first-strong isolate, pop directional isolate.
LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"
#: The embeddings and overrides LRE, RLE, PDF, LRO and RLO (U+202A..U+202E): unlike the isolates
#: they reorder everything after them in the paragraph, which is how a name like
#: "\u202egnp.exe" is shown as "exe.png". Plain-text outputs (CSV, workbooks, PDFs) drop them.
OVERRIDES = dict.fromkeys(range(0x202A, 0x202F))
#: The dash between the two ends of a range.
RANGE_DASH = "–"


def without_overrides(text: str) -> str:
    """The text without bidi embeddings and overrides (marks and isolates stay)."""
    return text.translate(OVERRIDES)


def isolate(text: Any) -> str:
    """The text as a unit whose direction comes from its own first letter (FSI … PDI)."""
    return f"{FSI}{text}{PDI}"


def isolate_ltr(text: Any) -> str:
    """The text as a left-to-right unit (LRI … PDI): numbers, ranges, codes, addresses."""
    return f"{LRI}{text}{PDI}"


def text_range(low: Any, high: Any) -> str:
    """ "low–high" for plain text, kept low-to-high whatever the direction around it."""
    return isolate_ltr(f"{low}{RANGE_DASH}{high}")


def bdi(value: Any) -> Markup:
    """HTML: the value isolated, its direction taken from its own text (a name, a title)."""
    return Markup("<bdi>%s</bdi>") % escape(value)


def ltr(value: Any) -> Markup:
    """HTML: the value as a left-to-right unit (a figure, a code, P10–P90)."""
    return Markup('<bdi dir="ltr">%s</bdi>') % escape(value)


def docnum(value: Any) -> Markup:
    """HTML: a document number ("INV-2026-000006") as one left-to-right unit that never wraps.

    A narrow Hebrew column would otherwise break it at each hyphen ("INV-" / "2026-" /
    "000006") and a line could start with "-"; the class keeps it on one line (kesher.css).
    """
    return Markup('<bdi dir="ltr" class="docnum">%s</bdi>') % escape(value)


#: A Hebrew prefix joined by a hyphen to a Latin word or a figure ("ב-P90", "מ-50"): the
#: browser may break a line after the hyphen, leaving "ב-" alone at a line's end; a word
#: joiner after it keeps the two one word, as a Hebrew reader reads them.
_PREFIX_HYPHEN = re.compile(r"(?<=\b[\u05d0-\u05ea])-(?=[A-Za-z0-9₪]|$)")
WORD_JOINER = "\u2060"
#: A numeric range inside running text: "45–54", "1,166–9,583", "P10–P90", "08:00–17:00".
_RANGE_IN_TEXT = re.compile(r"(?<![\w–])(P?\d(?:[\d,.:]*\d)?–P?\d(?:[\d,.:]*\d)?\+?)(?![\w–])")


def ltr_ranges(text: Any) -> Markup:
    """HTML: the text (escaped) with each numeric range in it made one left-to-right unit.

    Sentences written whole by the engine ("גיל: 45–54 ו-55–64") cannot mark their ranges; in a
    Hebrew line "45–54" would show as "54–45".
    """
    html = Markup("")
    for i, part in enumerate(_RANGE_IN_TEXT.split(str(text))):
        # split() with one group: the ranges are the odd parts, the text between them the even.
        if i % 2:
            html += Markup('<bdi dir="ltr" class="range">%s</bdi>') % part
        else:
            html += escape(_PREFIX_HYPHEN.sub("-" + WORD_JOINER, part))
    return html


def num_range(low: Any, high: Any) -> Markup:
    """HTML: "low–high" as one left-to-right unit, so a Hebrew line never reverses it."""
    return Markup('<bdi dir="ltr" class="range">%s%s%s</bdi>') % (
        escape(low),
        RANGE_DASH,
        escape(high),
    )


def init_app(app: Flask) -> None:
    """Make the filters available to templates: |bdi, |ltr, |docnum and num_range(low, high)."""
    app.jinja_env.filters.update(bdi=bdi, ltr=ltr, docnum=docnum, ltr_ranges=ltr_ranges)
    app.jinja_env.globals.update(num_range=num_range, text_range=text_range)
