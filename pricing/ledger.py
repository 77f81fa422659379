"""The ledger's posting rules: which balanced entries each money event produces, as values.

Double entry in integer minor units. A :class:`Posting` is one journal entry in ONE currency;
its lines are signed amounts (positive = debit, negative = credit) that sum to zero. Foreign
exchange is two postings, one per currency, linked by a shared ``link`` and passing through the
``fx_conversion`` account of each currency (TigerBeetle's "two linked transfers").

Accounts (:class:`Account`) and their normal side:

============================ ========= ==========================================================
account                      normal    what its balance is
============================ ========= ==========================================================
``brand_receivable``         debit     what brands owe the agency (invoiced, VAT included, unpaid)
``stripe_cash``              debit     the agency's balance at Stripe (card payments less fees)
``bank``                     debit     the agency's bank account
``owner_receivable``         debit     what owners owe back (a refund after they were paid)
``stripe_fees``              debit     Stripe's processing fees (an expense)
``fx_conversion``            debit     a currency exchange in flight (zero once both legs post)
``owner_payable``            credit    what the agency owes owners (their payout per deal)
``agency_revenue``           credit    what the agency keeps: the margin (brand price − payout)
``vat_payable``              credit    output VAT owed to the Tax Authority
``brand_credit``             credit    a brand's credit (a credit note not yet refunded in cash)
============================ ========= ==========================================================

The agency invoices as the owners' agent: the invoice's net is the brand price, of which the
owner's payout is owed on (``owner_payable``) and the margin is revenue — the same split the
media planner shows, from :mod:`pricing.margin`. An entry is never changed: a mistake is
corrected by :func:`reversal`, the mirror of the entry, posted as a new entry.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from pricing import margin as margin_rules
from pricing import vat as vat_rules
from pricing.money import CURRENCY_EXPONENTS, Money, UnknownCurrency


class Account(enum.StrEnum):
    """A ledger account (per currency; balances are never summed across currencies)."""

    BRAND_RECEIVABLE = "brand_receivable"
    STRIPE_CASH = "stripe_cash"
    BANK = "bank"
    OWNER_RECEIVABLE = "owner_receivable"
    STRIPE_FEES = "stripe_fees"
    FX_CONVERSION = "fx_conversion"
    OWNER_PAYABLE = "owner_payable"
    AGENCY_REVENUE = "agency_revenue"
    VAT_PAYABLE = "vat_payable"
    BRAND_CREDIT = "brand_credit"

    @property
    def normal_sign(self) -> int:
        """+1 for debit-normal accounts (assets, expenses), −1 for credit-normal ones."""
        return 1 if self in DEBIT_NORMAL else -1


DEBIT_NORMAL = frozenset(
    {
        Account.BRAND_RECEIVABLE,
        Account.STRIPE_CASH,
        Account.BANK,
        Account.OWNER_RECEIVABLE,
        Account.STRIPE_FEES,
        Account.FX_CONVERSION,
    }
)


class EntryKind(enum.StrEnum):
    """The money event an entry records."""

    INVOICE_ISSUED = "invoice_issued"
    CREDIT_NOTE = "credit_note"
    BANK_PAYMENT_RECEIVED = "bank_payment_received"
    CARD_PAYMENT_CAPTURED = "card_payment_captured"
    REFUND = "refund"
    TRANSFER_TO_OWNER = "transfer_to_owner"
    TRANSFER_REVERSED = "transfer_reversed"
    BANK_PAYOUT_TO_OWNER = "bank_payout_to_owner"
    STRIPE_PAYOUT_TO_BANK = "stripe_payout_to_bank"
    FX_CONVERSION = "fx_conversion"
    PAYOUT_ADJUSTED = "payout_adjusted"
    REVERSAL = "reversal"


class LedgerError(ValueError):
    """A posting that breaks the ledger's rules (the message says which)."""


class UnbalancedPosting(LedgerError):
    """The lines of a posting do not sum to zero."""


class MixedCurrency(LedgerError):
    """Amounts in two currencies in one posting (use :func:`fx_conversion`)."""


class PayableWouldGoNegative(LedgerError):
    """Paying or clawing back more than the agency owes the owner."""


