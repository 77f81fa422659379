"""The agency margin rule: one pure function that the planner and the listing pages share."""

from __future__ import annotations

import pytest

from campaigns.planning import margin_minor
from pricing.margin import brand_price, margin_amount, margin_percent


@pytest.mark.parametrize(
    ("rate", "bp", "margin"),
    [
        (35_000, 2_500, 8_750),
        (1, 2_500, 0),  # 0.25 agora rounds down
        (2, 2_500, 1),  # 0.5 agora rounds half up
        (3, 2_500, 1),  # 0.75 rounds to 1
        (10_001, 1_234, 1_234),  # 1234.1234 → 1234
        (0, 2_500, 0),
        (99_999, 0, 0),
    ],
)
def test_the_margin_is_rounded_half_up_to_a_whole_minor_unit(
    rate: int, bp: int, margin: int
) -> None:
    assert margin_amount(rate, bp) == margin
    assert brand_price(rate, bp) == rate + margin


def test_the_planner_uses_the_same_rule() -> None:
    for rate in range(0, 5_000, 7):
        for bp in (0, 1, 999, 2_500, 3_333, 10_000):
            assert margin_minor(rate, bp) == margin_amount(rate, bp)


def test_the_brand_price_rises_strictly_with_the_owners_rate() -> None:
    """So sorting by either gives the same order (the "cheapest" sort leaks nothing)."""
    for bp in (0, 1, 2_500, 9_999):
        prices = [brand_price(rate, bp) for rate in range(0, 3_000)]
        assert all(a < b for a, b in zip(prices, prices[1:], strict=False))


def test_margin_percent_and_nonsense_inputs() -> None:
    assert margin_percent(2_500) == 25.0
    with pytest.raises(ValueError, match="negative"):
        brand_price(-1, 2_500)
    with pytest.raises(ValueError, match="negative"):
        margin_amount(100, -1)
