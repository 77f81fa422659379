"""Shared inputs for the valuation tests: the five worked examples and a messy catalog."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from pricing.valuation import Priors, default_priors

#: The worked examples of docs/pricing.md, with the numbers computed by hand there.
WORKED_EXAMPLES: dict[str, dict[str, Any]] = {
    "newsletter": {
        "row": {
            "asset_id": "nl-1",
            "platform": "newsletter",
            "placement": "newsletter_sponsorship",
            "currency": "ILS",
            "members": 12_000,
            "members_tier": 3,
            "members_age_days": 30,
            "open_rate": 0.40,
            "open_rate_tier": 3,
            "open_rate_age_days": 30,
            "vertical": "finance",
            "region": "center",
        },
        "reach": (1802, 3072, 5238),
        "value_minor": (19543, 42621, 92951),
    },
    "telegram_channel": {
        "row": {
            "asset_id": "tg-1",
            "platform": "telegram_channel",
            "placement": "post",
            "currency": "ILS",
            "members": 20_000,
            "members_tier": 4,
            "members_age_days": 7,
            "views_per_post": 5_400,
            "views_per_post_tier": 4,
            "views_per_post_age_days": 7,
            "vertical": "tech",
            "region": "tel_aviv",
        },
        "reach": (3363, 5400, 8672),
        "value_minor": (28519, 67905, 161685),
    },
    "whatsapp_group": {
        "row": {
            "asset_id": "wa-1",
            "platform": "whatsapp_group",
            "placement": "post",
            "currency": "ILS",
            "members": 600,
            "members_tier": 4,
            "members_age_days": 10,
            "health_score": 80,
            "vertical": "parenting",
            "region": "center",
        },
        "reach": (187, 367, 723),
        "value_minor": (2947, 5803, 14003),
    },
    "facebook_group": {
        "row": {
            "asset_id": "fb-1",
            "platform": "facebook_group",
            "placement": "pinned_post",
            "currency": "ILS",
            "members": 40_000,
            "members_tier": 1,
            "members_age_days": 90,
            "health_score": 65,
            "vertical": "local",
            "region": "north",
        },
        "reach": (2760, 7969, 23006),
        "value_minor": (25973, 90898, 318116),
    },
    "podcast": {
        "row": {
            "asset_id": "pod-1",
            "platform": "podcast",
            "placement": "podcast_read",
            "currency": "USD",
            "views_per_post": 3_200,
            "views_per_post_tier": 2,
            "views_per_post_age_days": 60,
            "vertical": "b2b_professionals",
            "region": "us",
        },
        "reach": (1506, 2584, 4432),
        "value_minor": (5294, 10964, 22710),
    },
}


@pytest.fixture(scope="session")
def priors() -> Priors:
    return default_priors()


def messy_catalog(n: int, seed: int) -> pd.DataFrame:
    """Rows that are mostly valid, with every kind of bad cell sprinkled in."""
    rng = np.random.default_rng(seed)
    pri = default_priors()
    pairs = [(p.value, pl.value) for (p, pl) in pri.placements]
    pairs += [
        ("bogus", "post"),
        ("newsletter", "story"),
        (None, "post"),
        (" Telegram_Channel ", "POST"),
    ]
    pairs += [("facebook_group", "nope"), ("whatsapp_group", None)]
    pick = rng.integers(0, len(pairs), n)
    weights = np.where(pick < len(pri.placements), 1.0, 0.02)
    keep = rng.random(n) < weights
    pick = np.where(keep, pick, rng.integers(0, len(pri.placements), n))

    def sprinkle(values: np.ndarray, p: float) -> np.ndarray:
        values = values.astype(object)
        values[rng.random(n) < p] = None
        return values

    members = np.round(np.exp(rng.normal(7.5, 2.0, n)))
    members[rng.random(n) < 0.02] = 0
    members[rng.random(n) < 0.01] = -5
    members[rng.random(n) < 0.01] = 2e9
    members_obj = sprinkle(members, 0.05)
    members_obj[rng.random(n) < 0.01] = "1,200"
    frame = pd.DataFrame(
        {
            "asset_id": rng.integers(0, n // 3, n),
            "platform": [pairs[i][0] for i in pick],
            "placement": [pairs[i][1] for i in pick],
            "currency": rng.choice(
                np.array(["ILS", "usd", " EUR", "GBP", None], dtype=object),
                n,
                p=[0.6, 0.2, 0.15, 0.03, 0.02],
            ),
            "members": members_obj,
            "members_tier": sprinkle(
                rng.choice([1, 2, 3, 4, 7], n, p=[0.3, 0.25, 0.2, 0.2, 0.05]), 0.1
            ),
            "members_age_days": sprinkle(rng.choice([0, 5, 45, 200, 400, 900, -3], n), 0.1),
            "views_per_post": sprinkle(
                np.where(rng.random(n) < 0.2, rng.uniform(-50, 20_000, n), np.nan), 0.0
            ),
            "views_per_post_tier": rng.integers(1, 5, n),
            "views_per_post_age_days": rng.integers(0, 600, n),
            "open_rate": np.where(rng.random(n) < 0.3, rng.uniform(-0.1, 1.3, n), np.nan),
            "open_rate_tier": sprinkle(rng.integers(1, 5, n), 0.1),
            "open_rate_age_days": rng.integers(0, 600, n),
            "active_share": np.where(rng.random(n) < 0.3, rng.uniform(0.0, 1.1, n), np.nan),
            "active_share_tier": rng.integers(1, 5, n),
            "active_share_age_days": sprinkle(rng.integers(0, 600, n), 0.2),
            "engagement_rate": np.where(rng.random(n) < 0.3, rng.uniform(-0.01, 0.4, n), np.nan),
            "engagement_rate_tier": rng.integers(1, 5, n),
            "engagement_rate_age_days": rng.integers(0, 600, n),
            "health_score": np.where(rng.random(n) < 0.6, rng.uniform(-5, 105, n), np.nan),
            "interaction_mode": sprinkle(
                rng.choice(
                    np.array(["many_to_many", "one_to_many", "chatty"], dtype=object),
                    n,
                    p=[0.45, 0.45, 0.1],
                ),
                0.4,
            ),
            "vertical": sprinkle(
                rng.choice(np.array([*list(pri.verticals)[:8], "astrology"], dtype=object), n), 0.1
            ),
            "region": sprinkle(
                rng.choice(
                    np.array(["center", "north", "de", "uk", "abroad", "mars"], dtype=object), n
                ),
                0.1,
            ),
            "rate_minor": sprinkle(
                np.where(rng.random(n) < 0.02, -100, rng.integers(500, 500_000, n)), 0.2
            ),
        }
    )
    return frame
