"""The finance dashboard's figures: money to collect, overdue, owners to pay, this month's margin.

Read from the ledger and the payouts as they are (never made-up totals); each figure links to
the page where finance acts on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from marketplace.db import SessionLike
from marketplace.finance import ledger, reports
from marketplace.finance import services as finance
from marketplace.finance.models import DocumentKind, FinanceDocument, JournalEntry
from marketplace.payments.models import Payout
from pricing.ledger import Account
from pricing.payouts import PayoutStatus

#: Parked on purpose by the finance desk (paid by bank, or held): not a failure.
DELIBERATE = ("paid_by_bank", "held")


@dataclass(frozen=True, slots=True)
class FinanceFigures:
    """What finance reads first, in one currency (minor units)."""

    currency: str
    to_collect_minor: int
    owing_deals: int
    overdue_minor: int
    overdue_deals: int
    owners_ready_minor: int
    owners_ready: int
    stripe_ready: int
    payouts_stuck: int
    margin_month_minor: int
    month: dt.date


def ledger_currencies(session: SessionLike, first: str = "ILS") -> list[str]:
    """The currencies the ledger holds money in, `first` always and first: each gets its own
    figures (a brief priced in dollars is owed in dollars, never added to the shekels)."""
    found = session.scalars(select(JournalEntry.currency).distinct()).all()
    return [first, *sorted(set(found) - {first})]


def finance_figures(
    session: SessionLike, *, today: dt.date, currency: str = "ILS"
) -> FinanceFigures:
    """Today's figures for the finance dashboard."""
    due_on = {
        row[0]: row[1]
        for row in session.execute(
            select(FinanceDocument.deal_id, func.min(FinanceDocument.due_on))
            .where(FinanceDocument.kind == DocumentKind.TAX_INVOICE)
            .group_by(FinanceDocument.deal_id)
        )
    }
    to_collect = owing = overdue = late = 0
    for (account, cur, deal_id), amount in ledger.balances(session, by="deal_id").items():
        if account is not Account.BRAND_RECEIVABLE or cur != currency or amount <= 0:
            continue
        to_collect += amount
        owing += 1
        due = due_on.get(deal_id)
        if due is not None and due < today:
            overdue += amount
            late += 1
    ready = [
        a
        for a in finance.owner_amounts(session, today=today)
        if a.reason is finance.Pending.READY and a.currency == currency
    ]
    # Failed: refused by Stripe or unanswered (to reconcile), or parked because the owner's
    # account cannot receive. A disputed payout waits for staff, not for finance.
    stuck = session.scalar(
        select(func.count())
        .select_from(Payout)
        .where(
            Payout.currency == currency,
            (Payout.status == PayoutStatus.UNKNOWN)
            | (
                (Payout.status == PayoutStatus.PARKED)
                & (Payout.reason.is_(None) | Payout.reason.not_in(DELIBERATE))
            ),
        )
    )
    stripe_ready = session.scalar(
        select(func.count())
        .select_from(Payout)
        .where(Payout.status == PayoutStatus.READY, Payout.currency == currency)
    )
    month = reports.by_period(session, currency, today=today, months=1)[-1]
    return FinanceFigures(
        currency=currency,
        to_collect_minor=to_collect,
        owing_deals=owing,
        overdue_minor=overdue,
        overdue_deals=late,
        owners_ready_minor=sum(a.amount_minor for a in ready),
        owners_ready=len(ready),
        stripe_ready=int(stripe_ready or 0),
        payouts_stuck=int(stuck or 0),
        margin_month_minor=month.margin,
        month=today.replace(day=1),
    )
