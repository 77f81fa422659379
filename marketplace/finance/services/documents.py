"""Finance services: invoices, receipts and credit notes; bank payments; owners' money; batches.

Every amount comes from the stored agreement or the ledger, never from the request: a request
names a document and says what it believes (amount, currency), and a mismatch is refused before
anything is written. Each money fact is posted to the ledger (:mod:`marketplace.finance.ledger`)
in the same transaction as its document. Services flush, never commit.

Invoicing an agreement (``deal.agreed``): the first agreement is invoiced in full, one line per
placement at the brand's price. An amendment is invoiced for the *difference* with what the
deal's documents already bill (invoices less credit notes): an additional tax invoice when the
brand price went up, a credit note when it went down, nothing when it did not move. Issued
documents are never changed, so the amendment never rewrites the first invoice.
A cancelled deal gets a credit note for whatever its documents still bill; money the brand
already paid is then owed back to it and refunded by finance.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from marketplace import events
from marketplace.auth.models import Organisation, Role, User
from marketplace.db import SessionLike, utcnow
from marketplace.deals.models import Agreement, Deal, OfferVersion
from marketplace.errors import Conflict, Forbidden, NotFound
from marketplace.finance import ledger
from marketplace.finance.models import (
    SERIES_PREFIX,
    AllocationNumber,
    BatchStatus,
    BillingProfile,
    DocumentCounter,
    DocumentKind,
    FinanceDocument,
    JournalEntry,
    JournalLine,
    PaymentBatch,
    PaymentBatchItem,
    PayoutHold,
)
from pricing import ledger as rules
from pricing import vat as vat_rules
from pricing.ledger import Account, Parties

FINANCE_ROLES = frozenset({Role.FINANCE, Role.ADMIN})


class DocumentNotFound(NotFound):
    """No document by that id that this user may see."""


class PaymentRefused(Conflict):
    """A payment, credit or payout whose amount, currency or state does not match the books."""


class BatchNotFound(NotFound):
    """No payment batch by that id."""


# --- configuration --------------------------------------------------------------------------


def vat_rate_bp() -> int:
    """The standard Israeli VAT rate in basis points (``KESHER_VAT_RATE_BP``, 1,800 today)."""
    return int(current_app.config.get("VAT_RATE_BP", vat_rules.DEFAULT_VAT_RATE_BP))


def allocation_threshold_minor() -> int:
    """Net amount (agorot) above which an invoice needs the Tax Authority's allocation number."""
    return int(
        current_app.config.get(
            "VAT_ALLOCATION_THRESHOLD_MINOR", vat_rules.DEFAULT_ALLOCATION_THRESHOLD_MINOR
        )
    )


def brand_payment_days() -> int:
    """Days a brand has to pay an invoice."""
    return int(current_app.config.get("BRAND_PAYMENT_DAYS", 30))


def seller() -> dict[str, str]:
    """The agency as its invoices name it (``KESHER_SELLER_*``)."""
    config = current_app.config
    return {
        "name": str(config.get("SELLER_NAME", "Kesher Community Media Ltd")),
        "vat_number": str(config.get("SELLER_VAT_NUMBER", "516000000")),
        "address": str(config.get("SELLER_ADDRESS", "Tel Aviv, Israel")),
        "email": str(config.get("SELLER_EMAIL", "finance@kesher.example")),
    }


# --- numbering ------------------------------------------------------------------------------


def series_for(kind: DocumentKind, on: dt.date) -> str:
    """A kind's series for the year of ``on`` (numbers restart at 1 each year)."""
    return f"{SERIES_PREFIX[kind]}-{on.year}"


