"""Render a small document model (headings, text, tables, signatures) to PDF, Hebrew or English.

Agreements, reports and invoices describe *what* they say as a :class:`Document`; this module
decides how it looks, so every PDF Kesher hands out shares one layout and one set of rules:

- **Direction follows the document's language.** A Hebrew document is laid out right to left:
  text is right-aligned, a table's first column is on the right, key/value rows put the key on
  the right. An English document is the mirror image.
- **Each line is resolved with the Unicode bidi algorithm and shaped with HarfBuzz** (fpdf2's
  text shaping, through uharfbuzz), with the document's direction as the paragraph's base
  direction. So in Hebrew text a number, a Latin brand name or an amount such as ``₪1,250.00``
  keeps its left-to-right order, and a line drawn on the page is exactly the Unicode bidi
  algorithm's visual order of the logical string (the tests check this against python-bidi's
  reference implementation, reading the glyphs back with pdfminer.six). A viewer that applies
  the bidi algorithm to a line (as copy and paste does) gets the logical text back.
  Known limits: ``pdftotext`` guesses a page's direction from its majority of characters, so on a
  page full of Latin table cells it may give Hebrew lines in visual order; and fpdf2's bidi differs
  from the standard in one case seen, a Hebrew word followed by a number inside an *English* line
  (``קבוצת הורים 1 – Tel Aviv`` draws the ``1`` after the Hebrew instead of before it).
- **The fonts ship with the code** (``marketplace/static/fonts``, Noto Sans Hebrew and Noto Sans,
  SIL OFL): Hebrew glyphs from one, Latin and symbols from the other as a fallback, so a PDF
  never depends on the fonts of the machine that renders it. Only the glyphs used are embedded.
- **The same document gives the same bytes**: the creation date is fixed (the document's own
  ``created``, else :data:`FIXED_CREATION_DATE`), so a PDF can be hashed and compared.

Call :func:`render_pdf`; it returns the PDF's bytes. Strings must already be translated: the
module draws text, it does not choose words.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

from fontTools.ttLib import TTFont
from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, XPos, YPos

from marketplace.bidi import without_overrides

Language = Literal["he", "en"]
#: Logical alignment of a table column: ``start`` is the right edge in Hebrew, the left in English.
ColumnAlign = Literal["start", "end", "center"]

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
#: Written as the PDF's creation date when a document gives none, so output is reproducible.
FIXED_CREATION_DATE = datetime(2024, 1, 1, tzinfo=UTC)

_HEBREW = "NotoSansHebrew"
_LATIN = "NotoSans"
_FONT_FILES = {
    (_HEBREW, ""): "NotoSansHebrew-Regular.ttf",
    (_HEBREW, "B"): "NotoSansHebrew-Bold.ttf",
    (_LATIN, ""): "NotoSans-Regular.ttf",
    (_LATIN, "B"): "NotoSans-Bold.ttf",
}

# Sizes in points and millimetres; A4 with 18 mm margins.
_BODY_SIZE = 10.5
_HEADING_SIZES = {1: 16.0, 2: 13.0, 3: 11.5}
_LINE_HEIGHT = 5.6
_MARGIN = 18.0
_GREY = (110, 110, 110)

_T = TypeVar("_T")
#: Drawn in place of a character no shipped font has (an emoji, say), which fpdf2 would drop.
REPLACEMENT = "\ufffd"


@cache
def _covered() -> frozenset[int]:
    """Code points that some shipped font (regular and bold alike) can draw."""
    maps = {name: set(TTFont(FONT_DIR / name).getBestCmap()) for name in _FONT_FILES.values()}
    regular = maps[_FONT_FILES[_HEBREW, ""]] | maps[_FONT_FILES[_LATIN, ""]]
    bold = maps[_FONT_FILES[_HEBREW, "B"]] | maps[_FONT_FILES[_LATIN, "B"]]
    return frozenset(regular & bold)


def drawable(text: str) -> str:
    """Replace each character the shipped fonts cannot draw with U+FFFD, visibly.

    fpdf2 drops a glyph it cannot find without a word (and the shaping around it suffers), which
    in an agreement would make the page say less than the stored text; a replacement mark shows
    that something was there. Line breaks and invisible format characters (bidi marks and
    isolates) pass; bidi embeddings and overrides, which would draw the words after them in
    another order than they are stored, are dropped.
    """
    covered = _covered()
    return "".join(
        ch
        if ord(ch) in covered or ch in "\n\t" or unicodedata.category(ch) in ("Cf", "Zs")
        else REPLACEMENT
        for ch in without_overrides(text)
    )


@dataclass(frozen=True)
class Heading:
    """A section heading; level 1 is the largest."""

    text: str
    level: Literal[1, 2, 3] = 2


@dataclass(frozen=True)
class Paragraph:
    """Running text, wrapped to the page width and aligned to the document's start edge."""

    text: str


