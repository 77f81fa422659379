"""What a demo owner asks for a placement: the market's price for the channel, spread by owner.

`generate` (marketplace.catalog.demo) draws one number per asset where the owner sits; the rate
card follows from it here, so the demo catalog and the 100,000-community benchmark catalog price
the same way, deterministically, with no query. docs/pricing.md ("The demo's prices") shows what
the value lenses make of them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

from pricing.taxonomy import PlacementType, Platform

#: The placements a demo rate card offers (each platform's first offered one otherwise).
PLACEMENTS_FOR: dict[Platform, list[PlacementType]] = {
    Platform.NEWSLETTER: [PlacementType.NEWSLETTER_SPONSORSHIP, PlacementType.DEDICATED_SEND],
    Platform.PODCAST: [PlacementType.PODCAST_READ, PlacementType.EXPERT_SESSION],
    Platform.INSTAGRAM: [PlacementType.POST, PlacementType.STORY],
    Platform.TIKTOK: [PlacementType.POST],
    Platform.OFFLINE_EVENTS: [PlacementType.MEETUP, PlacementType.ROUND_TABLE],
    Platform.YOUTUBE: [PlacementType.POST],
}

#: A placement's price against the channel's post.
PLACEMENT_FACTORS = {
    PlacementType.PINNED_POST: 1.6,
    PlacementType.DEDICATED_SEND: 2.5,
    PlacementType.EXPERT_SESSION: 3.0,
    PlacementType.MEETUP: 4.0,
}

#: What the market charges per 1,000 people who see a one-to-many post (₪, at ₪3.7 a dollar),
#: and the share of followers an owner counts on (the benchmark of `platforms.csv`; a
#: newsletter sells on its reported opens, so its share is the drawn open rate). Sources in
#: /work/shared/research/market.md §2.3 and its Israeli addendum; keys as in sources.csv.
MARKET_CPM_ILS: dict[Platform, tuple[float, float]] = {
    # USD 25 per 1,000 opens: general USD 20-30 (ventritools), USD 10-30 on list (paved-cpm).
    Platform.NEWSLETTER: (92.5, 0.0),
    # Host read USD 25-35 per 1,000 downloads (dispatch-podcast); downloads ~30% of followers.
    Platform.PODCAST: (111.0, 0.30),
    # Between an Israeli news channel's ₪8 (₪800 a post at 378K subscribers read by 27%,
    # market-israel-addendum) and the admin-sold EUR 30 (₪111, telegram-cpm-2021): ₪30.
    Platform.TELEGRAM_CHANNEL: (30.0, 0.27),
    # Micro influencers USD 10-20 (influencerradar-cpm), between USD 5-15 (influencer-hero-cpm)
    # and brands' booking data USD 32-42 (inzpire-cpm): USD 20.
    Platform.INSTAGRAM: (74.0, 0.15),
    # USD 3-10 (influencer-hero-cpm) to USD 25-35 (inzpire-cpm): USD 10.
    Platform.TIKTOK: (37.0, 0.30),
    # USD 10-30 (influencer-hero-cpm) to USD 51-61 (inzpire-cpm): USD 30.
    Platform.YOUTUBE: (111.0, 0.30),
    # No public figure: the estimate's own reference (channel_priors.csv), USD 20 and USD 10.
    Platform.WHATSAPP_CHANNEL: (74.0, 0.20),
    Platform.FACEBOOK_PAGE: (37.0, 0.05),
}

#: A group's post asks about `1.65 × members^0.75` ₪ (₪200 for 600 members, ₪290 for 1,000):
#: "small WhatsApp groups are offered at hundreds of shekels for under a thousand members",
#: and the price per member falls with size (market-israel-addendum).
GROUP_PRICE_FACTOR = 1.65

#: The spread of owners around the market price: log-sd 0.5, so one owner in ten asks under
#: 0.53× and one in ten over 1.9× of it (a negotiating range, not a market consensus).
OWNER_SPREAD = 0.5

_STANDARD = NormalDist()

#: No demo owner asks under ₪50 for a placement.
LOWEST_ASK_MINOR = 5_000


def asking_price(platform: Platform, size: int, draw: float, open_rate: float = 0.0) -> int:
    """The demo owner's asking price of a post, in agorot, from a uniform `draw` in 0.8-2.5.

    One-to-many channels ask the market's price per 1,000 views (:data:`MARKET_CPM_ILS`) for
    the views an owner counts on; groups ask the market's size curve (:data:`GROUP_PRICE_FACTOR`);
    each owner sits somewhere in a lognormal spread around it, placed by `draw` (the generator's
    one random number per asset, so the rest of the catalog stays as it was). Events keep their
    seat price (the lenses do not value seats). Whole shekels, at least ₪50.
    """
    if platform is Platform.OFFLINE_EVENTS:
        return max(150, int(size**0.75 * draw)) * 100
    quantile = min(max((draw - 0.8) / 1.7, 1e-6), 1 - 1e-6)
    markup = math.exp(OWNER_SPREAD * _STANDARD.inv_cdf(quantile))
    if platform in MARKET_CPM_ILS:
        cpm, share = MARKET_CPM_ILS[platform]
        market = size * (open_rate if platform is Platform.NEWSLETTER else share) * cpm / 1000
    else:
        market = GROUP_PRICE_FACTOR * size**0.75
    return max(LOWEST_ASK_MINOR, int(market * markup) * 100)


def rate_card(
    platform: Platform,
    size: int,
    draw: float,
    offered: Sequence[PlacementType],
    open_rate: float = 0.0,
) -> list[tuple[PlacementType, int]]:
    """The demo rate card of a channel: (placement, agorot in whole shekels) for each placement."""
    price = asking_price(platform, size, draw, open_rate)
    wanted = PLACEMENTS_FOR.get(platform, [PlacementType.POST, PlacementType.PINNED_POST])
    return [
        (placement, int(price * PLACEMENT_FACTORS.get(placement, 1.0)) // 100 * 100)
        for placement in [p for p in wanted if p in offered] or list(offered[:1])
    ]
