"""Channel and placement differences, the community premium and the WhatsApp floor."""

from __future__ import annotations

import math
from typing import Any

import pytest

from pricing.valuation import Estimate, estimate_row


def row(platform: str, placement: str, **extra: Any) -> dict[str, Any]:
    return {
        "platform": platform,
        "placement": placement,
        "currency": "ILS",
        "members": 1_000,
        "members_tier": 4,
        "members_age_days": 0,
        "vertical": "parenting",
        "region": "center",
        **extra,
    }


def p50(estimate: Estimate) -> tuple[int, int]:
    assert estimate.reach is not None
    assert estimate.value_minor is not None
    return estimate.reach.p50, estimate.value_minor.p50


def test_a_story_is_not_a_post_and_a_post_is_not_a_pinned_post() -> None:
    story, post, pinned = (
        p50(estimate_row(row("telegram_channel", placement)))[0]
        for placement in ("story", "post", "pinned_post")
    )
    assert story < post < pinned


def test_a_newsletter_sponsorship_is_not_a_dedicated_send() -> None:
    sponsorship = p50(estimate_row(row("newsletter", "newsletter_sponsorship")))
    dedicated = p50(estimate_row(row("newsletter", "dedicated_send")))
    assert sponsorship[0] != dedicated[0]
    assert dedicated[1] > sponsorship[1]


def test_a_community_announcement_is_not_a_group_message() -> None:
    group = p50(estimate_row(row("whatsapp_group", "post")))
    announcement = p50(estimate_row(row("whatsapp_community", "post")))
    assert announcement[0] < group[0]  # the same 1,000 people, fewer read an announcement


def test_the_many_to_many_premium_and_one_to_many_discount_are_applied_as_stated() -> None:
    talk = estimate_row(
        row("telegram_group", "post", interaction_mode="many_to_many", health_score=70)
    )
    broadcast = estimate_row(
        row("telegram_group", "post", interaction_mode="one_to_many", health_score=70)
    )
    assert talk.value_mu is not None
    assert broadcast.value_mu is not None
    assert talk.reach == broadcast.reach
    assert talk.value_mu - broadcast.value_mu == pytest.approx(math.log(1.3 / 0.85))


@pytest.mark.parametrize(("health", "multiplier"), [(None, 1.15), (20, 1.0), (40, 1.3), (95, 1.3)])
def test_the_community_premium_needs_evidence_that_members_talk(
    health: float | None, multiplier: float
) -> None:
    factors = {
        f.key: f for f in estimate_row(row("facebook_group", "post", health_score=health)).factors
    }
    assert factors["interaction_mode"].value == pytest.approx(multiplier)


def test_the_whatsapp_floor_is_the_cost_of_business_messages_to_the_same_readers() -> None:
    # In Germany a marketing message costs USD 0.1648, far above the value of a group post.
    estimate = estimate_row(row("whatsapp_group", "post", region="de"))
    assert estimate.reach is not None
    assert estimate.value_minor is not None
    assert estimate.floor_per_person == pytest.approx(0.1648 * 3.7)
    assert estimate.value_minor.p50 == pytest.approx(
        estimate.reach.p50 * 0.1648 * 3.7 * 100, rel=0.01
    )
    assert {f.key for f in estimate.factors} >= {"whatsapp_floor"}
    telegram = estimate_row(row("telegram_group", "post", region="de"))
    assert telegram.floor_per_person is None
    assert "whatsapp_floor" not in {f.key for f in telegram.factors}


def test_a_huge_silent_group_is_worth_less_than_a_small_one_that_talks_all_day() -> None:
    silent = estimate_row(
        row(
            "facebook_group",
            "post",
            members=150_000,
            active_share=0.002,
            active_share_tier=3,
            active_share_age_days=10,
            health_score=5,
        )
    )
    lively = estimate_row(
        row(
            "whatsapp_group",
            "post",
            members=600,
            active_share=0.9,
            active_share_tier=3,
            active_share_age_days=10,
            health_score=95,
        )
    )
    assert p50(silent)[1] < p50(lively)[1]


def test_the_same_placement_is_priced_in_each_currency_at_its_own_reference_cpm() -> None:
    ils = estimate_row(row("podcast", "podcast_read"))
    usd = estimate_row(row("podcast", "podcast_read", currency="USD"))
    eur = estimate_row(row("podcast", "podcast_read", currency="EUR"))
    assert (ils.currency, usd.currency, eur.currency) == ("ILS", "USD", "EUR")
    assert p50(ils)[1] / p50(usd)[1] == pytest.approx(3.7, rel=0.01)
    assert p50(eur)[1] / p50(usd)[1] == pytest.approx(0.92, rel=0.01)