def next_number(session: SessionLike, series: str) -> int:
    """Take the next number of a series: the counter row is locked until the commit.

    Two concurrent issuers wait for each other on the row lock (FOR UPDATE on PostgreSQL;
    SQLite has one writer at a time), so numbers are never duplicated; a transaction that rolls
    back returns its number with it, so numbers never have a gap.
    """
    bind = session.get_bind()
    insert = pg_insert if bind.dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(DocumentCounter)
        .values(series=series, next_number=1)
        .on_conflict_do_nothing(index_elements=["series"])
    )
    counter = session.scalars(
        select(DocumentCounter)
        .where(DocumentCounter.series == series)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    number = counter.next_number
    counter.next_number = number + 1
    session.flush()
    return number


# --- documents ------------------------------------------------------------------------------


def billing_profile(session: SessionLike, organisation_id: int) -> BillingProfile:
    """The brand's billing details (blank, in Israel, until someone fills them in)."""
    profile = session.get(BillingProfile, organisation_id)
    if profile is None:
        profile = BillingProfile(organisation_id=organisation_id, country="IL")
        session.add(profile)
        session.flush()
    return profile


def billing_details(session: SessionLike, organisation_id: int) -> BillingProfile:
    """The brand's billing details to show, without storing a blank row (a read)."""
    return session.get(BillingProfile, organisation_id) or BillingProfile(
        organisation_id=organisation_id, legal_name="", vat_number="", address="",
        country="IL", email="",
    )  # fmt: skip


def update_billing_profile(
    session: SessionLike, organisation_id: int, *, actor: User, **fields: str
) -> BillingProfile:
    """Change a brand's billing details (its later documents carry them; issued ones never)."""
    profile = billing_profile(session, organisation_id)
    for name in ("legal_name", "vat_number", "address", "country", "email"):
        if name in fields:
            setattr(profile, name, fields[name].strip())
    profile.country = (profile.country or "IL").upper()[:2]
    profile.updated_at = utcnow()
    session.flush()
    return profile


def _buyer(session: SessionLike, organisation_id: int) -> dict[str, str]:
    organisation = session.get(Organisation, organisation_id)
    profile = billing_profile(session, organisation_id)
    return {
        "name": profile.legal_name or (organisation.name if organisation else ""),
        "vat_number": profile.vat_number,
        "address": profile.address,
        "country": profile.country or "IL",
        "email": profile.email,
    }


def _parties(deal: Deal) -> Parties:
    return Parties(deal.organisation_id, deal.owner_id, deal.brief_id, deal.id)


@dataclass(frozen=True)
class Billed:
    """What a deal's documents bill so far (invoices less credit notes), in its currency."""

    net_minor: int
    owner_minor: int
    margin_minor: int
    gross_minor: int


def billed(session: SessionLike, deal_id: int) -> Billed:
    """The net of a deal's invoices and credit notes."""
    rows = session.execute(
        select(
            FinanceDocument.kind,
            func.sum(FinanceDocument.net_minor),
            func.sum(FinanceDocument.owner_minor),
            func.sum(FinanceDocument.margin_minor),
            func.sum(FinanceDocument.gross_minor),
        )
        .where(
            FinanceDocument.deal_id == deal_id,
            FinanceDocument.kind != DocumentKind.RECEIPT,
        )
        .group_by(FinanceDocument.kind)
    ).all()
    totals = [0, 0, 0, 0]
    for kind, *sums in rows:
        sign = -1 if DocumentKind(kind) is DocumentKind.CREDIT_NOTE else 1
        totals = [t + sign * int(s or 0) for t, s in zip(totals, sums, strict=True)]
    # Payout amendments the margin absorbed have no document: they are in the ledger only.
    adjusted = -int(
        session.scalar(
            select(func.coalesce(func.sum(JournalLine.amount_minor), 0))
            .join(JournalEntry, JournalLine.entry_id == JournalEntry.id)
            .where(
                JournalEntry.kind == rules.EntryKind.PAYOUT_ADJUSTED,
                JournalLine.account == Account.OWNER_PAYABLE,
                JournalLine.deal_id == deal_id,
            )
        )
        or 0
    )
    net, owner, margin, gross = totals
    return Billed(net, owner + adjusted, margin - adjusted, gross)


def _placement_lines(version: OfferVersion, language: str) -> list[dict[str, Any]]:
    placements = version.terms.get("placements", [])
    lines = []
    for p in placements:
        dates = (
            p["starts_on"]
            if p["starts_on"] == p["ends_on"]
            else (f"{p['starts_on']} – {p['ends_on']}")
        )
        lines.append(
            {
                "description": f"{p['placement_type']} · {dates}",
                "placement_type": p["placement_type"],
                "quantity": int(p["count"]),
                "net_minor": int(p["brand_price_minor"]),
            }
        )
    if sum(line["net_minor"] for line in lines) != version.brand_price_minor or not lines:
        return [{"description": "placements", "quantity": 1,
                 "net_minor": version.brand_price_minor}]  # fmt: skip
    return lines


def _issue(
    session: SessionLike,
    *,
    kind: DocumentKind,
    deal: Deal | None,
    organisation_id: int,
    currency: str,
    lines: list[dict[str, Any]],
    split: rules.InvoiceSplit,
    rate_bp: int,
    key: str,
    posting: rules.Posting | None,
    on: dt.date,
    actor: User | None,
    related: FinanceDocument | None = None,
    reference: str = "",
    agreement: Agreement | None = None,
    language: str = "he",
) -> FinanceDocument:
    """Number, store and post one document (its ledger entry in the same transaction)."""
    existing = session.scalars(select(FinanceDocument).where(FinanceDocument.key == key)).first()
    if existing is not None:
        return existing
    entry_id = None
    if posting is not None:
        [entry] = ledger.post(session, [posting], on=on, actor=actor)
        entry_id = entry.id
    series = series_for(kind, on)
    document = FinanceDocument(
        kind=kind,
        series=series,
        number=next_number(session, series),
        issued_on=on,
        due_on=on + dt.timedelta(days=brand_payment_days())
        if kind is DocumentKind.TAX_INVOICE
        else None,
        language=language,
        currency=currency,
        organisation_id=organisation_id,
        deal_id=deal.id if deal else None,
        agreement_id=agreement.id if agreement else None,
        brief_id=deal.brief_id if deal else None,
        owner_id=deal.owner_id if deal else None,
        related_id=related.id if related else None,
        seller=seller(),
        buyer=_buyer(session, organisation_id),
        lines=lines,
        net_minor=split.net_minor,
        vat_rate_bp=rate_bp,
        vat_minor=split.vat_minor,
        gross_minor=split.gross_minor,
        owner_minor=split.owner_minor,
        margin_minor=split.margin_minor,
        reference=reference,
        needs_allocation=kind is DocumentKind.TAX_INVOICE
        and vat_rules.needs_allocation_number(
            split.net_minor,
            currency,
            rate_bp=rate_bp,
            threshold_minor=allocation_threshold_minor(),
        ),  # fmt: skip
        key=key,
        entry_id=entry_id,
        actor_id=actor.id if actor else None,
    )
    session.add(document)
    session.flush()
    return document


def invoice_agreement(
    session: SessionLike,
    deal: Deal,
    agreement: Agreement,
    *,
    actor: User | None = None,
    on: dt.date | None = None,
) -> FinanceDocument | None:
    """Bill an agreement: in full the first time, the difference for an amendment (see above)."""
    on = on or utcnow().date()
    version = session.get(OfferVersion, agreement.offer_version_id)
    assert version is not None
    so_far = billed(session, deal.id)
    brand_diff = version.brand_price_minor - so_far.net_minor
    owner_diff = version.owner_payout_minor - so_far.owner_minor
    if brand_diff == 0 and owner_diff == 0:
        return None
    rate = vat_rules.rate_for(billing_profile(session, deal.organisation_id).country,
                              vat_rate_bp())  # fmt: skip
    key = f"deal:{deal.id}:agreement:{agreement.number}"
    language = agreement.language
    # The brand's document carries the owner's share only when it moves the same way as the
    # price; otherwise the margin absorbs the payout's move in an adjustment (no document).
    same_way = (owner_diff >= 0) if brand_diff > 0 else (owner_diff <= 0)
    document_owner = owner_diff if same_way else 0
    adjustment = owner_diff - document_owner
    document: FinanceDocument | None = None
    if brand_diff > 0:
        split = rules.split_for_prices(brand_diff, document_owner, rate)
        lines = (
            _placement_lines(version, language)
            if so_far.net_minor == 0
            else [
                {
                    "description": f"amendment {agreement.number - 1}",
                    "quantity": 1,
                    "net_minor": brand_diff,
                }
            ]  # fmt: skip
        )
        posting = rules.invoice_issued(split, deal.currency, _parties(deal), key=key,
                                       memo=f"invoice for deal {deal.id}")  # fmt: skip
        document = _issue(session, kind=DocumentKind.TAX_INVOICE, deal=deal,
                          organisation_id=deal.organisation_id, currency=deal.currency,
                          lines=lines, split=split, rate_bp=rate, key=key, posting=posting,
                          on=on, actor=actor, agreement=agreement, language=language)  # fmt: skip
    elif brand_diff < 0:
        invoice = _last_invoice(session, deal.id)
        if invoice is not None:
            split = rules.InvoiceSplit(
                owner_minor=-document_owner,
                margin_minor=-(brand_diff - document_owner),
                vat_minor=vat_rules.vat_amount(-brand_diff, rate),
            )
            document = _credit(session, invoice, split, key=key,
                               reason=f"amendment {agreement.number - 1}", on=on, actor=actor,
                               agreement=agreement)  # fmt: skip
    if adjustment:
        payable = ledger.balance(session, Account.OWNER_PAYABLE, deal.currency, deal_id=deal.id)
        try:
            posting = rules.payout_adjusted(adjustment, deal.currency, _parties(deal),
                                            owner_payable_minor=payable, key=f"{key}:payout",
                                            memo=f"payout amended, deal {deal.id}")  # fmt: skip
        except rules.PayableWouldGoNegative as error:
            raise PaymentRefused(str(error)) from error
        ledger.post(session, [posting], on=on, actor=actor)
    return document


def _last_invoice(session: SessionLike, deal_id: int) -> FinanceDocument | None:
    return session.scalars(
        select(FinanceDocument)
        .where(FinanceDocument.deal_id == deal_id, FinanceDocument.kind == DocumentKind.TAX_INVOICE)
        .order_by(FinanceDocument.id.desc())
    ).first()


def _credit(
    session: SessionLike,
    invoice: FinanceDocument,
    split: rules.InvoiceSplit,
    *,
    key: str,
    reason: str,
    on: dt.date,
    actor: User | None,
    agreement: Agreement | None = None,
) -> FinanceDocument:
    deal = session.get(Deal, invoice.deal_id) if invoice.deal_id else None
    parties = _parties(deal) if deal else Parties(organisation_id=invoice.organisation_id)
    payable = (
        ledger.balance(session, Account.OWNER_PAYABLE, invoice.currency, deal_id=deal.id)
        if deal
        else 0
    )
    posting = rules.credit_note(split, invoice.currency, parties, owner_payable_minor=payable,
                                key=key, memo=reason)  # fmt: skip
    lines = [{"description": reason, "quantity": 1, "net_minor": split.net_minor}]
    return _issue(session, kind=DocumentKind.CREDIT_NOTE, deal=deal,
                  organisation_id=invoice.organisation_id, currency=invoice.currency, lines=lines,
                  split=split, rate_bp=invoice.vat_rate_bp, key=key, posting=posting, on=on,
                  actor=actor, related=invoice, reference=reason, agreement=agreement,
                  language=invoice.language)  # fmt: skip


def on_deal_agreed(session: SessionLike, *, deal: Deal, agreement: Agreement, actor: Any) -> None:
    """Invoice the brand for what was agreed (``deal.agreed``)."""
    invoice_agreement(session, deal, agreement, actor=actor)


def on_deal_cancelled(session: SessionLike, *, deal: Deal, reason: Any, actor: Any) -> None:
    """Credit whatever a cancelled deal's documents still bill (``deal.cancelled``)."""
    so_far = billed(session, deal.id)
    invoice = _last_invoice(session, deal.id)
    if invoice is None or so_far.gross_minor <= 0:
        return
    split = rules.InvoiceSplit(so_far.owner_minor, so_far.margin_minor,
                               so_far.gross_minor - so_far.net_minor)  # fmt: skip
    _credit(session, invoice, split, key=f"deal:{deal.id}:cancelled", reason="cancelled",
            on=utcnow().date(), actor=actor if isinstance(actor, User) else None)  # fmt: skip


def register_event_handlers() -> None:
    """Invoice agreed deals, credit cancelled ones."""
    events.subscribe("deal.agreed", on_deal_agreed)
    events.subscribe("deal.cancelled", on_deal_cancelled)


# --- reading documents ----------------------------------------------------------------------


def visible_documents(
    session: SessionLike, user: User, *, kind: DocumentKind | None = None
) -> Sequence[FinanceDocument]:
    """Documents this user may see: finance and admins all, a brand's members their own."""
    statement = select(FinanceDocument).order_by(FinanceDocument.issued_on.desc(),
                                                 FinanceDocument.id.desc())  # fmt: skip
    if user.role not in FINANCE_ROLES:
        if user.role is not Role.BRAND or user.organisation_id is None:
            return []
        statement = statement.where(FinanceDocument.organisation_id == user.organisation_id)
    if kind is not None:
        statement = statement.where(FinanceDocument.kind == kind)
    return session.scalars(statement).all()


def get_document(session: SessionLike, document_id: int, user: User) -> FinanceDocument:
    """A document this user may see (404 otherwise, so ids tell nothing)."""
    document = session.get(FinanceDocument, document_id)
    if document is None:
        raise DocumentNotFound("no such document")
    if user.role in FINANCE_ROLES:
        return document
    if user.role is Role.BRAND and document.organisation_id == user.organisation_id:
        if document.needs_allocation and document.allocation is None:
            raise DocumentNotFound("the invoice waits for its allocation number")
        return document
    raise DocumentNotFound("no such document")


def outstanding(session: SessionLike, invoice: FinanceDocument) -> int:
    """What the brand still owes on the deal of an invoice (negative: owed back to it)."""
    if invoice.deal_id is None:
        return 0
    return ledger.balance(session, Account.BRAND_RECEIVABLE, invoice.currency,
                          deal_id=invoice.deal_id)  # fmt: skip


def related_documents(session: SessionLike, invoice: FinanceDocument) -> Sequence[FinanceDocument]:
    """Credit notes and receipts issued against an invoice."""
    return session.scalars(
        select(FinanceDocument)
        .where(FinanceDocument.related_id == invoice.id)
        .order_by(FinanceDocument.id)
    ).all()


def enter_allocation_number(
    session: SessionLike, document_id: int, number: str, *, actor: User
) -> AllocationNumber:
    """Finance records the Tax Authority's allocation number of an invoice (once)."""
    document = get_document(session, document_id, actor)
    number = number.strip()
    if not document.needs_allocation:
        raise PaymentRefused("this invoice needs no allocation number")
    if document.allocation is not None:
        raise PaymentRefused("the allocation number is already recorded")
    if not number.isdigit() or not 6 <= len(number) <= 20:
        raise PaymentRefused("an allocation number is 6 to 20 digits")
    row = AllocationNumber(document=document, number=number, entered_by_id=actor.id)
    session.add(row)
    session.flush()
    return row


# --- money in: bank payments, credit notes and refunds --------------------------------------


def _require_finance(actor: User) -> None:
    if actor.role not in FINANCE_ROLES:
        raise Forbidden("finance only")


def _invoice_for_money(session: SessionLike, invoice_id: int, actor: User) -> FinanceDocument:
    _require_finance(actor)
    invoice = get_document(session, invoice_id, actor)
    if invoice.kind is not DocumentKind.TAX_INVOICE:
        raise PaymentRefused("money is recorded against a tax invoice")
    return invoice


def record_bank_payment(
    session: SessionLike,
    invoice_id: int,
    *,
    amount_minor: int,
    currency: str,
    reference: str,
    actor: User,
    on: dt.date | None = None,
) -> FinanceDocument:
    """Finance saw the brand's bank transfer: a receipt and its ledger entry.

    The amount must be positive and at most what the deal still owes, in the invoice's
    currency; a reference is required and is used once per invoice. Anything else is refused
    before anything is written.
    """
    invoice = _invoice_for_money(session, invoice_id, actor)
    reference = reference.strip()
    if currency != invoice.currency:
        raise PaymentRefused(f"the invoice is in {invoice.currency}, not {currency}")
    if not reference:
        raise PaymentRefused("a bank reference is required")
    due = outstanding(session, invoice)
    if not 0 < amount_minor <= due:
        raise PaymentRefused(f"the amount must be more than zero and at most {due}")
    key = f"receipt:{invoice.id}:{reference}"
    if session.scalar(select(FinanceDocument.id).where(FinanceDocument.key == key)) is not None:
        raise PaymentRefused("this reference is already recorded for this invoice")
    on = on or utcnow().date()
    deal = session.get(Deal, invoice.deal_id) if invoice.deal_id else None
    parties = _parties(deal) if deal else Parties(organisation_id=invoice.organisation_id)
    posting = rules.bank_payment_received(amount_minor, invoice.currency, parties, key=key,
                                          memo=f"bank transfer {reference}")  # fmt: skip
    split = rules.InvoiceSplit(owner_minor=0, margin_minor=amount_minor, vat_minor=0)
    lines = [{"description": "bank transfer", "quantity": 1, "net_minor": amount_minor}]
    return _issue(session, kind=DocumentKind.RECEIPT, deal=deal,
                  organisation_id=invoice.organisation_id, currency=invoice.currency,
                  lines=lines, split=split, rate_bp=0, key=key, posting=posting, on=on,
                  actor=actor, related=invoice, reference=reference,
                  language=invoice.language)  # fmt: skip


def credited_gross(session: SessionLike, invoice: FinanceDocument) -> int:
    """The gross of the credit notes already issued against an invoice."""
    total = session.scalar(
        select(func.coalesce(func.sum(FinanceDocument.gross_minor), 0)).where(
            FinanceDocument.related_id == invoice.id,
            FinanceDocument.kind == DocumentKind.CREDIT_NOTE,
        )
    )
    return int(total or 0)


def issue_credit_note(
    session: SessionLike,
    invoice_id: int,
    *,
    gross_minor: int,
    currency: str,
    reason: str,
    refund: bool,
    actor: User,
    on: dt.date | None = None,
) -> FinanceDocument:
    """Credit (part of) an invoice, e.g. for a missed placement; refund what was overpaid.

    The credit is at most what the invoice still bills; with ``refund`` the money the brand
    paid beyond what it now owes goes back the way it came: to the card through Stripe when a
    registered refund route takes it (the deal was paid by card), else by bank transfer (a
    refund entry now).
    """
    invoice = _invoice_for_money(session, invoice_id, actor)
    if currency != invoice.currency:
        raise PaymentRefused(f"the invoice is in {invoice.currency}, not {currency}")
    reason = reason.strip()
    if not reason:
        raise PaymentRefused("say why the brand is credited")
    room = invoice.gross_minor - credited_gross(session, invoice)
    if not 0 < gross_minor <= room:
        raise PaymentRefused(f"the credit must be more than zero and at most {room}")
    whole = rules.InvoiceSplit(invoice.owner_minor, invoice.margin_minor, invoice.vat_minor)
    split = rules.credit_split(whole, gross_minor, invoice.vat_rate_bp)
    if gross_minor == room and room != invoice.gross_minor:
        # The last credit takes exactly what the earlier ones left, so the invoice nets to zero.
        earlier = session.execute(
            select(
                func.sum(FinanceDocument.owner_minor),
                func.sum(FinanceDocument.margin_minor),
                func.sum(FinanceDocument.vat_minor),
            ).where(
                FinanceDocument.related_id == invoice.id,
                FinanceDocument.kind == DocumentKind.CREDIT_NOTE,
            )
        ).one()
        split = rules.InvoiceSplit(
            invoice.owner_minor - int(earlier[0] or 0),
            invoice.margin_minor - int(earlier[1] or 0),
            invoice.vat_minor - int(earlier[2] or 0),
        )
    on = on or utcnow().date()
    count = len([d for d in related_documents(session, invoice)
                 if d.kind is DocumentKind.CREDIT_NOTE])  # fmt: skip
    document = _credit(session, invoice, split, key=f"credit:{invoice.id}:{count + 1}",
                       reason=reason, on=on, actor=actor)  # fmt: skip
    if refund:
        owed_back = -outstanding(session, invoice)
        if owed_back > 0 and not refunded_elsewhere(
            session, deal_id=invoice.deal_id, amount_minor=owed_back, currency=invoice.currency,
            reason=reason, actor=actor,
        ):  # fmt: skip
            deal = session.get(Deal, invoice.deal_id) if invoice.deal_id else None
            parties = _parties(deal) if deal else Parties(organisation_id=invoice.organisation_id)
            ledger.post(
                session,
                [rules.refund(owed_back, invoice.currency, parties, via=Account.BANK,
                              key=f"refund:{document.id}", memo=reason)],
                on=on,
                actor=actor,
            )  # fmt: skip
    return document


# --- owners' money: why pending, when expected; payment batches -----------------------------


class Pending(enum.StrEnum):
    """Why an owner's amount is not paid yet (the first that applies), or that it is ready."""

    HELD = "held"
    IN_BATCH = "in_batch"
    NOT_RUN = "not_run"
    BRAND_UNPAID = "brand_unpaid"
    NOT_DUE = "not_due"
    READY = "ready"


@dataclass(frozen=True)
class OwnerAmount:
    """What the agency owes an owner for one deal, why it is not paid yet and when it will be."""

    deal_id: int
    owner_id: int
    community: str
    currency: str
    amount_minor: int
    paid_minor: int
    reason: Pending
    detail: str
    expected_on: dt.date | None


def _agreed_on(deal: Deal) -> tuple[dt.date | None, int]:
    done = [a for a in deal.agreements if a.complete]
    if not done:
        return None, 30
    last = done[-1]
    moment = max(filter(None, (last.confirmed_by_owner_at, last.confirmed_by_agency_at)))
    terms = last.offer_version.terms if last.offer_version else {}
    return moment.date(), int(terms.get("payment_terms_days", 30))


def owner_amounts(
    session: SessionLike,
    *,
    owner_id: int | None = None,
    today: dt.date | None = None,
    include_paid: bool = False,
) -> list[OwnerAmount]:
    """Each deal with money owed to its owner, the reason it waits and the expected date.

    The expected date is the agreement's date plus its payment terms, never before the last
    placement ran; a brand that has not paid yet delays it to its invoice's due date.
    """
    today = today or utcnow().date()
    payable = ledger.balances(session, by="deal_id", owner_id=owner_id)
    paid = _paid_by_deal(session, owner_id)
    deal_ids = {key[2] for key in payable if key[0] is Account.OWNER_PAYABLE and key[2]}
    if include_paid:
        deal_ids |= {deal_id for deal_id, _currency in paid}
    holds = {h.deal_id: h for h in session.scalars(
        select(PayoutHold).where(PayoutHold.released_at.is_(None)))}  # fmt: skip
    batched = {
        item.deal_id: item.batch
        for item in session.scalars(
            select(PaymentBatchItem).join(PaymentBatch)
            .where(PaymentBatch.status == BatchStatus.EXPORTED)
        )
    }  # fmt: skip
    out: list[OwnerAmount] = []
    for deal in session.scalars(select(Deal).where(Deal.id.in_(deal_ids)).order_by(Deal.id)):
        currency = deal.currency
        amount = payable.get((Account.OWNER_PAYABLE, currency, deal.id), 0)
        paid_here = paid.get((deal.id, currency), 0)
        if amount <= 0 and not (include_paid and paid_here):
            continue
        agreed_on, terms_days = _agreed_on(deal)
        last_run = max((p.ends_on for p in deal.placements), default=agreed_on)
        expected = None
        if agreed_on is not None:
            expected = max(agreed_on + dt.timedelta(days=terms_days), last_run or agreed_on)
        brand_owes = ledger.balance(session, Account.BRAND_RECEIVABLE, currency, deal_id=deal.id)
        if amount <= 0:
            reason, detail, expected = Pending.READY, "paid", None
        elif deal.id in holds:
            reason, detail, expected = Pending.HELD, holds[deal.id].reason, None
        elif deal.id in batched:
            batch = batched[deal.id]
            reason, detail = Pending.IN_BATCH, str(batch.id)
            expected = batch.created_at.date() + dt.timedelta(days=3)
        elif last_run is not None and last_run > today:
            reason, detail = Pending.NOT_RUN, last_run.isoformat()
        elif brand_owes > 0:
            invoice = _last_invoice(session, deal.id)
            reason = Pending.BRAND_UNPAID
            detail = invoice.display_number if invoice else ""
            if invoice is not None and invoice.due_on and expected:
                expected = max(expected, invoice.due_on)
        elif expected is not None and expected > today:
            reason, detail = Pending.NOT_DUE, expected.isoformat()
        else:
            reason, detail, expected = Pending.READY, "", today
        out.append(OwnerAmount(deal.id, deal.owner_id, deal.community.display_name, currency,
                               max(amount, 0), paid_here, reason, detail, expected))  # fmt: skip
    return out


def _paid_by_deal(session: SessionLike, owner_id: int | None) -> dict[tuple[int, str], int]:
    """What was paid out to owners per deal (bank payouts and Stripe transfers, net)."""
    statement = (
        select(JournalLine.deal_id, JournalEntry.currency, func.sum(JournalLine.amount_minor))
        .join(JournalEntry, JournalLine.entry_id == JournalEntry.id)
        .where(
            JournalLine.account.in_([Account.BANK, Account.STRIPE_CASH]),
            JournalEntry.kind.in_(
                [rules.EntryKind.BANK_PAYOUT_TO_OWNER, rules.EntryKind.TRANSFER_TO_OWNER]
            ),
            JournalLine.deal_id.is_not(None),
        )
        .group_by(JournalLine.deal_id, JournalEntry.currency)
    )
    if owner_id is not None:
        statement = statement.where(JournalLine.owner_id == owner_id)
    return {(int(d or 0), str(c)): -int(s) for d, c, s in session.execute(statement)}


def hold_payout(session: SessionLike, deal_id: int, reason: str, *, actor: User) -> PayoutHold:
    """Hold a deal's payout while it is disputed (the reason is shown to the owner)."""
    _require_finance(actor)
    if session.get(Deal, deal_id) is None:
        raise NotFound("no such deal")
    reason = reason.strip()
    if not reason:
        raise PaymentRefused("say why the payout is held")
    hold = PayoutHold(deal_id=deal_id, reason=reason, opened_by_id=actor.id)
    session.add(hold)
    session.flush()
    return hold


def release_hold(session: SessionLike, hold_id: int, *, actor: User) -> PayoutHold:
    """End a hold: the amount goes back to its other reasons (or is ready)."""
    _require_finance(actor)
    hold = session.get(PayoutHold, hold_id)
    if hold is None or hold.released_at is not None:
        raise NotFound("no such open hold")
    hold.released_at, hold.released_by_id = utcnow(), actor.id
    session.flush()
    return hold


#: Other routes that pay owners, which a bank batch must leave alone: each check returns, of
#: the deal ids it is given, those it is already paying or will pay. Finance cannot import
#: them (they are built on it), so each registers its check at start-up (the Stripe payouts:
#: ``payments.services.register_event_handlers``).
PaidElsewhere = Callable[[SessionLike, Collection[int]], set[int]]
_PAID_ELSEWHERE: list[PaidElsewhere] = []


def register_payment_route(check: PaidElsewhere) -> None:
    """Tell bank batches which deals another route pays (registering twice is once)."""
    if check not in _PAID_ELSEWHERE:
        _PAID_ELSEWHERE.append(check)


def paid_elsewhere(session: SessionLike, deal_ids: Collection[int]) -> set[int]:
    """The deals among ``deal_ids`` that another payment route pays, or is paying."""
    taken: set[int] = set()
    for check in _PAID_ELSEWHERE:
        taken |= check(session, deal_ids)
    return taken


#: Routes that can return a brand's money the way it paid (a card refund through Stripe).
#: Each takes (session, deal_id, amount_minor, currency, reason, actor) by keyword and returns
#: whether it took the refund (and books it itself when done); none taking it means bank.
RefundElsewhere = Callable[..., bool]
_REFUND_ROUTES: list[RefundElsewhere] = []


def register_refund_route(route: RefundElsewhere) -> None:
    """Tell credit notes of another way to refund (registering twice is once)."""
    if route not in _REFUND_ROUTES:
        _REFUND_ROUTES.append(route)


def refunded_elsewhere(
    session: SessionLike,
    *,
    deal_id: int | None,
    amount_minor: int,
    currency: str,
    reason: str,
    actor: User,
) -> bool:
    """Whether another route (the card the brand paid with) takes this refund."""
    if deal_id is None:
        return False
    return any(
        route(session, deal_id=deal_id, amount_minor=amount_minor, currency=currency,
              reason=reason, actor=actor)
        for route in _REFUND_ROUTES
    )  # fmt: skip


def create_batch(
    session: SessionLike, currency: str, *, actor: User, today: dt.date | None = None
) -> PaymentBatch:
    """Put every ready owner amount in ``currency`` in a new batch for the bank.

    An amount another route is paying (a Stripe transfer released, on its way or unknown) stays
    out: the bank must never pay what Stripe may have paid.
    """
    _require_finance(actor)
    ready = [
        a
        for a in owner_amounts(session, today=today)
        if a.reason is Pending.READY and a.currency == currency and a.amount_minor > 0
    ]
    taken = paid_elsewhere(session, [a.deal_id for a in ready])
    ready = [a for a in ready if a.deal_id not in taken]
    if not ready:
        raise PaymentRefused("no owner amount is ready to pay in this currency")
    batch = PaymentBatch(currency=currency, created_by_id=actor.id)
    batch.items = [PaymentBatchItem(deal_id=a.deal_id, owner_id=a.owner_id,
                                    amount_minor=a.amount_minor) for a in ready]  # fmt: skip
    session.add(batch)
    session.flush()
    return batch


def get_batch(session: SessionLike, batch_id: int) -> PaymentBatch:
    """A payment batch by id."""
    batch = session.get(PaymentBatch, batch_id)
    if batch is None:
        raise BatchNotFound("no such batch")
    return batch


def batches(session: SessionLike) -> Sequence[PaymentBatch]:
    """Every payment batch, newest first."""
    return session.scalars(select(PaymentBatch).order_by(PaymentBatch.id.desc())).all()


def mark_batch_paid(
    session: SessionLike,
    batch_id: int,
    *,
    reference: str,
    actor: User,
    on: dt.date | None = None,
) -> PaymentBatch:
    """The bank paid the batch: one payout entry per owner amount, the batch closed."""
    _require_finance(actor)
    batch = session.scalars(
        select(PaymentBatch).where(PaymentBatch.id == batch_id).with_for_update()
    ).one_or_none()
    if batch is None:
        raise BatchNotFound("no such batch")
    if batch.status is BatchStatus.PAID:
        raise PaymentRefused("this batch is already paid")
    reference = reference.strip()
    if not reference:
        raise PaymentRefused("a bank reference is required")
    on = on or utcnow().date()
    for item in batch.items:
        deal = item.deal
        payable = ledger.balance(session, Account.OWNER_PAYABLE, batch.currency, deal_id=deal.id)
        try:
            posting = rules.bank_payout_to_owner(
                item.amount_minor, batch.currency, _parties(deal), owner_payable_minor=payable,
                key=f"batch:{batch.id}:deal:{deal.id}", memo=f"batch {batch.id} {reference}",
            )  # fmt: skip
        except rules.PayableWouldGoNegative as error:
            raise PaymentRefused(f"deal {deal.id}: {error}") from error
        ledger.post(session, [posting], on=on, actor=actor)
    batch.status, batch.paid_on = BatchStatus.PAID, on
    batch.paid_by_id, batch.bank_reference = actor.id, reference
    session.flush()
    return batch


def open_holds(session: SessionLike) -> Sequence[PayoutHold]:
    """Holds not released yet."""
    return session.scalars(
        select(PayoutHold).where(PayoutHold.released_at.is_(None)).order_by(PayoutHold.id)
    ).all()
