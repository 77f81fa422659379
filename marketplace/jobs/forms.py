"""Forms of the jobs pages: cancelling a job."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class CancelJobForm(FlaskForm):
    submit = SubmitField(_l("Cancel this job"))
