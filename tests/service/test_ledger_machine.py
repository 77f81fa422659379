"""Random money events in ILS, USD and EUR, posted through the ledger service and the database.

A model written from the issue's words (not from the posting rules) keeps, per deal and
currency, what was invoiced, credited, collected, refunded and paid out; after every step the
stored ledger must agree with it: debits equal credits per currency and per entry, every
balance equals the sum of its lines, no owner payable is below zero, and the receivables,
the owners' position, revenue, VAT, fees and cash equal what the invoices and payouts say.
Each example runs inside a SAVEPOINT that is rolled back (the journal refuses DELETE).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from marketplace.auth.models import User
from marketplace.extensions import db
from marketplace.finance import ledger
from marketplace.finance.models import JournalEntry, JournalLine
from pricing import ledger as rules
from pricing.ledger import Account, Parties
from pricing.money import Money
from tests.factories import make_deal

CURRENCIES = ("ILS", "USD", "EUR")
currencies = st.sampled_from(CURRENCIES)
amounts = st.integers(min_value=1, max_value=2_000_000)
fractions = st.integers(min_value=1, max_value=100)


class LedgerMachine(RuleBasedStateMachine):
    """Two deals; every step one money event; the model is plain counters."""

    def __init__(self, session: Any, deals: list[Any]) -> None:
        super().__init__()
        self.session = session
        self.savepoint = session.begin_nested()
        self.parties = [Parties(d.organisation_id, d.owner_id, d.brief_id, d.id) for d in deals]
        self.model: Counter[tuple[str, int, str]] = Counter()  # (name, deal index, currency)
        self.effects: dict[int, Counter[tuple[str, int, str]]] = {}  # entry id → its deltas
        self.invoices: list[tuple[int, str, rules.InvoiceSplit, int]] = []
        self.fx = 0

    def teardown(self) -> None:
        self.savepoint.rollback()

    # --- helpers ------------------------------------------------------------------------

    def m(self, name: str, deal: int, currency: str) -> int:
        return self.model[(name, deal, currency)]

    def book(self, posting: rules.Posting, deltas: dict[tuple[str, int, str], int]) -> None:
        [entry] = ledger.post(self.session, [posting])
        effect = Counter({k: v for k, v in deltas.items() if v})
        self.model.update(effect)
        self.effects[entry.id] = effect

    def payable(self, deal: int, currency: str) -> int:
        return self.m("payable", deal, currency)

    # --- rules --------------------------------------------------------------------------

    @rule(
        deal=st.integers(0, 1),
        currency=currencies,
        rate=amounts,
        margin_bp=st.integers(0, 4_000),
        foreign=st.booleans(),
    )
    def invoice(self, deal: int, currency: str, rate: int, margin_bp: int, foreign: bool) -> None:
        vat_bp = 0 if foreign else 1_800
        split = rules.split_for_rate(rate, margin_bp, vat_bp)
        posting = rules.invoice_issued(split, currency, self.parties[deal])
        self.book(posting, {
            ("receivable", deal, currency): split.gross_minor,
            ("payable", deal, currency): split.owner_minor,
            ("owed_to_owner", deal, currency): split.owner_minor,
            ("revenue", deal, currency): split.margin_minor,
            ("vat", deal, currency): split.vat_minor,
        })  # fmt: skip
        self.invoices.append((deal, currency, split, vat_bp))

    @precondition(lambda self: any(v > 0 for (n, _d, _c), v in self.model.items()
                                   if n == "receivable"))  # fmt: skip
    @rule(data=st.data(), by_card=st.booleans(), fee_pct=st.integers(0, 5))
    def brand_pays(self, data: Any, by_card: bool, fee_pct: int) -> None:
        owing = sorted(k for k, v in self.model.items() if k[0] == "receivable" and v > 0)
        _name, deal, currency = data.draw(st.sampled_from(owing))
        amount = data.draw(st.integers(1, self.m("receivable", deal, currency)))
        who = self.parties[deal]
        if by_card:
            fee = amount * fee_pct // 100
            posting = rules.card_payment_captured(amount, fee, currency, who)
            self.book(posting, {
                ("receivable", deal, currency): -amount,
                ("stripe", deal, currency): amount - fee,
                ("fees", deal, currency): fee,
            })  # fmt: skip
        else:
            self.book(rules.bank_payment_received(amount, currency, who), {
                ("receivable", deal, currency): -amount,
                ("bank", deal, currency): amount,
            })  # fmt: skip

    @precondition(lambda self: bool(self.invoices))
    @rule(data=st.data(), part=fractions, refund_cash=st.booleans())
    def credit_and_refund(self, data: Any, part: int, refund_cash: bool) -> None:
        deal, currency, invoice, vat_bp = data.draw(st.sampled_from(self.invoices))
        gross = max(1, invoice.gross_minor * part // 100)
        split = rules.credit_split(invoice, gross, vat_bp)
        payable = self.payable(deal, currency)
        from_payable = min(split.owner_minor, max(payable, 0))
        posting = rules.credit_note(
            split, currency, self.parties[deal], owner_payable_minor=payable
        )
        self.book(posting, {
            ("receivable", deal, currency): -split.gross_minor,
            ("payable", deal, currency): -from_payable,
            ("owner_receivable", deal, currency): split.owner_minor - from_payable,
            ("owed_to_owner", deal, currency): -split.owner_minor,
            ("revenue", deal, currency): -split.margin_minor,
            ("vat", deal, currency): -split.vat_minor,
        })  # fmt: skip
        if refund_cash:
            via = Account.BANK if data.draw(st.booleans()) else Account.STRIPE_CASH
            cash = "bank" if via is Account.BANK else "stripe"
            self.book(rules.refund(split.gross_minor, currency, self.parties[deal], via=via), {
                ("receivable", deal, currency): split.gross_minor,
                (cash, deal, currency): -split.gross_minor,
            })  # fmt: skip

    @precondition(lambda self: any(v > 0 for (n, _d, _c), v in self.model.items()
                                   if n == "payable"))  # fmt: skip
    @rule(data=st.data(), by_stripe=st.booleans())
    def pay_owner(self, data: Any, by_stripe: bool) -> None:
        owed = sorted(k for k, v in self.model.items() if k[0] == "payable" and v > 0)
        _name, deal, currency = data.draw(st.sampled_from(owed))
        amount = data.draw(st.integers(1, self.payable(deal, currency)))
        build = rules.transfer_to_owner if by_stripe else rules.bank_payout_to_owner
        posting = build(amount, currency, self.parties[deal],
                        owner_payable_minor=self.payable(deal, currency))  # fmt: skip
        cash = "stripe" if by_stripe else "bank"
        self.book(posting, {
            ("payable", deal, currency): -amount,
            ("owed_to_owner", deal, currency): -amount,
            (cash, deal, currency): -amount,
            ("transferred", deal, currency): amount if by_stripe else 0,
        })  # fmt: skip

    @rule(deal=st.integers(0, 1), currency=currencies, extra=st.integers(1, 1_000))
    def overpaying_an_owner_is_refused(self, deal: int, currency: str, extra: int) -> None:
        payable = self.payable(deal, currency)
        with pytest.raises(rules.PayableWouldGoNegative):
            rules.transfer_to_owner(payable + extra, currency, self.parties[deal],
                                    owner_payable_minor=payable)  # fmt: skip
        # Forged past the pure rule, the store refuses it too and writes nothing.
        who = self.parties[deal]
        forged = rules.Posting(
            rules.EntryKind.TRANSFER_TO_OWNER,
            currency,
            (rules.Line(Account.OWNER_PAYABLE, payable + extra, who),
             rules.Line(Account.STRIPE_CASH, -(payable + extra), who)),
        )  # fmt: skip
        count = self.session.scalar(select(func.count(JournalEntry.id)))
        with pytest.raises(ledger.PostingConflict), self.session.begin_nested():
            ledger.post(self.session, [forged])
        assert self.session.scalar(select(func.count(JournalEntry.id))) == count

    @precondition(lambda self: any(v > 0 for (n, _d, _c), v in self.model.items()
                                   if n == "transferred"))  # fmt: skip
    @rule(data=st.data())
    def stripe_reverses_a_transfer(self, data: Any) -> None:
        sent = sorted(k for k, v in self.model.items() if k[0] == "transferred" and v > 0)
        _name, deal, currency = data.draw(st.sampled_from(sent))
        amount = data.draw(st.integers(1, self.m("transferred", deal, currency)))
        receivable = self.m("owner_receivable", deal, currency)
        settles = min(amount, receivable)
        posting = rules.transfer_reversed(amount, currency, self.parties[deal],
                                          owner_receivable_minor=receivable)  # fmt: skip
        self.book(posting, {
            ("stripe", deal, currency): amount,
            ("owner_receivable", deal, currency): -settles,
            ("payable", deal, currency): amount - settles,
            ("owed_to_owner", deal, currency): amount,
            ("transferred", deal, currency): -amount,
        })  # fmt: skip

    @rule(sold=currencies, bought=currencies, a=amounts, b=amounts)
    def exchange(self, sold: str, bought: str, a: int, b: int) -> None:
        if sold == bought:
            return
        self.fx += 1
        legs = rules.fx_conversion(Money(a, sold), Money(b, bought), link=f"fx-{self.fx}")
        ledger.post(self.session, legs)
        self.model.update({("fxbank", 0, sold): -a, ("fxbank", 0, bought): b})

    @precondition(lambda self: bool(self.effects))
    @rule(data=st.data())
    def reverse_an_entry(self, data: Any) -> None:
        entry_id = data.draw(st.sampled_from(sorted(self.effects)))
        effect = self.effects[entry_id]
        after = self.model.copy()
        after.subtract(effect)
        would_go_negative = any(after[k] < 0 for k in effect if k[0] == "payable" and effect[k] > 0)
        if would_go_negative:
            with pytest.raises(ledger.PostingConflict), self.session.begin_nested():
                ledger.reverse(self.session, entry_id)
            return
        ledger.reverse(self.session, entry_id)
        self.model = after
        del self.effects[entry_id]  # an entry is reversed once (reversing again is a no-op)

    # --- invariants ---------------------------------------------------------------------

    @invariant()
    def debits_equal_credits_per_currency_and_per_entry(self) -> None:
        per_currency = self.session.execute(
            select(JournalEntry.currency, func.sum(JournalLine.amount_minor))
            .join(JournalLine.entry)
            .group_by(JournalEntry.currency)
        ).all()
        assert all(total == 0 for _currency, total in per_currency), per_currency
        unbalanced = self.session.scalars(
            select(JournalLine.entry_id)
            .group_by(JournalLine.entry_id)
            .having(func.sum(JournalLine.amount_minor) != 0)
        ).all()
        assert unbalanced == []

    @invariant()
    def every_balance_is_the_sum_of_its_lines(self) -> None:
        sums: Counter[tuple[Account, str]] = Counter()
        for line in self.session.scalars(select(JournalLine)):
            sums[(Account(line.account), line.entry.currency)] += line.amount_minor
        for (account, currency), total in sums.items():
            assert ledger.balance(self.session, account, currency) == total * account.normal_sign

    @invariant()
    def the_ledger_matches_the_invoices_and_payouts(self) -> None:
        s = self.session
        for deal, who in enumerate(self.parties):
            for currency in CURRENCIES:

                def bal(
                    account: Account, currency: str = currency, deal_id: int = who.deal_id
                ) -> int:  # type: ignore[assignment]  # noqa: E501
                    return ledger.balance(s, account, currency, deal_id=deal_id)

                payable = bal(Account.OWNER_PAYABLE)
                assert payable >= 0, "an owner payable went negative"
                assert payable == self.m("payable", deal, currency)
                assert bal(Account.BRAND_RECEIVABLE) == self.m("receivable", deal, currency)
                assert payable - bal(Account.OWNER_RECEIVABLE) == self.m(
                    "owed_to_owner", deal, currency
                )
                assert bal(Account.AGENCY_REVENUE) == self.m("revenue", deal, currency)
                assert bal(Account.VAT_PAYABLE) == self.m("vat", deal, currency)
                assert bal(Account.STRIPE_FEES) == self.m("fees", deal, currency)
                assert bal(Account.STRIPE_CASH) == self.m("stripe", deal, currency)
                assert bal(Account.BANK) == self.m("bank", deal, currency)
        for currency in CURRENCIES:
            party_bank = sum(self.m("bank", d, currency) for d in range(len(self.parties)))
            assert ledger.balance(s, Account.BANK, currency) == party_bank + self.m(
                "fxbank", 0, currency
            )


@pytest.fixture
def two_deals(app: Flask, make_user: Any) -> Any:
    ids = {role: make_user(role).id for role in ("brand", "owner", "staff")}
    other_owner = make_user("owner").id
    with app.test_request_context():
        people = {role: db.session.get(User, i) for role, i in ids.items()}
        first = make_deal(db.session, brand=people["brand"], staff=people["staff"],
                          owner=people["owner"])  # fmt: skip
        second = make_deal(db.session, brand=people["brand"], staff=people["staff"],
                           owner=db.session.get(User, other_owner))  # fmt: skip
        db.session.commit()
        yield db.session, [first, second]


def test_any_sequence_of_money_events_keeps_the_ledger_sound(two_deals: Any) -> None:
    session, deals = two_deals
    run_state_machine_as_test(
        lambda: LedgerMachine(session, deals),
        settings=settings(
            max_examples=20,
            stateful_step_count=20,
            deadline=None,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            suppress_health_check=list(HealthCheck),
        ),
    )
