"""The demo owners' asking prices: the market's price for the channel, spread by owner."""

from __future__ import annotations

import math

import pytest

from marketplace.catalog.demo import generate
from marketplace.catalog.demo_prices import (
    GROUP_PRICE_FACTOR,
    MARKET_CPM_ILS,
    OWNER_SPREAD,
    asking_price,
    rate_card,
)
from pricing.taxonomy import PlacementType, Platform

MEDIAN_DRAW = 0.8 + 1.7 / 2  # the generator's draw is uniform in 0.8-2.5


def test_a_whatsapp_group_of_600_asks_hundreds_of_shekels_at_the_median() -> None:
    # market.md addendum: small WhatsApp groups are offered at hundreds of shekels.
    assert asking_price(Platform.WHATSAPP_GROUP, 600, MEDIAN_DRAW) == 20_000
    assert asking_price(Platform.WHATSAPP_GROUP, 1_000, MEDIAN_DRAW) == 29_300
    assert pytest.approx(200.0, abs=0.5) == GROUP_PRICE_FACTOR * 600**0.75


def test_one_to_many_channels_ask_the_market_cpm_on_the_views_they_count_on() -> None:
    # Telegram: 11,000 subscribers, 27% read, ₪30 per 1,000 views = ₪89.
    assert asking_price(Platform.TELEGRAM_CHANNEL, 11_000, MEDIAN_DRAW) == 8_900
    # Between the Israeli news channel (₪800 for 378K subscribers read by 27%: ₪7.84 per
    # 1,000 views) and the admin-sold EUR 30 (₪111).
    cpm, share = MARKET_CPM_ILS[Platform.TELEGRAM_CHANNEL]
    assert 800 / (378_000 * share) * 1000 < cpm < 111
    # A newsletter sells on its reported opens: 8,000 × 45% × ₪92.50 per 1,000 = ₪333 (whole
    # shekels, rounded down).
    assert asking_price(Platform.NEWSLETTER, 8_000, MEDIAN_DRAW, open_rate=0.45) in (33_200, 33_300)


def test_owners_spread_around_the_market_and_nobody_asks_under_50_shekels() -> None:
    low = asking_price(Platform.WHATSAPP_GROUP, 600, 0.8 + 1.7 * 0.1)
    high = asking_price(Platform.WHATSAPP_GROUP, 600, 0.8 + 1.7 * 0.9)
    z = 1.2815515655446004
    assert low == pytest.approx(20_000 * math.exp(-OWNER_SPREAD * z), abs=100)
    assert high == pytest.approx(20_000 * math.exp(OWNER_SPREAD * z), abs=100)
    assert asking_price(Platform.INSTAGRAM, 1_000, 0.8) == 5_000
    assert asking_price(Platform.WHATSAPP_GROUP, 60, 2.5) >= 5_000


def test_events_keep_their_seat_price_and_placements_their_factor() -> None:
    assert asking_price(Platform.OFFLINE_EVENTS, 66, MEDIAN_DRAW) == 15_000
    card = rate_card(
        Platform.WHATSAPP_GROUP, 600, MEDIAN_DRAW, [PlacementType.POST, PlacementType.PINNED_POST]
    )
    assert card == [(PlacementType.POST, 20_000), (PlacementType.PINNED_POST, 32_000)]


def test_the_generator_prices_deterministically() -> None:
    def rates(seed: int) -> list[tuple[str, int]]:
        return [
            (str(asset.platform), rate.amount_minor)
            for spec in generate(40, seed=seed, plain=True)
            for asset in spec.community.assets
            for rate in asset.rates
        ]

    assert rates(7) == rates(7)
    assert rates(7) != rates(8)
