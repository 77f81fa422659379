"""Validators the forms share: numeric bounds, text lengths, e-mail addresses and phone numbers."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from flask_babel import lazy_gettext as _l
from wtforms.validators import Length, NumberRange, StopValidation, ValidationError

from pricing.money import Money

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


class MoneyPlaces:
    """Refuse an amount with more decimal places than its minor unit (₪ 707.505), or not finite.

    Runs before the bounds (and stops them): "NaN" or "sNaN" would otherwise break a comparison.
    """

    def __init__(self, places: int = 2) -> None:
        self.places = places

    def __call__(self, form: Any, field: Any) -> None:
        amount = field.data
        if not isinstance(amount, Decimal):
            return
        if not amount.is_finite():
            raise StopValidation(str(_l("Enter an amount such as 707.50.")))
        if too_fine(amount, self.places):
            raise StopValidation(str(_l("At most two decimal places.")))


def too_fine(amount: Decimal, places: int = 2) -> bool:
    """Whether a finite amount has digits beyond `places` decimals ("707.505"; "707.500" has not).

    Normalising never raises, whatever the exponent ("1e999" is simply too large later).
    """
    exponent = amount.normalize().as_tuple().exponent
    return isinstance(exponent, int) and exponent < -places


def parse_amount(text: str, currency: str, high: int = MAX_MONEY_MAJOR) -> int:
    """A major-unit amount typed outside a form ("707.50", empty = 0) as minor units.

    ValueError, with the message a person reads, for anything else: not a number, more than
    two decimal places, negative or above `high`.
    """
    try:
        amount = Decimal(text.strip() or "0")
    except InvalidOperation:
        raise ValueError(str(_l("Enter an amount such as 707.50."))) from None
    if not amount.is_finite():
        raise ValueError(str(_l("Enter an amount such as 707.50.")))
    if too_fine(amount):
        raise ValueError(str(_l("At most two decimal places.")))
    if not 0 <= amount <= high:
        raise ValueError(
            str(_l("Enter a number from %(min)s to %(max)s.", min="0", max=f"{high:,}"))
        )
    return Money.from_major(amount, currency).amount_minor


def money_amount(low: int | float = 0, high: int = MAX_MONEY_MAJOR) -> list[Any]:
    """Validators for an amount typed in major units: at most two places, from `low` to `high`.

    Use with a ``DecimalField(places=2)`` and :func:`to_minor`; the field shows a stored amount
    as "707.50" when given ``Money(...).as_decimal()``.
    """
    return [MoneyPlaces(), *bounded(low, high)]


def to_minor(amount: Decimal | None, currency: str) -> int | None:
    """A validated major-unit amount as integer minor units (None when empty); never a float."""
    if amount is None:
        return None
    return Money.from_major(amount, currency).amount_minor


def to_major(amount_minor: int, currency: str) -> Decimal:
    """Integer minor units as the exact major-unit amount a money field shows (70750 → 707.50)."""
    return Money(int(amount_minor), currency).as_decimal()


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
