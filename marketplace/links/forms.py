"""Forms of tracked links: a landing page, a promo code, a redemptions file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from campaigns.tracking import MAX_URL_CHARS


class CreateLinkForm(FlaskForm):
    """The landing page a placement's short link leads to."""

    destination = StringField(
        _l("Landing page"),
        validators=[DataRequired(), Length(max=MAX_URL_CHARS)],
        description=_l("The brand's page (http or https). Kesher adds the UTM tags."),
    )
    submit = SubmitField(_l("Create the link"))


class CampaignLinksForm(FlaskForm):
    """One landing page for every agreed placement of a campaign that has no link yet."""

    destination = StringField(
        _l("Landing page"),
        validators=[DataRequired(), Length(max=MAX_URL_CHARS)],
        description=_l("The brand's page (http or https). Kesher adds the UTM tags."),
    )
    submit = SubmitField(_l("Create links for every agreed placement"))


class PromoCodeForm(FlaskForm):
    """A placement's promo code."""

    code = StringField(
        _l("Promo code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("3 to 32 letters, digits, dashes or underscores; unique in the campaign."),
    )
    submit = SubmitField(_l("Add the code"))


class RedemptionsForm(FlaskForm):
    """The brand's file of orders that used the campaign's promo codes."""

    file = FileField(
        _l("Redemptions file"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx"], _l("CSV or XLSX only.")),
        ],
        description=_l(
            "Columns: code, date (YYYY-MM-DD or DD/MM/YYYY), and optionally amount "
            "(in shekels or the campaign's currency) and order (the shop's order number)."
        ),
    )
    submit = SubmitField(_l("Upload"))
