"""Valuation use-cases: build the engine's input from the catalog, estimate, store, present.

Estimates are recomputed whenever a listing's figures change (`catalog.services.refresh_derived`
calls :func:`refresh_estimates`) and in bulk by ``flask --app marketplace pricing recompute``
(`catalog.services.revalue`, which refreshes the value facets after each batch). The bulk
catalog import and the benchmark seeding leave them to the command: one engine call per batch
of thousands of communities is far cheaper than one per community.

The catalog calls this module, never the other way round: valuation reads the catalog's tables
(`catalog.models`) and writes the estimates and the communities' value sort keys; what the
catalog derives from them (facets, search) is the catalog's step, run after valuation.

Every function takes the session explicitly and flushes; the caller commits once.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from flask_babel import gettext
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import selectinload

from marketplace.catalog.models import (
    ChannelAsset,
    Community,
    ListingStatus,
    MetricSnapshot,
    RateCard,
    newest_metric,
)
from marketplace.db import SessionLike, utcnow
from marketplace.spreadsheet import escape_cell
from marketplace.valuation.models import PlacementEstimate, PricingTableVersion, RealisedReach
from pricing.money import CURRENCY_EXPONENTS
from pricing.taxonomy import EvidenceTier, MetricKind, PlacementType, Platform
from pricing.valuation import FACTOR_KEYS, Basis, Priors, default_priors, estimate_frame, label
from pricing.valuation.calibration import calibrate
from pricing.valuation.explain import suggested_price_range
from pricing.valuation.lenses import (
    MARKET_COLUMNS,
    default_lens_tables,
    lens_frame,
    market_position,
)
from pricing.valuation.priors import TABLE_COLUMNS, PriorsError, priors_from_tables, read_tables
from pricing.valuation.schema import CalibrationState
from pricing.valuation.sources import factor_source

log = logging.getLogger(__name__)

#: The placement estimated for an asset without a rate card: what a brand would first buy there.
#: Newsletters sell a sponsorship block, podcasts a host read, offline communities a meetup;
#: every other platform an ordinary post (the one placement every online platform offers).
DEFAULT_PLACEMENTS: dict[Platform, PlacementType] = {
    Platform.NEWSLETTER: PlacementType.NEWSLETTER_SPONSORSHIP,
    Platform.PODCAST: PlacementType.PODCAST_READ,
    Platform.OFFLINE_EVENTS: PlacementType.MEETUP,
}

#: Reason stored when the engine itself failed: the listing is saved, the estimate refused.
ESTIMATE_FAILED = "estimate_failed"

#: Communities per engine call in bulk recomputation.
BATCH = 5_000


def default_placement(platform: Platform) -> PlacementType:
    """The placement estimated for an asset of `platform` that has no rate card."""
    return DEFAULT_PLACEMENTS.get(platform, PlacementType.POST)


def _latest(asset: Any, kind: MetricKind) -> Any:
    return newest_metric(asset.metrics, kind)


def _measured(row: dict[str, Any], name: str, value: float, snapshot: Any, today: date) -> None:
    row[name] = value
    row[f"{name}_tier"] = int(snapshot.tier)
    row[f"{name}_age_days"] = max(0, (today - snapshot.observed_on).days)


def estimate_inputs(community: Community, *, today: date | None = None) -> list[dict[str, Any]]:
    """The engine's input rows for a community: one per (asset, placement on its rate card).

    An asset without a rate card gets one row for its platform's default placement. Its size
    is the channel's current member count (`ChannelAsset.members`), as matching reads it.
    """
    today = today or date.today()
    rows: list[dict[str, Any]] = []
    vertical = community.topics[0] if community.topics else None
    for asset in community.assets:
        # Plain strings: forms may set enum columns to their values before the next load.
        platform = Platform(asset.platform)
        members = asset.members
        base: dict[str, Any] = {
            "asset_id": asset.id,
            "platform": platform.value,
            "members": float(members.value),
            "interaction_mode": str(asset.interaction_mode) if asset.interaction_mode else None,
            "vertical": vertical,
            "region": community.region,
        }
        if members.snapshot is not None:
            base["members_tier"] = int(members.snapshot.tier)
            base["members_age_days"] = max(0, (today - members.snapshot.observed_on).days)
        active = _latest(asset, MetricKind.ACTIVE_MEMBERS)
        if active is not None and members.value > 0:
            _measured(base, "active_share", active.value / members.value, active, today)
        views = _latest(asset, MetricKind.VIEWS_PER_POST)
        if views is not None:
            _measured(base, "views_per_post", float(views.value), views, today)
        if platform is Platform.NEWSLETTER:
            opens = _latest(asset, MetricKind.OPEN_RATE)
            if opens is not None:
                _measured(base, "open_rate", float(opens.value), opens, today)
        health = _latest(asset, MetricKind.HEALTH_SCORE)
        if health is not None:
            base["health_score"] = float(health.value)
        if asset.rates:
            for rate in asset.rates:
                rows.append(
                    {**base, "placement": str(rate.placement), "currency": rate.currency,
                     "rate_minor": rate.amount_minor}
                )  # fmt: skip
        else:
            placement = default_placement(platform)
            rows.append({**base, "placement": placement.value, "currency": "ILS"})
    return rows


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows)
    if "rate_minor" in frame.columns:
        frame["rate_minor"] = frame["rate_minor"].astype("float64")
    return frame


def _int(value: Any) -> int | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else int(number)


@dataclass
class Computed:
    """The rows to store for a set of communities, and their sort keys."""

    rows: list[dict[str, Any]]
    sort_keys: dict[int, tuple[int | None, int | None]]  # community id → (value ILS, bp)


def compute(
    communities: Sequence[Community],
    *,
    today: date | None = None,
    priors: Priors | None = None,
    market: pd.DataFrame | None = None,
    calibration: CalibrationState | None = None,
) -> Computed:
    """Run the engine once over every placement of `communities`; nothing is written.

    The stored verdict is the three-lens meter's (:mod:`pricing.valuation.lenses`), with the
    rate's place among `market` (:func:`market_frame`); without a market the value lenses judge
    alone. `calibration` (:func:`current_calibration`) moves the reach of the channels and
    assets that delivered results.
    """
    priors = priors or default_priors()
    inputs: list[dict[str, Any]] = []
    owner: list[int] = []
    for community in communities:
        rows = estimate_inputs(community, today=today)
        inputs.extend(rows)
        owner.extend([community.id] * len(rows))
    keys: dict[int, tuple[int | None, int | None]] = {c.id: (None, None) for c in communities}
    if not inputs:
        return Computed([], keys)
    frame = _frame(inputs)
    result = estimate_frame(frame, priors, calibration)
    n = len(result)
    status = result["status"].astype(str).tolist()
    reasons = result["reasons"].astype(str).tolist()
    quantiles = {
        name: [_int(v) for v in result[name].tolist()]
        for name in ("reach_p10", "reach_p50", "reach_p90", "value_p10_minor",
                     "value_p50_minor", "value_p90_minor")
    }  # fmt: skip
    has_rate = "rate_minor" in result.columns
    verdicts = _lens_verdicts(frame, result, priors, market) if has_rate else [None] * n
    cpms = [_int(v) for v in result["effective_cpm_minor"].tolist()] if has_rate else [None] * n
    effects = {k: result[f"effect_{k}"].to_numpy(dtype=np.float64) for k in FACTOR_KEYS}
    variances = {k: result[f"var_{k}"].to_numpy(dtype=np.float64) for k in FACTOR_KEYS}
    bases = {k: result[f"basis_{k}"].to_numpy(dtype=np.int64) for k in FACTOR_KEYS}
    floor = result["floor_per_person"].to_numpy(dtype=np.float64)
    sigma = result["value_sigma"].to_numpy(dtype=np.float64)
    version = priors.model_version
    now = utcnow()
    verticals = [None if pd.isna(v) else str(v) for v in result["vertical"].tolist()]
    regions = [None if pd.isna(v) else str(v) for v in result["region"].tolist()]
    sources: dict[tuple[Any, ...], str] = {}
    stored: list[dict[str, Any]] = []
    best: dict[int, list[int]] = {}
    per_shekel: dict[int, list[int]] = {}
    ils_per = {c: priors.fx("ILS") / priors.fx(c) for c in CURRENCY_EXPONENTS}
    for i, row in enumerate(inputs):
        refused = status[i] == "refused"
        rate = row.get("rate_minor")
        factors: list[dict[str, Any]] = []
        if not refused:
            total = float(sigma[i]) ** 2
            for key in FACTOR_KEYS:
                basis = Basis(int(bases[key][i]))
                if basis is Basis.NOT_APPLIED:
                    continue
                effect = float(effects[key][i])
                cite = (key, basis, row["platform"], row["placement"], verticals[i], regions[i])
                if cite not in sources:
                    sources[cite] = factor_source(
                        priors, key, basis, Platform(row["platform"]),
                        PlacementType(row["placement"]), verticals[i], regions[i],
                    )  # fmt: skip
                factors.append(
                    {
                        "key": key,
                        "value": float(floor[i]) if key == "whatsapp_floor" else math.exp(effect),
                        "effect": round(effect, 6),
                        "share": round(float(variances[key][i]) / total, 4) if total else 0.0,
                        "basis": basis.slug,
                        "source": sources[cite],
                    }
                )
        value_p50 = quantiles["value_p50_minor"][i]
        community_id = owner[i]
        if value_p50 is not None and row["currency"] in ils_per:
            best.setdefault(community_id, []).append(
                int(value_p50 * ils_per[row["currency"]] + 0.5)
            )
            if rate and row["currency"] == "ILS":
                per_shekel.setdefault(community_id, []).append(int(value_p50 * 10_000 / rate))
        stored.append(
            {
                "asset_id": row["asset_id"],
                "placement": PlacementType(row["placement"]),
                "currency": row["currency"],
                "status": status[i],
                "reasons": [r for r in reasons[i].split(";") if r],
                **{name: values[i] for name, values in quantiles.items()},
                "rate_minor": rate,
                "price_verdict": verdicts[i] if rate else None,
                "effective_cpm_minor": cpms[i] if rate else None,
                "factors": factors,
                "model_version": version,
                "computed_at": now,
            }
        )
    for community_id in keys:
        values, ratios = best.get(community_id), per_shekel.get(community_id)
        keys[community_id] = (max(values) if values else None, max(ratios) if ratios else None)
    return Computed(stored, keys)


def _lens_verdicts(
    frame: pd.DataFrame, result: pd.DataFrame, priors: Priors, market: pd.DataFrame | None
) -> list[str | None]:
    """The three-lens meter's verdict per row (the estimate-only one where it cannot judge)."""
    lens_input = frame.assign(
        reach_p10=result["reach_p10"].astype("float64"),
        reach_p50=result["reach_p50"].astype("float64"),
        reach_p90=result["reach_p90"].astype("float64"),
    )
    if market is not None:
        lens_input = lens_input.join(market_position(lens_input, market))
    lenses = lens_frame(lens_input, priors)
    estimate_only = result["price_verdict"].astype(object).tolist()
    return [
        old if lens == "unknown" else str(lens)
        for lens, old in zip(lenses["lens_verdict"].tolist(), estimate_only, strict=True)
    ]


