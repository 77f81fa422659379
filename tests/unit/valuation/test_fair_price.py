"""The fair price meter: under-priced below P10, over-priced above P90, and effective CPM."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pricing.valuation import Verdict, estimate_frame, estimate_reference, estimate_row, fair_price

from .conftest import WORKED_EXAMPLES
from .test_agreement import assert_frames_agree

NEWSLETTER = WORKED_EXAMPLES["newsletter"]  # value 195.43 / 426.21 / 929.51 ILS, reach P50 3,072


@pytest.mark.parametrize(
    ("rate", "verdict"),
    [
        (10_000, Verdict.UNDER_PRICED),
        (19_542, Verdict.UNDER_PRICED),
        (19_543, Verdict.FAIR),
        (42_621, Verdict.FAIR),
        (92_951, Verdict.FAIR),
        (92_952, Verdict.OVER_PRICED),
    ],
)
def test_the_verdict_follows_the_p10_and_p90_thresholds(rate: int, verdict: Verdict) -> None:
    assert fair_price(rate, estimate_row(NEWSLETTER["row"])).verdict is verdict


def test_the_effective_cpm_is_the_rate_per_thousand_people_reached() -> None:
    reading = fair_price(60_000, estimate_row(NEWSLETTER["row"]))
    assert reading.effective_cpm_minor == round(60_000 * 1000 / 3072)
    assert reading.fair_cpm_minor == round(42_621 * 1000 / 3072)
    assert reading.rate_to_value_ratio == pytest.approx(60_000 / 42_621)


@pytest.mark.parametrize(
    ("rate", "reason"),
    [
        (None, "rate_missing"),
        (-500, "rate_invalid"),
        (12.5, "rate_invalid"),
        ("₪400", "rate_invalid"),
    ],
)
def test_a_missing_or_bad_rate_gets_no_verdict(rate: object, reason: str) -> None:
    reading = fair_price(rate, estimate_row(NEWSLETTER["row"]))
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.reason == reason


def test_a_refused_estimate_or_another_currency_gets_no_verdict() -> None:
    refused = estimate_row({**NEWSLETTER["row"], "members": 0})
    assert fair_price(40_000, refused).reason == "estimate_refused"
    assert fair_price(40_000, estimate_row(NEWSLETTER["row"]), "USD").reason == "currency_mismatch"


def test_the_frame_carries_the_meter_when_rate_cards_are_given() -> None:
    rows = [{**NEWSLETTER["row"], "rate_minor": rate} for rate in (10_000, 50_000, 200_000, None)]
    frame = pd.DataFrame(rows)
    result = estimate_frame(frame)
    assert list(result["price_verdict"]) == ["under_priced", "fair", "over_priced", "unknown"]
    assert result["effective_cpm_minor"].iloc[1] == round(50_000 * 1000 / 3072)
    assert np.isnan(result["rate_to_value_ratio"].iloc[3])
    assert_frames_agree(result, estimate_reference(frame))


def test_fresh_evidence_judges_a_price_that_stale_evidence_leaves_fair() -> None:
    fresh = {**NEWSLETTER["row"], "members_tier": 4, "open_rate_tier": 4}
    stale = {**NEWSLETTER["row"], "members_age_days": 1000, "open_rate_age_days": 1000}
    rate = 100_000
    assert fair_price(rate, estimate_row(fresh)).verdict is Verdict.OVER_PRICED
    assert fair_price(rate, estimate_row(stale)).verdict is Verdict.FAIR
