"""The vectorised valuation engine: P10/P50/P90 reach and value for a whole catalog at once.

Reach and value are lognormal: log reach is a sum of log factors (members, rates, placement,
health, calibration), each with a log variance from its evidence tier and age; value adds the
reference CPM and its multipliers. The per-row specification is `reference.py`; a test holds
the two to the same numbers. The arrays it reads and fills are `arrays.py`'s.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from pricing.taxonomy import ABSURD_SIZE, InteractionMode, PlacementType, Platform
from pricing.valuation.arrays import (
    CURRENCIES,
    MODES,
    PLACEMENTS,
    UNKNOWN_CODE,
    BoolArray,
    FactorArrays,
    PriorTables,
    column_or_none,
    constant_column,
    number_values,
    reason_bits,
    reason_strings,
    text_codes,
)
from pricing.valuation.fair_price import Verdict, fair_price_arrays, parse_rate_minor
from pricing.valuation.priors import Priors, default_priors
from pricing.valuation.schema import (
    ASSET_FACTORS,
    FACTOR_KEYS,
    NO_CALIBRATION,
    REACH_FACTORS,
    REFUSAL_MASK,
    Basis,
    CalibrationState,
    Estimate,
    Factor,
    FloatArray,
    IntArray,
    Quantiles,
    Reason,
    Status,
    reasons_from_mask,
    round_count,
    to_minor_units,
)
from pricing.valuation.sources import factor_source

_VALUE_FACTORS = ("cpm", "vertical", "region", "interaction_mode", "engagement")


def estimate_frame(
    inputs: pd.DataFrame,
    priors: Priors | None = None,
    calibration: CalibrationState | None = None,
    *,
    explain: bool = True,
) -> pd.DataFrame:
    """Estimate every row of `inputs` (see :class:`~pricing.valuation.schema.InputRow`).

    Returns one row per input row (same index): status, reasons, reach and value P10/P50/P90
    (integers; value in minor units of the row's currency), the lognormal parameters, the
    model and calibration versions, the fair price meter when ``rate_minor`` is given, and
    with `explain` the ``effect_<factor>``, ``var_<factor>`` and ``basis_<factor>`` columns
    :func:`estimate_at` turns into an explained :class:`Estimate`. Never raises on bad cells:
    bad rows are refused or widened, with reasons.
    """
    priors = priors if priors is not None else default_priors()
    cal = calibration if calibration is not None else NO_CALIBRATION
    c = priors.constants
    t = PriorTables(priors)
    n = len(inputs)

    def col(name: str) -> pd.Series | None:
        return column_or_none(inputs, name)

    pc, platform_text = text_codes(col("platform"), [p.value for p in t.platforms], n)
    plc, placement_text = text_codes(col("placement"), [p.value for p in PLACEMENTS], n)
    cur, currency_text = text_codes(col("currency"), CURRENCIES, n, upper=True)
    pcs, plcs, curs = np.maximum(pc, 0), np.maximum(plc, 0), np.maximum(cur, 0)
    mask = reason_bits(pc < 0, Reason.PLATFORM_UNKNOWN)
    mask |= reason_bits(plc < 0, Reason.PLACEMENT_UNKNOWN)
    mask |= reason_bits(
        (pc >= 0) & (plc >= 0) & ~t.offered[pcs, plcs], Reason.PLACEMENT_NOT_OFFERED
    )
    mask |= reason_bits(cur < 0, Reason.CURRENCY_UNKNOWN)

    members, members_junk = number_values(col("members"), n)
    views, views_junk = number_values(col("views_per_post"), n)
    with np.errstate(invalid="ignore"):
        views_ok = (views > 0) & (views <= ABSURD_SIZE)
        mask |= reason_bits(
            views_junk | (~np.isnan(views) & ~views_ok), Reason.VIEWS_PER_POST_IMPOSSIBLE
        )
        present = ~np.isnan(members)
        mask |= reason_bits(members_junk, Reason.MEMBERS_INVALID)
        mask |= reason_bits(~members_junk & ~present & ~views_ok, Reason.MEMBERS_MISSING)
        mask |= reason_bits(present & (members < 0), Reason.MEMBERS_NEGATIVE)
        mask |= reason_bits(present & (members == 0), Reason.MEMBERS_ZERO)
        mask |= reason_bits(present & (members > ABSURD_SIZE), Reason.MEMBERS_ABSURD)
        rates: dict[str, tuple[FloatArray, BoolArray]] = {}
        for name in ("open_rate", "active_share", "engagement_rate"):
            value, junk = number_values(col(name), n)
            ok = (value > 0) & (value <= 1.0)
            mask |= reason_bits(junk | (~np.isnan(value) & ~ok), Reason(f"{name}_impossible"))
            rates[name] = (value, ok)
        health, health_junk = number_values(col("health_score"), n)
        health_ok = (health >= 0) & (health <= 100.0)
        mask |= reason_bits(
            health_junk | (~np.isnan(health) & ~health_ok), Reason.HEALTH_SCORE_IMPOSSIBLE
        )
    mode, _ = text_codes(col("interaction_mode"), [m.value for m in MODES], n)
    mask |= reason_bits(mode == UNKNOWN_CODE, Reason.INTERACTION_MODE_UNKNOWN)
    vertical, vertical_text = text_codes(col("vertical"), t.verticals, n)
    mask |= reason_bits(vertical < 0, Reason.VERTICAL_UNKNOWN)
    region, region_text = text_codes(col("region"), t.regions, n)
    mask |= reason_bits(region < 0, Reason.REGION_UNKNOWN)

    live = (mask & REFUSAL_MASK) == 0
    f = FactorArrays(n)

    def measure(
        metric: str, value: FloatArray, used: BoolArray
    ) -> tuple[FloatArray, FloatArray, IntArray, FloatArray]:
        nonlocal mask
        tier_raw, _ = number_values(col(f"{metric}_tier"), n)
        tier_ok = np.isin(tier_raw, (1.0, 2.0, 3.0, 4.0))
        tier = np.where(tier_ok, tier_raw, 1.0).astype(np.int64)
        age_raw, _ = number_values(col(f"{metric}_age_days"), n)
        with np.errstate(invalid="ignore"):
            age_ok = (age_raw >= 0) & (age_raw < math.inf)
            stale = age_ok & (age_raw > c.stale_after_days)
        age = np.where(age_ok, age_raw, c.missing_age_days)
        mask |= reason_bits(used & ~tier_ok, Reason(f"{metric}_tier_missing"))
        mask |= reason_bits(used & ~age_ok, Reason(f"{metric}_age_missing"))
        mask |= reason_bits(used & stale, Reason(f"{metric}_stale"))
        median, log_median, sd, drift = (a[tier] for a in t.evidence[metric])
        var = sd * sd + drift * drift * (age / 365.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_value = np.log(np.where(used, value, 1.0)) + log_median
        return log_value, var, tier, median

    by_views = live & views_ok
    by_members = live & ~views_ok
    lv, var, tier, _ = measure("views_per_post", views, by_views)
    f.set("views_per_post", by_views, lv, var, tier)

    over_cap = by_members & (members > t.cap[pcs])
    mask |= reason_bits(over_cap, Reason.MEMBERS_OVER_PLATFORM_CAP)
    capped = np.where(over_cap, t.cap[pcs], members)
    lv, var, tier, _ = measure("members", capped, by_members)
    f.set("members", by_members, lv, var, tier)

    open_rate, open_ok = rates["open_rate"]
    active, active_ok = rates["active_share"]
    by_open = by_members & open_ok
    lv, var, tier, _ = measure("open_rate", open_rate, by_open)
    f.set("open_rate", by_open, lv, var, tier)
    corrected = by_open & (t.open_bias[pcs] != 1.0)
    f.set("open_rate_correction", corrected, t.log_open_bias[pcs], 0.0, Basis.RULE)
    by_active = by_members & ~open_ok & active_ok
    lv, var, tier, _ = measure("active_share", active, by_active)
    # Members who posted or reacted → members who read (lurkers read too), at most all of them;
    # above the cap only the part of the ratio's range that still falls below it stays uncertain.
    lv = lv + c.log_readers_per_active
    readers_sd = np.maximum(c.readers_per_active_member_log_sd - np.maximum(lv, 0.0) / c.z_p90, 0.0)
    f.set("active_share", by_active, np.minimum(lv, 0.0), var + readers_sd * readers_sd, tier)
    by_prior = by_members & ~open_ok & ~active_ok
    sd = t.active_sd[pcs] * np.where(health_ok, c.health_prior_sd_scale, 1.0)
    f.set("active_share", by_prior, t.log_active[pcs], sd * sd, Basis.PRIOR)
    sd = t.view_sd[pcs]
    f.set("view_rate", by_active | by_prior, t.log_view[pcs], sd * sd, Basis.PRIOR)
    health_effect = c.health_log_slope * ((np.where(health_ok, health, 50.0) - 50.0) / 50.0)
    f.set("health", by_prior & health_ok, health_effect, 0.0, Basis.RULE)
    f.set("health", by_prior & ~health_ok, 0.0, 0.0, Basis.MISSING)
    sd = t.factor_sd[pcs, plcs]
    f.set("placement", live, t.log_factor[pcs, plcs], sd * sd, Basis.PRIOR)

    shift, rho = _asset_calibration(col("asset_id"), cal, n)
    has_history = live & ~np.isnan(shift)
    rho = np.where(has_history, rho, 1.0)
    for key in ASSET_FACTORS:
        np.multiply(f.var[key], rho, out=f.var[key])
    f.set("calibration_asset", has_history, shift, 0.0, Basis.CALIBRATED)
    f.set("calibration_asset", live & ~has_history, 0.0, 0.0, Basis.MISSING)
    bias, bias_var, has_group = _group_calibration(pcs, vertical_text, t, cal, n)
    tau = c.group_bias_prior_sd
    f.set("calibration_channel", live & has_group, bias, bias_var, Basis.CALIBRATED)
    f.set("calibration_channel", live & ~has_group, 0.0, tau * tau, Basis.PRIOR)
    eps = c.delivery_noise_sd
    f.set("delivery_noise", live, 0.0, eps * eps, Basis.RULE)

    reach_mu = np.zeros(n)
    reach_var = np.zeros(n)
    for key in REACH_FACTORS:
        reach_mu = reach_mu + f.effect[key]
        reach_var = reach_var + f.var[key]

    unit = t.cpm_unit[pcs, plcs, curs]
    sd = t.cpm_sd[pcs, plcs]
    f.set("cpm", live, t.log_cpm_unit[pcs, plcs, curs], sd * sd, Basis.PRIOR)
    vs = np.maximum(vertical, 0)
    known = live & (vertical >= 0)
    sd = t.vertical_sd[vs]
    f.set("vertical", known, t.log_vertical[vs], sd * sd, Basis.PRIOR)
    wide = c.unknown_vertical_log_sd
    f.set("vertical", live & (vertical < 0), 0.0, wide * wide, Basis.DEFAULT)
    rs = np.maximum(region, 0)
    known = live & (region >= 0)
    sd = t.region_sd[rs]
    f.set("region", known, t.log_region[rs], sd * sd, Basis.PRIOR)
    wide = c.unknown_region_log_sd
    f.set("region", live & (region < 0), 0.0, wide * wide, Basis.DEFAULT)

    effective_mode = np.where(mode >= 0, mode, t.default_mode[pcs])
    one_to_many = effective_mode == MODES.index(InteractionMode.ONE_TO_MANY)
    with np.errstate(invalid="ignore"):
        proven = health_ok & (health >= c.many_to_many_min_health)
    log_multiplier = np.where(
        one_to_many,
        math.log(c.one_to_many_discount),
        np.where(
            ~health_ok,
            math.log(c.many_to_many_premium_unproven),
            np.where(proven, math.log(c.many_to_many_premium), 0.0),
        ),
    )
    judgement = c.interaction_log_sd
    f.set("interaction_mode", live, log_multiplier, judgement * judgement, Basis.RULE)

    er_value, er_ok = rates["engagement_rate"]
    er_used = live & er_ok
    _, er_var, er_tier, er_median = measure("engagement_rate", er_value, er_used)
    sd = t.engagement_sd[pcs]
    rate = np.where(er_used, er_value * er_median, t.engagement[pcs])
    rate_var = np.where(er_used, er_var, sd * sd)
    cpe = t.cpe_usd[pcs] * t.fx[curs]
    g = rate * cpe / unit
    w = g / (1.0 + g)
    f.set("engagement", live, np.log1p(g), w * w * rate_var, np.where(er_used, er_tier, 5))

    value_mu = reach_mu
    value_var = reach_var
    for key in _VALUE_FACTORS:
        value_mu = value_mu + f.effect[key]
        value_var = value_var + f.var[key]

    z = c.z_p90
    reach_sigma = np.sqrt(reach_var)
    value_sigma = np.sqrt(value_var)
    reach_q = [
        np.exp(reach_mu - z * reach_sigma),
        np.exp(reach_mu),
        np.exp(reach_mu + z * reach_sigma),
    ]
    value_q = [
        np.exp(value_mu - z * value_sigma),
        np.exp(value_mu),
        np.exp(value_mu + z * value_sigma),
    ]
    floored = live & t.floor[pcs]
    price = np.where(region >= 0, t.wa_price[rs], t.default_wa_price) * t.fx[curs]
    value_q = [
        np.where(floored, np.maximum(v, r * price), v)
        for v, r in zip(value_q, reach_q, strict=True)
    ]
    lift = np.maximum(0.0, (reach_mu + np.log(price)) - value_mu)
    f.set("whatsapp_floor", floored, lift, 0.0, Basis.RULE)

    status_code = np.where(live, np.where(mask == 0, 0, 1), 2).astype(np.int8)
    out: dict[str, Any] = {
        "asset_id": inputs["asset_id"].to_numpy() if "asset_id" in inputs else np.full(n, None),
        "platform": platform_text,
        "placement": placement_text,
        "currency": currency_text,
        "vertical": vertical_text,
        "region": region_text,
        "status": pd.Categorical.from_codes(status_code, categories=[s.value for s in Status]),
        "reasons": reason_strings(mask),
        "reason_mask": mask,
    }
    refused = ~live
    for q, r in zip(("p10", "p50", "p90"), reach_q, strict=True):
        out[f"reach_{q}"] = pd.arrays.IntegerArray(round_count(np.where(live, r, 0.0)), refused)
    exponent = t.exponent[curs]
    for q, v in zip(("p10", "p50", "p90"), value_q, strict=True):
        minor = to_minor_units(np.where(live, v, 0.0), exponent)
        out[f"value_{q}_minor"] = pd.arrays.IntegerArray(minor, refused.copy())
    out["reach_mu"] = np.where(live, reach_mu, np.nan)
    out["reach_sigma"] = np.where(live, reach_sigma, np.nan)
    out["value_mu"] = np.where(live, value_mu, np.nan)
    out["value_sigma"] = np.where(live, value_sigma, np.nan)
    out["floor_per_person"] = np.where(floored, price, np.nan)
    out["model_version"] = constant_column(priors.model_version, n)
    out["calibration_version"] = constant_column(cal.version, n)
    if "rate_minor" in inputs.columns:
        out.update(_fair_price_columns(inputs["rate_minor"], out, n))
    result = pd.DataFrame(out, index=inputs.index)
    if not explain:
        return result
    return pd.concat([result, f.frame(inputs.index)], axis=1)


def _asset_calibration(
    ids: pd.Series | None, cal: CalibrationState, n: int
) -> tuple[FloatArray, FloatArray]:
    """Per-row asset shift (NaN without history) and variance scale."""
    if ids is None or not cal.assets:
        return np.full(n, np.nan), np.ones(n)
    shifts = {k: a.shift for k, a in cal.assets.items()}
    scales = {k: a.variance_scale for k, a in cal.assets.items()}
    values = ids.tolist()
    shift = np.array([shifts.get(v, np.nan) if isinstance(v, Hashable) else np.nan for v in values])
    scale = np.array([scales.get(v, 1.0) if isinstance(v, Hashable) else 1.0 for v in values])
    return shift, scale


def _group_calibration(
    pcs: IntArray,
    vertical_text: pd.Categorical,
    t: PriorTables,
    cal: CalibrationState,
    n: int,
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Per-row channel x vertical bias, its variance, and whether the group was calibrated."""
    if not cal.groups:
        return np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)
    # Column 0 is the missing vertical (key ""), then one column per category.
    vcodes = np.asarray(vertical_text.codes, dtype=np.int64) + 1
    keys = ["", *(str(v) for v in vertical_text.categories)]
    position: dict[str, int] = {}
    for j, key in enumerate(keys):
        position.setdefault(key, j)
    vcodes = np.array([position[key] for key in keys])[vcodes]
    bias = np.zeros((len(t.platforms), len(keys)))
    var = np.zeros_like(bias)
    has = np.zeros(bias.shape, dtype=bool)
    platform_index = {p.value: i for i, p in enumerate(t.platforms)}
    for (platform, vertical), group in cal.groups.items():
        if platform in platform_index and vertical in position:
            i, j = platform_index[platform], position[vertical]
            bias[i, j], var[i, j], has[i, j] = group.bias, group.variance, True
    return bias[pcs, vcodes], var[pcs, vcodes], has[pcs, vcodes]


