"""Finance pages: the desk (balances, charts, aging), documents, owners' money, batches, journal.

Finance and admins use the desk; a brand's members see only their organisation's documents;
an owner sees only their own money. Who may reach each route is in ``marketplace.policy``;
each service scopes what it returns to the person asking.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from marketplace import ratelimits, spreadsheet
from marketplace.auth.models import Organisation
from marketplace.bidi import docnum, isolate_ltr
from marketplace.db import utcnow
from marketplace.documents.pdf import render_pdf
from marketplace.extensions import db
from marketplace.finance import ledger, reports, services
from marketplace.finance.documents import pdf_document
from marketplace.finance.forms import (
    AllocationForm,
    BankPaymentForm,
    BatchForm,
    BatchPaidForm,
    BillingProfileForm,
    CreditNoteForm,
    HoldForm,
    PeriodForm,
    ReleaseForm,
)
from marketplace.finance.models import DocumentKind, FinanceDocument
from marketplace.finance.services import FINANCE_ROLES, Pending
from marketplace.web import unit_of_work
from pricing.ledger import Account, EntryKind
from pricing.money import Money

bp = Blueprint("finance", __name__, url_prefix="/finance")

KIND_LABELS = {
    DocumentKind.TAX_INVOICE: _l("Tax invoice"),
    DocumentKind.CREDIT_NOTE: _l("Credit note"),
    DocumentKind.RECEIPT: _l("Receipt"),
}
ACCOUNT_LABELS = {
    Account.BRAND_RECEIVABLE: _l("Brand receivables"),
    Account.STRIPE_CASH: _l("Cash at Stripe"),
    Account.BANK: _l("Bank"),
    Account.OWNER_RECEIVABLE: _l("Owed back by owners"),
    Account.STRIPE_FEES: _l("Stripe fees"),
    Account.FX_CONVERSION: _l("Currency exchange in flight"),
    Account.OWNER_PAYABLE: _l("Owed to owners"),
    Account.AGENCY_REVENUE: _l("Agency revenue (margin)"),
    Account.VAT_PAYABLE: _l("VAT payable"),
    Account.BRAND_CREDIT: _l("Brand credit"),
}
ENTRY_LABELS = {
    EntryKind.INVOICE_ISSUED.value: _l("Invoice issued"),
    EntryKind.CREDIT_NOTE.value: _l("Credit note"),
    EntryKind.BANK_PAYMENT_RECEIVED.value: _l("Bank transfer received"),
    EntryKind.CARD_PAYMENT_CAPTURED.value: _l("Card payment captured"),
    EntryKind.REFUND.value: _l("Refund"),
    EntryKind.TRANSFER_TO_OWNER.value: _l("Stripe transfer to an owner"),
    EntryKind.TRANSFER_REVERSED.value: _l("Stripe transfer reversed"),
    EntryKind.BANK_PAYOUT_TO_OWNER.value: _l("Bank payout to an owner"),
    EntryKind.STRIPE_PAYOUT_TO_BANK.value: _l("Stripe payout to our bank"),
    EntryKind.FX_CONVERSION.value: _l("Currency exchange"),
    EntryKind.PAYOUT_ADJUSTED.value: _l("Payout adjusted"),
    EntryKind.REVERSAL.value: _l("Reversal"),
}
SERIES_LABELS = {
    "cash_in": _l("Cash in"),
    "owed_at_end": _l("Owed to owners (month end)"),
    "paid_out": _l("Paid to owners"),
    "margin": _l("Margin"),
}
BUCKET_LABELS = {
    "current": _l("Not yet due"),
    "1-30": _l("1–30 days late"),
    "31-60": _l("31–60 days late"),
    "61-90": _l("61–90 days late"),
    "90+": _l("Over 90 days late"),
}


def user() -> Any:
    """The signed-in User (not the proxy)."""
    return current_user._get_current_object()  # noqa: SLF001


def _today() -> dt.date:
    return utcnow().date()


#: Where a document number goes in a translated sentence before it is marked up.
_SLOT = "\x00"


def _with_number(sentence: str, number: str) -> Markup:
    """The sentence (escaped) with the document number in its slot as one unwrapped LTR unit."""
    before, _slot, after = sentence.partition(_SLOT)
    return escape(before) + docnum(isolate_ltr(number)) + escape(after)


def pending_text(amount: services.OwnerAmount) -> str:
    """Why an owner's amount is not paid yet, in words."""
    detail = amount.detail
    if amount.reason in (Pending.NOT_RUN, Pending.NOT_DUE):
        detail = str(format_date(dt.date.fromisoformat(detail)))
    texts = {
        Pending.HELD: _("Held while a dispute is settled: %(why)s", why=detail),
        Pending.IN_BATCH: _("In payment batch %(batch)s, sent to the bank", batch=detail),
        Pending.POST_DISPUTED: _(
            "Held: the agency disputed %(count)s post(s); paid once a new proof is verified",
            count=detail,
        ),
        Pending.POST_MISSED: _(
            "%(count)s post(s) missed: the agency decides (a refund or a re-run)", count=detail
        ),
        Pending.UNVERIFIED: _(
            "Waiting for %(count)s of %(total)s posts to be verified",
            count=detail.partition("/")[0],
            total=detail.partition("/")[2],
        ),
        Pending.NOT_RUN: _(
            "Waiting for the placements to run (the last ends %(date)s)", date=detail
        ),  # fmt: skip
        Pending.BRAND_UNPAID: _with_number(
            _("Waiting for the brand to pay invoice %(number)s", number=_SLOT), detail
        ),
        Pending.NOT_DUE: _("Payment terms: due on %(date)s", date=detail),
        Pending.READY: _("Ready: in the next payment batch") if detail != "paid" else _("Paid"),
    }
    return texts[amount.reason]