@dataclass(frozen=True, slots=True)
class Parties:
    """Whom a line concerns, so balances can be read by brand, owner, campaign and deal."""

    organisation_id: int | None = None
    owner_id: int | None = None
    brief_id: int | None = None
    deal_id: int | None = None


NOBODY = Parties()


@dataclass(frozen=True, slots=True)
class Line:
    """One side of an entry: a signed amount (debit > 0, credit < 0) on an account."""

    account: Account
    amount_minor: int
    parties: Parties = NOBODY

    def __post_init__(self) -> None:
        if not isinstance(self.amount_minor, int) or isinstance(self.amount_minor, bool):
            raise TypeError("amount_minor must be an int of minor units")
        if self.amount_minor == 0:
            raise LedgerError("a ledger line cannot be zero")


@dataclass(frozen=True, slots=True)
class Posting:
    """One balanced journal entry in one currency, ready to be stored.

    ``key`` makes posting idempotent (the store writes one entry per key); ``link`` ties the
    legs of one exchange together; ``reverses`` names the entry a reversal mirrors.
    """

    kind: EntryKind
    currency: str
    lines: tuple[Line, ...]
    memo: str = ""
    key: str | None = None
    link: str | None = None
    reverses: int | None = None

    def __post_init__(self) -> None:
        if self.currency not in CURRENCY_EXPONENTS:
            raise UnknownCurrency(f"unknown currency {self.currency!r}")
        if len(self.lines) < 2:
            raise UnbalancedPosting("an entry needs at least two lines")
        total = sum(line.amount_minor for line in self.lines)
        if total != 0:
            raise UnbalancedPosting(f"debits and credits differ by {total} in {self.currency}")

    @property
    def debits_minor(self) -> int:
        """The sum of the debit lines (equal to the credits)."""
        return sum(line.amount_minor for line in self.lines if line.amount_minor > 0)


def _lines(parties: Parties, *pairs: tuple[Account, int]) -> tuple[Line, ...]:
    """Lines for the non-zero amounts, all for the same parties."""
    return tuple(Line(account, amount, parties) for account, amount in pairs if amount != 0)


def _money(amount_minor: int, currency: str, what: str) -> None:
    Money(amount_minor, currency)  # checks the type and the currency
    if amount_minor < 0:
        raise LedgerError(f"{what} cannot be negative")


@dataclass(frozen=True, slots=True)
class InvoiceSplit:
    """Where an invoice's money goes: the owner's payout, the agency's margin and VAT."""

    owner_minor: int
    margin_minor: int
    vat_minor: int

    @property
    def net_minor(self) -> int:
        """The brand price before VAT."""
        return self.owner_minor + self.margin_minor

    @property
    def gross_minor(self) -> int:
        """What the brand pays."""
        return self.net_minor + self.vat_minor


def split_for_rate(owner_rate_minor: int, margin_bp: int, vat_rate_bp: int) -> InvoiceSplit:
    """The split of a placement priced from the owner's rate by the planner's margin rule."""
    margin = margin_rules.margin_amount(owner_rate_minor, margin_bp)
    net = owner_rate_minor + margin
    return InvoiceSplit(owner_rate_minor, margin, vat_rules.vat_amount(net, vat_rate_bp))


def split_for_prices(
    brand_price_minor: int, owner_payout_minor: int, vat_rate_bp: int
) -> InvoiceSplit:
    """The split of a negotiated deal: the margin is what the brand price leaves over the payout.

    A margin below zero (an admin's decision at the deal desk) is recorded as negative revenue.
    """
    if brand_price_minor < 0 or owner_payout_minor < 0:
        raise LedgerError("prices cannot be negative")
    margin = brand_price_minor - owner_payout_minor
    return InvoiceSplit(
        owner_payout_minor, margin, vat_rules.vat_amount(brand_price_minor, vat_rate_bp)
    )


def invoice_issued(
    split: InvoiceSplit, currency: str, parties: Parties, *, key: str | None = None, memo: str = ""
) -> Posting:
    """The brand owes the gross; the owner is owed the payout; margin and VAT are recognised."""
    _money(split.owner_minor, currency, "an owner payout")
    return Posting(
        EntryKind.INVOICE_ISSUED,
        currency,
        _lines(
            parties,
            (Account.BRAND_RECEIVABLE, split.gross_minor),
            (Account.OWNER_PAYABLE, -split.owner_minor),
            (Account.AGENCY_REVENUE, -split.margin_minor),
            (Account.VAT_PAYABLE, -split.vat_minor),
        ),
        memo=memo,
        key=key,
    )