@dataclass(frozen=True)
class KeyValues:
    """Label/value pairs (parties, dates, amounts): the label in bold on the start side."""

    rows: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Table:
    """A table with a header row that repeats on every page the table spans.

    ``align`` gives each column's logical alignment (amounts usually ``end``); ``widths`` each
    column's share of the text width. Columns are given in reading order: in a Hebrew document the
    first one is drawn on the right.
    """

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    align: Sequence[ColumnAlign] | None = None
    widths: Sequence[float] | None = None

    def __post_init__(self) -> None:
        n = len(self.header)
        if any(len(row) != n for row in self.rows):
            raise ValueError("every table row needs one cell per header column")
        if self.align is not None and len(self.align) != n:
            raise ValueError("one alignment per column")
        if self.widths is not None and len(self.widths) != n:
            raise ValueError("one width per column")


@dataclass(frozen=True)
class Signatures:
    """Signature lines side by side, one per party, each with its label (and name) under it."""

    labels: Sequence[str]


@dataclass(frozen=True)
class Footer:
    """Small text at the foot of every page (e.g. a content hash), beside the page number.

    Its place in ``blocks`` does not matter: it is drawn on every page.
    """

    text: str


Block = Heading | Paragraph | KeyValues | Table | Signatures | Footer


@dataclass(frozen=True)
class Document:
    """What a PDF says: a title, its language (which sets its direction) and its blocks in order."""

    title: str
    language: Language
    blocks: Sequence[Block] = field(default_factory=tuple)
    author: str = "Kesher"
    created: datetime | None = None

    @property
    def rtl(self) -> bool:
        """Whether the document is laid out right to left."""
        return self.language == "he"