def _as_of() -> dt.date | None:
    form = PeriodForm(request.args)
    return form.on.data if form.validate() else None


def _currency() -> str:
    form = PeriodForm(request.args)
    wanted = form.currency.data if form.validate() else None
    return str(wanted or "ILS")


@bp.get("/desk")
def desk() -> ResponseReturnValue:
    """The finance desk: balances, money by period (charts), by brand and campaign, aging."""
    currency = _currency()
    today = _today()
    session = db.session
    periods = reports.by_period(session, currency, today=today)
    chart = reports.period_chart(periods)
    on = _as_of()
    balances = ledger.balances(session, on=on)
    amounts = services.owner_amounts(session, today=today)
    return render_template(
        "finance/desk.html",
        currency=currency,
        as_of=on,
        period_form=PeriodForm(request.args),
        periods=periods,
        chart=chart,
        series_labels=SERIES_LABELS,
        balances=[
            (ACCOUNT_LABELS[account], amount)
            for (account, cur), amount in sorted(balances.items(), key=lambda kv: kv[0][0].value)
            if cur == currency
        ],
        brands=reports.by_brand(session, currency),
        campaigns=reports.by_campaign(session, currency),
        receivables=reports.receivables_aging(session, currency, today=today),
        payables=reports.payables_aging(amounts, currency, today=today),
        bucket_labels=BUCKET_LABELS,
        ready=sum(1 for a in amounts if a.reason is Pending.READY and a.currency == currency),
        batch_form=BatchForm(currency=currency),
        batches=services.batches(session)[:10],
        documents=services.visible_documents(session, user())[:20],
        kind_labels=KIND_LABELS,
    )


@bp.get("/documents")
def documents() -> ResponseReturnValue:
    """Invoices, credit notes and receipts: all for finance, a brand's own for its members."""
    rows = [
        d
        for d in services.visible_documents(db.session, user())
        if user().role in FINANCE_ROLES or not (d.needs_allocation and d.allocation is None)
    ]
    return render_template("finance/documents.html", documents=rows, kind_labels=KIND_LABELS)


def _related_number(document: FinanceDocument) -> str | None:
    if document.related_id is None:
        return None
    related = db.session.get(FinanceDocument, document.related_id)
    return related.display_number if related else None


@bp.get("/documents/<int:document_id>")
def document(document_id: int) -> ResponseReturnValue:
    """One document as a page; finance also gets the forms that act on it."""
    return _document_page(document_id)


def _document_page(document_id: int, **submitted: Any) -> str:
    """The document's page; a form finance submitted with errors comes back filled in."""
    doc = services.get_document(db.session, document_id, user())
    finance_user = user().role in FINANCE_ROLES
    context: dict[str, Any] = {}
    if finance_user and doc.kind is DocumentKind.TAX_INVOICE:
        outstanding = services.outstanding(db.session, doc)
        room = doc.gross_minor - services.credited_gross(db.session, doc)
        context = {
            "outstanding": outstanding,
            "payment_form": BankPaymentForm(
                currency=doc.currency,
                amount=Money(max(outstanding, 0), doc.currency).as_decimal(),
            ),
            "credit_form": CreditNoteForm(currency=doc.currency),
            "credit_room": room,
            "allocation_form": AllocationForm(),
            **submitted,
        }
    related_number = _related_number(doc)
    return render_template(
        "finance/document.html",
        doc=doc,
        # Document numbers on the page stay one left-to-right unit (never "INV-" / "2026-…").
        numbers=[n for n in (doc.display_number, related_number) if n],
        pdf=pdf_document(
            doc,
            related_number=related_number,
            allocation=doc.allocation.number if doc.allocation else None,
        ),  # fmt: skip
        related=services.related_documents(db.session, doc),
        kind_labels=KIND_LABELS,
        finance_user=finance_user,
        **context,
    )


