"""Money is integer minor units with a currency, and splits without losing an agora."""

from decimal import Decimal

import pytest

from pricing.money import Money, UnknownCurrency


def test_money_from_major_units_becomes_minor_units() -> None:
    assert Money.from_major("125.50", "ILS") == Money(12550, "ILS")
    assert Money.from_major(Decimal("0.01"), "USD").amount_minor == 1


def test_money_refuses_floats_unknown_currencies_and_sub_agora_precision() -> None:
    with pytest.raises(TypeError):
        Money(12.5, "ILS")  # type: ignore[arg-type]
    with pytest.raises(UnknownCurrency):
        Money(100, "GBP")
    with pytest.raises(ValueError, match="precision"):
        Money.from_major("1.005", "EUR")


def test_adding_different_currencies_is_refused() -> None:
    assert Money(100, "ILS") + Money(50, "ILS") == Money(150, "ILS")
    with pytest.raises(ValueError, match="different currencies"):
        Money(100, "ILS") + Money(50, "USD")


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (1, [1, 1], [1, 0]),
        (1000, [85, 15], [850, 150]),
        (-10, [1, 2], [-3, -7]),
        (99_999, [3, 3, 4], [30_000, 30_000, 39_999]),
    ],
)
def test_split_parts_always_sum_to_the_whole(
    amount: int, weights: list[int], expected: list[int]
) -> None:
    parts = Money(amount, "ILS").split(weights)
    assert [p.amount_minor for p in parts] == expected
    assert sum(p.amount_minor for p in parts) == amount


def test_as_decimal_is_exact() -> None:
    assert Money(1_250_050, "ILS").as_decimal() == Decimal("12500.50")