def failed(communities: Sequence[Community], priors: Priors | None = None) -> Computed:
    """Refused rows for every placement of `communities`, for when the engine itself failed."""
    try:
        version = (priors or default_priors()).model_version
    except Exception:  # noqa: BLE001 - the tables themselves may be what failed
        version = "unavailable"
    now = utcnow()
    rows = [
        {
            "asset_id": row["asset_id"],
            "placement": PlacementType(row["placement"]),
            "currency": row["currency"],
            "status": "refused",
            "reasons": [ESTIMATE_FAILED],
            "rate_minor": row.get("rate_minor"),
            "factors": [],
            "model_version": version,
            "computed_at": now,
        }  # fmt: skip
        for community in communities
        for row in estimate_inputs(community)
    ]
    return Computed(rows, {c.id: (None, None) for c in communities})


def store(session: SessionLike, communities: Sequence[Community], computed: Computed) -> None:
    """Replace the stored estimates and sort keys of `communities` with `computed`."""
    asset_ids = [asset.id for community in communities for asset in community.assets]
    for start in range(0, len(asset_ids), 500):
        session.execute(
            delete(PlacementEstimate).where(
                PlacementEstimate.asset_id.in_(asset_ids[start : start + 500])
            )
        )
    for start in range(0, len(computed.rows), 2_000):
        session.execute(insert(PlacementEstimate), computed.rows[start : start + 2_000])
    for community in communities:
        community.value_p50_ils, community.value_per_shekel_bp = computed.sort_keys[community.id]
    session.flush()


