"""What the finance desk reads: money by period, by brand and campaign, aging, the exports.

Every figure is read from the ledger (or the documents for due dates), per currency: amounts in
different currencies are never added together.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from marketplace.auth.models import Organisation, User
from marketplace.briefs.models import Brief
from marketplace.db import SessionLike
from marketplace.finance import ledger
from marketplace.finance.models import DocumentKind, FinanceDocument, JournalEntry, JournalLine
from marketplace.finance.services import OwnerAmount
from pricing.ledger import Account, EntryKind
from pricing.money import Money

PAYMENT_KINDS = (EntryKind.BANK_PAYMENT_RECEIVED, EntryKind.CARD_PAYMENT_CAPTURED)
PAYOUT_KINDS = (
    EntryKind.BANK_PAYOUT_TO_OWNER,
    EntryKind.TRANSFER_TO_OWNER,
    EntryKind.TRANSFER_REVERSED,
)
#: Aging buckets: (label key, first day overdue, last day overdue or None).
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("current", -10_000, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
)


@dataclass(frozen=True)
class Period:
    """One month's money in one currency."""

    month: str
    cash_in: int
    paid_out: int
    margin: int
    owed_at_end: int


def _months(today: dt.date, count: int) -> list[dt.date]:
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        months.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def _month_end(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def by_period(
    session: SessionLike, currency: str, *, today: dt.date, months: int = 6
) -> list[Period]:
    """Cash in, owner payouts, margin and what was owed to owners, month by month."""
    starts = _months(today, months)
    rows = session.execute(
        select(
            JournalEntry.effective_on,
            JournalEntry.kind,
            JournalLine.account,
            func.sum(JournalLine.amount_minor),
        )
        .join(JournalEntry, JournalLine.entry_id == JournalEntry.id)
        .where(JournalEntry.currency == currency, JournalEntry.effective_on >= starts[0])
        .group_by(JournalEntry.effective_on, JournalEntry.kind, JournalLine.account)
    ).all()
    sums: dict[tuple[dt.date, str], int] = defaultdict(int)
    for day, kind, account, amount in rows:
        month = day.replace(day=1)
        account, kind, amount = Account(account), EntryKind(kind), int(amount)
        if account is Account.BRAND_RECEIVABLE and kind in PAYMENT_KINDS:
            sums[(month, "cash_in")] -= amount
        if account is Account.OWNER_PAYABLE and kind in PAYOUT_KINDS:
            sums[(month, "paid_out")] += amount
        if account is Account.AGENCY_REVENUE:
            sums[(month, "margin")] -= amount
    return [
        Period(
            month=m.strftime("%Y-%m"),
            cash_in=sums[(m, "cash_in")],
            paid_out=sums[(m, "paid_out")],
            margin=sums[(m, "margin")],
            owed_at_end=ledger.balance(
                session, Account.OWNER_PAYABLE, currency, on=_month_end(m)
            ),  # fmt: skip
        )
        for m in starts
    ]


def by_brand(session: SessionLike, currency: str) -> list[dict[str, Any]]:
    """Per brand: what it owes now and the margin earned on its deals."""
    balances = ledger.balances(session, by="organisation_id")
    names = {row[0]: row[1] for row in session.execute(select(Organisation.id, Organisation.name))}
    out = []
    for org_id in sorted({k[2] for k in balances if k[1] == currency and k[2] is not None}):
        out.append(
            {
                "id": org_id,
                "name": names.get(org_id, str(org_id)),
                "receivable": balances.get((Account.BRAND_RECEIVABLE, currency, org_id), 0),
                "margin": balances.get((Account.AGENCY_REVENUE, currency, org_id), 0),
            }
        )
    return out


def by_campaign(session: SessionLike, currency: str) -> list[dict[str, Any]]:
    """Per campaign (brief): invoiced receivable, owed to owners, margin."""
    balances = ledger.balances(session, by="brief_id")
    titles = {row[0]: row[1] for row in session.execute(select(Brief.id, Brief.title))}
    out = []
    for brief_id in sorted({k[2] for k in balances if k[1] == currency and k[2] is not None}):
        out.append(
            {
                "name": titles.get(brief_id) or f"#{brief_id}",
                "receivable": balances.get((Account.BRAND_RECEIVABLE, currency, brief_id), 0),
                "payable": balances.get((Account.OWNER_PAYABLE, currency, brief_id), 0),
                "margin": balances.get((Account.AGENCY_REVENUE, currency, brief_id), 0),
            }
        )
    return out


def _bucket(days_overdue: int) -> str:
    for name, low, high in BUCKETS:
        if days_overdue >= low and (high is None or days_overdue <= high):
            return name
    return BUCKETS[-1][0]


def receivables_aging(session: SessionLike, currency: str, *, today: dt.date) -> dict[str, int]:
    """What brands owe, by how long past the due date of the deal's first invoice."""
    owed = ledger.balances(session, by="deal_id")
    due = {
        row[0]: row[1]
        for row in session.execute(
            select(FinanceDocument.deal_id, func.min(FinanceDocument.due_on))
            .where(FinanceDocument.kind == DocumentKind.TAX_INVOICE)
            .group_by(FinanceDocument.deal_id)
        )
    }
    aging = {name: 0 for name, _low, _high in BUCKETS}
    for (account, cur, deal_id), amount in owed.items():
        if account is not Account.BRAND_RECEIVABLE or cur != currency or amount <= 0:
            continue
        due_on = due.get(deal_id) or today
        aging[_bucket((today - due_on).days)] += amount
    return aging


def payables_aging(
    amounts: Iterable[OwnerAmount], currency: str, *, today: dt.date
) -> dict[str, int]:
    """What is owed to owners, by how long past the date it was expected."""
    aging = {name: 0 for name, _low, _high in BUCKETS}
    for amount in amounts:
        if amount.currency != currency or amount.amount_minor <= 0:
            continue
        expected = amount.expected_on or today
        aging[_bucket((today - expected).days)] += amount.amount_minor
    return aging


def _major(amount_minor: int, currency: str) -> str:
    return str(Money(amount_minor, currency).as_decimal())


JOURNAL_HEADER = (
    "entry", "date", "kind", "currency", "account", "debit", "credit",
    "organisation_id", "owner_id", "brief_id", "deal_id", "reverses", "key", "memo",
)  # fmt: skip


def journal_rows(entries: Sequence[JournalEntry]) -> list[list[Any]]:
    """The journal as the accountant's rows: one per line, debit and credit in major units."""
    rows = []
    for entry in entries:
        for line in entry.lines:
            debit = line.amount_minor if line.amount_minor > 0 else 0
            credit = -line.amount_minor if line.amount_minor < 0 else 0
            rows.append(
                [
                    entry.id, entry.effective_on.isoformat(), EntryKind(entry.kind).value,
                    entry.currency, Account(line.account).value,
                    _major(debit, entry.currency) if debit else "",
                    _major(credit, entry.currency) if credit else "",
                    line.organisation_id or "", line.owner_id or "", line.brief_id or "",
                    line.deal_id or "", entry.reverses_id or "", entry.key or "", entry.memo,
                ]
            )  # fmt: skip
    return rows


BATCH_HEADER = ("batch", "owner", "email", "community", "deal", "amount", "currency", "reference")


def batch_rows(batch: Any) -> list[list[Any]]:
    """A payment batch as the bank upload's rows."""
    return [
        [
            batch.id, item.owner.display_name, item.owner.email,
            item.deal.community.display_name, item.deal_id,
            _major(item.amount_minor, batch.currency), batch.currency,
            f"Kesher {batch.id}-{item.deal_id}",
        ]
        for item in batch.items
    ]  # fmt: skip


def owner_names(session: SessionLike, ids: Iterable[int]) -> dict[int, str]:
    """Display names of owners by id."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {row[0]: row[1] for row in rows}


#: The series of the desk's monthly chart: (Period attribute, colour).
SERIES = (
    ("cash_in", "#1b7f5b"),
    ("owed_at_end", "#d08a1c"),
    ("paid_out", "#2f6fb3"),
    ("margin", "#8a4fb3"),
)
CHART_HEIGHT, GROUP_WIDTH, BAR_WIDTH = 120, 64, 12


def period_chart(periods: Sequence[Period]) -> dict[str, Any]:
    """Geometry of a grouped column chart: per month, one column per series, same scale."""
    top = max((max(getattr(p, name), 0) for p in periods for name, _c in SERIES), default=0) or 1
    groups = []
    for index, period in enumerate(periods):
        bars = []
        for position, (name, colour) in enumerate(SERIES):
            value = max(getattr(period, name), 0)
            height = round(value / top * CHART_HEIGHT, 1)
            bars.append(
                {
                    "x": index * GROUP_WIDTH + 6 + position * (BAR_WIDTH + 2),
                    "y": round(CHART_HEIGHT - height, 1),
                    "height": height,
                    "colour": colour,
                    "name": name,
                    "value": value,
                }
            )
        groups.append({"month": period.month, "x": index * GROUP_WIDTH + 4, "bars": bars})
    return {
        "width": GROUP_WIDTH * len(periods),
        "height": CHART_HEIGHT + 18,
        "groups": groups,
        "series": SERIES,
    }


DOCUMENTS_HEADER = (
    "number", "kind", "issued_on", "due_on", "customer", "customer_vat_number", "country",
    "net", "vat_rate", "vat", "gross", "currency", "refers_to", "allocation_number", "deal",
)  # fmt: skip


def document_rows(documents: Sequence[FinanceDocument]) -> list[list[Any]]:
    """The register of issued documents, as the accountant's rows (amounts in major units)."""
    numbers = {d.id: d.display_number for d in documents}
    return [
        [
            d.display_number, DocumentKind(d.kind).value, d.issued_on.isoformat(),
            d.due_on.isoformat() if d.due_on else "", d.buyer.get("name", ""),
            d.buyer.get("vat_number", ""), d.buyer.get("country", ""),
            _major(d.net_minor, d.currency), f"{d.vat_rate_bp / 100:g}%",
            _major(d.vat_minor, d.currency), _major(d.gross_minor, d.currency), d.currency,
            numbers.get(d.related_id or 0, ""), d.allocation.number if d.allocation else "",
            d.deal_id or "",
        ]
        for d in sorted(documents, key=lambda d: (d.series, d.number))
    ]  # fmt: skip