def _fair_price_columns(raw: pd.Series, out: dict[str, Any], n: int) -> dict[str, Any]:
    """The fair price meter over the whole frame."""
    values, junk = number_values(raw, n)
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        with np.errstate(invalid="ignore"):
            ok = (values > 0) & (values < math.inf) & (values == np.floor(values))
            ok &= values < 2.0**53
    else:
        parsed = [parse_rate_minor(x) for x in raw.tolist()]
        values = np.array([np.nan if v is None else float(v) for v, _ in parsed])
        ok = ~np.isnan(values)
    rate = np.where(ok, values, np.nan)

    def floats(name: str) -> FloatArray:
        return np.asarray(out[name].to_numpy(dtype=np.float64, na_value=np.nan))

    meter = fair_price_arrays(
        rate,
        floats("value_p10_minor"),
        floats("value_p50_minor"),
        floats("value_p90_minor"),
        floats("reach_p50"),
    )

    def ints(values: FloatArray) -> pd.arrays.IntegerArray:
        missing = np.isnan(values)
        return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)

    verdicts = [v.value for v in Verdict]
    verdict_codes = pd.Categorical(meter["price_verdict"], categories=verdicts)
    return {
        "rate_minor": ints(rate),
        "price_verdict": verdict_codes,
        "effective_cpm_minor": ints(meter["effective_cpm_minor"]),
        "fair_cpm_minor": ints(meter["fair_cpm_minor"]),
        "rate_to_value_ratio": meter["rate_to_value_ratio"],
    }