def estimate_communities(
    session: SessionLike, communities: Sequence[Community], *, priors: Priors | None = None
) -> Counter[str]:
    """Estimate every placement of `communities` in one engine call and store the results.

    Returns how many placements came out ok, wide and refused.
    """
    if any(asset.id is None for c in communities for asset in c.assets):
        session.flush()
    platforms = {Platform(asset.platform) for c in communities for asset in c.assets}
    market = market_frame(session, platforms)
    priors = priors or active_priors(session)
    computed = compute(
        communities, priors=priors, market=market,
        calibration=current_calibration(session, priors),
    )  # fmt: skip
    store(session, communities, computed)
    return Counter(row["status"] for row in computed.rows)


def estimate_community(session: SessionLike, community: Community) -> Counter[str]:
    """Recompute and store the estimates of one community's placements."""
    return estimate_communities(session, [community])


def refresh_estimates(session: SessionLike, community: Community) -> None:
    """Recompute one community's estimates; an engine failure refuses them but never the save."""
    if any(asset.id is None for asset in community.assets):
        session.flush()
    priors: Priors | None = None
    try:
        priors = active_priors(session)
        market = market_frame(session, {Platform(asset.platform) for asset in community.assets})
        calibration = current_calibration(session, priors)
        computed = compute([community], priors=priors, market=market, calibration=calibration)
    except Exception:
        log.exception("valuation failed for community %s; its estimates are refused", community.id)
        computed = failed([community], priors)
    store(session, [community], computed)


