"""The finance desk's forms: each names the amount and currency the person believes in.

Amounts are typed in major units ("1475.00") and turned into minor units by
:meth:`pricing.money.Money.from_major`; the service compares them with the books and refuses a
mismatch, so an edited request can never move more money than the books allow.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from marketplace.catalog.forms import choices
from marketplace.forms_common import bounded, max_length
from pricing.money import CURRENCY_EXPONENTS

CURRENCY_CHOICES = choices({c: c for c in CURRENCY_EXPONENTS})


class AmountForm(FlaskForm):
    """An amount and its currency."""

    amount = DecimalField(
        _l("Amount"), places=2, validators=[InputRequired(), *bounded(0.01, 100_000_000)]
    )
    currency = SelectField(_l("Currency"), choices=CURRENCY_CHOICES)


class BankPaymentForm(AmountForm):
    reference = StringField(_l("Bank reference"), validators=[DataRequired(), max_length(120)])


class CreditNoteForm(AmountForm):
    # Shown on the same page as the payment form: its own ids, so each label names its field.
    amount = DecimalField(
        _l("Amount"),
        places=2,
        validators=[InputRequired(), *bounded(0.01, 100_000_000)],
        id="credit-amount",
    )
    currency = SelectField(_l("Currency"), choices=CURRENCY_CHOICES, id="credit-currency")
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), max_length(500)])
    refund = BooleanField(_l("Refund what the brand paid beyond what it now owes"), default=True)


class AllocationForm(FlaskForm):
    number = StringField(
        _l("Allocation number"), validators=[DataRequired(), Length(min=6, max=20)]
    )


class HoldForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is this payout held?"), validators=[DataRequired(), max_length(500)]
    )


class ReleaseForm(FlaskForm):
    """Release a hold (no fields: the CSRF token)."""


class BatchForm(FlaskForm):
    # On the desk beside the period's currency picker: an id of its own.
    currency = SelectField(_l("Currency"), choices=CURRENCY_CHOICES, id="batch-currency")


class BatchPaidForm(FlaskForm):
    reference = StringField(_l("Bank reference"), validators=[DataRequired(), max_length(120)])


class PeriodForm(FlaskForm):
    """The desk's currency and the date its balances are read at (GET, no CSRF)."""

    class Meta:
        csrf = False

    currency = SelectField(_l("Currency"), choices=CURRENCY_CHOICES, validators=[Optional()])
    on = DateField(_l("Balances at the end of"), validators=[Optional()])


class BillingProfileForm(FlaskForm):
    """A brand's details as its next invoices will show them."""

    legal_name = StringField(_l("Legal name"), validators=[DataRequired(), max_length(200)])
    vat_number = StringField(_l("Company / VAT number"), validators=[Optional(), max_length(40)])
    address = TextAreaField(_l("Address"), validators=[Optional(), max_length(500)])
    country = StringField(
        _l("Country (two letters; outside IL the invoice is zero-rated)"),
        validators=[DataRequired(), Length(min=2, max=2)],
    )
    email = StringField(_l("Billing e-mail"), validators=[Optional(), max_length(254)])