def credit_split(invoice: InvoiceSplit, credit_gross_minor: int, vat_rate_bp: int) -> InvoiceSplit:
    """The part of an invoice a credit note for ``credit_gross_minor`` (VAT included) takes back.

    The net is split between owner and margin in the invoice's proportion, by largest remainder
    (so a full credit takes back exactly the invoice). A full credit is the invoice itself.
    """
    if not 0 < credit_gross_minor <= invoice.gross_minor:
        raise LedgerError("a credit note is for more than zero and at most the invoice")
    if credit_gross_minor == invoice.gross_minor:
        return invoice
    net, vat = vat_rules.split_gross(credit_gross_minor, vat_rate_bp)
    if invoice.net_minor <= 0 or invoice.owner_minor < 0 or invoice.margin_minor < 0:
        return InvoiceSplit(owner_minor=net, margin_minor=0, vat_minor=vat)
    owner, margin = Money(net, "ILS").split([invoice.owner_minor, invoice.margin_minor])
    return InvoiceSplit(owner.amount_minor, margin.amount_minor, vat)


def credit_note(
    split: InvoiceSplit,
    currency: str,
    parties: Parties,
    *,
    owner_payable_minor: int,
    key: str | None = None,
    memo: str = "",
) -> Posting:
    """Take back part of an invoice: the brand owes less (or is owed), owner and margin shrink.

    The owner's share comes off what the agency still owes them (``owner_payable_minor``, their
    payable for this deal now); what was already paid out becomes a receivable from the owner,
    so an owner payable never goes negative.
    """
    _money(split.owner_minor, currency, "an owner share")
    from_payable = min(split.owner_minor, max(owner_payable_minor, 0))
    return Posting(
        EntryKind.CREDIT_NOTE,
        currency,
        _lines(
            parties,
            (Account.OWNER_PAYABLE, from_payable),
            (Account.OWNER_RECEIVABLE, split.owner_minor - from_payable),
            (Account.AGENCY_REVENUE, split.margin_minor),
            (Account.VAT_PAYABLE, split.vat_minor),
            (Account.BRAND_RECEIVABLE, -split.gross_minor),
        ),
        memo=memo,
        key=key,
    )


def payout_adjusted(
    delta_minor: int,
    currency: str,
    parties: Parties,
    *,
    owner_payable_minor: int,
    key: str | None = None,
    memo: str = "",
) -> Posting:
    """An amendment moved the owner's payout but not what the brand pays: the margin absorbs it.

    ``delta_minor`` > 0 owes the owner more (out of the margin); < 0 owes them less, at most
    what is still owed (an owner payable never goes negative).
    """
    Money(delta_minor, currency)
    if delta_minor == 0:
        raise LedgerError("an adjustment moves a non-zero amount")
    if -delta_minor > owner_payable_minor:
        raise PayableWouldGoNegative(
            f"taking back {-delta_minor} when {owner_payable_minor} is owed to the owner"
        )
    return Posting(
        EntryKind.PAYOUT_ADJUSTED,
        currency,
        _lines(
            parties, (Account.AGENCY_REVENUE, delta_minor), (Account.OWNER_PAYABLE, -delta_minor)
        ),
        memo=memo,
        key=key,
    )


def bank_payment_received(
    amount_minor: int, currency: str, parties: Parties, *, key: str | None = None, memo: str = ""
) -> Posting:
    """A brand's bank transfer arrived: cash in the bank, the receivable settled."""
    _money(amount_minor, currency, "a payment")
    return Posting(
        EntryKind.BANK_PAYMENT_RECEIVED,
        currency,
        _lines(parties, (Account.BANK, amount_minor), (Account.BRAND_RECEIVABLE, -amount_minor)),
        memo=memo,
        key=key,
    )


