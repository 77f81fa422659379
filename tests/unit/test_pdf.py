"""The PDF module: Hebrew right to left, bidi-resolved runs, tables across pages, same bytes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from bidi import get_display
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTPage, LTTextLine

from marketplace.documents.pdf import (
    Document,
    Footer,
    Heading,
    KeyValues,
    Paragraph,
    Signatures,
    Table,
    render_pdf,
)

pytestmark = pytest.mark.unit

SENTENCE = "הסכם מס' 12 עם Shorashim Foods על סך ₪1,250.00 לתקופה 01/01–31/01"
ENGLISH = "Agreement no. 12 with Shorashim Foods (קבוצת הורים) for ₪1,250.00, 01/01 – 31/01."
MM = 25.4 / 72


@dataclass(frozen=True)
class Line:
    """One line of text as drawn: glyphs from left to right, and where it sits (mm)."""

    visual: str
    x0: float
    x1: float
    top: float

    def logical(self, base: str) -> str:
        """Read the drawn line back with the Unicode bidi algorithm, as a PDF viewer does."""
        return get_display(self.visual, base_dir=base)


def pages(pdf: bytes) -> list[list[Line]]:
    """Every page's text lines, found by pdfminer.six from the glyphs' positions, top to bottom."""
    result = []
    for page in extract_pages(io.BytesIO(pdf)):
        assert isinstance(page, LTPage)
        lines: list[Line] = []

        def walk(obj: object, lines: list[Line] = lines, height: float = page.height) -> None:
            if isinstance(obj, LTTextLine):
                chars = sorted((c for c in obj if isinstance(c, LTChar)), key=lambda c: c.x0)
                lines.append(
                    Line(
                        "".join(c.get_text() for c in chars),
                        chars[0].x0 * MM,
                        max(c.x1 for c in chars) * MM,
                        (height - obj.y1) * MM,
                    )
                )
            elif isinstance(obj, (list, tuple)) or hasattr(obj, "__iter__"):
                for child in obj:  # type: ignore[attr-defined]
                    walk(child)

        walk(page)
        result.append(sorted(lines, key=lambda line: (round(line.top), -line.x1)))
    return result


def hebrew_agreement(rows: int = 3) -> Document:
    return Document(
        title="הסכם התקשרות",
        language="he",
        blocks=[
            Paragraph(SENTENCE),
            Heading("הצדדים"),
            KeyValues([("מותג", "Shorashim Foods"), ("סכום", "₪1,250.00")]),
            Heading("מיקומים"),
            Table(
                header=["#", "קהילה", "סכום"],
                rows=[[str(i), f"קהילה מספר {i}", f"₪{i * 100:,}.00"] for i in range(1, rows + 1)],
                align=["start", "start", "end"],
                widths=[0.5, 3, 1.5],
            ),
            Signatures(["הסוכנות", "בעלת הקהילה"]),
            Footer("SHA-256 3f1c0a9b2e"),
        ],
    )


def test_a_hebrew_sentence_is_drawn_in_bidi_order_and_reads_back_in_logical_order() -> None:
    lines = [line for page in pages(render_pdf(hebrew_agreement())) for line in page]
    drawn = next(line for line in lines if "Shorashim" in line.visual and "12" in line.visual)
    # Drawn exactly as the Unicode bidi algorithm orders it on a right-to-left line ...
    assert drawn.visual == get_display(SENTENCE, base_dir="R")
    # ... so the Hebrew is reversed on the page while the numbers and the name are not,
    assert drawn.visual.endswith("'סמ םכסה")
    for ltr in ("Shorashim Foods", "₪1,250.00", "12", "01/01", "31/01"):
        assert ltr in drawn.visual
    # and read back it is the sentence: Hebrew, the English name, the amount and the range in order.
    assert drawn.logical("R") == SENTENCE


def test_a_hebrew_document_is_right_aligned_with_its_table_columns_from_the_right() -> None:
    (page,) = pages(render_pdf(hebrew_agreement()))
    title = next(line for line in page if line.logical("R") == "הסכם התקשרות")
    sentence = next(line for line in page if line.logical("R") == SENTENCE)
    assert title.x1 == pytest.approx(192, abs=1.5)  # A4 210 mm less an 18 mm margin
    assert sentence.x1 == pytest.approx(192, abs=1.5)
    assert sentence.x0 > 30  # shorter than the width: right-aligned, not justified
    row_number = next(line for line in page if line.visual == "1")
    community = next(line for line in page if line.logical("R") == "קהילה מספר 1")
    amount = next(line for line in page if line.visual == "₪100.00")
    assert row_number.x0 > community.x1 > amount.x1  # the first column is the rightmost
    label = next(line for line in page if line.logical("R") == "מותג")
    value = next(line for line in page if line.visual == "Shorashim Foods")
    assert label.x0 > value.x1  # the label of a key/value row is on the right


def test_an_english_document_is_left_to_right_and_keeps_hebrew_inside_it_readable() -> None:
    doc = Document(
        "Agreement",
        "en",
        [Paragraph(ENGLISH), Table(["Community", "Amount"], [["Tel Aviv parents", "₪100.00"]])],
    )
    (page,) = pages(render_pdf(doc))
    sentence = next(line for line in page if "Agreement no." in line.visual)
    assert sentence.x0 == pytest.approx(18, abs=1.5)
    assert "(םירוה תצובק)" in sentence.visual  # the Hebrew words are drawn right to left
    assert sentence.logical("L") == ENGLISH
    community = next(line for line in page if line.visual == "Tel Aviv parents")
    amount = next(line for line in page if line.visual == "₪100.00")
    assert community.x1 < amount.x0  # the first column is the leftmost


def test_a_long_table_continues_on_the_next_pages_with_its_header_and_the_footer() -> None:
    rendered = pages(render_pdf(hebrew_agreement(rows=80)))
    assert len(rendered) >= 3
    seen = []
    for page in rendered:
        texts = [line.logical("R") for line in page]
        assert "קהילה" in texts  # the header row repeats on every page of the table
        assert "SHA-256 3f1c0a9b2e" in texts  # the footer is on every page
        seen += [text for text in texts if text.startswith("קהילה מספר ")]
    assert seen == [f"קהילה מספר {i}" for i in range(1, 81)]  # every row once, in order
    last = [line.logical("R") for line in rendered[-1]]
    assert "הסוכנות" in last
    assert "בעלת הקהילה" in last


def test_the_same_document_renders_to_the_same_bytes() -> None:
    first = render_pdf(hebrew_agreement())
    assert first.startswith(b"%PDF-")
    assert render_pdf(hebrew_agreement()) == first
    changed = hebrew_agreement()
    changed = Document(changed.title, changed.language, [Paragraph(SENTENCE + " א")])
    assert render_pdf(changed) != first
    # The creation date is fixed, not the clock's, so tomorrow's render is the same too.
    assert b"/CreationDate (D:20240101000000Z" in first
    dated = Document("x", "en", [], created=datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    assert b"/CreationDate (D:20260301093000Z" in render_pdf(dated)


def test_the_shipped_fonts_are_embedded_not_the_machines() -> None:
    pdf = render_pdf(hebrew_agreement())
    assert b"NotoSansHebrew" in pdf
    assert b"NotoSans-" in pdf or b"+NotoSans" in pdf
    assert b"/FontFile2" in pdf  # the glyphs travel inside the PDF


def test_a_table_row_with_a_missing_cell_is_refused() -> None:
    with pytest.raises(ValueError, match="one cell per header column"):
        Table(header=["a", "b"], rows=[["only one"]])


def test_a_character_no_shipped_font_has_shows_as_a_replacement_mark_not_silently_dropped() -> None:
    doc = Document("x", "he", [Paragraph("שלום 😀 עולם ✓"), Table(["א"], [["כן ✓"]])])
    texts = [line.logical("R") for page in pages(render_pdf(doc)) for line in page]
    assert "שלום \ufffd עולם \ufffd" in texts
    assert "כן \ufffd" in texts


def test_a_bidi_override_in_stored_text_does_not_reorder_the_drawn_line() -> None:
    # "\u202e" (RLO) would draw "gnp.exe" as "exe.png" and everything after it reversed.
    doc = Document(
        "x", "en", [Paragraph("File: \u202egnp.exe by Noa"), Table(["a"], [["\u202dאבג"]])]
    )
    texts = [line.logical("L") for page in pages(render_pdf(doc)) for line in page]
    assert "File: gnp.exe by Noa" in texts
    assert "אבג" in texts
