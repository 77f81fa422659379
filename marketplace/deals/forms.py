"""The deal desk's forms: one per action, each carrying the round and deal version it answers."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Optional, ValidationError

from campaigns.deals.deals import StopReason
from campaigns.deals.offers import DeclineReason
from campaigns.deals.terms import UsageRights
from marketplace.catalog.forms import choices
from marketplace.forms_common import bounded, max_length, money_amount

DECLINE_LABELS = {
    DeclineReason.NOT_OUR_DNA: _l("Does not fit our community's DNA"),
    DeclineReason.PAYOUT_TOO_LOW: _l("The payout is too low"),
    DeclineReason.DATES_DO_NOT_WORK: _l("The dates do not work"),
    DeclineReason.CATEGORY_NOT_ALLOWED: _l("Our rules do not allow this category"),
    DeclineReason.TOO_MANY_CAMPAIGNS: _l("We already carry enough campaigns"),
    DeclineReason.OTHER: _l("Other (say why)"),
}

STOP_LABELS = {
    StopReason.FORCE_MAJEURE: _l("Force majeure"),
    StopReason.BRAND_WITHDREW: _l("The brand withdrew"),
    StopReason.OWNER_WITHDREW: _l("The owner withdrew"),
    StopReason.OWNER_DECLINED: _l("The owner declined"),
    StopReason.BRIEF_CLOSED: _l("The brief closed"),
    StopReason.OTHER: _l("Other (say why)"),
}

USAGE_LABELS = {
    UsageRights.NONE: _l("None"),
    UsageRights.BRAND_CHANNELS: _l("On the brand's own channels"),
    UsageRights.BRAND_CHANNELS_AND_ADS: _l("On the brand's channels and in paid ads"),
}


class VersionForm(FlaskForm):
    """The round (offer version) and the deal version an action answers."""

    version = IntegerField(validators=[DataRequired(), *bounded(1, 1_000_000)])
    deal_version = IntegerField(validators=[Optional(), *bounded(1, 1_000_000_000)])


class DeclineForm(VersionForm):
    reason = SelectField(_l("Why"), choices=choices(DECLINE_LABELS))
    text = TextAreaField(_l("In your words"), validators=[Optional(), max_length(2000)])


class WithdrawForm(VersionForm):
    text = TextAreaField(_l("Why"), validators=[DataRequired(), max_length(2000)])


class CounterForm(VersionForm):
    """New terms, placement by placement (in the order the page lists them).

    Payouts and prices are typed in the deal's currency, major units ("707.50"); the presenter
    turns them into minor units with :func:`marketplace.forms_common.to_minor`.
    """

    counts = FieldList(IntegerField(validators=[DataRequired(), *bounded(1, 10_000)]))
    payouts = FieldList(DecimalField(places=2, validators=[Optional(), *money_amount()]))
    #: Staff only: an owner's form has none, and the server keeps the brand prices.
    prices = FieldList(DecimalField(places=2, validators=[Optional(), *money_amount()]))
    starts = FieldList(DateField(validators=[Optional()]))
    ends = FieldList(DateField(validators=[Optional()]))
    #: Absent from a request: the round's usage rights stay (an unknown value is refused).
    usage_rights = SelectField(
        _l("Usage rights"), choices=choices(USAGE_LABELS), validate_choice=False
    )

    def validate_usage_rights(self, field: SelectField) -> None:
        if field.data and field.data not in {u.value for u in UsageRights}:
            raise ValidationError(_l("Not a valid choice."))

    usage_days = IntegerField(_l("Usage rights (days)"), validators=[Optional(), *bounded(0, 3650)])
    payment_terms_days = IntegerField(
        _l("Payment terms (days)"), validators=[DataRequired(), *bounded(1, 365)]
    )
    exclusivity_days = IntegerField(
        _l("Exclusivity (days)"), validators=[Optional(), *bounded(0, 3650)]
    )
    exclusivity_categories = StringField(
        _l("Competitor categories (comma separated)"), validators=[Optional(), max_length(500)]
    )
    deliverables = TextAreaField(
        _l("Deliverables (one a line)"), validators=[Optional(), max_length(4000)]
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), max_length(2000)])
    #: Set by the "recompute the figures" button: show the figures, send nothing.
    preview = HiddenField(validators=[Optional(), max_length(1)])

    def validate(self, extra_validators: Any = None) -> bool:
        """Each field, then what the terms need across fields, each named on its own field.

        Without these a window ending before it starts, or exclusivity days without a category,
        reached the rules' refusal: an error page with everything the person typed lost.
        """
        valid = super().validate(extra_validators)
        for start, end in zip(self.starts, self.ends, strict=False):
            if start.data and end.data and end.data < start.data:
                end.errors = [*end.errors, _l("The window ends before it starts.")]
                valid = False
        if self.exclusivity_days.data and not (self.exclusivity_categories.data or "").strip():
            self.exclusivity_categories.errors = [
                *self.exclusivity_categories.errors,
                _l("Name at least one competitor category for the exclusivity days."),
            ]
            valid = False
        return valid


class CancelForm(FlaskForm):
    deal_version = IntegerField(validators=[Optional(), *bounded(1, 1_000_000_000)])
    reason = SelectField(_l("Why"), choices=choices(STOP_LABELS))
    text = TextAreaField(_l("In your words"), validators=[Optional(), max_length(2000)])


class DealVersionForm(FlaskForm):
    """Actions on the deal itself (resume, new draft): only the deal version."""

    deal_version = IntegerField(validators=[Optional(), *bounded(1, 1_000_000_000)])


class PauseForm(FlaskForm):
    text = TextAreaField(_l("What happened"), validators=[DataRequired(), max_length(2000)])


class ConfirmForm(FlaskForm):
    deal_version = IntegerField(validators=[Optional(), *bounded(1, 1_000_000_000)])
    content_hash = HiddenField(validators=[DataRequired(), max_length(64)])
    language = HiddenField(validators=[Optional(), max_length(2)])


class ReplacementForm(FlaskForm):
    community_id = IntegerField(validators=[DataRequired(), *bounded(1, 2_000_000_000)])


def _optional_id(value: object) -> int | None:
    """A select's value as an id; the empty "any" choice as None."""
    if value is None or value == "":
        return None
    return int(str(value))


class BoardFilterForm(FlaskForm):
    """The board's filters (GET, no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    # Lists of names (the view fills them), not ids: staff cannot know a brief's number. An
    # id outside the list (an old link) still filters; a non-number is ignored.
    brief = SelectField(
        _l("Brief"),
        coerce=_optional_id,
        validate_choice=False,
        validators=[Optional(), *bounded(1, 2_000_000_000)],
    )
    brand = SelectField(
        _l("Brand"),
        coerce=_optional_id,
        validate_choice=False,
        validators=[Optional(), *bounded(1, 2_000_000_000)],
    )
    owner = SelectField(
        _l("Owner"),
        coerce=_optional_id,
        validate_choice=False,
        validators=[Optional(), *bounded(1, 2_000_000_000)],
    )
    staff = SelectField(_l("Staff member"), coerce=_optional_id, validate_choice=False,
                        validators=[Optional(), *bounded(1, 2_000_000_000)])  # fmt: skip
    min_days = IntegerField(
        _l("Waiting at least (days)"), validators=[Optional(), *bounded(0, 3650)]
    )
