"""The finance pages: invoices as pages and PDFs, the desk, owners' money, batches, exports."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from babel.dates import format_date
from bidi import get_display
from flask import Flask
from flask.testing import FlaskClient
from pdfminer.high_level import extract_text
from sqlalchemy import func, select

from marketplace.auth.models import User
from marketplace.extensions import db
from marketplace.finance import services as finance
from marketplace.finance.models import DocumentKind, FinanceDocument, JournalEntry
from pricing.money import Money
from tests.factories import make_deal, verify_deal_posts
from tests.http.test_route_policy import sign_in


@dataclass
class World:
    users: dict[str, User]
    deal_id: int
    invoice_id: int
    gross: int
    currency: str


@pytest.fixture
def world(app: Flask, make_user: Any) -> World:
    users = {r: make_user(r) for r in ("brand", "owner", "staff", "finance", "admin")}
    users["brand2"] = make_user("brand")
    with app.test_request_context():
        s = db.session
        people = {r: s.get(User, users[r].id) for r in ("brand", "staff", "owner")}
        deal = make_deal(s, **people, stage="agreed")
        invoice = s.scalars(
            select(FinanceDocument).where(FinanceDocument.kind == DocumentKind.TAX_INVOICE)
        ).one()
        s.commit()
        return World(users, deal.id, invoice.id, invoice.gross_minor, invoice.currency)


def client_for(app: Flask, world: World, who: str) -> FlaskClient:
    client = app.test_client()
    sign_in(app, client, world.users[who])
    return client


def major(minor: int, currency: str = "ILS") -> str:
    return f"{Money(minor, currency).as_decimal():,.2f}"


def test_the_brand_reads_its_invoice_as_a_page_and_a_hebrew_pdf(app: Flask, world: World) -> None:
    brand = client_for(app, world, "brand")
    page = brand.get(f"/finance/documents/{world.invoice_id}")
    assert page.status_code == 200
    assert "חשבונית מס" in page.text
    assert major(world.gross) in page.text
    assert "Record payment" not in page.text
    assert "רישום תשלום" not in page.text
    pdf = brand.get(f"/finance/documents/{world.invoice_id}.pdf")
    assert pdf.mimetype == "application/pdf"
    text = extract_text(io.BytesIO(pdf.data))
    logical = "\n".join(get_display(line) for line in text.splitlines())
    for words in ("חשבונית מס", "מקור", "סה״כ לתשלום", "מע״מ 18%", "ע.מ. / ח.פ."):
        assert words in logical, words
    assert major(world.gross) in logical
    # The owner's payout and the margin are never on the brand's document.
    with app.app_context():
        invoice = db.session.get(FinanceDocument, world.invoice_id)
        assert major(invoice.owner_minor) not in logical
    listing = brand.get("/finance/documents")
    assert f"/finance/documents/{world.invoice_id}" in listing.text


def test_other_brands_and_owners_never_see_an_invoice(app: Flask, world: World) -> None:
    other = client_for(app, world, "brand2")
    assert other.get(f"/finance/documents/{world.invoice_id}").status_code == 404
    assert other.get(f"/finance/documents/{world.invoice_id}.pdf").status_code == 404
    assert f"/finance/documents/{world.invoice_id}" not in other.get("/finance/documents").text
    owner = client_for(app, world, "owner")
    assert owner.get(f"/finance/documents/{world.invoice_id}").status_code == 403
    for path in ("/finance/desk", "/finance/journal.csv", "/finance/owners"):
        for who in ("brand", "owner", "staff"):
            assert client_for(app, world, who).get(path).status_code == 403, (path, who)


def counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(JournalEntry.id))) or 0,
            db.session.scalar(select(func.count(FinanceDocument.id))) or 0,
        )


@pytest.mark.parametrize(
    "tampered",
    [{"currency": "USD"}, {"amount": "999999999"}, {"amount": "-5"}, {"amount": "1.005"}],
)
def test_a_tampered_payment_is_refused_and_nothing_is_written(
    app: Flask, world: World, tampered: dict[str, str]
) -> None:
    desk = client_for(app, world, "finance")
    before = counts(app)
    form = {"amount": "10.00", "currency": world.currency, "reference": "HAP-9", **tampered}
    response = desk.post(f"/finance/documents/{world.invoice_id}/payment", data=form)
    assert response.status_code in (400, 409)
    assert counts(app) == before


def test_finance_records_a_bank_payment_and_the_owner_sees_why_money_waits(
    app: Flask, world: World
) -> None:
    desk = client_for(app, world, "finance")
    form = {"amount": major(world.gross).replace(",", ""), "currency": world.currency,
            "reference": "HAP-77"}  # fmt: skip
    response = desk.post(f"/finance/documents/{world.invoice_id}/payment", data=form)
    assert response.status_code == 302
    page = desk.get(f"/finance/documents/{world.invoice_id}")
    assert "RCP-" in page.text
    owner_client = client_for(app, world, "owner")
    # One money page for owners: the old address leads there, the menu has one entry.
    moved = owner_client.get("/finance/my-money")
    assert (moved.status_code, moved.headers["Location"]) == (301, "/payments/mine")
    owner = owner_client.get("/payments/mine")
    assert owner.status_code == 200
    assert 'href="/finance/my-money"' not in owner.text
    assert owner.text.count('href="/payments/mine"') == 1, "one menu entry"
    assert "data-onboarding" in owner.text
    assert "data-card-disabled" in owner.text
    assert f'data-deal="{world.deal_id}"' in owner.text
    with app.app_context():
        invoice = db.session.get(FinanceDocument, world.invoice_id)
        assert major(invoice.owner_minor) in owner.text
    # The placements run in the future: that is why, and the date follows.
    assert "ממתין לביצוע הפרסומים" in owner.text
    assert "(האחרון מסתיים ב־20" not in owner.text, "the date is written out, not ISO"
    assert (
        client_for(app, world, "owner2" if "owner2" in world.users else "brand")
        .get("/finance/my-money")
        .status_code
        == 403
    )


def test_the_desk_shows_balances_charts_and_aging(app: Flask, world: World) -> None:
    desk = client_for(app, world, "finance").get("/finance/desk?currency=ILS")
    assert desk.status_code == 200
    assert "<svg" in desk.text, desk.text
    assert "חובות מותגים" in desk.text
    assert major(world.gross) in desk.text
    assert client_for(app, world, "finance").get("/finance/desk?currency=XXX").status_code == 200
    # Months read as months in the reader's language, on the chart and in its table.
    months = {format_date(day, "MMM y", locale="he") for day in (dt.datetime.now(dt.UTC).date(),
              dt.datetime.now(ZoneInfo("Asia/Jerusalem")).date())}  # fmt: skip
    assert any(f"<bdi>{month}</bdi>" in desk.text for month in months)
    assert any(f'text-anchor="middle">{month}</text>' in desk.text for month in months)
    assert not re.search(r">\d{4}-\d{2}<", desk.text)


def test_a_payment_batch_exports_escaped_cells_and_is_marked_paid(app: Flask, world: World) -> None:
    with app.test_request_context():
        s = db.session
        owner = s.get(User, world.users["owner"].id)
        owner.display_name = '=HYPERLINK("http://evil")'
        invoice = s.get(FinanceDocument, world.invoice_id)
        actor = s.get(User, world.users["finance"].id)
        finance.record_bank_payment(
            s, invoice.id, amount_minor=invoice.gross_minor, currency=invoice.currency,
            reference="X", actor=actor,
        )  # fmt: skip
        later = dt.date.today() + dt.timedelta(days=400)
        staff = s.get(User, world.users["staff"].id)
        verify_deal_posts(
            s, invoice.deal_id, owner=owner, staff=staff
        )  # a batch pays verified work
        batch = finance.create_batch(s, invoice.currency, actor=actor, today=later)
        s.commit()
        batch_id, owed = batch.id, invoice.owner_minor
    desk = client_for(app, world, "finance")
    csv = desk.get(f"/finance/batches/{batch_id}.csv")
    assert csv.status_code == 200
    assert "'=HYPERLINK" in csv.data.decode("utf-8-sig")
    xlsx = desk.get(f"/finance/batches/{batch_id}.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://evil")' in cells
    assert str(Money(owed, world.currency).as_decimal()) in cells
    assert (
        desk.post(f"/finance/batches/{batch_id}/paid", data={"reference": "B-1"}).status_code == 302
    )
    assert (
        desk.post(f"/finance/batches/{batch_id}/paid", data={"reference": "B-1"}).status_code == 409
    )
    mine = client_for(app, world, "owner").get("/payments/mine")
    paid = mine.text.split("data-paid", 1)[1]
    assert "data-pending" not in mine.text  # the only deal is paid: nothing waits
    assert f'data-deal="{world.deal_id}"' in paid
    assert "שולם בתאריך" in paid
    journal = desk.get("/finance/journal.xlsx")
    kinds = {c.value for row in openpyxl.load_workbook(io.BytesIO(journal.data)).active.iter_rows()
             for c in row[2:3]}  # fmt: skip
    assert {"invoice_issued", "bank_payment_received", "bank_payout_to_owner"} <= kinds


def test_finance_edits_a_brands_billing_details_for_its_next_invoices(
    app: Flask, world: World
) -> None:
    with app.app_context():
        org_id = db.session.get(User, world.users["brand"].id).organisation_id
    desk = client_for(app, world, "finance")
    url = f"/finance/brands/{org_id}/billing"
    assert desk.get(url).status_code == 200
    bad = desk.post(url, data={"legal_name": "X", "country": "ISR"})
    assert bad.status_code == 422
    form = {"legal_name": "Acme GmbH", "vat_number": "DE123", "country": "de", "address": "Berlin"}
    assert desk.post(url, data=form).status_code == 302
    with app.app_context():
        profile = finance.billing_profile(db.session, org_id)
        assert (profile.legal_name, profile.country) == ("Acme GmbH", "DE")
        # The invoice already issued keeps the details it was issued with.
        assert db.session.get(FinanceDocument, world.invoice_id).buyer["country"] == "IL"
    assert client_for(app, world, "brand").get(url).status_code == 403
    assert desk.get("/finance/brands/999999/billing").status_code == 404


def test_the_accountant_gets_the_documents_register_and_balances_at_a_date(
    app: Flask, world: World
) -> None:
    desk = client_for(app, world, "finance")
    register = desk.get("/finance/documents.csv").data.decode("utf-8-sig")
    assert "tax_invoice" in register
    assert str(Money(world.gross, world.currency).as_decimal()) in register
    before = desk.get("/finance/desk?currency=ILS&on=2000-01-01")
    assert "חובות מותגים" not in before.text  # nothing was posted by then
    assert "חובות מותגים" in desk.get("/finance/desk?currency=ILS").text
    assert client_for(app, world, "brand").get("/finance/documents.csv").status_code == 403


def test_the_journal_the_batches_and_a_receipt_speak_hebrew_not_codes(
    app: Flask, world: World
) -> None:
    with app.test_request_context():
        s = db.session
        actor = s.get(User, world.users["finance"].id)
        receipt = finance.record_bank_payment(
            s, world.invoice_id, amount_minor=world.gross, currency=world.currency,
            reference="HAP-9", actor=actor,
        )  # fmt: skip
        verify_deal_posts(
            s, world.deal_id, owner=s.get(User, world.users["owner"].id),
            staff=s.get(User, world.users["staff"].id),
        )  # fmt: skip
        later = dt.date.today() + dt.timedelta(days=400)
        batch = finance.create_batch(s, world.currency, actor=actor, today=later)
        finance.mark_batch_paid(s, batch.id, reference="B-9", actor=actor, on=later)
        s.commit()
        receipt_id = receipt.id
    desk = client_for(app, world, "finance")
    journal = desk.get("/finance/journal").text
    for code in ("invoice_issued", "bank_payment_received", "bank_payout_to_owner"):
        assert f">{code}<" not in journal, code
    assert "חשבונית הופקה" in journal
    batches = desk.get("/finance/desk").text
    assert "· paid<" not in batches
    assert "· שולם<" in batches
    assert "bank transfer" not in desk.get(f"/finance/documents/{receipt_id}").text


@pytest.mark.parametrize(
    ("form", "field"),
    [({"amount": "", "reference": ""}, "amount"),
     ({"amount": "abc", "reference": "R"}, "amount"),
     ({"amount": "10.555", "reference": "R"}, "amount"),
     ({"amount": "10", "reference": ""}, "reference")],
)  # fmt: skip
def test_a_bad_payment_form_comes_back_with_what_to_fix(
    app: Flask, world: World, form: dict[str, str], field: str
) -> None:
    desk = client_for(app, world, "finance")
    before = counts(app)
    url = f"/finance/documents/{world.invoice_id}/payment"
    response = desk.post(url, data={"currency": world.currency, **form})
    assert response.status_code == 400
    assert f'id="{field}-error" role="alert"' in response.text  # the field says what is wrong
    assert f'action="{url}"' in response.text  # the invoice page, with its form, not a bare 400
    assert counts(app) == before


def test_a_refused_batch_or_payment_is_told_in_hebrew_with_amounts_in_shekels(
    app: Flask, world: World
) -> None:
    desk = client_for(app, world, "finance")  # a Hebrew reader
    refused = desk.post("/finance/batches", data={"currency": world.currency})
    assert refused.status_code == 409
    assert "no owner amount is ready" not in refused.text
    assert "אין סכום של בעלי קהילות שמוכן לתשלום במטבע הזה" in refused.text
    too_much = major(world.gross + 100).replace(",", "")
    form = {"amount": too_much, "currency": world.currency, "reference": "R"}
    answer = desk.post(f"/finance/documents/{world.invoice_id}/payment", data=form)
    assert answer.status_code == 409
    assert str(world.gross) not in answer.text  # agorot are never shown as if shekels
    assert major(world.gross).replace(",", "") in answer.text.replace(",", "")


def test_holding_a_payout_without_a_reason_says_so_and_holds_nothing(
    app: Flask, world: World
) -> None:
    from marketplace.finance.models import PayoutHold

    desk = client_for(app, world, "finance")
    answer = desk.post(f"/finance/deals/{world.deal_id}/hold", data={"reason": "  "},
                       follow_redirects=True)  # fmt: skip
    assert answer.status_code == 200
    assert answer.request.path == "/finance/owners"  # back where finance was, not a bare 400
    assert 'class="flash error"' in answer.text
    with app.app_context():
        assert db.session.scalar(select(func.count(PayoutHold.id))) == 0


def test_an_invoice_number_in_why_money_waits_reads_left_to_right(app: Flask) -> None:
    """A Hebrew line that wraps must not show "-INV-2026" / "000006": the number is isolated."""
    from marketplace.bidi import LRI, PDI
    from marketplace.finance.services import OwnerAmount, Pending
    from marketplace.finance.views import pending_text

    waiting = OwnerAmount(deal_id=1, owner_id=1, community="c", currency="ILS", amount_minor=1,
                          paid_minor=0, reason=Pending.BRAND_UNPAID, detail="INV-2026-000006",
                          expected_on=None)  # fmt: skip
    with app.test_request_context():
        assert f"{LRI}INV-2026-000006{PDI}" in pending_text(waiting)


def test_the_finance_dashboard_says_what_to_collect_what_is_late_and_whom_to_pay(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newcomer in finance read only two sentences; now the money, each with its page."""
    desk = client_for(app, world, "finance")
    html = desk.get("/finance/").text
    cards = html[html.index('class="cards finance-figures"') :]
    to_collect = cards[cards.index('id="to-collect"') : cards.index('id="overdue"')]
    assert major(world.gross) in to_collect
    assert 'href="/finance/documents"' in to_collect
    overdue = cards[cards.index('id="overdue"') : cards.index('id="owners-due"')]
    assert major(world.gross) not in overdue
    for link in (
        'href="/finance/desk#aging"',
        'href="/finance/owners"',
        'href="/payments/payouts"',
    ):
        assert link in cards, link
    assert 'id="margin"' in cards
    with app.app_context():
        invoice = db.session.get(FinanceDocument, world.invoice_id)
        assert invoice.due_on is not None
        later = dt.datetime.combine(invoice.due_on, dt.time(12), dt.UTC) + dt.timedelta(days=3)
    monkeypatch.setattr("marketplace.dashboards.views.utcnow", lambda: later)
    html = desk.get("/finance/").text
    overdue = html[html.index('id="overdue"') : html.index('id="owners-due"')]
    assert major(world.gross) in overdue
    assert "עסקה אחת שמועד התשלום שלה עבר" in overdue