def estimate_at(result: pd.DataFrame, position: int, priors: Priors | None = None) -> Estimate:
    """Turn row `position` of :func:`estimate_frame`'s output into an explained Estimate."""
    priors = priors if priors is not None else default_priors()
    row = result.iloc[position]
    reasons = reasons_from_mask(int(row["reason_mask"]))
    status = Status(row["status"])
    factors: list[Factor] = []
    reach = value = None
    if status is not Status.REFUSED:
        reach = Quantiles(*(int(row[f"reach_{q}"]) for q in ("p10", "p50", "p90")))
        value = Quantiles(*(int(row[f"value_{q}_minor"]) for q in ("p10", "p50", "p90")))
        if "effect_members" in result.columns:
            factors = _factors_of(row, priors)
    return Estimate(
        asset_id=row["asset_id"],
        platform=row["platform"],
        placement=row["placement"],
        currency=row["currency"],
        vertical=row["vertical"],
        region=row["region"],
        status=status,
        reasons=reasons,
        reach=reach,
        value_minor=value,
        reach_mu=None if status is Status.REFUSED else float(row["reach_mu"]),
        reach_sigma=None if status is Status.REFUSED else float(row["reach_sigma"]),
        value_mu=None if status is Status.REFUSED else float(row["value_mu"]),
        value_sigma=None if status is Status.REFUSED else float(row["value_sigma"]),
        floor_per_person=None if np.isnan(row["floor_per_person"]) else row["floor_per_person"],
        factors=tuple(factors),
        model_version=row["model_version"],
        calibration_version=row["calibration_version"],
    )


def _factors_of(row: pd.Series, priors: Priors) -> list[Factor]:
    platform = Platform(row["platform"])
    placement = PlacementType(row["placement"])
    total = float(row["value_sigma"]) ** 2
    vertical, region = row["vertical"], row["region"]
    factors = []
    for key in FACTOR_KEYS:
        basis = Basis(int(row[f"basis_{key}"]))
        if basis is Basis.NOT_APPLIED:
            continue
        effect = float(row[f"effect_{key}"])
        var = float(row[f"var_{key}"])
        value = float(row["floor_per_person"]) if key == "whatsapp_floor" else math.exp(effect)
        factors.append(
            Factor(
                key=key,
                value=value,
                effect=effect,
                variance=var,
                variance_share=var / total if total > 0.0 else 0.0,
                basis=basis,
                source=factor_source(priors, key, basis, platform, placement, vertical, region),
            )
        )
    return factors
