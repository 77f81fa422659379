"""Forms of the health upload: the export with its member count and admins, then the verdict."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from marketplace.forms_common import bounded
from pricing.taxonomy import ABSURD_SIZE

#: The most admin names read from the form (a community has a handful).
MAX_ADMINS = 50


class UploadExportForm(FlaskForm):
    file = FileField(
        _l("Chat export"),
        validators=[FileRequired(_l("Choose the exported file."))],
        description=_l(
            "WhatsApp: the chat's .txt, or the .zip it comes in. Telegram Desktop: result.json, "
            "or the .zip of an HTML export. Facebook group insights: .csv or .xlsx."
        ),
    )
    members = IntegerField(
        _l("Members today"),
        validators=[Optional(), *bounded(1, ABSURD_SIZE)],
        description=_l(
            "Leave empty to use the channel's listed size (a chat export only shows the people "
            "who wrote) or, for Facebook, the count in the export."
        ),
    )
    admin_names = TextAreaField(
        _l("Admins (optional)"),
        validators=[Length(max=5000)],
        description=_l(
            "One name or phone number a line, as they appear in the chat. They are hashed at "
            "once, like every member, and never stored."
        ),
    )
    submit = SubmitField(_l("Check the export"))

    def admin_list(self) -> list[str]:
        """The admins named, one a line, blanks dropped."""
        lines = (self.admin_names.data or "").splitlines()
        return [line.strip() for line in lines if line.strip()][:MAX_ADMINS]


class ConfirmExportForm(FlaskForm):
    submit = SubmitField(_l("Keep these figures"))


class DiscardExportForm(FlaskForm):
    submit = SubmitField(_l("Discard"))
