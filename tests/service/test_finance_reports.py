"""The desk's figures, worked out by hand: by month, by brand and campaign, aging, exports."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from marketplace.auth.models import User
from marketplace.finance import ledger, reports
from marketplace.finance import services as finance
from pricing import ledger as rules
from pricing.ledger import Parties
from tests.factories import make_deal

NOV, DEC = dt.date(2026, 11, 10), dt.date(2026, 12, 3)
TODAY = dt.date(2026, 12, 20)


@pytest.fixture
def deal(ctx: Any, make_user: Any) -> Any:
    people = {r: ctx.get(User, make_user(r).id) for r in ("brand", "owner", "staff")}
    return make_deal(ctx, **people)  # a draft: no invoice of its own


def test_money_by_month_is_read_from_the_ledger(ctx: Any, deal: Any) -> None:
    who = Parties(deal.organisation_id, deal.owner_id, deal.brief_id, deal.id)
    split = rules.split_for_rate(100_000, 2_500, 1_800)  # 1,000 + 250 margin + 225 VAT
    ledger.post(ctx, [rules.invoice_issued(split, "ILS", who)], on=NOV)
    ledger.post(ctx, [rules.bank_payment_received(147_500, "ILS", who)], on=NOV)
    ledger.post(ctx, [rules.bank_payout_to_owner(60_000, "ILS", who,
                                                 owner_payable_minor=100_000)], on=DEC)  # fmt: skip
    ledger.post(ctx, [rules.invoice_issued(split, "USD", who)], on=DEC)  # another currency
    periods = {p.month: p for p in reports.by_period(ctx, "ILS", today=TODAY, months=3)}
    assert list(periods) == ["2026-10", "2026-11", "2026-12"]
    assert periods["2026-11"] == reports.Period("2026-11", 147_500, 0, 25_000, 100_000)
    assert periods["2026-12"] == reports.Period("2026-12", 0, 60_000, 0, 40_000)
    assert periods["2026-10"].owed_at_end == 0
    [brand] = reports.by_brand(ctx, "ILS")
    assert (brand["receivable"], brand["margin"]) == (0, 25_000)
    [campaign] = reports.by_campaign(ctx, "USD")
    assert (campaign["receivable"], campaign["payable"]) == (147_500, 100_000)
    rows = reports.journal_rows(ledger.entries(ctx))
    assert rows[0][4:7] == ["brand_receivable", "1475.00", ""]
    assert sum(1 for r in rows if r[3] == "USD") == 4


def test_receivables_and_payables_age_from_their_due_dates(ctx: Any, deal: Any) -> None:
    who = Parties(deal.organisation_id, deal.owner_id, deal.brief_id, deal.id)
    ledger.post(ctx, [rules.invoice_issued(rules.split_for_rate(10_000, 0, 0), "ILS", who)])
    aging = reports.receivables_aging(ctx, "ILS", today=TODAY)
    assert aging == {"current": 10_000, "1-30": 0, "31-60": 0, "61-90": 0, "90+": 0}
    day = dt.timedelta(days=1)
    late = finance.OwnerAmount(deal.id, deal.owner_id, "x", "ILS", 5_000, 0,
                               finance.Pending.READY, "", TODAY - 45 * day)  # fmt: skip
    soon = finance.OwnerAmount(deal.id, deal.owner_id, "x", "ILS", 700, 0,
                               finance.Pending.NOT_DUE, "", TODAY + 3 * day)  # fmt: skip
    other = finance.OwnerAmount(deal.id, deal.owner_id, "x", "EUR", 9, 0,
                                finance.Pending.NOT_DUE, "", TODAY)  # fmt: skip
    assert reports.payables_aging([late, soon, other], "ILS", today=TODAY) == {
        "current": 700, "1-30": 0, "31-60": 5_000, "61-90": 0, "90+": 0,
    }  # fmt: skip


def test_the_chart_puts_every_series_on_one_scale() -> None:
    periods = [reports.Period("2026-11", 200, 50, 100, 0), reports.Period("2026-12", 0, 0, 0, -5)]
    chart = reports.period_chart(periods)
    first = {b["name"]: b for b in chart["groups"][0]["bars"]}
    assert first["cash_in"]["height"] == reports.CHART_HEIGHT
    assert first["margin"]["height"] == reports.CHART_HEIGHT / 2
    assert first["paid_out"]["y"] == reports.CHART_HEIGHT * 3 / 4
    assert all(b["height"] == 0 for b in chart["groups"][1]["bars"])
