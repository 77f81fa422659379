"""The ledger's posting rules, checked against amounts worked out by hand."""

from __future__ import annotations

import pytest

from pricing import ledger as rules
from pricing import vat
from pricing.ledger import Account, Parties
from pricing.money import Money

DEAL = Parties(organisation_id=1, owner_id=2, brief_id=3, deal_id=4)


def amounts(posting: rules.Posting) -> dict[Account, int]:
    return {line.account: line.amount_minor for line in posting.lines}


def test_an_invoice_owes_the_owner_the_payout_and_keeps_the_margin_with_vat() -> None:
    # Owner's rate 1,000.00 ILS at a 25% margin: 250.00 margin, 1,250.00 net, 225.00 VAT (18%).
    split = rules.split_for_rate(100_000, 2_500, 1_800)
    assert (split.owner_minor, split.margin_minor, split.vat_minor) == (100_000, 25_000, 22_500)
    assert split.gross_minor == 147_500
    posting = rules.invoice_issued(split, "ILS", DEAL, key="invoice:1")
    assert amounts(posting) == {
        Account.BRAND_RECEIVABLE: 147_500,
        Account.OWNER_PAYABLE: -100_000,
        Account.AGENCY_REVENUE: -25_000,
        Account.VAT_PAYABLE: -22_500,
    }
    assert posting.debits_minor == 147_500


def test_a_negotiated_deal_keeps_what_the_brand_price_leaves_over_the_payout() -> None:
    # Brand price 1,333.33, payout 1,000.00: margin 333.33; VAT 18% of 1,333.33 = 239.9994 → 240.00.
    split = rules.split_for_prices(133_333, 100_000, 1_800)
    assert (split.margin_minor, split.vat_minor, split.gross_minor) == (33_333, 24_000, 157_333)


def test_a_foreign_brand_is_invoiced_at_zero_rate() -> None:
    assert vat.rate_for("US") == 0
    assert vat.rate_for("IL") == 1_800
    assert vat.rate_for("il", 1_700) == 1_700
    posting = rules.invoice_issued(
        rules.split_for_prices(50_000, 40_000, vat.rate_for("DE")), "EUR", DEAL
    )
    assert Account.VAT_PAYABLE not in amounts(posting)  # no zero line is written
    assert amounts(posting)[Account.BRAND_RECEIVABLE] == 50_000


def test_vat_rounds_half_up_to_the_agora() -> None:
    assert vat.vat_amount(1, 1_800) == 0  # 0.18 agora
    assert vat.vat_amount(3, 1_800) == 1  # 0.54 agora
    assert vat.vat_amount(25, 1_800) == 5  # 4.5 agorot → 5
    assert vat.vat_amount(-25, 1_800) == -5
    assert vat.totals([10_000, 2_550], 1_800) == vat.VatTotals(12_550, 2_259, 14_809, 1_800)


def test_a_gross_amount_splits_into_net_and_vat_that_add_up() -> None:
    assert vat.split_gross(11_800, 1_800) == (10_000, 1_800)
    assert vat.split_gross(100, 1_800) == (85, 15)  # 84.75 → 85 net
    for gross in range(0, 2_000):
        net, tax = vat.split_gross(gross, 1_800)
        assert net + tax == gross
        assert abs(tax - vat.vat_amount(net, 1_800)) <= 1


def test_the_allocation_number_is_needed_only_above_the_threshold_for_israeli_vat() -> None:
    assert vat.needs_allocation_number(500_001, "ILS", rate_bp=1_800)
    assert not vat.needs_allocation_number(500_000, "ILS", rate_bp=1_800)
    assert not vat.needs_allocation_number(900_000, "ILS", rate_bp=0)
    assert not vat.needs_allocation_number(900_000, "USD", rate_bp=1_800)
    assert vat.needs_allocation_number(20_001, "ILS", rate_bp=1_800, threshold_minor=20_000)


def test_a_card_payment_books_the_stripe_fee_as_an_expense() -> None:
    # 1,475.00 paid, Stripe keeps 2.9% + 1.20 = 43.98 (worked out by hand: 42.775 → 42.78 + 1.20).
    posting = rules.card_payment_captured(147_500, 4_398, "ILS", DEAL)
    assert amounts(posting) == {
        Account.STRIPE_CASH: 143_102,
        Account.STRIPE_FEES: 4_398,
        Account.BRAND_RECEIVABLE: -147_500,
    }


def test_a_bank_payment_settles_the_receivable() -> None:
    posting = rules.bank_payment_received(147_500, "ILS", DEAL, key="bank:ref-77")
    assert amounts(posting) == {Account.BANK: 147_500, Account.BRAND_RECEIVABLE: -147_500}


def test_a_partial_credit_note_takes_back_owner_margin_and_vat_in_proportion() -> None:
    invoice = rules.split_for_rate(100_000, 2_500, 1_800)  # 1,000 + 250 + 225 = 1,475
    # Crediting 590.00 gross: 500.00 net + 90.00 VAT; 500 in 100,000 : 25,000 → 400 / 100.
    part = rules.credit_split(invoice, 59_000, 1_800)
    assert (part.owner_minor, part.margin_minor, part.vat_minor) == (40_000, 10_000, 9_000)
    assert rules.credit_split(invoice, invoice.gross_minor, 1_800) == invoice
    posting = rules.credit_note(part, "ILS", DEAL, owner_payable_minor=100_000)
    assert amounts(posting) == {
        Account.OWNER_PAYABLE: 40_000,
        Account.AGENCY_REVENUE: 10_000,
        Account.VAT_PAYABLE: 9_000,
        Account.BRAND_RECEIVABLE: -59_000,
    }
    with pytest.raises(rules.LedgerError):
        rules.credit_split(invoice, invoice.gross_minor + 1, 1_800)


