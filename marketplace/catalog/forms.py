"""Forms of the catalog: a listing, its channels and rates, audience, figures, reviews, imports."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.catalog import rules, vocab
from marketplace.forms_common import (
    LatinEmail,
    PhoneNumber,
    bounded,
    count_field_bounds,
    max_length,
)
from pricing.taxonomy import EvidenceTier, MetricKind


def choices(mapping: dict[Any, Any]) -> list[SelectChoice]:
    """Turn a vocabulary into form choices, keeping its order."""
    return [SelectChoice(str(getattr(k, "value", k)), label) for k, label in mapping.items()]


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (keyboard-friendly, unlike a multi-select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CommunityForm(FlaskForm):
    name_he = StringField(_l("Name in Hebrew"), validators=[max_length(200)])
    name_en = StringField(_l("Name in English"), validators=[max_length(200)])
    description = TextAreaField(_l("What the community is"), validators=[max_length(5000)])
    founding_story = TextAreaField(_l("How it started"), validators=[max_length(5000)])
    need_answered = TextAreaField(_l("The need it answers"), validators=[max_length(2000)])
    dna_tone = TextAreaField(_l("Tone"), validators=[max_length(2000)])
    dna_values = TextAreaField(_l("Values"), validators=[max_length(2000)])
    dna_rituals = TextAreaField(_l("Rituals"), validators=[max_length(2000)])
    dna_language = TextAreaField(_l("Shared language and codes"), validators=[max_length(2000)])
    member_type = StringField(_l("Who the members are"), validators=[max_length(300)])
    common_denominator = StringField(_l("What they share"), validators=[max_length(300)])
    admission = SelectField(_l("Admission"), choices=choices(vocab.ADMISSION))
    topics = MultiCheckboxField(_l("Topics"), choices=choices(vocab.TOPICS))
    tag_list = StringField(
        _l("Free tags"), validators=[max_length(500)], description=_l("Separated by commas.")
    )
    languages = MultiCheckboxField(_l("Languages"), choices=choices(vocab.LANGUAGES))
    # Untouched, the select sent its first option: a new community was filed in the North.
    region = SelectField(_l("Region"), choices=choices(vocab.REGIONS), default="nationwide")
    city = StringField(_l("City or neighbourhood"), validators=[max_length(100)])
    audience_kind = RadioField(_l("Audience"), choices=choices(vocab.AUDIENCE_KINDS), default="b2c")
    sensitive_flags = MultiCheckboxField(
        _l("Sensitive audience"), choices=choices(vocab.SENSITIVE_FLAGS)
    )
    content_allowed = TextAreaField(_l("What brands may post"), validators=[max_length(3000)])
    content_forbidden = TextAreaField(_l("What brands may not post"), validators=[max_length(3000)])
    regulated_allowed = MultiCheckboxField(
        _l("Regulated brands the rules allow"),
        choices=choices(vocab.REGULATED_CATEGORIES),
        description=_l(
            "Leave all unticked to refuse them. Brands in these categories are matched only to "
            "communities that allow them; never tick any for a community of minors."
        ),
    )
    disclosure_wording = StringField(
        _l("Required disclosure wording"),
        validators=[max_length(200)],
        description=_l("For example: שיתוף פעולה בתשלום"),
    )
    monetisation_experience = SelectField(
        _l("Experience with brands"), choices=choices(vocab.MONETISATION)
    )
    contact_email = EmailField(
        _l("Contact e-mail (private)"),
        validators=[Optional(), LatinEmail(), Email(), max_length(254)],
    )
    contact_phone = StringField(
        _l("Contact phone (private)"), validators=[max_length(40), PhoneNumber()]
    )
    submit = SubmitField(_l("Save"))

    def data_for_service(self) -> dict[str, Any]:
        data = {k: v for k, v in self.data.items() if k not in {"submit", "csrf_token", "tag_list"}}
        data["tags"] = [t.strip() for t in (self.tag_list.data or "").split(",") if t.strip()]
        return data


class AssetForm(FlaskForm):
    platform = SelectField(_l("Platform"), choices=choices(vocab.PLATFORMS))
    url = StringField(_l("Address (URL)"), validators=[max_length(500)])
    handle = StringField(_l("Name or handle on the platform"), validators=[max_length(200)])
    size = IntegerField(
        _l("Members / followers / subscribers"),
        validators=[DataRequired(), *count_field_bounds()],
    )
    interaction_mode = RadioField(
        _l("How members interact"), choices=choices(vocab.INTERACTION_MODES), default="many_to_many"
    )
    posts_per_week = FloatField(_l("Posts per week"), validators=[Optional(), *bounded(0, 10_000)])
    activity_hours = StringField(
        _l("Activity hours"),
        validators=[max_length(100)],
        description=_l("For example: 08:00–17:00"),
    )
    currency = SelectField(
        _l("Currency of the rate card"),
        choices=[
            SelectChoice("ILS", "₪ ILS"),
            SelectChoice("USD", "$ USD"),
            SelectChoice("EUR", "€ EUR"),
        ],
    )
    submit = SubmitField(_l("Save channel"))


def rate_field_name(placement: Any) -> str:
    return f"rate_{getattr(placement, 'value', placement)}"


# One optional price field per placement type, added to AssetForm so the template can loop.
for _placement, _label in vocab.PLACEMENTS.items():
    setattr(
        AssetForm,
        rate_field_name(_placement),
        DecimalField(_label, places=2, validators=[Optional(), NumberRange(min=0)]),
    )


class MetricForm(FlaskForm):
    kind = SelectField(_l("Figure"), choices=choices(vocab.METRICS))
    value = DecimalField(
        _l("Value"),
        validators=[DataRequired(), *count_field_bounds()],
        description=_l("Rates as a percentage: 45 for 45%."),
    )
    observed_on = DateField(_l("Correct on"), validators=[DataRequired()])
    source = StringField(
        _l("Source"), validators=[max_length(300)], description=_l("Where the figure comes from.")
    )
    tier = RadioField(
        _l("Evidence"),
        choices=[
            SelectChoice(str(int(tier)), vocab.EVIDENCE_TIERS[tier])
            for tier in (EvidenceTier.SELF_REPORTED, EvidenceTier.SCREENSHOT)
        ],
        default=str(int(EvidenceTier.SELF_REPORTED)),
    )
    evidence = FileField(
        _l("Screenshot of the platform's insights"),
        validators=[FileAllowed(["png", "jpg", "jpeg", "gif", "webp"], _l("Images only."))],
    )
    submit = SubmitField(_l("Add figure"))

    def metric_kind(self) -> MetricKind:
        return MetricKind(self.kind.data)


class ReviewMetricForm(FlaskForm):
    verdict = RadioField(
        _l("Verdict"),
        choices=[SelectChoice("verify", _l("Verify")), SelectChoice("question", _l("Question"))],
        validators=[DataRequired()],
    )
    note = StringField(_l("Note"), validators=[max_length(1000)])
    submit = SubmitField(_l("Save review"))


class StatusForm(FlaskForm):
    to = HiddenField(validators=[DataRequired()])
    reason = StringField(_l("Reason (shown to the owner)"), validators=[max_length(1000)])


class AddManagerForm(FlaskForm):
    email = EmailField(
        _l("Co-manager's e-mail"),
        validators=[DataRequired(), LatinEmail(), Email(), max_length(254)],
    )
    submit = SubmitField(_l("Add co-manager"))


class DeleteForm(FlaskForm):
    submit = SubmitField(_l("Delete"))


class ImportForm(FlaskForm):
    file = FileField(
        _l("Catalog file"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx", "json"], _l("CSV, XLSX or JSON only.")),
        ],
        description=_l("CSV, XLSX or JSON in the documented format; Hebrew or English headers."),
    )
    submit = SubmitField(_l("Check the file"))


class ConfirmImportForm(FlaskForm):
    submit = SubmitField(_l("Import everything"))


#: The parsed audience: dimension → bucket → share in basis points.
AudienceShares = dict[str, dict[str, int]]


class AudienceForm(FlaskForm):
    """The audience distributions: a percentage per fixed bucket, or "label: percent" lines.

    Its fields are made from ``vocab.AUDIENCE_DIMENSIONS`` below: ``<dimension>-<bucket>``
    for a dimension with fixed buckets, ``<dimension>-free`` for one of free labels.
    """

    @staticmethod
    def field_name(dimension: str, bucket: str) -> str:
        return f"{dimension}-{bucket}"

    def _text(self, dimension: str, bucket: str) -> str:
        return str(self[self.field_name(dimension, bucket)].data or "")

    def shares(self) -> tuple[AudienceShares, dict[str, dict[str, str]], dict[str, list[str]]]:
        """What was typed, parsed: (shares, the texts to show again, problems by dimension).

        A dimension left empty has no shares; whether each adds up to 100% is the service's
        rule (``services.set_audience``).
        """
        parsed: AudienceShares = {}
        values: dict[str, dict[str, str]] = {}
        errors: dict[str, list[str]] = {}
        for dimension, buckets in vocab.AUDIENCE_DIMENSIONS.items():
            shares: dict[str, int] = {}
            values[dimension] = {}
            if buckets is not None:
                entries = [(b, self._text(dimension, b)) for b in buckets]
            else:
                free = self._text(dimension, "free")
                values[dimension]["free"] = free
                lines = [line for line in free.splitlines() if line.strip()]
                entries = [tuple(line.rsplit(":", 1)) for line in lines]  # type: ignore[misc]
            for entry in entries:
                if len(entry) != 2:
                    errors.setdefault(dimension, []).append(_("Write each line as: label: percent"))
                    continue
                bucket, raw = entry[0].strip(), entry[1].strip()
                if buckets is not None:
                    values[dimension][bucket] = raw
                if not raw:
                    continue
                try:
                    shares[bucket] = rules.parse_percent(raw)
                except ValueError:
                    errors.setdefault(dimension, []).append(
                        _("“%(v)s” is not a percentage.", v=raw)
                    )
            parsed[dimension] = shares
        return parsed, values, errors


for _dimension, _buckets in vocab.AUDIENCE_DIMENSIONS.items():
    if _buckets is None:
        setattr(AudienceForm, AudienceForm.field_name(_dimension, "free"), TextAreaField())
    else:
        for _bucket in _buckets:
            setattr(AudienceForm, AudienceForm.field_name(_dimension, _bucket), StringField())


class ManagerInvitationAnswerForm(FlaskForm):
    accept = SubmitField(_l("Accept"))
    decline = SubmitField(_l("Decline"))


class LeaveListingForm(FlaskForm):
    submit = SubmitField(_l("Stop co-managing this listing"))
