"""Amounts people type are major units ("707.50"), read exactly into integer minor units."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.forms_common import parse_amount, to_major, to_minor, too_fine


@pytest.mark.parametrize(
    ("typed", "minor"),
    [
        ("707.50", 70_750),
        ("707.500", 70_750),
        ("707", 70_700),
        ("0.01", 1),
        ("", 0),
        (" 12.3 ", 1230),
    ],
)
def test_a_typed_amount_is_read_exactly(typed: str, minor: int) -> None:
    assert parse_amount(typed, "ILS") == minor


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("707.505", "At most two decimal places."),
        ("1e-999", "At most two decimal places."),
        ("0.1234567890123456789012345678901", "At most two decimal places."),
        ("-1", "Enter a number from 0 to 100,000,000."),
        ("1e999", "Enter a number from 0 to 100,000,000."),
        ("100000000.01", "Enter a number from 0 to 100,000,000."),
        ("abc", "Enter an amount such as 707.50."),
        ("NaN", "Enter an amount such as 707.50."),
        ("sNaN", "Enter an amount such as 707.50."),
        ("Infinity", "Enter an amount such as 707.50."),
    ],
)
def test_anything_else_is_refused_with_its_reason(typed: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace(".", r"\.")):
        parse_amount(typed, "ILS")


def test_major_and_minor_units_round_trip_without_floats() -> None:
    assert to_major(70_750, "ILS") == Decimal("707.50")
    assert str(to_major(70_750, "ILS")) == "707.50"
    assert to_minor(Decimal("707.50"), "ILS") == 70_750
    assert to_minor(None, "ILS") is None
    assert too_fine(Decimal("707.505"))
    assert not too_fine(Decimal("707.500"))
    assert not too_fine(Decimal("1e999"))
