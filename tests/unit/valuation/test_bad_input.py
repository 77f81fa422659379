"""Bad input never crashes and never yields a confident number from nothing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from pricing.valuation import Reason, Status, estimate_frame, estimate_reference, estimate_row

from .conftest import WORKED_EXAMPLES
from .test_agreement import assert_frames_agree

BASE: dict[str, Any] = {
    "asset_id": 1,
    "platform": "facebook_group",
    "placement": "post",
    "currency": "ILS",
    "members": 5_000,
    "members_tier": 3,
    "members_age_days": 20,
    "vertical": "parenting",
    "region": "center",
}


def with_(**changes: Any) -> dict[str, Any]:
    return {**BASE, **changes}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"members": None}, Reason.MEMBERS_MISSING),
        ({"members": np.nan}, Reason.MEMBERS_MISSING),
        ({"members": 0}, Reason.MEMBERS_ZERO),
        ({"members": -40}, Reason.MEMBERS_NEGATIVE),
        ({"members": 3e9}, Reason.MEMBERS_ABSURD),
        ({"members": "1,200"}, Reason.MEMBERS_INVALID),
        ({"members": True}, Reason.MEMBERS_INVALID),
        ({"platform": "myspace"}, Reason.PLATFORM_UNKNOWN),
        ({"platform": None}, Reason.PLATFORM_UNKNOWN),
        ({"placement": "billboard"}, Reason.PLACEMENT_UNKNOWN),
        ({"placement": "podcast_read"}, Reason.PLACEMENT_NOT_OFFERED),
        ({"currency": "GBP"}, Reason.CURRENCY_UNKNOWN),
        ({"currency": None}, Reason.CURRENCY_UNKNOWN),
    ],
)
def test_a_row_without_a_defensible_basis_is_refused_with_its_reason(
    changes: dict[str, Any], reason: Reason
) -> None:
    estimate = estimate_row(with_(**changes))
    assert estimate.status is Status.REFUSED
    assert reason in estimate.reasons
    assert estimate.reach is None
    assert estimate.value_minor is None
    assert estimate.factors == ()


def test_views_alone_are_a_size_but_zero_members_beside_them_still_refuse() -> None:
    assert estimate_row(with_(members=None, views_per_post=800)).status is not Status.REFUSED
    refused = estimate_row(with_(members=0, views_per_post=800))
    assert refused.reasons == (Reason.MEMBERS_ZERO,)


@pytest.mark.parametrize("open_rate", [1.3, 0.0, -0.2, "45%"])
def test_an_impossible_open_rate_is_ignored_and_the_range_is_the_benchmark_one(
    open_rate: object,
) -> None:
    impossible = estimate_row(with_(open_rate=open_rate, open_rate_tier=4))
    no_rate = estimate_row(BASE)
    measured = estimate_row(with_(open_rate=0.12, open_rate_tier=3, open_rate_age_days=10))
    assert impossible.status is Status.WIDE
    assert impossible.reasons == (Reason.OPEN_RATE_IMPOSSIBLE,)
    assert (impossible.reach, impossible.value_minor) == (no_rate.reach, no_rate.value_minor)
    assert impossible.reach_sigma is not None
    assert measured.reach_sigma is not None
    assert impossible.reach_sigma > measured.reach_sigma


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"members_tier": None}, Reason.MEMBERS_TIER_MISSING),
        ({"members_tier": 7}, Reason.MEMBERS_TIER_MISSING),
        ({"members_tier": 2.5}, Reason.MEMBERS_TIER_MISSING),
        ({"members_age_days": None}, Reason.MEMBERS_AGE_MISSING),
        ({"members_age_days": -3}, Reason.MEMBERS_AGE_MISSING),
        ({"members_age_days": 500}, Reason.MEMBERS_STALE),
        ({"health_score": 140}, Reason.HEALTH_SCORE_IMPOSSIBLE),
        ({"active_share": 1.5}, Reason.ACTIVE_SHARE_IMPOSSIBLE),
        ({"engagement_rate": 2}, Reason.ENGAGEMENT_RATE_IMPOSSIBLE),
        ({"views_per_post": -1}, Reason.VIEWS_PER_POST_IMPOSSIBLE),
        ({"interaction_mode": "telepathy"}, Reason.INTERACTION_MODE_UNKNOWN),
        ({"vertical": "astrology"}, Reason.VERTICAL_UNKNOWN),
        ({"vertical": None}, Reason.VERTICAL_UNKNOWN),
        ({"region": "mars"}, Reason.REGION_UNKNOWN),
    ],
)
def test_a_doubtful_figure_widens_the_range_and_says_why(
    changes: dict[str, Any], reason: Reason
) -> None:
    clean = estimate_row(BASE)
    doubtful = estimate_row(with_(**changes))
    assert clean.status is Status.OK
    assert doubtful.status is Status.WIDE
    assert reason in doubtful.reasons
    assert doubtful.value_sigma is not None
    assert clean.value_sigma is not None
    assert doubtful.value_sigma >= clean.value_sigma


def test_more_members_than_whatsapp_allows_are_capped_at_the_platform_limit() -> None:
    estimate = estimate_row(with_(platform="whatsapp_group", members=5_000))
    assert Reason.MEMBERS_OVER_PLATFORM_CAP in estimate.reasons
    members = next(f for f in estimate.factors if f.key == "members")
    assert members.value == pytest.approx(1024)


def test_a_bare_self_reported_size_gives_a_wide_range_not_a_confident_number() -> None:
    bare = estimate_row(
        {"platform": "facebook_group", "placement": "post", "currency": "ILS", "members": 5000}
    )
    assert bare.status is Status.WIDE
    assert bare.value_minor is not None
    assert bare.value_minor.p90 / bare.value_minor.p10 > 8
    verified = estimate_row(WORKED_EXAMPLES["telegram_channel"]["row"])
    assert verified.value_minor is not None
    assert verified.value_minor.p90 / verified.value_minor.p10 < 6


def test_cells_of_any_type_never_crash_either_engine() -> None:
    junk: list[Any] = [None, np.nan, pd.NA, "", "  ", "abc", [1, 2], {"a": 1}, object(), -1, 1e308]
    rows = []
    for i, cell in enumerate(junk * 3):
        row = dict(BASE)
        key = list(BASE)[i % len(BASE)]
        row[key] = cell
        rows.append(row)
    frame = pd.DataFrame(rows)
    fast = estimate_frame(frame)
    assert len(fast) == len(rows)
    assert_frames_agree(fast, estimate_reference(frame))


def test_a_frame_missing_columns_or_rows_is_refused_not_crashed() -> None:
    only_platform = estimate_frame(pd.DataFrame({"platform": ["newsletter", "podcast"]}))
    assert list(only_platform["status"]) == ["refused", "refused"]
    assert "currency_unknown" in only_platform["reasons"].iloc[0]
    empty = estimate_frame(pd.DataFrame())
    assert len(empty) == 0
    assert "value_p50_minor" in empty.columns


def test_codes_are_read_whatever_their_case_and_spacing() -> None:
    messy = estimate_row(with_(platform=" Facebook_Group ", placement="POST", currency="ils"))
    assert messy.status is Status.OK
    assert messy.value_minor == estimate_row(BASE).value_minor
