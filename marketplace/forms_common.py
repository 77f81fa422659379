"""Validators the forms share: numeric bounds, text lengths, e-mail addresses and phone numbers."""

from __future__ import annotations

from typing import Any

import phonenumbers
from flask_babel import lazy_gettext as _l
from wtforms.validators import Length, NumberRange, ValidationError

#: The largest count any form accepts (members, posts, people): beyond every real community.
MAX_COUNT = 1_000_000_000
#: The largest amount of money, in major units (₪100 million), any form accepts.
MAX_MONEY_MAJOR = 100_000_000
#: Phone numbers without a country code are read as Israeli.
DEFAULT_PHONE_REGION = "IL"


def bounded(low: int | float, high: int | float) -> list[Any]:
    """A NumberRange whose message names both bounds, so no number is out of range quietly."""
    shown_low, shown_high = f"{low:,}", f"{high:,}"
    message = _l("Enter a number from %(min)s to %(max)s.", min=shown_low, max=shown_high)
    return [NumberRange(min=low, max=high, message=message)]


def count_field_bounds(high: int = MAX_COUNT) -> list[Any]:
    """Bounds for a count (members, posts a week): 0 up to `high`."""
    return bounded(0, high)


def money_field_bounds(high: int = MAX_MONEY_MAJOR) -> list[Any]:
    """Bounds for an amount of money in major units: 0 up to `high`."""
    return bounded(0, high)


def max_length(size: int) -> Length:
    """A Length matching a column of `size` characters, saying the limit instead of cutting.

    WTForms would also print maxlength on the input, and the browser then cuts a pasted name
    without a word; without it the person is told the limit and keeps what they typed.
    """
    shown = f"{size:,}"
    validator = Length(max=size, message=_l("At most %(max)s characters.", max=shown))
    validator.field_flags = {}
    return validator


class LatinEmail:
    """Refuse e-mail addresses with non-Latin letters (a Hebrew keyboard left on, most often).

    Mail servers and our outbox need an ASCII address; WTForms' Email accepts internationalised
    ones, so this runs before it.
    """

    def __call__(self, form: Any, field: Any) -> None:
        value = field.data or ""
        if value and not value.isascii():
            raise ValidationError(
                str(_l("Write the e-mail address in Latin letters, e.g. name@example.co.il."))
            )


def normalise_phone(raw: str, region: str = DEFAULT_PHONE_REGION) -> str | None:
    """The number in E.164 (+972501234567), or None when it is not a valid phone number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PhoneNumber:
    """A valid Israeli or international phone number; the field's data becomes E.164.

    A number the record already holds (set as ``field.stored`` by the view) passes unchanged:
    numbers saved before this check, or ones the library's ranges do not know yet, must not
    stop the person saving the rest of the form.
    """

    def __call__(self, form: Any, field: Any) -> None:
        raw = (field.data or "").strip()
        if not raw or raw == getattr(field, "stored", None):
            return
        normalised = normalise_phone(raw)
        if normalised is None:
            raise ValidationError(
                str(_l("Enter a phone number such as 050-1234567 or +44 20 7946 0958."))
            )
        field.data = normalised
