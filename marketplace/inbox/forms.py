"""Forms of the inbox: marking read, and the choice of e-mail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from marketplace.inbox.models import EmailMode


class MarkReadForm(FlaskForm):
    submit = SubmitField(_l("Mark read"))


class MarkAllReadForm(FlaskForm):
    submit = SubmitField(_l("Mark all read"))


class EmailPreferenceForm(FlaskForm):
    email_mode = RadioField(
        _l("E-mail me"),
        choices=[
            SelectChoice(EmailMode.IMMEDIATE.value, _l("At each step that waits for me")),
            SelectChoice(EmailMode.DIGEST.value, _l("Once a day, a digest of what is new")),
            SelectChoice(EmailMode.NONE.value, _l("Never: I will look in the inbox")),
        ],
        validators=[InputRequired()],
    )
    submit = SubmitField(_l("Save"))
