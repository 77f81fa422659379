"""Forms of delivery: a proof of posting, and staff's decision on it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, Optional

from campaigns.delivery import DISPUTE_REASONS

#: The dispute reasons as the form lists them (labels translated when shown).
REASON_LABELS = {
    "not_live": _l("The post is not live at the link"),
    "text_differs": _l("The text differs from the approved post"),
    "no_disclosure": _l("The disclosure wording is missing"),
    "wrong_channel": _l("Posted in another channel"),
    "late": _l("Posted too late"),
    "other": _l("Another reason (say which)"),
}


class SubmitProofForm(FlaskForm):
    """The live link and a screenshot of one post, and its text as published."""

    live_url = StringField(
        _l("Live link"),
        validators=[DataRequired(), Length(max=500), URL(require_tld=False)],
        description=_l("The address of the post as it runs (https://…)."),
    )
    screenshot = FileField(
        _l("Screenshot"),
        validators=[FileRequired(_l("Attach a screenshot of the post."))],
        description=_l("PNG, JPEG or WebP, up to 8 MB, at least 200 pixels on each side."),
    )
    post_text = TextAreaField(
        _l("The post's text, as published"),
        validators=[Optional(), Length(max=4000)],
        description=_l("Paste it so the agency can check it against the approved post."),
    )
    submit = SubmitField(_l("Submit the proof"))


class DecideProofForm(FlaskForm):
    """Verify the proof, or dispute it with a reason."""

    reason = RadioField(
        _l("Reason for a dispute"),
        choices=[SelectChoice(r, REASON_LABELS[r]) for r in DISPUTE_REASONS],
        validators=[Optional()],
    )
    text = TextAreaField(_l("Details"), validators=[Optional(), Length(max=2000)])
    verify = SubmitField(_l("Verify: the post ran as agreed"))
    dispute = SubmitField(_l("Dispute"))
