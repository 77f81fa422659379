"""Forms of results: figures of a placement, a metrics file, a report pick, the member pulse."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from campaigns.results import RESULT_METRICS
from campaigns.results.figures import ABSURD_FIGURE
from marketplace.forms_common import bounded

#: The figures' labels, in the order forms and tables show them.
METRIC_LABELS = {
    "reach": _l("Reach (people)"),
    "views": _l("Views"),
    "reactions": _l("Reactions"),
    "comments": _l("Comments"),
    "shares": _l("Shares"),
    "event_attendance": _l("Event attendance"),
    "survey_answers": _l("Survey answers"),
    "leads": _l("Leads"),
    "sales": _l("Sales"),
}


class FiguresForm(FlaskForm):
    """The figures of one placement, read on one day, with their evidence tier."""

    reach = IntegerField(
        METRIC_LABELS["reach"], validators=[Optional(), *bounded(0, ABSURD_FIGURE)]
    )
    views = IntegerField(
        METRIC_LABELS["views"], validators=[Optional(), *bounded(0, ABSURD_FIGURE)]
    )
    reactions = IntegerField(
        METRIC_LABELS["reactions"], validators=[Optional(), *bounded(0, ABSURD_FIGURE)]
    )
    comments = IntegerField(
        METRIC_LABELS["comments"], validators=[Optional(), *bounded(0, ABSURD_FIGURE)]
    )
    shares = IntegerField(
        METRIC_LABELS["shares"], validators=[Optional(), *bounded(0, ABSURD_FIGURE)]
    )
    event_attendance = IntegerField(
        METRIC_LABELS["event_attendance"], validators=[Optional(), *bounded(0, ABSURD_FIGURE)]
    )
    survey_answers = IntegerField(
        METRIC_LABELS["survey_answers"], validators=[Optional(), *bounded(0, ABSURD_FIGURE)]
    )
    leads = IntegerField(
        METRIC_LABELS["leads"], validators=[Optional(), *bounded(0, ABSURD_FIGURE)]
    )
    sales = IntegerField(
        METRIC_LABELS["sales"], validators=[Optional(), *bounded(0, ABSURD_FIGURE)]
    )
    tier = SelectField(_l("Evidence"), choices=[], validate_choice=True)
    observed_on = DateField(_l("Read on"), validators=[DataRequired()])
    source = StringField(
        _l("Source (optional)"),
        validators=[Optional(), Length(max=300)],
        description=_l("Where the figures come from: the platform's insights, the event list …"),
    )
    submit = SubmitField(_l("Save figures"))

    def figures(self) -> dict[str, int]:
        """The figures given, by metric name."""
        return {
            m.value: int(getattr(self, m.value).data)
            for m in RESULT_METRICS
            if getattr(self, m.value).data is not None
        }


class UploadMetricsForm(FlaskForm):
    file = FileField(
        _l("Metrics file"),
        validators=[FileRequired(_l("Choose the file."))],
        description=_l(
            "CSV or XLSX, one row per placement, as the campaign's template. Everything is "
            "checked first; nothing is saved unless every row is right."
        ),
    )
    submit = SubmitField(_l("Upload figures"))


class ExportFiguresForm(FlaskForm):
    file = FileField(
        _l("Chat export"),
        validators=[FileRequired(_l("Choose the exported file."))],
        description=_l(
            "Exported after the post (WhatsApp .txt or .zip, Telegram result.json): Kesher "
            "counts the replies and reactions it drew in 48 hours, as derived from an export. "
            "Nothing else from the chat is kept."
        ),
    )
    submit = SubmitField(_l("Read the export"))


class PickForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("highlight", _l("Highlight")),
            SelectChoice("quote", _l("Member quote")),
        ],
    )
    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Add to the report"))


class OpenPulseForm(FlaskForm):
    submit = SubmitField(_l("Open the member pulse"))


SCALE = [SelectChoice(str(i), str(i)) for i in range(1, 6)]


class PulseAnswerForm(FlaskForm):
    recall = RadioField(
        _l("Do you remember seeing this campaign in the community?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        validators=[InputRequired()],
    )
    sentiment = RadioField(
        _l("How did you feel about it? (1 = not at all, 5 = very much liked it)"),
        choices=SCALE,
        validators=[InputRequired()],
    )
    trust = RadioField(
        _l("How much do you trust the community's recommendation? (1–5)"),
        choices=SCALE,
        validators=[InputRequired()],
    )
    submit = SubmitField(_l("Send anonymously"))
