"""The ledger store: postings written once, balances at any date, history that never changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from marketplace.auth.models import User
from marketplace.extensions import db
from marketplace.finance import ledger
from marketplace.finance.models import JournalEntry, JournalLine
from pricing import ledger as rules
from pricing.ledger import Account, Parties
from tests.factories import make_deal, make_journal_entry


@pytest.fixture
def deal(ctx: Any, make_user: Any) -> Any:
    people = {r: ctx.get(User, make_user(r).id) for r in ("brand", "owner", "staff")}
    return make_deal(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"])


def parties(deal: Any) -> Parties:
    return Parties(deal.organisation_id, deal.owner_id, deal.brief_id, deal.id)


DAY1, DAY2 = dt.date(2026, 12, 1), dt.date(2026, 12, 5)


def test_postings_are_stored_balanced_and_read_back_at_any_date(ctx: Any, deal: Any) -> None:
    split = rules.split_for_rate(100_000, 2_500, 1_800)
    who = parties(deal)
    ledger.post(ctx, [rules.invoice_issued(split, "ILS", who, key="invoice:1")], on=DAY1)
    ledger.post(ctx, [rules.bank_payment_received(147_500, "ILS", who)], on=DAY2)
    assert ledger.balance(ctx, Account.BRAND_RECEIVABLE, "ILS", on=DAY1) == 147_500
    assert ledger.balance(ctx, Account.BRAND_RECEIVABLE, "ILS", on=DAY2) == 0
    assert ledger.balance(ctx, Account.BANK, "ILS", on=DAY1 - dt.timedelta(days=1)) == 0
    assert ledger.balance(ctx, Account.OWNER_PAYABLE, "ILS", owner_id=deal.owner_id) == 100_000
    assert ledger.balance(ctx, Account.AGENCY_REVENUE, "ILS", brief_id=deal.brief_id) == 25_000
    assert ledger.balance(ctx, Account.OWNER_PAYABLE, "ILS", owner_id=deal.owner_id + 99) == 0
    by_brand = ledger.balances(ctx, by="organisation_id")
    assert by_brand[(Account.BANK, "ILS", deal.organisation_id)] == 147_500
    assert ledger.balance(ctx, Account.BANK, "USD") == 0


def test_a_key_is_posted_once_and_a_different_posting_under_it_is_refused(
    ctx: Any, deal: Any
) -> None:
    posting = rules.bank_payment_received(1_000, "ILS", parties(deal), key="bank:ref-1")
    first = ledger.post(ctx, [posting])
    again = ledger.post(ctx, [posting])
    assert [e.id for e in first] == [e.id for e in again]
    assert ctx.scalar(select(db.func.count(JournalEntry.id))) == 1
    with pytest.raises(ledger.PostingConflict):
        ledger.post(
            ctx, [rules.bank_payment_received(1_001, "ILS", parties(deal), key="bank:ref-1")]
        )


def test_a_reversal_undoes_an_entry_once(ctx: Any, deal: Any) -> None:
    [entry] = ledger.post(ctx, [rules.bank_payment_received(5_000, "ILS", parties(deal))])
    mirror = ledger.reverse(ctx, entry.id, memo="wrong brand")
    assert mirror.reverses_id == entry.id
    assert ledger.balance(ctx, Account.BANK, "ILS") == 0
    # Reversing again is reversing once (its key is the entry's); another key is refused.
    assert ledger.reverse(ctx, entry.id).id == mirror.id
    assert ledger.balance(ctx, Account.BANK, "ILS") == 0
    other = rules.reversal(entry.id, ledger.posting_of(entry), key="another")
    with pytest.raises(ledger.PostingConflict):
        ledger.post(ctx, [other])


def test_an_owner_payable_never_goes_below_zero(ctx: Any, deal: Any) -> None:
    who = parties(deal)
    ledger.post(ctx, [rules.invoice_issued(rules.split_for_rate(10_000, 2_500, 0), "ILS", who)])
    too_much = rules.Posting(
        rules.EntryKind.BANK_PAYOUT_TO_OWNER,
        "ILS",
        (rules.Line(Account.OWNER_PAYABLE, 10_001, who), rules.Line(Account.BANK, -10_001, who)),
    )
    with pytest.raises(ledger.PostingConflict):
        ledger.post(ctx, [too_much])


def test_journal_rows_are_refused_update_and_delete_by_the_database(ctx: Any, deal: Any) -> None:
    ledger.post(ctx, [rules.bank_payment_received(5_000, "ILS", parties(deal))])
    ctx.commit()
    line = ctx.scalars(select(JournalLine)).first()
    entry_id = line.entry_id
    for statement in (
        "UPDATE journal_lines SET amount_minor = 1 WHERE id = :id",
        "DELETE FROM journal_lines WHERE id = :id",
        "UPDATE journal_entries SET memo = 'edited' WHERE id = :entry",
        "DELETE FROM journal_entries WHERE id = :entry",
    ):
        with pytest.raises(DBAPIError):
            ctx.execute(text(statement), {"id": line.id, "entry": entry_id})
        ctx.rollback()
    assert ledger.balance(ctx, Account.BANK, "ILS") == 5_000


def test_the_factory_posts_a_bank_payment_on_the_day_asked(ctx: Any, deal: Any) -> None:
    entry = make_journal_entry(ctx, deal, amount_minor=2_500, currency="EUR", on=DAY1)
    assert (entry.effective_on, entry.currency) == (DAY1, "EUR")
    assert ledger.balance(ctx, Account.BANK, "EUR", organisation_id=deal.organisation_id) == 2_500