def test_each_label_on_the_finance_pages_names_its_own_field(app: Flask, world: World) -> None:
    """The payment and credit-note forms (and the desk's two currency pickers) shared ids, so
    the second form's "Amount" and "Currency" labels pointed at the first form's fields."""
    desk = client_for(app, world, "finance")
    for path in (f"/finance/documents/{world.invoice_id}", "/finance/desk"):
        html = desk.get(path).text
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert sorted({i for i in ids if ids.count(i) > 1}) == [], path
        for target in re.findall(r'<label[^>]*\sfor="([^"]+)"', html):
            assert target in ids, (path, target)


def test_the_desk_points_to_the_card_payments_not_to_a_file_in_the_repository(
    app: Flask, world: World
) -> None:
    """Finance read "(see docs/money.md)": a path in the source code, not a page it can open."""
    html = client_for(app, world, "finance").get("/finance/desk").text
    main = html[html.index("<main") :]
    assert "docs/" not in main
    assert 'href="/payments/"' in main
    assert 'href="/payments/payouts"' in main


def test_each_owners_hold_box_has_an_id_of_its_own(app: Flask, world: World) -> None:
    """One hold form per owner's amount: every box was id="reason"."""
    with app.test_request_context():
        s = db.session
        people = {r: s.get(User, world.users[r].id) for r in ("brand", "staff", "owner")}
        make_deal(s, **people, stage="agreed")
        s.commit()
    html = client_for(app, world, "finance").get("/finance/owners").text
    boxes = re.findall(r'<textarea[^>]*\sid="([^"]+)"', html)
    assert len(boxes) >= 2
    assert len(set(boxes)) == len(boxes)


