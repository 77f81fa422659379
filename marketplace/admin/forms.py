"""Forms of the administration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email

from marketplace.auth.forms import validate_new_password
from marketplace.auth.models import Role
from marketplace.booleans import StrictBooleanField
from marketplace.forms_common import LatinEmail, max_length

#: The roles an admin creates here; brands sign up or are invited by their organisation.
ADMIN_CREATED_ROLES = [
    SelectChoice(Role.STAFF.value, _l("Agency staff")),
    SelectChoice(Role.FINANCE.value, _l("Finance")),
    SelectChoice(Role.ADMIN.value, _l("Administrator")),
    SelectChoice(Role.OWNER.value, _l("Community owner")),
]


class CreateUserForm(FlaskForm):
    display_name = StringField(_l("Name"), validators=[DataRequired(), max_length(120)])
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), LatinEmail(), Email(), max_length(254)]
    )
    role = SelectField(_l("Role"), choices=ADMIN_CREATED_ROLES, validators=[DataRequired()])
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), validate_new_password],
        description=_l("Share it privately; the user can change it after logging in."),
    )
    submit = SubmitField(_l("Create user"))


#: Every role, for editing an existing account (a brand member keeps their organisation).
ALL_ROLES = [
    SelectChoice(Role.BRAND.value, _l("Brand")),
    SelectChoice(Role.OWNER.value, _l("Community owner")),
    SelectChoice(Role.STAFF.value, _l("Agency staff")),
    SelectChoice(Role.FINANCE.value, _l("Finance")),
    SelectChoice(Role.ADMIN.value, _l("Administrator")),
]

LANGUAGES = [SelectChoice("he", "עברית"), SelectChoice("en", "English")]


class EditUserForm(FlaskForm):
    display_name = StringField(_l("Name"), validators=[DataRequired(), max_length(120)])
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), LatinEmail(), Email(), max_length(254)]
    )
    locale = SelectField(_l("Language"), choices=LANGUAGES, validators=[DataRequired()])
    role = SelectField(_l("Role"), choices=ALL_ROLES, validators=[DataRequired()])
    active = StrictBooleanField(
        _l("Active"),
        description=_l("An inactive user cannot sign in; their open sessions end."),
    )
    submit = SubmitField(_l("Save changes"))


class SetUserActiveForm(FlaskForm):
    active = StrictBooleanField(_l("Active"))
    submit = SubmitField(_l("Save"))


class PricingTableUploadForm(FlaskForm):
    table = SelectField(_l("Table"), validators=[DataRequired()])
    file = FileField(
        _l("Edited table (CSV)"),
        validators=[FileRequired(_l("Choose a file.")), FileAllowed(["csv"], _l("CSV only."))],
        description=_l("Download the table, edit its figures and sources, and upload it here."),
    )
    note = StringField(_l("What changed and why"), validators=[DataRequired(), max_length(500)])
    submit = SubmitField(_l("Check and store as a new version"))


class ActivatePricingVersionForm(FlaskForm):
    submit = SubmitField(_l("Activate and re-estimate"))
