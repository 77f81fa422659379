"""Finance documents: numbering, invoices and credit notes from agreements, who reads which.

Every amount comes from the stored agreement or the ledger, never from the request. Each
document is posted to the ledger (:mod:`marketplace.finance.ledger`) in the same transaction
as it is issued. Services flush, never commit.

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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from marketplace import events
from marketplace.auth.models import Organisation, Role, User
from marketplace.db import SessionLike, utcnow
from marketplace.deals.models import Agreement, Deal, OfferVersion
from marketplace.errors import N_
from marketplace.finance import ledger
from marketplace.finance.models import (
    SERIES_PREFIX,
    AllocationNumber,
    BillingProfile,
    DocumentCounter,
    DocumentKind,
    FinanceDocument,
    JournalEntry,
    JournalLine,
)
from marketplace.finance.services.common import (
    FINANCE_ROLES,
    DocumentNotFound,
    PaymentRefused,
    allocation_threshold_minor,
    brand_payment_days,
    deal_parties,
    seller,
    vat_rate_bp,
)
from pricing import ledger as rules
from pricing import vat as vat_rules
from pricing.ledger import Account, Parties

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


def issue_document(
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
        posting = rules.invoice_issued(split, deal.currency, deal_parties(deal), key=key,
                                           memo=f"invoice for deal {deal.id}")  # fmt: skip
        document = issue_document(session, kind=DocumentKind.TAX_INVOICE, deal=deal,
                                  organisation_id=deal.organisation_id, currency=deal.currency,
                                  lines=lines, split=split, rate_bp=rate, key=key,
                                  posting=posting, on=on, actor=actor, agreement=agreement,
                                  language=language)  # fmt: skip
    elif brand_diff < 0:
        invoice = last_invoice(session, deal.id)
        if invoice is not None:
            split = rules.InvoiceSplit(
                owner_minor=-document_owner,
                margin_minor=-(brand_diff - document_owner),
                vat_minor=vat_rules.vat_amount(-brand_diff, rate),
            )
            document = credit_invoice(session, invoice, split, key=key,
                                      reason=f"amendment {agreement.number - 1}", on=on,
                                      actor=actor, agreement=agreement)  # fmt: skip
    if adjustment:
        payable = ledger.balance(session, Account.OWNER_PAYABLE, deal.currency, deal_id=deal.id)
        try:
            posting = rules.payout_adjusted(adjustment, deal.currency, deal_parties(deal),
                                                owner_payable_minor=payable, key=f"{key}:payout",
                                                memo=f"payout amended, deal {deal.id}")  # fmt: skip
        except rules.PayableWouldGoNegative as error:
            raise PaymentRefused(str(error)) from error
        ledger.post(session, [posting], on=on, actor=actor)
    return document


def last_invoice(session: SessionLike, deal_id: int) -> FinanceDocument | None:
    """The deal's latest tax invoice, if it has one."""
    return session.scalars(
        select(FinanceDocument)
        .where(FinanceDocument.deal_id == deal_id, FinanceDocument.kind == DocumentKind.TAX_INVOICE)
        .order_by(FinanceDocument.id.desc())
    ).first()


def credit_invoice(
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
    """Issue a credit note of ``split`` against an invoice, with its ledger entry."""
    deal = session.get(Deal, invoice.deal_id) if invoice.deal_id else None
    parties = deal_parties(deal) if deal else Parties(organisation_id=invoice.organisation_id)
    payable = (
        ledger.balance(session, Account.OWNER_PAYABLE, invoice.currency, deal_id=deal.id)
        if deal
        else 0
    )
    posting = rules.credit_note(split, invoice.currency, parties, owner_payable_minor=payable,
                                key=key, memo=reason)  # fmt: skip
    lines = [{"description": reason, "quantity": 1, "net_minor": split.net_minor}]
    return issue_document(session, kind=DocumentKind.CREDIT_NOTE, deal=deal,
                          organisation_id=invoice.organisation_id, currency=invoice.currency,
                          lines=lines, split=split, rate_bp=invoice.vat_rate_bp, key=key,
                          posting=posting, on=on, actor=actor, related=invoice, reference=reason,
                          agreement=agreement, language=invoice.language)  # fmt: skip


def on_deal_agreed(session: SessionLike, *, deal: Deal, agreement: Agreement, actor: Any) -> None:
    """Invoice the brand for what was agreed (``deal.agreed``)."""
    invoice_agreement(session, deal, agreement, actor=actor)


def on_deal_cancelled(session: SessionLike, *, deal: Deal, reason: Any, actor: Any) -> None:
    """Credit whatever a cancelled deal's documents still bill (``deal.cancelled``)."""
    so_far = billed(session, deal.id)
    invoice = last_invoice(session, deal.id)
    if invoice is None or so_far.gross_minor <= 0:
        return
    split = rules.InvoiceSplit(so_far.owner_minor, so_far.margin_minor,
                               so_far.gross_minor - so_far.net_minor)  # fmt: skip
    credit_invoice(session, invoice, split, key=f"deal:{deal.id}:cancelled",
                   reason="cancelled", on=utcnow().date(),
                   actor=actor if isinstance(actor, User) else None)  # fmt: skip


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
        raise PaymentRefused(N_("this invoice needs no allocation number"))
    if document.allocation is not None:
        raise PaymentRefused(N_("the allocation number is already recorded"))
    if not number.isdigit() or not 6 <= len(number) <= 20:
        raise PaymentRefused(N_("an allocation number is 6 to 20 digits"))
    row = AllocationNumber(document=document, number=number, entered_by_id=actor.id)
    session.add(row)
    session.flush()
    return row