def card_payment_captured(
    amount_minor: int,
    fee_minor: int,
    currency: str,
    parties: Parties,
    *,
    key: str | None = None,
    memo: str = "",
) -> Posting:
    """A card payment settled at Stripe: the receivable settled, Stripe keeps its fee."""
    _money(amount_minor, currency, "a payment")
    _money(fee_minor, currency, "a fee")
    if fee_minor > amount_minor:
        raise LedgerError("the fee cannot exceed the payment")
    return Posting(
        EntryKind.CARD_PAYMENT_CAPTURED,
        currency,
        _lines(
            parties,
            (Account.STRIPE_CASH, amount_minor - fee_minor),
            (Account.STRIPE_FEES, fee_minor),
            (Account.BRAND_RECEIVABLE, -amount_minor),
        ),
        memo=memo,
        key=key,
    )


def stripe_fee_charged(
    fee_minor: int, currency: str, parties: Parties, *, key: str | None = None, memo: str = ""
) -> Posting:
    """Stripe's fee on a charge, learnt after the capture was booked: an expense from its cash.

    Recorded as the rest of the capture (kind ``card_payment_captured``): booked together with
    :func:`card_payment_captured` of fee 0 it is that capture with its real fee.
    """
    _money(fee_minor, currency, "a fee")
    return Posting(
        EntryKind.CARD_PAYMENT_CAPTURED,
        currency,
        _lines(parties, (Account.STRIPE_FEES, fee_minor), (Account.STRIPE_CASH, -fee_minor)),
        memo=memo,
        key=key,
    )


def refund(
    amount_minor: int,
    currency: str,
    parties: Parties,
    *,
    via: Account = Account.BANK,
    key: str | None = None,
    memo: str = "",
) -> Posting:
    """Money goes back to the brand (after a credit note), from the bank or from Stripe."""
    _money(amount_minor, currency, "a refund")
    if via not in (Account.BANK, Account.STRIPE_CASH):
        raise LedgerError("a refund leaves the bank or Stripe")
    return Posting(
        EntryKind.REFUND,
        currency,
        _lines(parties, (Account.BRAND_RECEIVABLE, amount_minor), (via, -amount_minor)),
        memo=memo,
        key=key,
    )


def _payout(
    kind: EntryKind,
    via: Account,
    amount_minor: int,
    currency: str,
    parties: Parties,
    owner_payable_minor: int,
    key: str | None,
    memo: str,
) -> Posting:
    _money(amount_minor, currency, "a payout")
    if amount_minor > owner_payable_minor:
        raise PayableWouldGoNegative(
            f"paying {amount_minor} when {owner_payable_minor} is owed to the owner"
        )
    return Posting(
        kind,
        currency,
        _lines(parties, (Account.OWNER_PAYABLE, amount_minor), (via, -amount_minor)),
        memo=memo,
        key=key,
    )


def transfer_to_owner(
    amount_minor: int,
    currency: str,
    parties: Parties,
    *,
    owner_payable_minor: int,
    key: str | None = None,
    memo: str = "",
) -> Posting:
    """A Stripe Connect transfer to the owner's account: the agency owes them that much less."""
    return _payout(
        EntryKind.TRANSFER_TO_OWNER, Account.STRIPE_CASH, amount_minor, currency, parties,
        owner_payable_minor, key, memo,
    )  # fmt: skip


def bank_payout_to_owner(
    amount_minor: int,
    currency: str,
    parties: Parties,
    *,
    owner_payable_minor: int,
    key: str | None = None,
    memo: str = "",
) -> Posting:
    """Finance paid the owner by bank transfer (a payment batch marked paid)."""
    return _payout(
        EntryKind.BANK_PAYOUT_TO_OWNER, Account.BANK, amount_minor, currency, parties,
        owner_payable_minor, key, memo,
    )  # fmt: skip


def transfer_reversed(
    amount_minor: int,
    currency: str,
    parties: Parties,
    *,
    owner_receivable_minor: int = 0,
    key: str | None = None,
    memo: str = "",
) -> Posting:
    """Stripe took back (part of) a transfer from the owner's account.

    It first settles what the owner owed back (``owner_receivable_minor``); the rest is owed to
    the owner again.
    """
    _money(amount_minor, currency, "a reversal")
    settles = min(amount_minor, max(owner_receivable_minor, 0))
    return Posting(
        EntryKind.TRANSFER_REVERSED,
        currency,
        _lines(
            parties,
            (Account.STRIPE_CASH, amount_minor),
            (Account.OWNER_RECEIVABLE, -settles),
            (Account.OWNER_PAYABLE, -(amount_minor - settles)),
        ),
        memo=memo,
        key=key,
    )


