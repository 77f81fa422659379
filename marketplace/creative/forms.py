"""Forms of creative: a draft (text, link placeholder, images), a comment, a decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

MAX_TEXT = 4000


class SaveDraftForm(FlaskForm):
    """A new version of the post."""

    text = TextAreaField(
        _l("Post text"),
        validators=[DataRequired(), Length(max=MAX_TEXT)],
        description=_l("Write it as it will appear, with the community's disclosure wording."),
    )
    link_placeholder = StringField(
        _l("Link placeholder"),
        validators=[Optional(), Length(max=300)],
        description=_l("The tracked link is filled in before the post runs."),
    )
    images = MultipleFileField(
        _l("Images"), description=_l("PNG, JPEG or WebP, up to 5 MB each, 4 in all.")
    )
    drop_images = BooleanField(_l("Remove the current images"))
    version = HiddenField()
    submit = SubmitField(_l("Save as a new version"))


class CommentForm(FlaskForm):
    """A remark on the post."""

    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Add comment"))


class DecisionForm(FlaskForm):
    """Approve the current version, or send it back with a note."""

    version = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=100_000)])
    note = TextAreaField(_l("What should change"), validators=[Optional(), Length(max=2000)])
    approve = SubmitField(_l("Approve this version"))
    request_changes = SubmitField(_l("Request changes"))