def test_the_finance_dashboard_shows_money_owed_in_dollars_too(app: Flask, world: World) -> None:
    """A brief may be priced in USD: its invoice was left off the dashboard, which read only
    shekels, so finance saw nothing to collect (never added to the shekels either)."""
    from dataclasses import replace

    from marketplace.finance import ledger

    with app.app_context():
        entries = db.session.scalars(select(JournalEntry)).all()
        copies = [
            replace(ledger.posting_of(e), currency="USD", key=f"usd-{e.id}", link=None)
            for e in entries
        ]
        ledger.post(db.session, copies)
        db.session.commit()
    html = client_for(app, world, "finance").get("/finance/").text
    cards = html[html.index('class="cards finance-figures"') :]
    assert major(world.gross, "USD") in cards
    assert "$" in cards


CSS = Path(__file__).resolve().parents[2] / "marketplace" / "static" / "kesher.css"


def docnum(number: str) -> str:
    return f'<bdi dir="ltr" class="docnum">{number}</bdi>'


def test_a_document_number_is_one_unwrapped_left_to_right_unit_on_every_page(
    app: Flask, world: World
) -> None:
    with app.app_context():
        number = db.session.get(FinanceDocument, world.invoice_id).display_number
    assert re.search(r"\.docnum\s*\{[^}]*white-space:\s*nowrap", CSS.read_text())
    brand = client_for(app, world, "brand")
    listing = brand.get("/finance/documents").text
    assert docnum(number) in listing
    page = brand.get(f"/finance/documents/{world.invoice_id}").text
    h1 = page[page.index("<h1>") : page.index("</h1>")]
    assert h1.endswith(docnum(number))
    assert "חשבונית מס" in h1
    assert page.count(docnum(number)) >= 2  # the title and the "number" row
    article = page[page.index('<article class="finance-document"') : page.index("</article>")]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", article)  # days in words, as on every page
    with app.app_context():
        issued = db.session.get(FinanceDocument, world.invoice_id).issued_on
    assert format_date(issued, format="medium", locale="he") in article
    desk = client_for(app, world, "finance").get("/finance/").text
    assert number not in desk or docnum(number) in desk