def stripe_payout_to_bank(
    amount_minor: int, currency: str, *, key: str | None = None, memo: str = ""
) -> Posting:
    """Stripe paid the agency's balance out to its bank account."""
    _money(amount_minor, currency, "a payout")
    return Posting(
        EntryKind.STRIPE_PAYOUT_TO_BANK,
        currency,
        _lines(NOBODY, (Account.BANK, amount_minor), (Account.STRIPE_CASH, -amount_minor)),
        memo=memo,
        key=key,
    )


def fx_conversion(
    sold: Money,
    bought: Money,
    *,
    account: Account = Account.BANK,
    link: str,
    key: str | None = None,
    memo: str = "",
) -> tuple[Posting, Posting]:
    """Exchange ``sold`` for ``bought`` within ``account``: two linked legs, one per currency."""
    if sold.currency == bought.currency:
        raise LedgerError("an exchange is between two currencies")
    if sold.amount_minor <= 0 or bought.amount_minor <= 0:
        raise LedgerError("an exchange moves positive amounts")
    out = Posting(
        EntryKind.FX_CONVERSION,
        sold.currency,
        _lines(NOBODY, (Account.FX_CONVERSION, sold.amount_minor), (account, -sold.amount_minor)),
        memo=memo,
        key=f"{key}:sell" if key else None,
        link=link,
    )
    back = Posting(
        EntryKind.FX_CONVERSION,
        bought.currency,
        _lines(
            NOBODY, (account, bought.amount_minor), (Account.FX_CONVERSION, -bought.amount_minor)
        ),
        memo=memo,
        key=f"{key}:buy" if key else None,
        link=link,
    )
    return out, back


def reversal(
    entry_id: int, original: Posting, *, key: str | None = None, memo: str = ""
) -> Posting:
    """The mirror of an entry: every line negated. Posting it cancels the original's effect."""
    if original.kind is EntryKind.REVERSAL:
        raise LedgerError("a reversal is corrected by posting the original again, not reversed")
    lines = tuple(replace(line, amount_minor=-line.amount_minor) for line in original.lines)
    return Posting(
        EntryKind.REVERSAL,
        original.currency,
        lines,
        memo=memo or f"reverses entry {entry_id}",
        key=key if key is not None else f"reversal:{entry_id}",
        link=original.link,
        reverses=entry_id,
    )


@dataclass
class Balances:
    """Balances computed from postings, in memory (the reference the database is checked against).

    Keyed by (account, currency) and, for per-party reads, (account, currency, parties field,
    value). Amounts are signed as stored (debit > 0); :meth:`of` returns the natural balance.
    """

    raw: dict[tuple[Account, str], int] = field(default_factory=dict)
    by_party: dict[tuple[Account, str, str, int], int] = field(default_factory=dict)

    def add(self, posting: Posting) -> None:
        """Apply a posting."""
        for line in posting.lines:
            key = (line.account, posting.currency)
            self.raw[key] = self.raw.get(key, 0) + line.amount_minor
            for name in ("organisation_id", "owner_id", "brief_id", "deal_id"):
                value = getattr(line.parties, name)
                if value is not None:
                    pkey = (line.account, posting.currency, name, value)
                    self.by_party[pkey] = self.by_party.get(pkey, 0) + line.amount_minor

    def of(self, account: Account, currency: str, **party: int) -> int:
        """The natural balance (positive = normal side) of an account, optionally for a party."""
        if party:
            [(name, value)] = party.items()
            signed = self.by_party.get((account, currency, name, value), 0)
        else:
            signed = self.raw.get((account, currency), 0)
        return signed * account.normal_sign

    def totals_per_currency(self) -> Mapping[str, int]:
        """The sum of every signed balance per currency: always zero in a sound ledger."""
        out: dict[str, int] = {}
        for (_account, currency), amount in self.raw.items():
            out[currency] = out.get(currency, 0) + amount
        return out


def apply_all(postings: Iterable[Posting]) -> Balances:
    """Balances after these postings."""
    balances = Balances()
    for posting in postings:
        balances.add(posting)
    return balances