class _KesherPDF(FPDF):
    """FPDF with Kesher's fonts, direction and a footer on every page."""

    def __init__(self, doc: Document) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc = doc
        self.footer_text = drawable(next((b.text for b in doc.blocks if isinstance(b, Footer)), ""))
        for (family, style), filename in _FONT_FILES.items():
            self.add_font(family, style, str(FONT_DIR / filename))
        # The script's own font first, the other as a fallback for the glyphs it lacks.
        self.main_family, fallback = (_HEBREW, _LATIN) if doc.rtl else (_LATIN, _HEBREW)
        self.set_fallback_fonts([fallback], exact_match=False)
        self.set_text_shaping(use_shaping_engine=True, direction="rtl" if doc.rtl else "ltr")
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=True, margin=_MARGIN + 4)
        self.set_lang(doc.language)
        self.set_title(doc.title)
        self.set_author(doc.author)
        self.set_creator("Kesher")
        self.set_creation_date(doc.created or FIXED_CREATION_DATE)
        self.set_font(self.main_family, "", _BODY_SIZE)

    @property
    def start(self) -> str:
        """The fpdf2 alignment of the document's start edge."""
        return "R" if self.doc.rtl else "L"

    def logical(self, align: ColumnAlign) -> str:
        """Map a logical column alignment to fpdf2's left/right/center for this direction."""
        if align == "center":
            return "C"
        if align == "start":
            return self.start
        return "L" if self.doc.rtl else "R"

    def in_reading_order(self, cells: Sequence[_T]) -> list[_T]:
        """Cells from left to right on the page: reversed in a right-to-left document."""
        return list(reversed(cells)) if self.doc.rtl else list(cells)

    def footer(self) -> None:
        """Draw the footer text and the page number at the foot of every page."""
        self.set_y(-_MARGIN)
        self.set_font(self.main_family, "", 8)
        self.set_text_color(*_GREY)
        number_width = 12.0
        text_width = self.epw - number_width
        # The text on the start side, the page number on the end side.
        text_x, number_x = self.l_margin, self.l_margin + text_width
        if self.doc.rtl:
            text_x, number_x = self.l_margin + number_width, self.l_margin
        if self.footer_text:
            self.set_x(text_x)
            self.cell(text_width, 4, self.footer_text, align=self.start)
        self.set_x(number_x)
        self.cell(number_width, 4, str(self.page_no()), align="L" if self.doc.rtl else "R")
        self.set_text_color(0, 0, 0)

    def text_block(self, text: str, *, size: float, bold: bool = False, after: float = 2) -> None:
        """Write wrapped text aligned to the start edge, then a small gap."""
        self.set_font(self.main_family, "B" if bold else "", size)
        self.multi_cell(
            0,
            _LINE_HEIGHT * size / _BODY_SIZE,
            drawable(text),
            align=self.start,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.ln(after)
        self.set_font(self.main_family, "", _BODY_SIZE)

    def key_values(self, block: KeyValues) -> None:
        """Two borderless columns: the label (bold) on the start side, the value next to it."""
        label_style = FontFace(emphasis="BOLD")
        widths = self.in_reading_order([0.3, 0.7])
        with self.table(
            col_widths=widths,
            text_align=self.start,
            borders_layout=TableBordersLayout.NONE,
            first_row_as_headings=False,
            line_height=_LINE_HEIGHT,
            padding=(0.6, 1.5),
        ) as table:
            for key, value in block.rows:
                row = table.row()
                pair = [(drawable(key), label_style), (drawable(value), None)]
                for text, style in pair if not self.doc.rtl else reversed(pair):
                    row.cell(text, style=style)
        self.ln(3)

    def data_table(self, block: Table) -> None:
        """A bordered table with a shaded header that repeats after a page break."""
        n = len(block.header)
        aligns = [self.logical(a) for a in (block.align or ["start"] * n)]
        widths = list(block.widths) if block.widths else [1.0] * n
        with self.table(
            col_widths=self.in_reading_order(widths),
            text_align=tuple(self.in_reading_order(aligns)),
            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            line_height=_LINE_HEIGHT,
            padding=(1.2, 1.5),
            repeat_headings=1,
        ) as table:
            for cells in [block.header, *block.rows]:
                row = table.row()
                for text in self.in_reading_order(cells):
                    row.cell(drawable(text))
        self.ln(4)

    def signatures(self, block: Signatures) -> None:
        """Signature lines side by side, first party on the start side, labels under the lines."""
        n = max(len(block.labels), 1)
        gap = 10.0
        width = (self.epw - gap * (n - 1)) / n
        # Keep the lines and their labels together on one page.
        if self.will_page_break(30):
            self.add_page()
        self.ln(14)
        y = self.get_y()
        self.set_draw_color(0, 0, 0)
        self.set_line_width(0.3)
        self.set_font(self.main_family, "", _BODY_SIZE - 1)
        for i, label in enumerate(self.in_reading_order(block.labels)):
            x = self.l_margin + i * (width + gap)
            self.line(x, y, x + width, y)
            self.set_xy(x, y + 1.5)
            self.multi_cell(width, _LINE_HEIGHT, drawable(label), align="C")
        self.set_xy(self.l_margin, y + 1.5 + _LINE_HEIGHT * 2)
        self.ln(4)
        self.set_font(self.main_family, "", _BODY_SIZE)


def render_pdf(doc: Document) -> bytes:
    """Draw ``doc`` on A4 pages and return the PDF's bytes (the same document, the same bytes)."""
    pdf = _KesherPDF(doc)
    pdf.add_page()
    pdf.text_block(doc.title, size=_HEADING_SIZES[1], bold=True, after=3)
    for block in doc.blocks:
        if isinstance(block, Heading):
            pdf.ln(1)
            pdf.text_block(block.text, size=_HEADING_SIZES[block.level], bold=True, after=1)
        elif isinstance(block, Paragraph):
            pdf.text_block(block.text, size=_BODY_SIZE)
        elif isinstance(block, KeyValues):
            pdf.key_values(block)
        elif isinstance(block, Table):
            pdf.data_table(block)
        elif isinstance(block, Signatures):
            pdf.signatures(block)
        # A Footer is drawn by every page's footer().
    return bytes(pdf.output())
