"""Forms of a brand organisation's admin."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Email

from marketplace.forms_common import LatinEmail, max_length


class InviteMemberForm(FlaskForm):
    email = EmailField(
        _l("E-mail of the new member"),
        validators=[DataRequired(), LatinEmail(), Email(), max_length(254)],
    )
    submit = SubmitField(_l("Send invitation"))


class CreateApiTokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(), max_length(100)],
        description=_l("For example: CRM integration."),
    )
    submit = SubmitField(_l("Create token"))


class RevokeApiTokenForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))


class RotateApiTokenForm(FlaskForm):
    submit = SubmitField(_l("Rotate"))
