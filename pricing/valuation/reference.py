"""The per-row reference implementation: plain Python and `math`, one row at a time.

It is the specification the vectorised engine (`model.py`) is tested against, and the natural
way to value a single asset (:func:`estimate_row`). The two share only the priors, the rounding
functions and the citation lookup, never the arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from pricing.money import CURRENCY_EXPONENTS
from pricing.taxonomy import ABSURD_SIZE, MEMBER_CAPS, InteractionMode, PlacementType, Platform
from pricing.valuation.fair_price import fair_price
from pricing.valuation.parsing import parse_number, parse_text
from pricing.valuation.priors import Priors, default_priors
from pricing.valuation.schema import (
    ASSET_FACTORS,
    FACTOR_KEYS,
    NO_CALIBRATION,
    Basis,
    CalibrationState,
    Estimate,
    Factor,
    Quantiles,
    Reason,
    Status,
    round_count,
    to_minor_units,
)
from pricing.valuation.sources import factor_source

_PLATFORMS = {p.value: p for p in Platform}
_PLACEMENTS = {p.value: p for p in PlacementType}
_MODES = {m.value: m for m in InteractionMode}


def _parse_rate(row: Mapping[str, Any], name: str, high: float) -> tuple[float | None, bool]:
    """Return (value if usable, present-but-impossible)."""
    value, junk = parse_number(row.get(name))
    if junk:
        return None, True
    if value is None:
        return None, False
    if 0.0 < value <= high:
        return value, False
    return None, True


def _measure(
    priors: Priors,
    metric: str,
    value: float,
    row: Mapping[str, Any],
    reasons: set[Reason],
) -> tuple[float, float, Basis, float]:
    """Price one measured figure: (log value, log variance, basis, median factor)."""
    constants = priors.constants
    tier_value, _ = parse_number(row.get(f"{metric}_tier"))
    if tier_value is None or tier_value not in (1.0, 2.0, 3.0, 4.0):
        reasons.add(Reason(f"{metric}_tier_missing"))
        tier = 1
    else:
        tier = int(tier_value)
    age, _ = parse_number(row.get(f"{metric}_age_days"))
    if age is None or not (0.0 <= age < math.inf):
        reasons.add(Reason(f"{metric}_age_missing"))
        age = constants.missing_age_days
    elif age > constants.stale_after_days:
        reasons.add(Reason(f"{metric}_stale"))
    rule = priors.evidence[(metric, tier)]
    drift = rule.drift_log_sd_per_year
    variance = rule.log_sd * rule.log_sd + drift * drift * (age / 365.0)
    return math.log(value) + math.log(rule.median_factor), variance, Basis(tier), rule.median_factor


def _validate(row: Mapping[str, Any], priors: Priors) -> tuple[set[Reason], dict[str, Any]]:
    """Check the inputs; return the reasons found and the parsed values."""
    reasons: set[Reason] = set()
    platform_text = parse_text(row.get("platform"))
    platform = _PLATFORMS.get(platform_text or "")
    if platform is None or platform not in priors.platforms:
        reasons.add(Reason.PLATFORM_UNKNOWN)
        platform = None
    placement_text = parse_text(row.get("placement"))
    placement = _PLACEMENTS.get(placement_text or "")
    if placement is None:
        reasons.add(Reason.PLACEMENT_UNKNOWN)
    elif platform is not None and (platform, placement) not in priors.placements:
        reasons.add(Reason.PLACEMENT_NOT_OFFERED)
    currency = parse_text(row.get("currency"), upper=True)
    if currency not in CURRENCY_EXPONENTS:
        reasons.add(Reason.CURRENCY_UNKNOWN)

    members, members_junk = parse_number(row.get("members"))
    views, views_bad = _parse_rate(row, "views_per_post", float(ABSURD_SIZE))
    if views_bad:
        reasons.add(Reason.VIEWS_PER_POST_IMPOSSIBLE)
    if members_junk:
        reasons.add(Reason.MEMBERS_INVALID)
    elif members is None:
        if views is None:
            reasons.add(Reason.MEMBERS_MISSING)
    elif members < 0:
        reasons.add(Reason.MEMBERS_NEGATIVE)
    elif members == 0:
        reasons.add(Reason.MEMBERS_ZERO)
    elif members > ABSURD_SIZE:
        reasons.add(Reason.MEMBERS_ABSURD)

    rates: dict[str, float | None] = {}
    for name in ("open_rate", "active_share", "engagement_rate"):
        rates[name], bad = _parse_rate(row, name, 1.0)
        if bad:
            reasons.add(Reason(f"{name}_impossible"))
    health, health_junk = parse_number(row.get("health_score"))
    if health_junk or (health is not None and not 0.0 <= health <= 100.0):
        reasons.add(Reason.HEALTH_SCORE_IMPOSSIBLE)
        health = None
    mode_text = parse_text(row.get("interaction_mode"))
    mode = _MODES.get(mode_text or "")
    if mode_text is not None and mode is None:
        reasons.add(Reason.INTERACTION_MODE_UNKNOWN)
    vertical = parse_text(row.get("vertical"))
    if vertical not in priors.verticals:
        reasons.add(Reason.VERTICAL_UNKNOWN)
    region = parse_text(row.get("region"))
    if region not in priors.regions:
        reasons.add(Reason.REGION_UNKNOWN)
    parsed = {
        "platform": platform,
        "platform_text": platform_text,
        "placement": placement,
        "placement_text": placement_text,
        "currency": currency,
        "members": members,
        "views": views,
        "health": health,
        "mode": mode,
        "vertical": vertical,
        "region": region,
        **rates,
    }
    return reasons, parsed


def estimate_row(
    row: Mapping[str, Any],
    priors: Priors | None = None,
    calibration: CalibrationState | None = None,
) -> Estimate:
    """Estimate reach and value (P10/P50/P90) of one placement on one asset, with its reasons."""
    priors = priors if priors is not None else default_priors()
    cal = calibration if calibration is not None else NO_CALIBRATION
    c = priors.constants
    reasons, p = _validate(row, priors)
    asset_id = row.get("asset_id")
    if any(reason.refuses for reason in reasons):
        return Estimate(
            asset_id=asset_id,
            platform=p["platform_text"],
            placement=p["placement_text"],
            currency=p["currency"],
            vertical=p["vertical"],
            region=p["region"],
            status=Status.REFUSED,
            reasons=tuple(r for r in Reason if r in reasons),
            reach=None,
            value_minor=None,
            reach_mu=None,
            reach_sigma=None,
            value_mu=None,
            value_sigma=None,
            floor_per_person=None,
            factors=(),
            model_version=priors.model_version,
            calibration_version=cal.version,
        )
    platform: Platform = p["platform"]
    placement: PlacementType = p["placement"]
    currency: str = p["currency"]
    pp = priors.platforms[platform]
    pl = priors.placements[(platform, placement)]
    health: float | None = p["health"]
    # key -> (effect, variance, basis)
    steps: dict[str, tuple[float, float, Basis]] = {}

    if p["views"] is not None:
        lv, var, basis, _ = _measure(priors, "views_per_post", p["views"], row, reasons)
        steps["views_per_post"] = (lv, var, basis)
    else:
        members: float = p["members"]
        cap = MEMBER_CAPS.get(platform)
        if cap is not None and members > cap:
            reasons.add(Reason.MEMBERS_OVER_PLATFORM_CAP)
            members = float(cap)
        lv, var, basis, _ = _measure(priors, "members", members, row, reasons)
        steps["members"] = (lv, var, basis)
        if p["open_rate"] is not None:
            lv, var, basis, _ = _measure(priors, "open_rate", p["open_rate"], row, reasons)
            steps["open_rate"] = (lv, var, basis)
            if pp.open_rate_bias != 1.0:
                steps["open_rate_correction"] = (math.log(pp.open_rate_bias), 0.0, Basis.RULE)
        elif p["active_share"] is not None:
            lv, var, basis, _ = _measure(priors, "active_share", p["active_share"], row, reasons)
            # Members who posted or reacted → members who read, at most all of them.
            lv += math.log(c.readers_per_active_member)
            readers_sd = max(c.readers_per_active_member_log_sd - max(lv, 0.0) / c.z_p90, 0.0)
            steps["active_share"] = (min(lv, 0.0), var + readers_sd * readers_sd, basis)
            sd = pp.view_rate_log_sd
            steps["view_rate"] = (math.log(pp.view_rate), sd * sd, Basis.PRIOR)
        else:
            scale = c.health_prior_sd_scale if health is not None else 1.0
            sd = pp.active_share_log_sd * scale
            steps["active_share"] = (math.log(pp.active_share), sd * sd, Basis.PRIOR)
            sd = pp.view_rate_log_sd
            steps["view_rate"] = (math.log(pp.view_rate), sd * sd, Basis.PRIOR)
            if health is not None:
                effect = c.health_log_slope * ((health - 50.0) / 50.0)
                steps["health"] = (effect, 0.0, Basis.RULE)
            else:
                steps["health"] = (0.0, 0.0, Basis.MISSING)
    sd = pl.factor_log_sd
    steps["placement"] = (math.log(pl.factor), sd * sd, Basis.PRIOR)

    asset_adj = cal.assets.get(asset_id) if isinstance(asset_id, Hashable) else None
    if asset_adj is not None:
        rho = asset_adj.variance_scale
        for key in ASSET_FACTORS:
            if key in steps:
                effect, var, basis = steps[key]
                steps[key] = (effect, var * rho, basis)
        steps["calibration_asset"] = (asset_adj.shift, 0.0, Basis.CALIBRATED)
    else:
        steps["calibration_asset"] = (0.0, 0.0, Basis.MISSING)
    vertical: str | None = p["vertical"]
    group = cal.groups.get((platform.value, vertical or ""))
    if group is not None:
        steps["calibration_channel"] = (group.bias, group.variance, Basis.CALIBRATED)
    else:
        sd = c.group_bias_prior_sd
        steps["calibration_channel"] = (0.0, sd * sd, Basis.PRIOR)
    sd = c.delivery_noise_sd
    steps["delivery_noise"] = (0.0, sd * sd, Basis.RULE)

    reach_mu = 0.0
    reach_var = 0.0
    for key in FACTOR_KEYS:
        if key in steps:
            reach_mu += steps[key][0]
            reach_var += steps[key][1]

    unit = pl.cpm(currency) / 1000.0
    sd = pl.cpm_log_sd
    steps["cpm"] = (math.log(unit), sd * sd, Basis.PRIOR)
    vertical_prior = priors.verticals.get(vertical or "")
    if vertical_prior is not None:
        sd = vertical_prior.log_sd
        steps["vertical"] = (math.log(vertical_prior.cpm_factor), sd * sd, Basis.PRIOR)
    else:
        sd = c.unknown_vertical_log_sd
        steps["vertical"] = (0.0, sd * sd, Basis.DEFAULT)
    region: str | None = p["region"]
    region_prior = priors.regions.get(region or "")
    if region_prior is not None:
        sd = region_prior.log_sd
        steps["region"] = (math.log(region_prior.cpm_factor), sd * sd, Basis.PRIOR)
    else:
        sd = c.unknown_region_log_sd
        steps["region"] = (0.0, sd * sd, Basis.DEFAULT)
    mode: InteractionMode = p["mode"] if p["mode"] is not None else pp.interaction_mode
    if mode is InteractionMode.ONE_TO_MANY:
        multiplier = c.one_to_many_discount
    elif health is None:
        multiplier = c.many_to_many_premium_unproven
    elif health >= c.many_to_many_min_health:
        multiplier = c.many_to_many_premium
    else:
        multiplier = 1.0
    sd = c.interaction_log_sd
    steps["interaction_mode"] = (math.log(multiplier), sd * sd, Basis.RULE)
    if p["engagement_rate"] is not None:
        _, er_var, er_basis, factor = _measure(
            priors, "engagement_rate", p["engagement_rate"], row, reasons
        )
        rate = p["engagement_rate"] * factor
    else:
        sd = pp.engagement_rate_log_sd
        rate, er_var, er_basis = pp.engagement_rate, sd * sd, Basis.PRIOR
    cpe = pp.cpe_usd * priors.fx(currency)
    g = rate * cpe / unit
    w = g / (1.0 + g)
    steps["engagement"] = (math.log1p(g), w * w * er_var, er_basis)

    value_mu = reach_mu
    value_var = reach_var
    for key in ("cpm", "vertical", "region", "interaction_mode", "engagement"):
        value_mu += steps[key][0]
        value_var += steps[key][1]

    z = c.z_p90
    reach_sigma = math.sqrt(reach_var)
    value_sigma = math.sqrt(value_var)
    reach_q = [math.exp(reach_mu - z * reach_sigma), math.exp(reach_mu)]
    reach_q.append(math.exp(reach_mu + z * reach_sigma))
    value_q = [math.exp(value_mu - z * value_sigma), math.exp(value_mu)]
    value_q.append(math.exp(value_mu + z * value_sigma))
    floor: float | None = None
    if pp.replacement_floor:
        price_usd = c.wa_floor_unknown_region_usd
        if region_prior is not None and region_prior.wa_marketing_usd is not None:
            price_usd = region_prior.wa_marketing_usd
        floor = price_usd * priors.fx(currency)
        value_q = [max(v, r * floor) for v, r in zip(value_q, reach_q, strict=True)]
        lift = max(0.0, (reach_mu + math.log(floor)) - value_mu)
        steps["whatsapp_floor"] = (lift, 0.0, Basis.RULE)

    reach_int = round_count(np.array(reach_q))
    exponent = CURRENCY_EXPONENTS[currency]
    value_int = to_minor_units(np.array(value_q), exponent)
    factors = []
    for key in FACTOR_KEYS:
        if key not in steps:
            continue
        effect, var, basis = steps[key]
        factors.append(
            Factor(
                key=key,
                value=floor if key == "whatsapp_floor" and floor is not None else math.exp(effect),
                effect=effect,
                variance=var,
                variance_share=var / value_var if value_var > 0.0 else 0.0,
                basis=basis,
                source=factor_source(priors, key, basis, platform, placement, vertical, region),
            )
        )
    return Estimate(
        asset_id=asset_id,
        platform=platform.value,
        placement=placement.value,
        currency=currency,
        vertical=vertical,
        region=region,
        status=Status.WIDE if reasons else Status.OK,
        reasons=tuple(r for r in Reason if r in reasons),
        reach=Quantiles(int(reach_int[0]), int(reach_int[1]), int(reach_int[2])),
        value_minor=Quantiles(int(value_int[0]), int(value_int[1]), int(value_int[2])),
        reach_mu=reach_mu,
        reach_sigma=reach_sigma,
        value_mu=value_mu,
        value_sigma=value_sigma,
        floor_per_person=floor,
        factors=tuple(factors),
        model_version=priors.model_version,
        calibration_version=cal.version,
    )


def estimate_records(
    rows: Iterable[Mapping[str, Any]],
    priors: Priors | None = None,
    calibration: CalibrationState | None = None,
) -> list[Estimate]:
    """Estimate every row, one at a time."""
    priors = priors if priors is not None else default_priors()
    return [estimate_row(row, priors, calibration) for row in rows]


def estimate_reference(
    frame: pd.DataFrame,
    priors: Priors | None = None,
    calibration: CalibrationState | None = None,
) -> pd.DataFrame:
    """Estimate a frame row by row and lay the result out like the vectorised engine does."""
    priors = priors if priors is not None else default_priors()
    records = frame.to_dict("records")
    estimates = estimate_records(records, priors, calibration)
    rates = [r.get("rate_minor") for r in records] if "rate_minor" in frame.columns else None
    return estimates_to_frame(estimates, rates, index=frame.index)


def estimates_to_frame(
    estimates: list[Estimate],
    rates: list[Any] | None = None,
    index: pd.Index | None = None,
) -> pd.DataFrame:
    """Lay per-row estimates out in the vectorised engine's columns."""
    out: dict[str, list[Any]] = {
        "asset_id": [e.asset_id for e in estimates],
        "platform": [e.platform for e in estimates],
        "placement": [e.placement for e in estimates],
        "currency": [e.currency for e in estimates],
        "vertical": [e.vertical for e in estimates],
        "region": [e.region for e in estimates],
        "status": [e.status.value for e in estimates],
        "reasons": [";".join(r.value for r in e.reasons) for e in estimates],
        "reason_mask": [sum(r.bit for r in e.reasons) for e in estimates],
    }
    for name in ("reach", "value_minor"):
        label = "reach" if name == "reach" else "value"
        suffix = "" if name == "reach" else "_minor"
        for q in ("p10", "p50", "p90"):
            values = []
            for e in estimates:
                triple = getattr(e, name)
                values.append(getattr(triple, q) if triple is not None else None)
            out[f"{label}_{q}{suffix}"] = values
    for name in ("reach_mu", "reach_sigma", "value_mu", "value_sigma", "floor_per_person"):
        out[name] = [getattr(e, name) for e in estimates]
    out["model_version"] = [e.model_version for e in estimates]
    out["calibration_version"] = [e.calibration_version for e in estimates]
    if rates is not None:
        verdicts = [fair_price(rate, e) for rate, e in zip(rates, estimates, strict=True)]
        out["rate_minor"] = [v.rate_minor for v in verdicts]
        out["price_verdict"] = [v.verdict.value for v in verdicts]
        out["effective_cpm_minor"] = [v.effective_cpm_minor for v in verdicts]
        out["fair_cpm_minor"] = [v.fair_cpm_minor for v in verdicts]
        out["rate_to_value_ratio"] = [v.rate_to_value_ratio for v in verdicts]
    found = [{f.key: f for f in e.factors} for e in estimates]
    for key in FACTOR_KEYS:
        out[f"effect_{key}"] = [x[key].effect if key in x else 0.0 for x in found]
    for key in FACTOR_KEYS:
        out[f"var_{key}"] = [x[key].variance if key in x else 0.0 for x in found]
    for key in FACTOR_KEYS:
        out[f"basis_{key}"] = [int(x[key].basis) if key in x else 0 for x in found]
    frame = pd.DataFrame(out, index=index)
    for column in ("reach_p10", "reach_p50", "reach_p90"):
        frame[column] = frame[column].astype("Int64")
    for column in ("value_p10_minor", "value_p50_minor", "value_p90_minor"):
        frame[column] = frame[column].astype("Int64")
    for column in ("reach_mu", "reach_sigma", "value_mu", "value_sigma", "floor_per_person"):
        frame[column] = frame[column].astype("float64")
    return frame
