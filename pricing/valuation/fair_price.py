"""The fair price meter: an owner's rate card against the estimated value of the placement.

Thresholds: a rate below the value's P10 is **under-priced**, above its P90 **over-priced**,
anything between is **fair**. Because the band is the estimate's own uncertainty, a well-evidenced
asset (narrow band) is judged tightly and a self-reported one loosely: we only call a price wrong
when we are 80% sure. The effective CPM is the rate per thousand people reached (reach P50), to
set beside the fair CPM (value P50 per thousand reached).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pricing.valuation.parsing import parse_number
from pricing.valuation.schema import FloatArray, Status, to_minor_units

if TYPE_CHECKING:
    from pricing.valuation.schema import Estimate


class Verdict(enum.StrEnum):
    """Where the rate card falls against the estimate."""

    UNDER_PRICED = "under_priced"
    FAIR = "fair"
    OVER_PRICED = "over_priced"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class FairPrice:
    """The meter's reading for one rate card."""

    verdict: Verdict
    rate_minor: int | None
    effective_cpm_minor: int | None  # rate per 1,000 people reached (at reach P50)
    fair_cpm_minor: int | None  # value P50 per 1,000 people reached
    rate_to_value_ratio: float | None  # rate / value P50
    reason: str | None  # why the verdict is unknown


def parse_rate_minor(x: object) -> tuple[int | None, bool]:
    """Read a rate card cell: (minor units, False); (None, False) if missing; (None, True) if bad.

    A rate must be a positive whole number of minor units (a float column holding whole
    numbers, as pandas makes of an integer column with gaps, is accepted).
    """
    value, junk = parse_number(x)
    if junk:
        return None, True
    if value is None:
        return None, False
    if not (0.0 < value < math.inf) or value != math.floor(value) or value >= 2.0**53:
        return None, True
    return int(value), False


def fair_price(rate_minor: object, estimate: Estimate, currency: str | None = None) -> FairPrice:
    """Compare a rate card (integer minor units of the estimate's currency) with the estimate."""
    rate, bad = parse_rate_minor(rate_minor)
    reason: str | None = None
    if bad:
        reason = "rate_invalid"
    elif rate is None:
        reason = "rate_missing"
    elif estimate.status is Status.REFUSED or estimate.value_minor is None:
        reason = "estimate_refused"
    elif currency is not None and currency.upper() != estimate.currency:
        reason = "currency_mismatch"
    if reason is not None or rate is None or estimate.value_minor is None:
        return FairPrice(Verdict.UNKNOWN, rate, None, None, None, reason)
    assert estimate.reach is not None
    columns = fair_price_arrays(
        np.array([float(rate)]),
        np.array([float(estimate.value_minor.p10)]),
        np.array([float(estimate.value_minor.p50)]),
        np.array([float(estimate.value_minor.p90)]),
        np.array([float(estimate.reach.p50)]),
    )
    effective = columns["effective_cpm_minor"][0]
    fair = columns["fair_cpm_minor"][0]
    ratio = columns["rate_to_value_ratio"][0]
    return FairPrice(
        verdict=Verdict(str(columns["price_verdict"][0])),
        rate_minor=rate,
        effective_cpm_minor=None if math.isnan(effective) else int(effective),
        fair_cpm_minor=None if math.isnan(fair) else int(fair),
        rate_to_value_ratio=None if math.isnan(ratio) else float(ratio),
        reason=None,
    )


def fair_price_arrays(
    rate: FloatArray,
    value_p10: FloatArray,
    value_p50: FloatArray,
    value_p90: FloatArray,
    reach_p50: FloatArray,
) -> dict[str, np.ndarray]:
    """The meter over arrays (NaN where a figure is missing); CPMs are whole minor units."""
    known = ~(np.isnan(rate) | np.isnan(value_p50))
    verdict = np.full(rate.shape, Verdict.UNKNOWN.value, dtype=object)
    verdict[known] = Verdict.FAIR.value
    verdict[known & (rate < value_p10)] = Verdict.UNDER_PRICED.value
    verdict[known & (rate > value_p90)] = Verdict.OVER_PRICED.value
    with np.errstate(divide="ignore", invalid="ignore"):
        per_person = known & (reach_p50 > 0)
        safe_reach = np.where(per_person, reach_p50, 1.0)
        effective = np.where(
            per_person, to_minor_units(np.where(per_person, rate, 0.0) * 1000.0 / safe_reach, 0), 0
        ).astype(np.float64)
        fair = np.where(
            per_person,
            to_minor_units(np.where(per_person, value_p50, 0.0) * 1000.0 / safe_reach, 0),
            0,
        ).astype(np.float64)
        effective[~per_person] = np.nan
        fair[~per_person] = np.nan
        has_value = known & (value_p50 > 0)
        ratio = np.where(has_value, rate / np.where(has_value, value_p50, 1.0), np.nan)
    return {
        "price_verdict": verdict,
        "effective_cpm_minor": effective,
        "fair_cpm_minor": fair,
        "rate_to_value_ratio": ratio,
    }
