"""Invoices, receipts and credit notes: issued from agreements, numbered, immutable, scoped."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from campaigns.deals import StopReason
from marketplace.auth.models import User
from marketplace.deals import services as deals
from marketplace.deals.models import Deal, OfferVersion
from marketplace.extensions import db
from marketplace.finance import ledger
from marketplace.finance import services as finance
from marketplace.finance.models import BatchStatus, DocumentKind, FinanceDocument, JournalEntry
from pricing.ledger import Account
from tests.factories import (
    make_deal,
    make_invoice,
    make_payment_batch,
    make_payout_hold,
    make_people,
    make_proof,
    verify_deal_posts,
)


@pytest.fixture
def people(ctx: Any, make_user: Any) -> dict[str, User]:
    return make_people(ctx, make_user, ("brand", "owner", "staff", "admin", "finance", "brand2"))


def agreed(ctx: Any, people: dict[str, User]) -> Any:
    return make_deal(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"],
                     stage="agreed")  # fmt: skip


def version_of(ctx: Any, deal: Any) -> OfferVersion:
    return ctx.get(OfferVersion, deal.agreements[-1].offer_version_id)


def invoice_of(ctx: Any, deal: Any) -> FinanceDocument:
    return ctx.scalars(
        select(FinanceDocument).where(
            FinanceDocument.deal_id == deal.id, FinanceDocument.kind == DocumentKind.TAX_INVOICE
        )
    ).one()


def test_an_agreed_deal_invoices_the_brand_price_with_vat(ctx: Any, people: Any) -> None:
    deal = agreed(ctx, people)
    version = version_of(ctx, deal)
    invoice = invoice_of(ctx, deal)
    assert invoice.net_minor == version.brand_price_minor
    assert invoice.owner_minor == version.owner_payout_minor
    assert invoice.vat_rate_bp == 1_800
    assert invoice.vat_minor == (version.brand_price_minor * 1_800 + 5_000) // 10_000
    assert invoice.gross_minor == invoice.net_minor + invoice.vat_minor
    assert invoice.display_number == f"INV-{invoice.issued_on.year}-000001"
    assert sum(line["net_minor"] for line in invoice.lines) == invoice.net_minor
    assert invoice.seller["vat_number"]
    assert invoice.seller["name_he"] == "קשר מדיה קהילתית בע״מ"  # the Hebrew PDF prints it
    assert invoice.buyer["country"] == "IL"
    assert invoice.due_on == invoice.issued_on + dt.timedelta(days=30)
    assert ledger.balance(ctx, Account.BRAND_RECEIVABLE, deal.currency,
                          deal_id=deal.id) == invoice.gross_minor  # fmt: skip
    assert ledger.balance(ctx, Account.OWNER_PAYABLE, deal.currency,
                          owner_id=deal.owner_id) == version.owner_payout_minor  # fmt: skip


def test_a_foreign_brand_is_invoiced_at_zero_rate(ctx: Any, people: Any) -> None:
    finance.update_billing_profile(ctx, people["brand"].organisation_id, actor=people["finance"],
                                   country="us", legal_name="Acme Inc.")  # fmt: skip
    invoice = invoice_of(ctx, agreed(ctx, people))
    assert (invoice.vat_rate_bp, invoice.vat_minor) == (0, 0)
    assert invoice.buyer == {**invoice.buyer, "name": "Acme Inc.", "country": "US"}


def test_the_vat_rate_follows_the_configuration(app_factory: Any, make_user: Any) -> None:
    app = app_factory(VAT_RATE_BP=1_700)
    with app.test_request_context():
        people = {r: db.session.get(User, make_user(r).id) for r in ("brand", "owner", "staff")}
        deal = agreed(db.session, people)
        assert invoice_of(db.session, deal).vat_rate_bp == 1_700


def test_an_amendment_is_billed_by_its_difference(ctx: Any, people: Any) -> None:
    deal = agreed(ctx, people)
    first = invoice_of(ctx, deal)
    version = version_of(ctx, deal)
    # Invoicing the same agreement again changes nothing; a cheaper amendment is a credit note.
    assert finance.invoice_agreement(ctx, deal, deal.agreements[-1]) is None
    cheaper = OfferVersion(
        offer_id=version.offer_id, number=99, author_side="agency", terms=version.terms,
        owner_payout_minor=version.owner_payout_minor - 1_000,
        brand_price_minor=version.brand_price_minor - 1_500,
    )  # fmt: skip
    ctx.add(cheaper)
    ctx.flush()
    amendment = type(deal.agreements[-1])(
        deal_id=deal.id, number=2, offer_version_id=cheaper.id, content_hash="x" * 64,
        document={}, language="he",
    )  # fmt: skip
    ctx.add(amendment)
    ctx.flush()
    credit = finance.invoice_agreement(ctx, deal, amendment)
    assert credit is not None
    assert (credit.kind, credit.related_id, credit.net_minor) == (
        DocumentKind.CREDIT_NOTE,
        first.id,
        1_500,
    )
    assert (credit.owner_minor, credit.margin_minor) == (1_000, 500)
    assert finance.billed(ctx, deal.id).net_minor == version.brand_price_minor - 1_500


def test_a_cancelled_deal_is_credited_in_full(ctx: Any, people: Any) -> None:
    deal = agreed(ctx, people)
    deals.cancel_deal(ctx, deal.id, StopReason.BRAND_WITHDREW, actor=people["staff"])
    assert finance.billed(ctx, deal.id).gross_minor == 0
    assert ledger.balance(ctx, Account.BRAND_RECEIVABLE, deal.currency, deal_id=deal.id) == 0
    assert ledger.balance(ctx, Account.OWNER_PAYABLE, deal.currency, deal_id=deal.id) == 0


def test_a_bank_payment_is_recorded_with_a_receipt(ctx: Any, people: Any) -> None:
    deal = agreed(ctx, people)
    invoice = invoice_of(ctx, deal)
    half = invoice.gross_minor // 2
    receipt = finance.record_bank_payment(ctx, invoice.id, amount_minor=half,
                                          currency=invoice.currency, reference="HAP-1",
                                          actor=people["finance"])  # fmt: skip
    assert receipt.kind is DocumentKind.RECEIPT
    assert receipt.display_number.startswith("RCP-")
    assert receipt.gross_minor == half
    assert finance.outstanding(ctx, invoice) == invoice.gross_minor - half
    assert ledger.balance(ctx, Account.BANK, invoice.currency) == half


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"currency": "USD"}, "not USD"),
        ({"amount_minor": 0}, "more than zero"),
        ({"amount_minor": -5}, "more than zero"),
        ({"amount_minor": 10**12}, "at most"),
        ({"reference": "  "}, "reference"),
    ],
)
def test_a_tampered_payment_is_refused_and_writes_nothing(
    ctx: Any, people: Any, change: dict[str, Any], message: str
) -> None:
    invoice = invoice_of(ctx, agreed(ctx, people))
    ctx.commit()
    before = ctx.scalar(select(func.count(JournalEntry.id)))
    documents = ctx.scalar(select(func.count(FinanceDocument.id)))
    request = {"amount_minor": 100, "currency": invoice.currency, "reference": "R1", **change}
    with pytest.raises(finance.PaymentRefused, match=message):
        finance.record_bank_payment(ctx, invoice.id, actor=people["finance"], **request)
    assert ctx.scalar(select(func.count(JournalEntry.id))) == before
    assert ctx.scalar(select(func.count(FinanceDocument.id))) == documents


def test_a_reference_is_recorded_once_per_invoice(ctx: Any, people: Any) -> None:
    invoice = invoice_of(ctx, agreed(ctx, people))
    pay = {"amount_minor": 100, "currency": invoice.currency, "reference": "R1"}
    finance.record_bank_payment(ctx, invoice.id, actor=people["finance"], **pay)
    with pytest.raises(finance.PaymentRefused, match="already"):
        finance.record_bank_payment(ctx, invoice.id, actor=people["finance"], **pay)


def test_only_finance_records_money(ctx: Any, people: Any) -> None:
    invoice = invoice_of(ctx, agreed(ctx, people))
    for who in ("brand", "staff", "owner"):
        with pytest.raises(finance.Forbidden):
            finance.record_bank_payment(ctx, invoice.id, amount_minor=1, currency="ILS",
                                        reference="x", actor=people[who])  # fmt: skip


def test_a_credit_note_after_payment_refunds_the_brand(ctx: Any, people: Any) -> None:
    deal = agreed(ctx, people)
    invoice = invoice_of(ctx, deal)
    cur = invoice.currency
    finance.record_bank_payment(ctx, invoice.id, amount_minor=invoice.gross_minor, currency=cur,
                                reference="FULL", actor=people["finance"])  # fmt: skip
    credit = finance.issue_credit_note(ctx, invoice.id, gross_minor=11_800, currency=cur,
                                       reason="missed placement", refund=True,
                                       actor=people["finance"])  # fmt: skip
    assert (credit.net_minor, credit.vat_minor) == (10_000, 1_800)
    assert ledger.balance(ctx, Account.BRAND_RECEIVABLE, cur, deal_id=deal.id) == 0
    assert ledger.balance(ctx, Account.BANK, cur) == invoice.gross_minor - 11_800
    room = invoice.gross_minor - 11_800
    with pytest.raises(finance.PaymentRefused, match="at most"):
        finance.issue_credit_note(ctx, invoice.id, gross_minor=room + 1, currency=cur,
                                  reason="x", refund=False, actor=people["finance"])  # fmt: skip
    # The last credit takes exactly what is left: the invoice nets to zero, to the agora.
    finance.issue_credit_note(ctx, invoice.id, gross_minor=room, currency=cur, reason="rest",
                              refund=True, actor=people["finance"])  # fmt: skip
    assert finance.billed(ctx, deal.id) == finance.Billed(0, 0, 0, 0)
    assert ledger.balance(ctx, Account.AGENCY_REVENUE, cur, deal_id=deal.id) == 0
    assert ledger.balance(ctx, Account.VAT_PAYABLE, cur, deal_id=deal.id) == 0


def test_brands_see_only_their_own_documents(ctx: Any, people: Any) -> None:
    invoice = invoice_of(ctx, agreed(ctx, people))
    assert finance.visible_documents(ctx, people["brand"]) == [invoice]
    assert finance.visible_documents(ctx, people["brand2"]) == []
    assert finance.visible_documents(ctx, people["owner"]) == []
    assert finance.get_document(ctx, invoice.id, people["brand"]) is invoice
    for who in ("brand2", "owner", "staff"):
        with pytest.raises(finance.DocumentNotFound):
            finance.get_document(ctx, invoice.id, people[who])


def test_an_invoice_above_the_threshold_waits_for_its_allocation_number(
    app_factory: Any, make_user: Any
) -> None:
    app = app_factory(VAT_ALLOCATION_THRESHOLD_MINOR=100)
    with app.test_request_context():
        ctx = db.session
        people = {r: ctx.get(User, make_user(r).id) for r in ("brand", "owner", "staff", "finance")}
        invoice = invoice_of(ctx, agreed(ctx, people))
        assert invoice.needs_allocation
        with pytest.raises(finance.DocumentNotFound):
            finance.get_document(ctx, invoice.id, people["brand"])
        with pytest.raises(finance.PaymentRefused, match="digits"):
            finance.enter_allocation_number(ctx, invoice.id, "12ab", actor=people["finance"])
        finance.enter_allocation_number(ctx, invoice.id, "123456789", actor=people["finance"])
        assert finance.get_document(ctx, invoice.id, people["brand"]).allocation.number == (
            "123456789"
        )
        with pytest.raises(finance.PaymentRefused, match="already"):
            finance.enter_allocation_number(ctx, invoice.id, "987654321", actor=people["finance"])


def test_issued_documents_are_refused_update_and_delete_by_the_database(
    ctx: Any, people: Any
) -> None:
    invoice = invoice_of(ctx, agreed(ctx, people))
    ctx.commit()
    for statement in (
        "UPDATE finance_documents SET net_minor = 1 WHERE id = :id",
        "DELETE FROM finance_documents WHERE id = :id",
    ):
        with pytest.raises(DBAPIError):
            ctx.execute(text(statement), {"id": invoice.id})
        ctx.rollback()
    assert ctx.get(FinanceDocument, invoice.id).net_minor > 1


def test_the_finance_factories_build_an_invoice_a_hold_and_a_paid_batch(
    ctx: Any, people: Any
) -> None:
    invoice = make_invoice(ctx, brand=people["brand"], staff=people["staff"],
                           owner=people["owner"], country="DE")  # fmt: skip
    assert (invoice.kind, invoice.vat_rate_bp, invoice.buyer["country"]) == (
        DocumentKind.TAX_INVOICE, 0, "DE",
    )  # fmt: skip
    deal = ctx.get(Deal, invoice.deal_id)
    hold = make_payout_hold(ctx, deal, actor=people["finance"])
    assert finance.owner_amounts(ctx)[0].reason is finance.Pending.HELD
    finance.release_hold(ctx, hold.id, actor=people["finance"])
    batch = make_payment_batch(
        ctx, invoice, actor=people["finance"], staff=people["staff"], paid=True
    )
    assert batch.status is BatchStatus.PAID
    assert [i.amount_minor for i in batch.items] == [invoice.owner_minor]
    assert ledger.balance(ctx, Account.OWNER_PAYABLE, invoice.currency, deal_id=deal.id) == 0
    [paid] = finance.owner_amounts(ctx, owner_id=deal.owner_id, include_paid=True)
    assert (paid.amount_minor, paid.paid_minor) == (0, invoice.owner_minor)


def amend(ctx: Any, deal: Any, number: int, *, payout: int, price: int) -> Any:
    version = version_of(ctx, deal)
    row = OfferVersion(
        offer_id=version.offer_id, number=90 + number, author_side="agency",
        terms=version.terms, owner_payout_minor=payout, brand_price_minor=price,
    )  # fmt: skip
    ctx.add(row)
    ctx.flush()
    agreement = type(deal.agreements[-1])(
        deal_id=deal.id, number=number, offer_version_id=row.id,
        content_hash=f"{number}" * 64, document={}, language="he",
    )  # fmt: skip
    ctx.add(agreement)
    ctx.flush()
    return finance.invoice_agreement(ctx, deal, agreement)


def test_a_payout_amendment_the_brand_does_not_pay_for_comes_out_of_the_margin(
    ctx: Any, people: Any
) -> None:
    deal = agreed(ctx, people)
    version = version_of(ctx, deal)
    cur, payout, price = deal.currency, version.owner_payout_minor, version.brand_price_minor
    margin = ledger.balance(ctx, Account.AGENCY_REVENUE, cur, deal_id=deal.id)
    assert amend(ctx, deal, 2, payout=payout + 700, price=price) is None
    assert ledger.balance(ctx, Account.OWNER_PAYABLE, cur, deal_id=deal.id) == payout + 700
    assert ledger.balance(ctx, Account.AGENCY_REVENUE, cur, deal_id=deal.id) == margin - 700
    # Price up, payout down: an invoice for the price, the payout's move through the margin.
    extra = amend(ctx, deal, 3, payout=payout - 300, price=price + 1_000)
    assert extra is not None
    assert (extra.kind, extra.net_minor, extra.owner_minor) == (DocumentKind.TAX_INVOICE, 1_000, 0)
    assert ledger.balance(ctx, Account.OWNER_PAYABLE, cur, deal_id=deal.id) == payout - 300
    assert finance.billed(ctx, deal.id).owner_minor == payout - 300
    assert ledger.balance(ctx, Account.AGENCY_REVENUE, cur, deal_id=deal.id) == (
        price + 1_000 - (payout - 300)
    )


def test_a_bank_payment_to_the_owner_waits_for_delivery_to_verify_every_post(
    ctx: Any, people: Any
) -> None:
    """The bank route waits on delivery like a Stripe payout: verified posts, no dispute."""
    from marketplace.delivery import services as delivery
    from marketplace.delivery.models import Post

    invoice = make_invoice(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"])
    finance.record_bank_payment(ctx, invoice.id, amount_minor=invoice.gross_minor,
                                currency=invoice.currency, reference="F-1",
                                actor=people["finance"])  # fmt: skip
    later = dt.date.today() + dt.timedelta(days=400)  # every placement ran, terms are due
    posts = ctx.scalars(select(Post).where(Post.deal_id == invoice.deal_id)).all()
    assert posts

    def why() -> tuple[finance.Pending, str]:
        [amount] = finance.owner_amounts(ctx, today=later)
        return amount.reason, amount.detail

    assert why() == (finance.Pending.UNVERIFIED, f"{len(posts)}/{len(posts)}")
    with pytest.raises(finance.PaymentRefused):
        finance.create_batch(ctx, invoice.currency, actor=people["finance"], today=later)

    first = posts[0]
    proof = make_proof(ctx, first, actor=people["owner"])
    delivery.decide_proof(ctx, proof.id, verify=False, reason="text_differs",
                          text="no disclosure", actor=people["staff"])  # fmt: skip
    assert why() == (finance.Pending.POST_DISPUTED, "1")

    verify_deal_posts(ctx, invoice.deal_id, owner=people["owner"], staff=people["staff"])
    assert why()[0] is finance.Pending.POST_DISPUTED  # the disputed post needs a new proof
    proof = make_proof(ctx, first, actor=people["owner"])
    delivery.decide_proof(ctx, proof.id, verify=True, actor=people["staff"])
    assert why()[0] is finance.Pending.READY
    batch = finance.create_batch(ctx, invoice.currency, actor=people["finance"], today=later)
    assert [item.deal_id for item in batch.items] == [invoice.deal_id]


def test_an_agency_that_names_itself_is_not_named_as_the_demo_agency_in_hebrew(
    app_factory: Any,
) -> None:
    """KESHER_SELLER_NAME / _ADDRESS set, their _HE left alone: Hebrew invoices (the default
    language) printed the demo's Hebrew name and address as the seller of a tax invoice."""
    from marketplace.finance.services.common import seller

    with app_factory(SELLER_NAME="Acme Media Ltd", SELLER_ADDRESS="Haifa, Israel").app_context():
        named = seller()
    assert (named.get("name_he") or named["name"]) == "Acme Media Ltd"
    assert (named.get("address_he") or named["address"]) == "Haifa, Israel"
    with app_factory(SELLER_NAME="Acme Media Ltd", SELLER_NAME_HE="אקמה מדיה בע״מ").app_context():
        assert seller()["name_he"] == "אקמה מדיה בע״מ"
    with app_factory().app_context():  # the demo keeps its Hebrew name
        assert seller()["name_he"] == "קשר מדיה קהילתית בע״מ"
