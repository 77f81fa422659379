"""Forms of the payment pages: paying, refunds, onboarding, payout actions, reconciliation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    HiddenField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from marketplace.forms_common import MAX_MONEY_MAJOR, money_amount


class PayForm(FlaskForm):
    """The amount and currency the page showed: the server checks them against its own."""

    amount_minor = HiddenField(validators=[InputRequired()])
    currency = HiddenField(validators=[InputRequired(), Length(min=3, max=3)])
    submit = SubmitField(_l("Pay by card"))


class RefundForm(FlaskForm):
    """The amount is typed in the payment's currency, major units ("707.50")."""

    amount = DecimalField(
        _l("Amount to refund"),
        places=2,
        validators=[InputRequired(), *money_amount(0.01, MAX_MONEY_MAJOR * 100)],
    )
    currency = HiddenField(validators=[InputRequired(), Length(min=3, max=3)])
    reason = StringField(_l("Reason"), validators=[Length(max=500)])
    submit = SubmitField(_l("Refund"))


class OnboardForm(FlaskForm):
    submit = SubmitField(_l("Connect with Stripe"))


class PayoutActionForm(FlaskForm):
    """Verify, release or dispute a payout: the button is the whole form."""

    submit = SubmitField(_l("Confirm"))


class DisputeForm(FlaskForm):
    """The brand holds a payout over the delivery, saying what is wrong: the agency decides on
    it, and one click with no words held an owner's money over nothing anyone could check."""

    text = TextAreaField(
        _l("What is wrong with the delivery?"),
        validators=[
            DataRequired(_l("Say what is wrong, so the agency can check it.")),
            Length(max=2000),
        ],
    )
    submit = SubmitField(_l("Hold the payout"))


class SettleForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("pay", _l("Delivered: pay the owner")),
            SelectChoice("cancel", _l("Not delivered: cancel the payout")),
        ],
        validators=[InputRequired()],
    )
    submit = SubmitField(_l("Decide"))


class ResolveForm(FlaskForm):
    note = StringField(_l("How it was resolved"), validators=[InputRequired(), Length(max=500)])
    submit = SubmitField(_l("Resolve"))


class ReconcileForm(FlaskForm):
    submit = SubmitField(_l("Compare with Stripe now"))
