"""Forms of matching: the plan's settings, the brand's decision on a plan, comparing communities."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from marketplace.forms_common import bounded, max_length

#: How many communities the compare view puts side by side.
COMPARE_MIN, COMPARE_MAX = 2, 4


class BuildPlanForm(FlaskForm):
    """Staff's settings for one run of the optimiser over the shortlist."""

    channel_cap_pct = IntegerField(
        _l("Most of the budget one channel may take (%)"),
        validators=[Optional(), *bounded(1, 100)],
    )
    min_communities = IntegerField(
        _l("At least this many communities"),
        validators=[Optional(), *bounded(0, 50)],
    )
    what_if = IntegerField(validators=[Optional(), *bounded(1, 2**62)])


class PlanDecisionForm(FlaskForm):
    """The brand approves a proposed plan or asks for changes (which needs a comment)."""

    decision = RadioField(
        _l("Your decision"),
        choices=[
            SelectChoice("approve", _l("Approve the plan")),
            SelectChoice("changes", _l("Ask for changes")),
        ],
        validators=[InputRequired(_l("Choose to approve the plan or to ask for changes."))],
    )
    comment = TextAreaField(_l("Your comments"), validators=[Length(max=4000)])

    def validate_comment(self, field: Any) -> None:
        """Asking for changes without saying which leaves the agency guessing."""
        if self.decision.data == "changes" and not (field.data or "").strip():
            raise ValidationError(str(_l("Say what should change in the plan.")))


class AddToShortlistForm(FlaskForm):
    """Staff shortlist a community from the ranked list, with an optional note."""

    community_id = IntegerField(
        validators=[InputRequired(_l("Choose a community to add.")), *bounded(1, 2**62)]
    )
    note = StringField(_l("Note"), validators=[max_length(500)])
    #: Where to go afterwards (the row of the ranked list); checked by safe_redirect_target.
    back = HiddenField()


class ShortlistEntryForm(FlaskForm):
    """Staff's note on a shortlisted community and whether the optimiser must take or skip it."""

    note = StringField(_l("Note"), validators=[max_length(500)])
    state = SelectField(
        _l("Decision"),
        choices=[
            SelectChoice("normal", _l("Optimiser decides")),
            SelectChoice("locked", _l("Lock into the plan")),
            SelectChoice("excluded", _l("Exclude from the plan")),
        ],
        default="normal",
    )
    action = HiddenField()
