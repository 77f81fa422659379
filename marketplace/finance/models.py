"""Finance tables: the double-entry ledger (journal entries and their lines), append-only.

The posting rules are pure (:mod:`pricing.ledger`); these rows store the postings. Both tables
are refused UPDATE and DELETE by database triggers on SQLite and PostgreSQL (migration
``a8c41f7e2d93``): a mistake is corrected by a reversing entry, never by an edit.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.auth.models import enum_column
from marketplace.db import Base, UTCDateTime, intpk, utcnow
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
