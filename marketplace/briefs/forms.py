"""Forms of briefs: the brief itself (saved as a draft or submitted), status moves, comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from campaigns.brief import BRIEF_FIELDS, MAX_MESSAGE, RATE_KPIS, BriefField, FieldKind, KpiKind
from marketplace.briefs import vocab
from marketplace.catalog import vocab as catalog_vocab
from marketplace.catalog.forms import MultiCheckboxField, choices
from pricing.money import Money

#: Audience dimensions with fixed buckets get checkboxes; the others are free words.
CHECKBOX_DIMENSIONS = [d for d, b in catalog_vocab.AUDIENCE_DIMENSIONS.items() if b is not None]
FREE_DIMENSIONS = [d for d, b in catalog_vocab.AUDIENCE_DIMENSIONS.items() if b is None]
CURRENCIES = [
    SelectChoice("ILS", "₪ ILS"),
    SelectChoice("USD", "$ USD"),
    SelectChoice("EUR", "€ EUR"),
]


def kpi_field_name(kind: KpiKind | str) -> str:
    return f"kpi_{getattr(kind, 'value', kind)}"


def audience_field_name(dimension: str) -> str:
    return f"audience_{dimension}"


#: The form field that edits a brief field, where its name differs from the brief field's.
#: Problems of a brief field are shown next to this form field.
FIELD_FOR_PROBLEM = {
    "budget_minor": "budget",
    "result_worth_minor": "result_worth",
    "exclude_communities": "exclude_names",
    "must_have_communities": "must_have_names",
}


def form_field_names(spec_field: BriefField) -> list[str]:
    """The names of the form fields that edit one brief field (of the spec's field table)."""
    if spec_field.kind is FieldKind.AUDIENCE:
        return [audience_field_name(d) for d in [*CHECKBOX_DIMENSIONS, *FREE_DIMENSIONS]]
    if spec_field.kind is FieldKind.KPIS:
        return [kpi_field_name(kind) for kind in KpiKind]
    return [FIELD_FOR_PROBLEM.get(spec_field.name, spec_field.name)]


class BriefForm(FlaskForm):
    title = StringField(
        _l("Brief title"),
        validators=[Length(max=200)],
        description=_l("For your team, e.g. “Protein snack launch, spring”."),
    )
    goal = SelectField(
        _l("What is the campaign for?"),
        choices=[SelectChoice("", _l("Choose a goal")), *choices(vocab.GOALS)],
        default="",
    )
    message = TextAreaField(
        _l("The message, in a few sentences"),
        validators=[Length(max=MAX_MESSAGE)],
        description=_l("What should members understand, feel or do?"),
    )
    topics = MultiCheckboxField(_l("Topics"), choices=choices(catalog_vocab.TOPICS))
    avoid_topics = MultiCheckboxField(
        _l("Topics to stay away from"), choices=choices(catalog_vocab.TOPICS)
    )
    exclude_names = TextAreaField(
        _l("Communities to avoid"),
        validators=[Length(max=5000)],
        description=_l("One community name a line, as listed in the catalog."),
    )
    must_have_names = TextAreaField(
        _l("Communities you insist on"),
        validators=[Length(max=5000)],
        description=_l("One community name a line, as listed in the catalog."),
    )
    platforms = MultiCheckboxField(
        _l("Channels allowed"),
        choices=choices(catalog_vocab.PLATFORMS),
        description=_l("None chosen means any channel."),
    )
    languages = MultiCheckboxField(
        _l("Campaign languages"),
        choices=choices(catalog_vocab.LANGUAGES),
        description=_l("None chosen means any language."),
    )
    regions = MultiCheckboxField(
        _l("Where the campaign runs"),
        choices=choices(catalog_vocab.REGIONS),
        description=_l("None chosen means anywhere."),
    )
    budget = DecimalField(
        _l("Budget"),
        places=2,
        validators=[Optional(), NumberRange(min=0)],
        description=_l("In the currency below, e.g. 25000 or 25000.50."),
    )
    currency = SelectField(_l("Currency"), choices=CURRENCIES, default="ILS")
    result_worth = DecimalField(
        _l("What one result is worth to you"),
        places=2,
        validators=[Optional(), NumberRange(min=0.01)],
        description=_l(
            "Optional, in the currency above: what one click, lead or engagement (as the goal "
            "counts) is worth to the brand. The plan values outcomes with it."
        ),
    )
    starts_on = DateField(_l("Campaign starts"), validators=[Optional()])
    ends_on = DateField(_l("Campaign ends"), validators=[Optional()])
    regulated = MultiCheckboxField(
        _l("Regulated category"),
        choices=choices(catalog_vocab.REGULATED_CATEGORIES),
        description=_l(
            "Tick if the brand or product is in one of these; only communities whose rules "
            "allow it will be matched, and the agency's compliance approval is needed."
        ),
    )
    save_draft = SubmitField(_l("Save draft"))
    submit_brief = SubmitField(_l("Submit brief"))

    def kpi_fields(self) -> list[Any]:
        return [getattr(self, kpi_field_name(kind)) for kind in KpiKind]

    def audience_fields(self) -> list[Any]:
        return [
            getattr(self, audience_field_name(d)) for d in [*CHECKBOX_DIMENSIONS, *FREE_DIMENSIONS]
        ]

    def budget_minor(self) -> int:
        """The budget in minor units; ValueError when it has more than two decimal places."""
        return self._minor(self.budget) or 0

    def _minor(self, field: Any) -> int | None:
        """A money field in minor units (None when empty); ValueError for too many decimals."""
        amount: Decimal | None = field.data
        if amount is None:
            return None
        return Money.from_major(amount, self.currency.data or "ILS").amount_minor

    def brief_data(self) -> dict[str, Any]:
        """The form as the brief JSON format, except community ids (names, resolved by the view).

        One conversion per kind of field (the spec's field table). Amounts finer than the form
        allows (agorot of agorot, 0.001%) become field errors.
        """
        return {f.name: self._read(f) for f in BRIEF_FIELDS if f.kind is not FieldKind.IDS}

    def _read(self, spec_field: BriefField) -> Any:
        kind = spec_field.kind
        if kind is FieldKind.AUDIENCE:
            return self._audience()
        if kind is FieldKind.KPIS:
            return self._kpis()
        if kind is FieldKind.MONEY:
            field = getattr(self, form_field_names(spec_field)[0])
            try:
                minor = self._minor(field)
            except ValueError:
                field.errors = [*field.errors, str(_l("At most two decimal places."))]
                minor = None
            return minor if spec_field.optional else (minor or 0)
        data = getattr(self, form_field_names(spec_field)[0]).data
        if kind is FieldKind.CHOICE:
            return data or None
        if kind is FieldKind.TEXT:
            return data or ""
        if kind in (FieldKind.WORDS, FieldKind.CHOICES):
            return list(data or [])
        if kind is FieldKind.CURRENCY:
            return data or "ILS"
        return data.isoformat() if data else None  # DATE

    def _audience(self) -> dict[str, list[str]]:
        audience: dict[str, list[str]] = {}
        for dimension in CHECKBOX_DIMENSIONS:
            wanted = getattr(self, audience_field_name(dimension)).data or []
            if wanted:
                audience[dimension] = list(wanted)
        for dimension in FREE_DIMENSIONS:
            text = getattr(self, audience_field_name(dimension)).data or ""
            words = [w.strip() for w in text.split(",") if w.strip()]
            if words:
                audience[dimension] = words
        return audience

    def _kpis(self) -> dict[str, int]:
        kpis: dict[str, int] = {}
        for kind in KpiKind:
            field = getattr(self, kpi_field_name(kind))
            if field.data is None:
                continue
            try:
                kpis[kind.value] = _basis_points(field.data) if kind in RATE_KPIS else field.data
            except ValueError:
                field.errors = [*field.errors, str(_l("At most two decimal places."))]
        return kpis

    def fill_from(self, data: dict[str, Any]) -> None:
        """Show a stored brief (its JSON format) in the form, except community ids (the view's)."""
        for spec_field in BRIEF_FIELDS:
            self._write(spec_field, data[spec_field.name], data)

    def _write(self, spec_field: BriefField, value: Any, data: dict[str, Any]) -> None:
        kind = spec_field.kind
        if kind is FieldKind.IDS:
            return
        if kind is FieldKind.AUDIENCE:
            for dimension in CHECKBOX_DIMENSIONS:
                getattr(self, audience_field_name(dimension)).data = value.get(dimension, [])
            for dimension in FREE_DIMENSIONS:
                getattr(self, audience_field_name(dimension)).data = ", ".join(
                    value.get(dimension, [])
                )
            return
        if kind is FieldKind.KPIS:
            for kpi in KpiKind:
                target = value.get(kpi.value)
                if target is not None and kpi in RATE_KPIS:
                    target = Decimal(target).scaleb(-2).normalize()
                getattr(self, kpi_field_name(kpi)).data = target
            return
        field = getattr(self, form_field_names(spec_field)[0])
        if kind is FieldKind.MONEY:
            field.data = Money(value, data["currency"]).as_decimal() if value else None
        elif kind is FieldKind.CHOICE:
            field.data = value or ""
        elif kind is FieldKind.DATE:
            field.data = date.fromisoformat(value) if value else None
        else:
            field.data = value


def _basis_points(percent: Decimal) -> int:
    """12.5 (%) → 1250; ValueError for finer than 0.01%."""
    try:
        scaled = Decimal(percent).scaleb(2)
    except InvalidOperation as error:  # pragma: no cover - DecimalField already parsed it
        raise ValueError(percent) from error
    if scaled != scaled.to_integral_value():
        raise ValueError(percent)
    return int(scaled)


# One checkbox group per fixed-bucket audience dimension, one free-text field per other one.
for _dimension in CHECKBOX_DIMENSIONS:
    setattr(
        BriefForm,
        audience_field_name(_dimension),
        MultiCheckboxField(
            catalog_vocab.AUDIENCE_DIMENSION_LABELS[_dimension],
            choices=choices(dict(catalog_vocab.AUDIENCE_DIMENSIONS[_dimension] or {})),
        ),
    )
for _dimension in FREE_DIMENSIONS:
    setattr(
        BriefForm,
        audience_field_name(_dimension),
        StringField(
            catalog_vocab.AUDIENCE_DIMENSION_LABELS[_dimension],
            validators=[Length(max=500)],
            description=_l("Separated by commas."),
        ),
    )
# One optional target per KPI: counts as whole numbers, rates as a percentage.
for _kind, _label in vocab.KPIS.items():
    setattr(
        BriefForm,
        kpi_field_name(_kind),
        DecimalField(_label, places=2, validators=[Optional(), NumberRange(min=0, max=100)])
        if _kind in RATE_KPIS
        else IntegerField(_label, validators=[Optional()]),
    )


class StatusForm(FlaskForm):
    to = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])


class ComplianceForm(FlaskForm):
    verdict = RadioField(
        _l("Compliance decision"),
        choices=[
            SelectChoice("approve", _l("Approve")),
            SelectChoice("reject", _l("Reject")),
        ],
        validators=[DataRequired()],
    )
    note = TextAreaField(_l("Note (shown to the brand)"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Save the decision"))


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("Add comment"))


class SubmitForm(FlaskForm):
    submit = SubmitField(_l("Submit brief"))
