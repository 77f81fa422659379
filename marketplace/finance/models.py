"""Finance tables: the double-entry ledger, issued documents, payment batches, payout holds.

The posting rules are pure (:mod:`pricing.ledger`); these rows store the postings. Journal
entries and lines, issued documents (invoices, credit notes, receipts) and allocation numbers
are refused UPDATE and DELETE by database triggers on SQLite and PostgreSQL (migration
``a8c41f7e2d93``): a mistake is corrected by a reversing entry or a credit note, never an edit.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.auth.models import User, enum_column
from marketplace.db import Base, UTCDateTime, intpk, utcnow
from marketplace.deals.models import Deal
from pricing.ledger import Account, EntryKind


class JournalEntry(Base):
    """One balanced posting in one currency (its lines sum to zero). Never changes."""

    __tablename__ = "journal_entries"
    __table_args__ = (Index("ix_journal_entries_effective_on", "effective_on", "id"),)

    id: Mapped[intpk]
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind, "journal_entry_kind"))
    currency: Mapped[str] = mapped_column(String(3))
    #: The accounting date: balances "at a date" count the entries effective on or before it.
    effective_on: Mapped[date] = mapped_column(Date)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    memo: Mapped[str] = mapped_column(Text, default="")
    #: What the entry records, once: "invoice:12", "stripe:evt_…" (posting a key twice is once).
    key: Mapped[str | None] = mapped_column(String(160), unique=True)
    #: Ties the two legs of a currency exchange.
    link: Mapped[str | None] = mapped_column(String(64), index=True)
    #: The entry this one reverses (an entry is reversed at most once).
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id", ondelete="RESTRICT"), unique=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    lines: Mapped[list[JournalLine]] = relationship(
        back_populates="entry", order_by="JournalLine.id"
    )


class JournalLine(Base):
    """One side of an entry: a signed amount (debit > 0, credit < 0) on an account, for whom."""

    __tablename__ = "journal_lines"
    __table_args__ = (Index("ix_journal_lines_account", "account", "entry_id"),)

    id: Mapped[intpk]
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("journal_entries.id", ondelete="RESTRICT"), index=True
    )
    account: Mapped[Account] = mapped_column(enum_column(Account, "ledger_account"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    brief_id: Mapped[int | None] = mapped_column(
        ForeignKey("briefs.id", ondelete="RESTRICT"), index=True
    )
    deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("deals.id", ondelete="RESTRICT"), index=True
    )

    entry: Mapped[JournalEntry] = relationship(back_populates="lines")


class DocumentKind(enum.StrEnum):
    """The documents finance issues: a tax invoice, a credit note against one, a receipt."""

    TAX_INVOICE = "tax_invoice"
    CREDIT_NOTE = "credit_note"
    RECEIPT = "receipt"


#: The prefix of each kind's number series; the series is the prefix and the year (INV-2026).
SERIES_PREFIX = {
    DocumentKind.TAX_INVOICE: "INV",
    DocumentKind.CREDIT_NOTE: "CN",
    DocumentKind.RECEIPT: "RCP",
}


class BillingProfile(Base):
    """A brand's details as its invoices show them (copied onto each document when issued)."""

    __tablename__ = "billing_profiles"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    #: The Israeli company or dealer number (ח.פ. / ע.מ.), or a foreign VAT id.
    vat_number: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    #: ISO 3166 alpha-2; outside "IL" the invoice is zero-rated.
    country: Mapped[str] = mapped_column(String(2), default="IL")
    email: Mapped[str] = mapped_column(String(254), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DocumentCounter(Base):
    """The next number of a series; read FOR UPDATE so numbers have no gap and no duplicate."""

    __tablename__ = "document_counters"

    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    next_number: Mapped[int] = mapped_column(Integer, default=1)


class FinanceDocument(Base):
    """An issued tax invoice, credit note or receipt. Never changes (a trigger refuses it).

    Seller and buyer are copied as they were on the day of issue; the owner's share and the
    margin are kept for the ledger and finance, never shown to the brand.
    """

    __tablename__ = "finance_documents"
    __table_args__ = (
        UniqueConstraint("series", "number"),
        Index("ix_finance_documents_org_issued", "organisation_id", "issued_on"),
    )

    id: Mapped[intpk]
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind, "finance_document_kind"))
    series: Mapped[str] = mapped_column(String(20))
    number: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)
    #: Payment due (an invoice), from the brand's payment terms.
    due_on: Mapped[date | None] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(8), default="he")
    currency: Mapped[str] = mapped_column(String(3))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("deals.id", ondelete="RESTRICT"), index=True
    )
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreements.id", ondelete="RESTRICT")
    )
    brief_id: Mapped[int | None] = mapped_column(ForeignKey("briefs.id", ondelete="RESTRICT"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    #: The invoice a credit note or a receipt refers to.
    related_id: Mapped[int | None] = mapped_column(
        ForeignKey("finance_documents.id", ondelete="RESTRICT"), index=True
    )
    seller: Mapped[dict[str, Any]] = mapped_column(JSON)
    buyer: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: [{"description", "quantity", "net_minor"}] in the document's currency.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    net_minor: Mapped[int] = mapped_column(BigInteger)
    vat_rate_bp: Mapped[int] = mapped_column(Integer)
    vat_minor: Mapped[int] = mapped_column(BigInteger)
    gross_minor: Mapped[int] = mapped_column(BigInteger)
    owner_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    margin_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    #: A receipt's bank reference, a credit note's reason.
    reference: Mapped[str] = mapped_column(Text, default="")
    needs_allocation: Mapped[bool] = mapped_column(default=False)
    #: What the document records, once ("deal:7:agreement:2", "receipt:12:REF").
    key: Mapped[str] = mapped_column(String(160), unique=True)
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id", ondelete="RESTRICT")
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    allocation: Mapped[AllocationNumber | None] = relationship(
        back_populates="document", uselist=False
    )

    @property
    def display_number(self) -> str:
        """The number as printed: ``INV-2026-000042``."""
        return f"{self.series}-{self.number:06d}"


class AllocationNumber(Base):
    """The Tax Authority's allocation number of an invoice, entered once by finance."""

    __tablename__ = "allocation_numbers"

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(
        ForeignKey("finance_documents.id", ondelete="RESTRICT"), unique=True
    )
    number: Mapped[str] = mapped_column(String(20))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    document: Mapped[FinanceDocument] = relationship(back_populates="allocation")


class BatchStatus(enum.StrEnum):
    """A payment batch: exported for the bank, then marked paid."""

    EXPORTED = "exported"
    PAID = "paid"


class PaymentBatch(Base):
    """Owner amounts finance pays by one bank transfer run, in one currency."""

    __tablename__ = "payment_batches"

    id: Mapped[intpk]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[BatchStatus] = mapped_column(
        enum_column(BatchStatus, "payment_batch_status"), default=BatchStatus.EXPORTED
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    paid_on: Mapped[date | None] = mapped_column(Date)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    bank_reference: Mapped[str] = mapped_column(String(120), default="")

    items: Mapped[list[PaymentBatchItem]] = relationship(
        back_populates="batch", order_by="PaymentBatchItem.id"
    )


class PaymentBatchItem(Base):
    """One owner's amount for one deal in a batch."""

    __tablename__ = "payment_batch_items"
    __table_args__ = (UniqueConstraint("batch_id", "deal_id"),)

    id: Mapped[intpk]
    batch_id: Mapped[int] = mapped_column(ForeignKey("payment_batches.id", ondelete="RESTRICT"))
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="RESTRICT"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)

    batch: Mapped[PaymentBatch] = relationship(back_populates="items")
    deal: Mapped[Deal] = relationship()
    owner: Mapped[User] = relationship()


class PayoutHold(Base):
    """Money held from an owner while a deal is disputed (released by finance)."""

    __tablename__ = "payout_holds"

    id: Mapped[intpk]
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="RESTRICT"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
