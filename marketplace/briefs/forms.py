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

from campaigns.brief import MAX_MESSAGE, RATE_KPIS, KpiKind
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


#: Where each brief field's problems are shown on the form.
FIELD_FOR_PROBLEM = {
    "budget_minor": "budget",
    "exclude_communities": "exclude_names",
    "must_have_communities": "must_have_names",
}


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
        amount: Decimal | None = self.budget.data
        if amount is None:
            return 0
        return Money.from_major(amount, self.currency.data or "ILS").amount_minor

    def brief_data(self) -> dict[str, Any]:
        """The form as the brief JSON format, except community names (resolved by the view).

        Amounts finer than the form allows (agorot of agorot, 0.001%) become field errors.
        """
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
        kpis: dict[str, int] = {}
        for kind in KpiKind:
            field = getattr(self, kpi_field_name(kind))
            if field.data is None:
                continue
            try:
                kpis[kind.value] = _basis_points(field.data) if kind in RATE_KPIS else field.data
            except ValueError:
                field.errors = [*field.errors, str(_l("At most two decimal places."))]
        try:
            budget_minor = self.budget_minor()
        except ValueError:
            self.budget.errors = [*self.budget.errors, str(_l("At most two decimal places."))]
            budget_minor = 0
        return {
            "goal": self.goal.data or None,
            "title": self.title.data or "",
            "message": self.message.data or "",
            "audience": audience,
            "topics": list(self.topics.data or []),
            "avoid_topics": list(self.avoid_topics.data or []),
            "platforms": list(self.platforms.data or []),
            "languages": list(self.languages.data or []),
            "regions": list(self.regions.data or []),
            "budget_minor": budget_minor,
            "currency": self.currency.data or "ILS",
            "starts_on": self.starts_on.data.isoformat() if self.starts_on.data else None,
            "ends_on": self.ends_on.data.isoformat() if self.ends_on.data else None,
            "kpis": kpis,
            "regulated": list(self.regulated.data or []),
        }

    def fill_from(self, data: dict[str, Any], budget: Decimal | None) -> None:
        """Show a stored brief (its JSON format) in the form."""
        for name in ("title", "message", "topics", "avoid_topics", "platforms", "languages"):
            getattr(self, name).data = data[name]
        self.regions.data = data["regions"]
        self.regulated.data = data["regulated"]
        self.goal.data = data["goal"] or ""
        self.currency.data = data["currency"]
        self.budget.data = budget
        self.starts_on.data = date.fromisoformat(data["starts_on"]) if data["starts_on"] else None
        self.ends_on.data = date.fromisoformat(data["ends_on"]) if data["ends_on"] else None
        for dimension in CHECKBOX_DIMENSIONS:
            getattr(self, audience_field_name(dimension)).data = data["audience"].get(dimension, [])
        for dimension in FREE_DIMENSIONS:
            getattr(self, audience_field_name(dimension)).data = ", ".join(
                data["audience"].get(dimension, [])
            )
        for kind in KpiKind:
            target = data["kpis"].get(kind.value)
            if target is not None and kind in RATE_KPIS:
                target = Decimal(target).scaleb(-2).normalize()
            getattr(self, kpi_field_name(kind)).data = target


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
