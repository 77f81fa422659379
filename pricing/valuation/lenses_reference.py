"""The per-row reference of the three lenses: plain Python and `math`, one row at a time.

It is the specification `lenses.py` is tested against, and shares with it only the tables, the
goal-to-result mapping and the money rounding, never the arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from pricing.money import CURRENCY_EXPONENTS
from pricing.taxonomy import InteractionMode
from pricing.valuation.lenses import (
    MARKET_HIGH,
    MARKET_LOW,
    SIZE_BANDS,
    LensTables,
    MarketLevel,
    Note,
    ResultKind,
    default_lens_tables,
    priced_by_lenses,
    result_kind,
)
from pricing.valuation.priors import Priors, default_priors
from pricing.valuation.schema import to_minor_units


def _text(value: Any) -> str:
    return value.strip().lower() if isinstance(value, str) else ""


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _estimate_minor(quantile_major: float, exponent: int) -> int:
    """A lognormal quantile (a statistical estimate, not an amount anyone holds) in minor units.

    Goes through the same `to_minor_units` rounding as the vectorised lenses, so both paths give
    the same integer; every amount stored or shown is that integer.
    """
    return int(to_minor_units(np.array([quantile_major]), exponent)[0])


def lens_row(
    row: Mapping[str, Any], priors: Priors | None = None, tables: LensTables | None = None
) -> dict[str, Any]:
    """The two value lenses and the meter for one row (keys as :func:`lens_frame`'s columns)."""
    priors = priors if priors is not None else default_priors()
    tables = tables if tables is not None else default_lens_tables()
    c = priors.constants
    z = c.z_p90
    platform = _text(row.get("platform"))
    currency = _text(row.get("currency")).upper()
    kind = result_kind(_text(row.get("goal")) or None)
    out: dict[str, Any] = {
        f"{lens}_{q}_minor": None
        for lens in ("replacement", "outcome")
        for q in ("p10", "p50", "p90")
    }
    out.update(
        outcome_results_p10=math.nan,
        outcome_results_p50=math.nan,
        outcome_results_p90=math.nan,
        result_kind=kind.value,
        uplift=math.nan,
        result_value_from_brand=False,
    )
    prior = next((x for p, x in priors.platforms.items() if p.value == platform), None)
    p10, p50, p90 = (_number(row.get(f"reach_{q}")) for q in ("p10", "p50", "p90"))
    if (
        prior is not None
        and priced_by_lenses(platform)
        and currency in CURRENCY_EXPONENTS
        and p10 is not None
        and p50 is not None
        and p90 is not None
        and p10 > 0
        and p50 > 0
        and math.isfinite(p90)
        and p90 >= p10
    ):
        exponent = CURRENCY_EXPONENTS[currency]
        fx = priors.fx(currency)
        reach_mu = math.log(p50)
        reach_var = ((math.log(p90) - math.log(p10)) / (2 * z)) ** 2
        vertical = priors.verticals.get(_text(row.get("vertical")))
        v_mu = math.log(vertical.cpm_factor) if vertical else 0.0
        v_sd = vertical.log_sd if vertical else c.unknown_vertical_log_sd
        mode = _text(row.get("interaction_mode"))
        if mode not in {m.value for m in InteractionMode}:
            mode = prior.interaction_mode.value
        many = mode == InteractionMode.MANY_TO_MANY.value
        uplift = tables.uplift.median if many else 1.0
        uplift_sd = tables.uplift.log_sd(z) if many else 0.0
        cpm = tables.paid_cpm_usd
        rep_mu = reach_mu + math.log(cpm.median * fx / 1000.0) + v_mu + math.log(uplift)
        rep_var = reach_var + cpm.log_sd(z) ** 2 + tables.country_log_sd**2 + v_sd**2 + uplift_sd**2
        click = tables.click_band(platform, _text(row.get("placement")))
        if kind is ResultKind.CLICKS:
            res_mu = reach_mu + math.log(click.median)
            res_var = reach_var + click.log_sd(z) ** 2
        elif kind is ResultKind.LEADS:
            lead = tables.lead_per_click
            res_mu = reach_mu + math.log(click.median) + math.log(lead.median)
            res_var = reach_var + click.log_sd(z) ** 2 + lead.log_sd(z) ** 2
        else:
            res_mu = reach_mu + math.log(prior.engagement_rate)
            res_var = reach_var + prior.engagement_rate_log_sd**2
        said = _number(row.get("result_value_minor"))
        if said is not None and 0 < said < math.inf:
            val_mu, val_var = math.log(said / 10**exponent), 0.0
            out["result_value_from_brand"] = True
        else:
            band = tables.value_band(kind)
            val_mu, val_var = math.log(band.median * fx), band.log_sd(z) ** 2
        for name, mu, var in (
            ("replacement", rep_mu, rep_var),
            ("outcome", res_mu + val_mu, res_var + val_var),
        ):
            sd = math.sqrt(var)
            for q, k in (("p10", -z), ("p50", 0.0), ("p90", z)):
                out[f"{name}_{q}_minor"] = _estimate_minor(math.exp(mu + k * sd), exponent)
        out["outcome_results_p10"] = math.exp(res_mu - z * math.sqrt(res_var))
        out["outcome_results_p50"] = math.exp(res_mu)
        out["outcome_results_p90"] = math.exp(res_mu + z * math.sqrt(res_var))
        out["uplift"] = uplift
    if "rate_minor" in row:
        out.update(
            meter_row(
                _number(row.get("rate_minor")),
                out["replacement_p10_minor"],
                out["replacement_p90_minor"],
                out["outcome_p10_minor"],
                out["outcome_p90_minor"],
                _number(row.get("market_percentile")),
                tables.market_tolerance,
            )
        )
    return out


def meter_row(
    rate: float | None,
    replacement_p10: int | None,
    replacement_p90: int | None,
    outcome_p10: int | None,
    outcome_p90: int | None,
    market_percentile: float | None,
    tolerance: float = 2.0,
) -> dict[str, Any]:
    """The three-lens meter for one rate (see :func:`pricing.valuation.lenses.meter_arrays`)."""
    lows = [x for x in (replacement_p10, outcome_p10) if x is not None]
    highs = [x for x in (replacement_p90, outcome_p90) if x is not None]
    result: dict[str, Any] = {
        "lens_verdict": "unknown",
        "lens_note": Note.NONE.value,
        "suggested_low_minor": math.nan,
        "suggested_high_minor": math.nan,
    }
    if not lows or not highs:
        return result
    low, high = float(max(lows)), float(max(highs))
    step = 1_000
    round_low = math.ceil(low / step) * step
    round_high = math.floor(high / step) * step
    if high < step:
        pass  # worth under ₪10 even at the top: no price to suggest
    elif round_low <= round_high and round_low > 0:
        result["suggested_low_minor"], result["suggested_high_minor"] = round_low, round_high
    else:
        result["suggested_low_minor"], result["suggested_high_minor"] = low, high
    if rate is None:
        return result
    market_high = (
        market_percentile is None or market_percentile >= MARKET_HIGH or rate > high * tolerance
    )
    market_low = (
        market_percentile is None or market_percentile <= MARKET_LOW or rate < low / tolerance
    )
    result["lens_verdict"] = "fair"
    if rate > high:
        if market_high:
            result["lens_verdict"] = "over_priced"
        else:
            result["lens_note"] = Note.ABOVE_VALUE_TYPICAL_MARKET.value
    elif rate < low:
        if market_low:
            result["lens_verdict"] = "under_priced"
        else:
            result["lens_note"] = Note.BELOW_VALUE_TYPICAL_MARKET.value
    return result


def lens_reference(
    inputs: pd.DataFrame, priors: Priors | None = None, tables: LensTables | None = None
) -> pd.DataFrame:
    """:func:`lens_row` over every row, shaped like :func:`lens_frame`'s output."""
    rows = [lens_row(r, priors, tables) for r in inputs.to_dict("records")]
    frame = pd.DataFrame.from_records(rows, index=inputs.index)
    for lens in ("replacement", "outcome"):
        for q in ("p10", "p50", "p90"):
            frame[f"{lens}_{q}_minor"] = frame[f"{lens}_{q}_minor"].astype("Int64")
    return frame


def _band(members: float | None) -> int:
    m = members if members is not None else 0.0
    return sum(1 for edge in SIZE_BANDS if m >= edge)


def market_row(
    row: Mapping[str, Any], market: Iterable[Mapping[str, Any]], tables: LensTables | None = None
) -> dict[str, Any]:
    """Where one row's rate sits among comparable rates (see :func:`market_position`)."""
    tables = tables if tables is not None else default_lens_tables()
    none = {"market_percentile": math.nan, "market_n": 0, "market_level": MarketLevel.NONE.value}
    rate = _number(row.get("rate_minor"))
    if rate is None or rate <= 0:
        return none

    def key(r: Mapping[str, Any]) -> tuple[str, str, str, int, str]:
        return (
            _text(r.get("platform")),
            _text(r.get("placement")),
            _text(r.get("currency")).upper(),
            _band(_number(r.get("members"))),
            _text(r.get("vertical")),
        )

    mine = key(row)
    own = row.get("asset_id")
    others = [
        (key(m), float(m["rate_minor"]))
        for m in market
        if (own is None or m.get("asset_id") != own) and (_number(m.get("rate_minor")) or 0.0) > 0
    ]
    for level, width in (
        (MarketLevel.TOPIC, 5),
        (MarketLevel.SIZE, 4),
        (MarketLevel.PLATFORM, 3),
    ):
        rates = [r for k, r in others if k[:width] == mine[:width]]
        if len(rates) >= tables.min_sample:
            below = sum(1 for r in rates if r < rate)
            equal = sum(1 for r in rates if r == rate)
            return {
                "market_percentile": 100.0 * (below + 0.5 * equal) / len(rates),
                "market_n": len(rates),
                "market_level": level.value,
            }
    return none


def market_reference(
    rows: pd.DataFrame, market: pd.DataFrame, tables: LensTables | None = None
) -> pd.DataFrame:
    """:func:`market_row` over every row, shaped like :func:`market_position`'s output."""
    records = market.to_dict("records")
    out = [market_row(r, records, tables) for r in rows.to_dict("records")]
    return pd.DataFrame.from_records(out, index=rows.index)