# --- reading and presenting ----------------------------------------------------------------


def estimates_by_asset(
    session: SessionLike, asset_ids: Iterable[int]
) -> dict[int, dict[PlacementType, PlacementEstimate]]:
    """The stored estimates of these assets, as {asset id: {placement: estimate}}."""
    ids = list(asset_ids)
    result: dict[int, dict[PlacementType, PlacementEstimate]] = {i: {} for i in ids}
    if not ids:
        return result
    for estimate in session.scalars(
        select(PlacementEstimate).where(PlacementEstimate.asset_id.in_(ids))
    ):
        result[estimate.asset_id][estimate.placement] = estimate
    return result


# --- the three lenses ------------------------------------------------------------------------


def market_frame(session: SessionLike, platforms: Iterable[Platform] | None = None) -> pd.DataFrame:
    """Every listed community's rate cards, as the market lens compares them: one query.

    Columns: :data:`~pricing.valuation.lenses.MARKET_COLUMNS` and ``rate_minor``; the topic is
    the community's first (as the estimate reads it) and the size the channel's current one.
    With `platforms`, only those platforms' rates (the only ones a comparison can use).
    """
    query = (
        select(
            RateCard.asset_id,
            ChannelAsset.platform,
            RateCard.placement,
            RateCard.currency,
            ChannelAsset.size,
            Community.topics,
            RateCard.amount_minor,
        )
        .join(ChannelAsset, RateCard.asset_id == ChannelAsset.id)
        .join(Community, ChannelAsset.community_id == Community.id)
        .where(Community.status == ListingStatus.LISTED)
    )
    if platforms is not None:
        query = query.where(ChannelAsset.platform.in_(list(platforms)))
    rows = session.execute(query).all()
    records = [
        {
            "asset_id": asset_id,
            "platform": Platform(platform).value,
            "placement": PlacementType(placement).value,
            "currency": currency,
            "members": float(size or 0),
            "vertical": topics[0] if topics else None,
            "rate_minor": float(amount),
        }
        for asset_id, platform, placement, currency, size, topics, amount in rows
    ]
    return pd.DataFrame.from_records(records, columns=[*MARKET_COLUMNS, "rate_minor"])


def lenses_for(
    session: SessionLike,
    community: Community,
    stored: Mapping[int, Mapping[PlacementType, PlacementEstimate]],
    *,
    goal: str | None = None,
    result_value_minor: int | None = None,
    market: pd.DataFrame | None = None,
) -> dict[tuple[int, PlacementType], dict[str, Any]]:
    """The three lenses of each stored estimate of `community`, by (asset id, placement).

    Without a brief (`goal` None) the outcome lens counts clicks at what a paid click costs;
    with one, the goal's results at `result_value_minor` each when the brand said. The market
    is every listed community's rates (:func:`market_frame`, loaded once here unless given).
    """
    rows: list[dict[str, Any]] = []
    keys: list[tuple[int, PlacementType]] = []
    vertical = community.topics[0] if community.topics else None
    for asset in community.assets:
        for placement, estimate in stored.get(asset.id, {}).items():
            if estimate.status == "refused" or estimate.reach_p50 is None:
                continue
            keys.append((asset.id, placement))
            rows.append(
                {
                    "asset_id": asset.id,
                    "platform": Platform(asset.platform).value,
                    "placement": placement.value,
                    "currency": estimate.currency,
                    "members": float(asset.size or 0),
                    "vertical": vertical,
                    "interaction_mode": str(asset.interaction_mode)
                    if asset.interaction_mode
                    else None,
                    "reach_p10": estimate.reach_p10,
                    "reach_p50": estimate.reach_p50,
                    "reach_p90": estimate.reach_p90,
                    "goal": goal,
                    "result_value_minor": result_value_minor,
                    "rate_minor": float(estimate.rate_minor) if estimate.rate_minor else None,
                }
            )
    if not rows:
        return {}
    frame = pd.DataFrame.from_records(rows)
    frame["rate_minor"] = frame["rate_minor"].astype("float64")
    frame["result_value_minor"] = frame["result_value_minor"].astype("float64")
    if market is None:
        market = market_frame(session, {Platform(asset.platform) for asset in community.assets})
    position = market_position(frame, market)
    result = lens_frame(frame.join(position))
    uplift = default_lens_tables().uplift
    out: dict[tuple[int, PlacementType], dict[str, Any]] = {}
    for i, key in enumerate(keys):
        row = result.iloc[i]
        where = position.iloc[i]
        percentile = float(where["market_percentile"])
        suggested = (_int(row["suggested_low_minor"]), _int(row["suggested_high_minor"]))
        out[key] = {
            "replacement": tuple(
                _int(row[f"replacement_{q}_minor"]) for q in ("p10", "p50", "p90")
            ),
            "outcome": tuple(_int(row[f"outcome_{q}_minor"]) for q in ("p10", "p50", "p90")),
            "uplift": float(row["uplift"]),
            "uplift_range": (uplift.low, uplift.high),
            "result_kind": str(row["result_kind"]),
            "results": float(row["outcome_results_p50"]),
            "from_brand": bool(row["result_value_from_brand"]),
            "percentile": None if math.isnan(percentile) else round(percentile),
            "market_n": int(where["market_n"]),
            "market_level": str(where["market_level"]),
            "verdict": str(row["lens_verdict"]) if "lens_verdict" in row else None,
            "note": str(row["lens_note"]) if "lens_note" in row else "",
            "suggested": None if None in suggested else suggested,
        }
    return out