@bp.get("/documents/<int:document_id>.pdf")
@ratelimits.document
def document_pdf(document_id: int) -> ResponseReturnValue:
    """The document as a PDF (Hebrew right to left), in the language it was issued in."""
    doc = services.get_document(db.session, document_id, user())
    allocation = doc.allocation.number if doc.allocation else None
    body = render_pdf(pdf_document(doc, related_number=_related_number(doc),
                                   allocation=allocation))  # fmt: skip
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{doc.display_number}.pdf"'},
    )


def _minor(form: Any) -> tuple[int, str] | None:
    """The form's amount in minor units, or None with the error on the amount field."""
    currency = str(form.currency.data)
    try:
        return Money.from_major(form.amount.data, currency).amount_minor, currency
    except ValueError:
        form.amount.errors = [_("At most two decimal places.")]
        return None


@bp.post("/documents/<int:document_id>/payment")
def record_payment(document_id: int) -> ResponseReturnValue:
    """Finance marks a bank transfer received against an invoice."""
    form = BankPaymentForm()
    money = _minor(form) if form.validate_on_submit() else None
    if money is None:
        return _document_page(document_id, payment_form=form), 400
    amount, currency = money
    with unit_of_work():
        receipt = services.record_bank_payment(db.session, document_id, amount_minor=amount,
                                               currency=currency,
                                               reference=form.reference.data or "",
                                               actor=user())  # fmt: skip
        number = receipt.display_number
    flash(_("Payment recorded; receipt %(number)s issued.", number=number), "success")
    return redirect(url_for("finance.document", document_id=document_id))


@bp.post("/documents/<int:document_id>/credit")
def credit(document_id: int) -> ResponseReturnValue:
    """Finance credits (part of) an invoice, refunding what was overpaid."""
    form = CreditNoteForm()
    money = _minor(form) if form.validate_on_submit() else None
    if money is None:
        return _document_page(document_id, credit_form=form), 400
    amount, currency = money
    with unit_of_work():
        note = services.issue_credit_note(db.session, document_id, gross_minor=amount,
                                          currency=currency, reason=form.reason.data or "",
                                          refund=bool(form.refund.data), actor=user())  # fmt: skip
        number = note.display_number
    flash(_("Credit note %(number)s issued.", number=number), "success")
    return redirect(url_for("finance.document", document_id=document_id))


@bp.post("/documents/<int:document_id>/allocation")
def allocation(document_id: int) -> ResponseReturnValue:
    """Finance records the Tax Authority's allocation number of an invoice."""
    form = AllocationForm()
    if not form.validate_on_submit():
        return _document_page(document_id, allocation_form=form), 400
    with unit_of_work():
        services.enter_allocation_number(db.session, document_id, form.number.data or "",
                                         actor=user())  # fmt: skip
    flash(_("Allocation number recorded; the brand can now see the invoice."), "success")
    return redirect(url_for("finance.document", document_id=document_id))


@bp.get("/owners")
def owners() -> ResponseReturnValue:
    """Every amount owed to owners: why it waits and when it is expected; holds."""
    amounts = services.owner_amounts(db.session, today=_today())
    return render_template(
        "finance/owners.html",
        amounts=amounts,
        names=reports.owner_names(db.session, (a.owner_id for a in amounts)),
        pending_text=pending_text,
        hold_form=HoldForm(),
        release_form=ReleaseForm(),
        holds=services.open_holds(db.session),
    )


@bp.post("/deals/<int:deal_id>/hold")
def hold(deal_id: int) -> ResponseReturnValue:
    """Hold a deal's payout while it is disputed."""
    form = HoldForm()
    if not form.validate_on_submit():
        flash(_("Say why the payout is held; nothing was held."), "error")
        return redirect(url_for("finance.owners"))
    with unit_of_work():
        services.hold_payout(db.session, deal_id, form.reason.data or "", actor=user())
    flash(_("The payout is held; the owner sees why."), "success")
    return redirect(url_for("finance.owners"))