def test_why_an_owner_waits_names_the_invoice_as_one_unit(app: Flask) -> None:
    from marketplace.bidi import LRI, PDI
    from marketplace.finance.services import OwnerAmount, Pending
    from marketplace.finance.views import pending_text

    waiting = OwnerAmount(deal_id=1, owner_id=1, community="c", currency="ILS", amount_minor=1,
                          paid_minor=0, reason=Pending.BRAND_UNPAID, detail="INV-2026-000006",
                          expected_on=None)  # fmt: skip
    with app.test_request_context():
        text = pending_text(waiting)
    assert docnum(f"{LRI}INV-2026-000006{PDI}") in text
    assert hasattr(text, "__html__")  # markup, so the page does not show the tags as text


def test_a_hebrew_pdf_draws_the_number_on_one_line_in_its_own_order(
    app: Flask, world: World
) -> None:
    with app.app_context():
        number = db.session.get(FinanceDocument, world.invoice_id).display_number
    pdf = client_for(app, world, "brand").get(f"/finance/documents/{world.invoice_id}.pdf")
    lines = extract_text(io.BytesIO(pdf.data)).splitlines()
    # pdfminer reads glyphs left to right as drawn: the number must be drawn as written.
    assert sum(number in line for line in lines) >= 2
    assert not any(line.strip().endswith("-") or line.strip().startswith("-") for line in lines)
