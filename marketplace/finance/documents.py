"""An issued invoice, credit note or receipt as a PDF (Hebrew right to left, or English).

The words are chosen by the document's own language, not the reader's page language: an
invoice issued in Hebrew is always printed in Hebrew (as the agreement PDF does).
"""

from __future__ import annotations

import re
from typing import Any

from campaigns.deals.agreement import _word as placement_word
from marketplace.documents.pdf import (
    Document,
    Footer,
    Heading,
    KeyValues,
    Language,
    Paragraph,
    Table,
)
from marketplace.finance.models import DocumentKind, FinanceDocument
from marketplace.i18n import day_in
from pricing.money import Money

LABELS: dict[str, tuple[str, str]] = {
    DocumentKind.TAX_INVOICE: ("Tax invoice", "חשבונית מס"),
    DocumentKind.CREDIT_NOTE: ("Credit note", "חשבונית זיכוי"),
    DocumentKind.RECEIPT: ("Receipt", "קבלה"),
    "original": ("Original", "מקור"),
    "number": ("Number", "מספר"),
    "date": ("Date", "תאריך"),
    "due": ("Payment due", "לתשלום עד"),
    "seller": ("Seller", "העוסק"),
    "buyer": ("Customer", "לקוח"),
    "vat_number": ("VAT / company no.", "ע.מ. / ח.פ."),
    "address": ("Address", "כתובת"),
    "description": ("Description", "תיאור"),
    "quantity": ("Quantity", "כמות"),
    "amount": ("Amount", "סכום"),
    "net": ("Total before VAT", "סה״כ לפני מע״מ"),
    "vat": ("VAT", "מע״מ"),
    "gross": ("Total", "סה״כ לתשלום"),
    "zero_rated": ("Zero-rated: a service exported", "מע״מ בשיעור אפס: ייצוא שירות"),
    "allocation": ("Allocation number", "מספר הקצאה"),
    "allocation_missing": ("awaiting the Tax Authority", "ממתין לרשות המסים"),
    "refers_to": ("Refers to", "מתייחס ל"),
    "reference": ("Reference", "אסמכתא"),
    "reason": ("Reason", "סיבה"),
    "received": ("Received by bank transfer", "התקבל בהעברה בנקאית"),
    "placements": ("placements", "מיקומים"),
    "cancelled": ("Deal cancelled", "העסקה בוטלה"),
    "footer": (
        "Issued by Kesher. This document never changes; corrections are credit notes.",
        "הופק במערכת קשר. מסמך זה אינו משתנה; תיקונים נעשים בחשבונית זיכוי.",
    ),
}


def label(key: str, language: str) -> str:
    """A label in the document's language."""
    en, he = LABELS[key]
    return he if language == "he" else en


def money(amount_minor: int, currency: str) -> str:
    """An amount as printed on documents: ``1,475.00 ILS`` (locale-neutral, unambiguous)."""
    return f"{Money(amount_minor, currency).as_decimal():,.2f} {currency}"


#: A day as the lines keep it (ISO), to be written in the document's language.
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def line_description(line: dict[str, Any], language: str) -> str:
    """A line's words in the document's language (placement types are translated)."""
    if "placement_type" in line:
        dates = line["description"].split(" · ", 1)[-1]
        dates = _ISO_DAY.sub(lambda m: day_in(m.group(0), language), dates)
        return f"{placement_word(line['placement_type'], language)} · {dates}"
    text = str(line.get("description", ""))
    if text in ("placements", "cancelled"):
        return label(text, language)
    if text == "bank transfer":  # a receipt's line, stored in English
        return label("received", language)
    if text.startswith("amendment "):
        number = text.split(" ", 1)[1]
        return f"{'תיקון מס׳' if language == 'he' else 'Amendment no.'} {number}"
    return text


def pdf_document(
    document: FinanceDocument, *, related_number: str | None = None, allocation: str | None = None
) -> Document:
    """The document model of an issued finance document."""
    lang: Language = "he" if document.language == "he" else "en"
    cur = document.currency
    title = f"{label(document.kind, lang)} {document.display_number}"
    head: list[tuple[str, str]] = [
        (label("number", lang), document.display_number),
        (label("date", lang), day_in(document.issued_on, lang)),
    ]
    if document.due_on is not None:
        head.append((label("due", lang), day_in(document.due_on, lang)))
    if related_number:
        head.append((label("refers_to", lang), related_number))
    if document.kind is DocumentKind.TAX_INVOICE and document.needs_allocation:
        head.append((label("allocation", lang), allocation or label("allocation_missing", lang)))
    s, b = document.seller, document.buyer
    # A Hebrew document names the agency in Hebrew when its snapshot has the Hebrew name.
    local = "_he" if lang == "he" else ""
    parties = [
        (label("seller", lang), s.get(f"name{local}") or s.get("name", "")),
        (label("vat_number", lang), s.get("vat_number", "")),
        (label("address", lang), s.get(f"address{local}") or s.get("address", "")),
        (label("buyer", lang), b.get("name", "")),
        (label("vat_number", lang), b.get("vat_number", "") or "—"),
        (label("address", lang), b.get("address", "") or "—"),
    ]
    rows = [
        [line_description(line, lang), str(line.get("quantity", 1)),
         money(int(line["net_minor"]), cur)]
        for line in document.lines
    ]  # fmt: skip
    totals: list[tuple[str, str]] = []
    if document.kind is not DocumentKind.RECEIPT:
        rate = f"{document.vat_rate_bp / 100:g}%"
        totals = [
            (label("net", lang), money(document.net_minor, cur)),
            (f"{label('vat', lang)} {rate}", money(document.vat_minor, cur)),
        ]
    totals.append((label("gross", lang), money(document.gross_minor, cur)))
    blocks: list[Any] = [
        Paragraph(label("original", lang)),
        KeyValues(head),
        KeyValues(parties),
        Heading(label("description", lang)),
        Table(
            header=[label("description", lang), label("quantity", lang), label("amount", lang)],
            rows=rows,
            align=["start", "end", "end"],
            widths=[0.6, 0.12, 0.28],
        ),
        KeyValues(totals),
    ]
    if document.kind is not DocumentKind.RECEIPT and document.vat_rate_bp == 0:
        blocks.append(Paragraph(label("zero_rated", lang)))
    if document.kind is DocumentKind.RECEIPT:
        blocks.append(KeyValues([(label("received", lang), document.reference)]))
    elif document.kind is DocumentKind.CREDIT_NOTE and document.reference:
        reason = line_description({"description": document.reference}, lang)
        blocks.append(KeyValues([(label("reason", lang), reason)]))
    blocks.append(Footer(label("footer", lang)))
    return Document(
        title=title, language=lang, blocks=tuple(blocks), author=s.get("name", "Kesher")
    )
