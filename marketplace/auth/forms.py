"""Forms for signing in, signing up, passwords, invitations and language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, ValidationError

from marketplace.auth import passwords
from marketplace.forms_common import LatinEmail, max_length


def validate_new_password(form: FlaskForm, field: PasswordField) -> None:
    """Refuse short, over-long or common passwords, with the reason."""
    email = getattr(form, "email", None)
    found = passwords.problems(field.data or "", email=email.data if email is not None else "")
    messages = {
        "too_short": _l("Use at least %(n)d characters.", n=passwords.MIN_LENGTH),
        "too_long": _l("Use at most %(n)d characters.", n=passwords.MAX_LENGTH),
        "too_common": _l("This password is too common; choose another."),
        "is_email": _l("Do not use your e-mail address as the password."),
    }
    if found:
        raise ValidationError(str(messages[found[0]]))


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), LatinEmail(), Email(), max_length(254)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), max_length(1024)])
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class SignUpForm(FlaskForm):
    account_type = RadioField(
        _l("I am"),
        choices=[
            SelectChoice("brand", _l("A brand or company looking for communities")),
            SelectChoice("owner", _l("A community owner or manager")),
        ],
        default="brand",
        validators=[DataRequired()],
    )
    display_name = StringField(_l("Your name"), validators=[DataRequired(), max_length(120)])
    organisation_name = StringField(
        _l("Brand or company name"),
        validators=[max_length(200)],
        description=_l("Required for brands."),
    )
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), LatinEmail(), Email(), max_length(254)]
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), validate_new_password],
        description=_l("At least 10 characters."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Create account"))

    def validate_organisation_name(self, field: StringField) -> None:
        if self.account_type.data == "brand" and not (field.data or "").strip():
            raise ValidationError(str(_l("Enter your brand or company name.")))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), LatinEmail(), Email(), max_length(254)]
    )
    submit = SubmitField(_l("Send me a reset link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), validate_new_password])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Set the new password"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired(), validate_new_password])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class AcceptInvitationForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), max_length(120)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), validate_new_password])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Join"))


class LanguageForm(FlaskForm):
    lang = HiddenField(validators=[DataRequired()])
    next = HiddenField()


class ResendForm(FlaskForm):
    """Mail the e-mail confirmation link again (the form is its CSRF token)."""

    submit = SubmitField(_l("Send the link again"))
