"""An invoice's PDF: Hebrew right to left with its tax-invoice fields, read back and looked at."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

from bidi import get_display
from pdfminer.high_level import extract_text
from PIL import Image

from marketplace.documents.pdf import render_pdf
from marketplace.finance.documents import pdf_document
from marketplace.finance.models import DocumentKind, FinanceDocument

PDFTOPPM = shutil.which("pdftoppm") or "/usr/bin/pdftoppm"


def invoice(
    language: str = "he", rate_bp: int = 1_800, needs_allocation: bool = True
) -> FinanceDocument:
    net = 125_000
    vat = net * rate_bp // 10_000
    return FinanceDocument(
        kind=DocumentKind.TAX_INVOICE, series="INV-2026", number=42,
        issued_on=dt.date(2026, 12, 7), due_on=dt.date(2027, 1, 6), language=language,
        currency="ILS", organisation_id=1,
        seller={"name": "Kesher Community Media Ltd", "vat_number": "516000000",
                "address": "תל אביב"},
        buyer={"name": "שורשים מזון בע״מ", "vat_number": "513999999", "address": "חיפה",
               "country": "IL"},
        lines=[{"description": "post · 2026-12-20", "placement_type": "post", "quantity": 2,
                "net_minor": 100_000},
               {"description": "story · 2026-12-21", "placement_type": "story", "quantity": 1,
                "net_minor": 25_000}],
        net_minor=net, vat_rate_bp=rate_bp, vat_minor=vat, gross_minor=net + vat,
        owner_minor=100_000, margin_minor=25_000, needs_allocation=needs_allocation, key="k",
    )  # fmt: skip


def logical_text(pdf: bytes) -> str:
    text = extract_text(io.BytesIO(pdf))
    return "\n".join(get_display(line) for line in text.splitlines())


def test_a_hebrew_invoice_carries_every_tax_invoice_field() -> None:
    text = logical_text(render_pdf(pdf_document(invoice(), allocation="123456789")))
    for words in ("חשבונית מס", "INV-2026-000042", "מקור", "העוסק", "לקוח", "ע.מ. / ח.פ.",
                  "516000000", "513999999", "שורשים מזון בע״מ", "7 בדצמ׳ 2026", "20 בדצמ׳ 2026",
                  "פוסט", "סטורי",
                  "סה״כ לפני מע״מ", "מע״מ 18%", "סה״כ לתשלום", "מספר הקצאה", "123456789",
                  "1,250.00", "225.00", "1,475.00"):  # fmt: skip
        assert words in text, words
    # The payout and the margin are the agency's business, not the brand's.
    assert "250.00 ILS" not in text.replace("1,250.00 ILS", "")


def test_a_zero_rated_english_invoice_says_why_and_waits_for_no_allocation() -> None:
    text = logical_text(render_pdf(pdf_document(invoice("en", 0, False))))
    assert "Tax invoice INV-2026-000042" in text
    assert "VAT 0%" in text
    assert "Zero-rated: a service exported" in text
    assert "Allocation number" not in text
    assert "Post · Dec 20, 2026" in text


def test_a_hebrew_invoice_names_the_agency_in_hebrew_and_an_english_one_in_english() -> None:
    document = invoice()
    document.seller = {**document.seller, "name_he": "קשר מדיה קהילתית בע״מ",
                       "address": "Tel Aviv, Israel", "address_he": "תל אביב, ישראל"}  # fmt: skip
    hebrew = logical_text(render_pdf(pdf_document(document)))
    assert "קשר מדיה קהילתית בע״מ" in hebrew
    assert "תל אביב, ישראל" in hebrew
    assert "Kesher Community Media Ltd" not in hebrew
    document.language = "en"
    english = logical_text(render_pdf(pdf_document(document)))
    assert "Kesher Community Media Ltd" in english
    assert "Tel Aviv, Israel" in english
    assert "קשר מדיה" not in english


def test_an_invoice_without_its_allocation_number_says_it_waits() -> None:
    text = logical_text(render_pdf(pdf_document(invoice())))
    assert "ממתין לרשות המסים" in text


def test_the_hebrew_invoice_is_drawn_from_the_right(tmp_path: Path) -> None:
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(render_pdf(pdf_document(invoice(), allocation="123456789")))
    command = [PDFTOPPM, "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")]
    subprocess.run(command, check=True)  # noqa: S603 - a fixed program on our own file
    [png] = tmp_path.glob("p*.png")
    image = Image.open(png).convert("L")
    width, height = image.size
    # The title band (top 12% of the page below the margin): ink sits at the right edge.
    band = image.crop((0, int(height * 0.05), width, int(height * 0.12)))
    dark = [x for x in range(width) for y in range(band.size[1]) if band.getpixel((x, y)) < 128]
    assert dark, "the title was drawn"
    assert max(dark) > width * 0.85, "a Hebrew title ends at the right margin"
    assert min(dark) > width * 0.3, "and does not start at the left"