@bp.post("/holds/<int:hold_id>/release")
def release(hold_id: int) -> ResponseReturnValue:
    """Release a hold."""
    if not ReleaseForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        services.release_hold(db.session, hold_id, actor=user())
    flash(_("The hold is released."), "success")
    return redirect(url_for("finance.owners"))


@bp.post("/batches")
def create_batch() -> ResponseReturnValue:
    """Put every ready owner amount of a currency in a payment batch."""
    form = BatchForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        batch = services.create_batch(db.session, str(form.currency.data), actor=user(),
                                      today=_today())  # fmt: skip
        batch_id = batch.id
    flash(_("Payment batch %(batch)s is ready to export.", batch=batch_id), "success")
    return redirect(url_for("finance.batch", batch_id=batch_id))


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int) -> ResponseReturnValue:
    """A payment batch: its owner amounts, its exports, and marking it paid."""
    found = services.get_batch(db.session, batch_id)
    return render_template("finance/batch.html", batch=found, paid_form=BatchPaidForm())


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _export(header: Any, rows: list[list[Any]], fmt: str, name: str) -> Response:
    if fmt not in EXPORT_TYPES:
        abort(404)
    if fmt == "csv":
        body = spreadsheet.write_csv(header, rows)
    else:
        body = spreadsheet.write_xlsx(header, rows, title=name[:31])
    return Response(
        body,
        mimetype=EXPORT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@bp.get("/batches/<int:batch_id>.<fmt>")
@ratelimits.document
def batch_export(batch_id: int, fmt: str) -> ResponseReturnValue:
    """The batch for the bank, as CSV or XLSX (formula-like cells neutralised)."""
    found = services.get_batch(db.session, batch_id)
    return _export(reports.BATCH_HEADER, reports.batch_rows(found), fmt, f"kesher-batch-{batch_id}")


@bp.post("/batches/<int:batch_id>/paid")
def batch_paid(batch_id: int) -> ResponseReturnValue:
    """The bank paid the batch: the payouts are posted and owners see them paid."""
    form = BatchPaidForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        services.mark_batch_paid(db.session, batch_id, reference=form.reference.data or "",
                                 actor=user())  # fmt: skip
    flash(_("The batch is marked paid."), "success")
    return redirect(url_for("finance.batch", batch_id=batch_id))


@bp.get("/journal")
def journal() -> ResponseReturnValue:
    """The journal, newest last, with links to its exports."""
    entries = ledger.entries(db.session)
    return render_template(
        "finance/journal.html",
        rows=reports.journal_rows(entries[-500:]),
        account_labels=ACCOUNT_LABELS,
        entry_labels=ENTRY_LABELS,
    )


@bp.get("/documents.<fmt>")
@ratelimits.document
def documents_export(fmt: str) -> ResponseReturnValue:
    """The register of invoices, credit notes and receipts for the accountant (CSV or XLSX)."""
    rows = reports.document_rows(services.visible_documents(db.session, user()))
    return _export(reports.DOCUMENTS_HEADER, rows, fmt, "kesher-documents")


@bp.get("/journal.<fmt>")
@ratelimits.document
def journal_export(fmt: str) -> ResponseReturnValue:
    """The whole journal for the accountant, as CSV or XLSX."""
    rows = reports.journal_rows(ledger.entries(db.session))
    return _export(reports.JOURNAL_HEADER, rows, fmt, "kesher-journal")


@bp.get("/my-money")
def my_money() -> ResponseReturnValue:
    """The owner's money has one page, with the Stripe account's state: the payments page."""
    return redirect(url_for("payments.owner"), 301)


@bp.route("/brands/<int:organisation_id>/billing", methods=["GET", "POST"])
def billing(organisation_id: int) -> ResponseReturnValue:
    """Finance edits a brand's billing details (issued documents keep the old ones)."""
    if db.session.get(Organisation, organisation_id) is None:
        abort(404)
    form = BillingProfileForm(obj=services.billing_details(db.session, organisation_id))
    if form.validate_on_submit():
        with unit_of_work():
            services.update_billing_profile(
                db.session, organisation_id, actor=user(),
                legal_name=form.legal_name.data or "", vat_number=form.vat_number.data or "",
                address=form.address.data or "", country=form.country.data or "IL",
                email=form.email.data or "",
            )  # fmt: skip
        flash(_("Billing details saved; the next documents carry them."), "success")
        return redirect(url_for("finance.desk"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "finance/billing.html", form=form, organisation_id=organisation_id
    ), status