def test_a_credit_after_the_owner_was_paid_becomes_a_receivable_from_the_owner() -> None:
    invoice = rules.split_for_rate(100_000, 2_500, 1_800)
    posting = rules.credit_note(invoice, "ILS", DEAL, owner_payable_minor=30_000)
    assert amounts(posting)[Account.OWNER_PAYABLE] == 30_000
    assert amounts(posting)[Account.OWNER_RECEIVABLE] == 70_000


def test_paying_an_owner_more_than_is_owed_is_refused() -> None:
    assert amounts(rules.transfer_to_owner(100_000, "ILS", DEAL, owner_payable_minor=100_000)) == {
        Account.OWNER_PAYABLE: 100_000,
        Account.STRIPE_CASH: -100_000,
    }
    assert amounts(rules.bank_payout_to_owner(60_000, "USD", DEAL, owner_payable_minor=60_000)) == {
        Account.OWNER_PAYABLE: 60_000,
        Account.BANK: -60_000,
    }
    with pytest.raises(rules.PayableWouldGoNegative):
        rules.transfer_to_owner(100_001, "ILS", DEAL, owner_payable_minor=100_000)


def test_a_transfer_reversal_first_settles_what_the_owner_owed_back() -> None:
    posting = rules.transfer_reversed(50_000, "ILS", DEAL, owner_receivable_minor=20_000)
    assert amounts(posting) == {
        Account.STRIPE_CASH: 50_000,
        Account.OWNER_RECEIVABLE: -20_000,
        Account.OWNER_PAYABLE: -30_000,
    }


def test_an_unbalanced_or_mixed_posting_is_refused() -> None:
    with pytest.raises(rules.UnbalancedPosting):
        rules.Posting(
            rules.EntryKind.REFUND,
            "ILS",
            (rules.Line(Account.BANK, 100), rules.Line(Account.BRAND_RECEIVABLE, -99)),
        )
    with pytest.raises(rules.UnbalancedPosting):
        rules.Posting(rules.EntryKind.REFUND, "ILS", (rules.Line(Account.BANK, 0 + 1),))
    with pytest.raises(rules.LedgerError):
        rules.Line(Account.BANK, 0)
    with pytest.raises(TypeError):
        rules.Line(Account.BANK, 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown currency"):
        rules.Posting(
            rules.EntryKind.REFUND,
            "GBP",
            (rules.Line(Account.BANK, 1), rules.Line(Account.BRAND_RECEIVABLE, -1)),
        )


def test_an_exchange_is_two_linked_legs_each_balanced_in_its_own_currency() -> None:
    sell, buy = rules.fx_conversion(
        Money(10_000, "USD"), Money(36_512, "ILS"), link="fx-1", key="fx:1"
    )
    assert (sell.currency, buy.currency) == ("USD", "ILS")
    assert sell.link == buy.link == "fx-1"
    assert amounts(sell) == {Account.FX_CONVERSION: 10_000, Account.BANK: -10_000}
    assert amounts(buy) == {Account.BANK: 36_512, Account.FX_CONVERSION: -36_512}
    with pytest.raises(rules.LedgerError):
        rules.fx_conversion(Money(1, "ILS"), Money(1, "ILS"), link="x")


def test_a_reversal_mirrors_every_line_and_undoes_the_entry() -> None:
    original = rules.invoice_issued(rules.split_for_rate(100_000, 2_500, 1_800), "ILS", DEAL)
    mirror = rules.reversal(7, original)
    assert (mirror.reverses, mirror.key) == (7, "reversal:7")
    balances = rules.apply_all([original, mirror])
    assert all(amount == 0 for amount in balances.raw.values())
    with pytest.raises(rules.LedgerError):
        rules.reversal(8, mirror)


def test_balances_read_per_party_and_natural_side() -> None:
    split = rules.split_for_rate(100_000, 2_500, 1_800)
    balances = rules.apply_all(
        [
            rules.invoice_issued(split, "ILS", DEAL),
            rules.bank_payment_received(147_500, "ILS", DEAL),
            rules.bank_payout_to_owner(100_000, "ILS", DEAL, owner_payable_minor=100_000),
        ]
    )
    assert balances.of(Account.BANK, "ILS") == 47_500
    assert balances.of(Account.AGENCY_REVENUE, "ILS", owner_id=2) == 25_000
    assert balances.of(Account.OWNER_PAYABLE, "ILS", deal_id=4) == 0
    assert balances.of(Account.VAT_PAYABLE, "ILS") == 22_500
    assert balances.totals_per_currency() == {"ILS": 0}


def test_a_fee_learnt_after_the_capture_moves_from_stripe_cash_to_the_fees_account() -> None:
    # Captured as 1,475.00 with no fee, then Stripe's 43.08 fee: the same as one capture of
    # 1,475.00 with its fee (1,431.92 in Stripe's cash).
    late = rules.stripe_fee_charged(4_308, "ILS", DEAL, key="stripe:payment:1:fee")
    assert amounts(late) == {Account.STRIPE_FEES: 4_308, Account.STRIPE_CASH: -4_308}
    at_once = rules.apply_all([rules.card_payment_captured(147_500, 4_308, "ILS", DEAL)])
    later = rules.apply_all([rules.card_payment_captured(147_500, 0, "ILS", DEAL), late])
    assert at_once == later
    with pytest.raises(rules.LedgerError):
        rules.stripe_fee_charged(-1, "ILS", DEAL)