def reason_text(reason: str, lang: str) -> str:
    """A reason code in `lang`; the engine's labels, or ours for a failure of the engine."""
    if reason == ESTIMATE_FAILED:
        return gettext("The estimate could not be computed; it will be retried.")
    return label("reason", reason, lang)


def _figure(factor: dict[str, Any], currency: str) -> tuple[str, int | None]:
    """How a factor's value reads: a count, a CPM in minor units, or a multiplier."""
    key, value = factor["key"], float(factor["value"])
    if key in ("members", "views_per_post"):
        return f"{value:,.0f}", None
    if key == "cpm":  # the value of one person reached, in major units → per 1,000, minor
        return "", int(value * 1000 * 10 ** CURRENCY_EXPONENTS.get(currency, 2) + 0.5)
    if key == "whatsapp_floor":
        return f"{value:,.4f} {currency}", None
    return f"×{value:.3g}", None


def present(
    estimate: PlacementEstimate,
    lang: str,
    *,
    with_verdict: bool,
    members: Sequence[MetricSnapshot] = (),
    lenses: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What a listing page shows of one estimate, labels in `lang` ("he" or "en").

    The fair-price verdict, the rate it judged and the effective CPM are for the listing's
    managers and agency staff; brands get the range and its explanation only. Owners read it as
    a sentence with a suggested price range; staff also get the analyst's detail. `members` is
    the channel's history of member counts, to say which one the estimate used and why.
    `lenses` (from :func:`lenses_for`, for managers and staff only) puts the replacement cost,
    outcome value and market fact beside the estimate; the verdict and the suggested range are
    then the three-lens meter's.
    """
    priors = default_priors()
    factors = []
    used_members: float | None = None
    for factor in estimate.factors or []:
        figure, cpm_minor = _figure(factor, estimate.currency)
        base = factor["key"] in ("members", "views_per_post")
        if factor["key"] == "members":
            used_members = float(factor["value"])
        cited = []
        for key in factor.get("source", "").split(";"):
            source = priors.sources.get(key.strip())
            if source is not None:
                cited.append(
                    {"key": source.key, "name": label("source", source.key, lang),
                     "url": source.url if source.url.startswith("http") else None}
                )  # fmt: skip
        factors.append(
            {
                "key": factor["key"],
                "label": label("factor", factor["key"], lang),
                "figure": figure,
                "cpm_minor": cpm_minor,
                "basis": label("basis", factor["basis"], lang),
                "moved": None if base else f"×{math.exp(float(factor['effect'])):.3g}",
                "share": float(factor.get("share", 0.0)),
                "sources": cited,
            }
        )
    shown = estimate.status != "refused" and estimate.value_p50_minor is not None
    suggested = None
    if shown and estimate.value_p10_minor is not None and estimate.value_p90_minor is not None:
        suggested = suggested_price_range(estimate.value_p10_minor, estimate.value_p90_minor)
    data: dict[str, Any] = {
        "status": estimate.status,
        "status_label": label("status", estimate.status, lang),
        "reasons": [reason_text(r, lang) for r in estimate.reasons or []],
        "currency": estimate.currency,
        "shown": shown,
        "value": (estimate.value_p10_minor, estimate.value_p50_minor, estimate.value_p90_minor),
        "reach": (estimate.reach_p10, estimate.reach_p50, estimate.reach_p90),
        "suggested": suggested,
        "members": members_used(used_members, members, lang),
        "factors": factors,
        "model_version": estimate.model_version,
        "computed_at": estimate.computed_at,
        "verdict": None,
        "verdict_label": None,
        "rate_minor": None,
        "effective_cpm_minor": None,
    }
    if with_verdict and estimate.price_verdict:
        data["verdict"] = estimate.price_verdict
        data["verdict_label"] = label("verdict", estimate.price_verdict, lang)
        data["rate_minor"] = estimate.rate_minor
        data["effective_cpm_minor"] = estimate.effective_cpm_minor
    data["lenses"] = None
    if with_verdict and shown and lenses is not None:
        data["lenses"] = dict(lenses)
        if lenses.get("suggested"):
            data["suggested"] = lenses["suggested"]
        if estimate.rate_minor and lenses.get("verdict") not in (None, "unknown"):
            data["verdict"] = lenses["verdict"]
            data["verdict_label"] = label("verdict", lenses["verdict"], lang)
    return data


def members_used(
    used: float | None, history: Sequence[MetricSnapshot], lang: str
) -> dict[str, Any] | None:
    """Which member count the estimate used, where it came from, and the other one given.

    The estimate uses the channel's current size: the newest member count on record. When an
    export says 765 and the owner had typed 850, the page says that 765 was used, from which
    source and date, and that the typed 850 was older (or weaker) evidence.
    """
    if used is None:
        return None
    counts = sorted(
        (m for m in history if m.kind == MetricKind.MEMBERS),
        key=lambda m: (m.observed_on, m.id or 0),
    )
    source = next((m for m in reversed(counts) if round(m.value) == round(used)), None)
    other = next((m for m in reversed(counts) if round(m.value) != round(used)), None)

    def described(snapshot: MetricSnapshot | None) -> dict[str, Any] | None:
        if snapshot is None:
            return None
        tier = EvidenceTier(snapshot.tier)
        return {
            "value": round(snapshot.value),
            "observed_on": snapshot.observed_on,
            "evidence": label("basis", tier.slug, lang),
            "source": snapshot.source or "",
        }

    result: dict[str, Any] = {
        "value": round(used),
        "from": described(source),
        "other": described(other),
        "other_is_older": other is not None
        and (source is None or other.observed_on <= source.observed_on),
    }
    return result


def estimate_json(estimate: PlacementEstimate) -> dict[str, Any]:
    """An estimate as the API shows it to brands: the range and its factors, no price verdict."""
    return {
        "placement": estimate.placement.value,
        "status": estimate.status,
        "reasons": list(estimate.reasons or []),
        "currency": estimate.currency,
        "reach": {"p10": estimate.reach_p10, "p50": estimate.reach_p50, "p90": estimate.reach_p90},
        "value_minor": {
            "p10": estimate.value_p10_minor,
            "p50": estimate.value_p50_minor,
            "p90": estimate.value_p90_minor,
        },
        "model_version": estimate.model_version,
        "computed_at": estimate.computed_at.isoformat(),
        "factors": [
            {k: factor.get(k) for k in ("key", "value", "effect", "share", "basis", "source")}
            for factor in estimate.factors or []
        ],
    }


# --- bulk -----------------------------------------------------------------------------------


def listed_ids(session: SessionLike, *, everything: bool) -> list[int]:
    """The ids of the communities the recompute covers: listed ones, or all with --all."""
    query = select(Community.id).order_by(Community.id)
    if not everything:
        query = query.where(Community.status == ListingStatus.LISTED)
    return list(session.scalars(query))


def load_communities(session: SessionLike, community_ids: Sequence[int]) -> list[Community]:
    """These communities with all the engine reads (rates, figures, audience), in a few queries."""
    return list(
        session.scalars(
            select(Community)
            .where(Community.id.in_(list(community_ids)))
            .options(
                selectinload(Community.assets).selectinload(ChannelAsset.rates),
                selectinload(Community.assets)
                .selectinload(ChannelAsset.metrics)
                .load_only(
                    MetricSnapshot.kind,
                    MetricSnapshot.value,
                    MetricSnapshot.observed_on,
                    MetricSnapshot.tier,
                    MetricSnapshot.asset_id,
                ),
                selectinload(Community.audience),
            )  # fmt: skip
        )
    )


# --- admin-edited benchmark tables ----------------------------------------------------------

#: The key of ``model.json``'s text in a version's `tables` (the model settings it ran with).
MODEL_KEY = "model"

#: Priors built from stored versions, by model version (a version's tables never change).
_PRIORS_BY_VERSION: dict[str, Priors] = {}

#: What a spreadsheet would run as a formula; `escape_cell` prefixes such cells with ``'``.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")


def table_names() -> list[str]:
    """The editable tables, in the order the engine reads them (``sources`` first)."""
    return list(TABLE_COLUMNS)


def _to_csv(frame: pd.DataFrame) -> str:
    return str(frame.to_csv(index=False, lineterminator="\n"))


def _unescape(value: str) -> str:
    """Undo the download's formula escape, so a table round-trips through a spreadsheet."""
    if value.startswith("'") and value[1:].startswith(_FORMULA_PREFIXES):
        return value[1:]
    return value


def parse_table(name: str, text: str) -> pd.DataFrame:
    """Read one table's CSV text as the engine does (every cell a string); PriorsError if not."""
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        raise PriorsError(f"{name}.csv cannot be read as CSV: {error}") from None
    columns = [str(c).strip() for c in frame.columns]
    if any(c.startswith("Unnamed:") or not c for c in columns) or len(set(columns)) != len(columns):
        raise PriorsError(f"{name}.csv has empty or repeated column names: {columns}")
    frame.columns = pd.Index(columns)
    return frame.map(lambda v: _unescape(str(v).strip()))


def priors_from_texts(tables: Mapping[str, str]) -> Priors:
    """Build and validate the priors of a stored set of table texts (PriorsError on any flaw)."""
    frames = {name: parse_table(name, tables.get(name, "")) for name in TABLE_COLUMNS}
    try:
        model = json.loads(tables[MODEL_KEY])
    except (KeyError, ValueError) as error:
        raise PriorsError(f"model.json cannot be read: {error}") from None
    return priors_from_tables(frames, model)


def shipped_texts() -> dict[str, str]:
    """The shipped tables of ``pricing/data`` as a version's `tables` (CSV texts + model.json)."""
    frames, model = read_tables(None)
    texts = {name: _to_csv(frames[name]) for name in TABLE_COLUMNS}
    texts[MODEL_KEY] = json.dumps(model, ensure_ascii=False, indent=2)
    return texts


def active_version(session: SessionLike) -> PricingTableVersion | None:
    """The version estimates use now; None means the shipped tables."""
    return session.scalars(
        select(PricingTableVersion).where(PricingTableVersion.is_active.is_(True)).limit(1)
    ).first()


def version_priors(version: PricingTableVersion) -> Priors:
    """The priors of a stored version, built once per process."""
    priors = _PRIORS_BY_VERSION.get(version.model_version)
    if priors is None:
        priors = priors_from_texts(version.tables)
        _PRIORS_BY_VERSION[version.model_version] = priors
    return priors


def active_priors(session: SessionLike) -> Priors:
    """The priors estimates are computed with: the active version's, else the shipped ones."""
    version = active_version(session)
    return default_priors() if version is None else version_priors(version)


def current_texts(session: SessionLike) -> dict[str, str]:
    """The table texts in use: the active version's, else the shipped ones."""
    version = active_version(session)
    return dict(version.tables) if version is not None else shipped_texts()


def download_csv(text: str) -> str:
    """A table's CSV for download, formula-like cells neutralised (as the catalog export)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in csv.reader(io.StringIO(text)):
        writer.writerow([escape_cell(cell) for cell in row])
    return out.getvalue()


def create_version(
    session: SessionLike, *, table: str, text: str, note: str, actor: Any
) -> PricingTableVersion:
    """Store a new, inactive version: the tables in use with `table` replaced by `text`.

    The whole set is validated by building its priors; PriorsError says what is wrong and
    nothing is stored.
    """
    if table not in TABLE_COLUMNS:
        raise PriorsError(f"unknown table {table!r}")
    frame = parse_table(table, text)
    tables = current_texts(session)
    tables[table] = _to_csv(frame)
    priors = priors_from_texts(tables)
    version = priors.model_version
    if version == active_priors(session).model_version:
        raise PriorsError(f"nothing changed: these tables are model version {version}")
    existing = session.scalars(
        select(PricingTableVersion).where(PricingTableVersion.model_version == version)
    ).first()
    if existing is not None:
        raise PriorsError(f"these tables are already stored as model version {version}")
    row = PricingTableVersion(
        created_by_id=getattr(actor, "id", None),
        note=note,
        model_version=version,
        tables=tables,
        is_active=False,
    )
    session.add(row)
    session.flush()
    _PRIORS_BY_VERSION[version] = priors
    return row


def make_active(session: SessionLike, version: PricingTableVersion) -> None:
    """Make `version` the only active one; the estimates follow by a recompute (a job)."""
    version_priors(version)  # refuse to activate tables that no longer validate
    for other in session.scalars(
        select(PricingTableVersion).where(PricingTableVersion.is_active.is_(True))
    ):
        other.is_active = False
    session.flush()
    version.is_active = True
    session.flush()


# --- learning from delivered results ---------------------------------------------------------

#: The calibration learnt from the delivery history, per (model version, history fingerprint).
_CALIBRATION_CACHE: dict[tuple[Any, ...], CalibrationState] = {}


def estimate_input(asset: ChannelAsset, placement: PlacementType) -> dict[str, Any]:
    """The engine's input row for one placement on `asset` (as :func:`estimate_inputs` builds)."""
    rows = [r for r in estimate_inputs(asset.community) if r["asset_id"] == asset.id]
    for row in rows:
        if row["placement"] == placement.value:
            return row
    base = {k: v for k, v in rows[0].items() if k not in ("rate_minor",)} if rows else {}
    return {**base, "placement": placement.value}


def record_realised_reach(
    session: SessionLike,
    *,
    source_key: str,
    asset: ChannelAsset,
    placement: PlacementType,
    realised_reach: int,
) -> RealisedReach:
    """Record what one post reached, beside the estimate it had before its first figure.

    A later figure for the same delivery replaces the reach and keeps the first estimate, so
    the coverage of P10–P90 judges what was said before anything was known.
    """
    row = session.scalar(select(RealisedReach).where(RealisedReach.source_key == source_key))
    if row is None:
        estimate = session.scalar(
            select(PlacementEstimate).where(
                PlacementEstimate.asset_id == asset.id, PlacementEstimate.placement == placement
            )
        )
        row = RealisedReach(
            source_key=source_key,
            asset_id=asset.id,
            placement=placement,
            platform=str(asset.platform),
            inputs=_json_safe(estimate_input(asset, placement)),
            reach_p10=estimate.reach_p10 if estimate else None,
            reach_p50=estimate.reach_p50 if estimate else None,
            reach_p90=estimate.reach_p90 if estimate else None,
        )
        session.add(row)
    row.realised_reach = int(realised_reach)
    row.recorded_at = utcnow()
    session.flush()
    return row


def _json_safe(row: Mapping[str, Any]) -> dict[str, Any]:
    """An input row as JSON both databases store: NaN as null, other values as text or numbers."""
    safe = {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
    return dict(json.loads(json.dumps(safe, default=str)))


def current_calibration(session: SessionLike, priors: Priors) -> CalibrationState | None:
    """The calibration learnt from every recorded delivery (None before the first one).

    Batch, as :func:`pricing.valuation.calibration.calibrate` intends: the whole history each
    time it changes, remembered per model version and history fingerprint.
    """
    rows = list(
        session.execute(
            select(RealisedReach.id, RealisedReach.inputs, RealisedReach.realised_reach,
                   RealisedReach.recorded_at).order_by(RealisedReach.id)
        )
    )  # fmt: skip
    if not rows:
        return None
    latest = max(r.recorded_at for r in rows).isoformat()
    key = (
        priors.model_version,
        len(rows),
        rows[-1].id,
        latest,
        sum(r.realised_reach for r in rows),
    )
    state = _CALIBRATION_CACHE.get(key)
    if state is None:
        frame = pd.DataFrame.from_records(
            [{**r.inputs, "realised_reach": r.realised_reach} for r in rows]
        )
        if "rate_minor" in frame.columns:
            frame["rate_minor"] = frame["rate_minor"].astype("float64")
        state = calibrate(frame, priors)
        _CALIBRATION_CACHE.clear()
        _CALIBRATION_CACHE[key] = state
    return state


@dataclass(frozen=True)
class ReachCoverage:
    """How often realised reach fell inside the P10–P90 range estimated before it."""

    n: int
    inside: int
    below: int
    above: int
    by_platform: list[dict[str, Any]]

    @property
    def share(self) -> float | None:
        return self.inside / self.n if self.n else None


def reach_coverage(session: SessionLike) -> ReachCoverage:
    """The coverage of past P10–P90 ranges, overall and per platform (0.8 is honest)."""
    rows = session.execute(
        select(RealisedReach.platform, RealisedReach.realised_reach, RealisedReach.reach_p10,
               RealisedReach.reach_p90).where(RealisedReach.reach_p10.is_not(None),
                                              RealisedReach.reach_p90.is_not(None))
    ).all()  # fmt: skip
    per: dict[str, list[int]] = {}
    below = above = 0
    for platform, reach, p10, p90 in rows:
        counts = per.setdefault(platform, [0, 0])
        counts[0] += 1
        if reach < (p10 or 0):
            below += 1
        elif reach > (p90 or 0):
            above += 1
        else:
            counts[1] += 1
    return ReachCoverage(
        n=len(rows),
        inside=len(rows) - below - above,
        below=below,
        above=above,
        by_platform=[
            {"platform": p, "n": n, "inside": inside, "share": inside / n}
            for p, (n, inside) in sorted(per.items())
        ],
    )
