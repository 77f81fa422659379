"""Three lenses on a placement's price: replacement cost, outcome value and the market fact.

The media-value estimate (`model.py`) prices reach at what sponsored posts sell for abroad; it
cannot say whether an owner asking ₪300 for a post in an 850-member WhatsApp group is greedy or
whether the estimate misses what a trusted community is worth. Three explicit lenses can:

- **replacement cost**: what the same reach would cost as paid social ads (reach x Meta CPM x
  the audience's price factor), times the recommendation uplift of a many-to-many community;
- **outcome value**: the results the brief's goal counts (clicks, leads or engagements, from the
  placement's click-through and engagement rates) times what a result is worth, as the brand
  says or, without a brief, as a paid click, lead or engagement costs;
- **market fact**: where the rate sits among comparable communities' rates (platform x placement
  x size band x topic), from at least ``market_min_sample`` rates, else wider bands.

Every lens is lognormal, P10 / P50 / P90, composed like the estimate: log reach plus log factors,
each factor's range a P10-P90 from ``pricing/data/lenses.csv`` with its sources. The fair-price
meter (:func:`meter_arrays`) reads all three. The per-row specification is `lenses_reference.py`;
a test holds the two to the same numbers.
"""

from __future__ import annotations

import enum
import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from pricing.money import CURRENCY_EXPONENTS
from pricing.taxonomy import InteractionMode, PlacementType, Platform
from pricing.valuation.priors import DATA_DIR, Priors, PriorsError, default_priors, split_keys
from pricing.valuation.schema import FloatArray, to_minor_units

#: The lens table shipped with the code.
LENS_TABLE = DATA_DIR / "lenses.csv"

#: Member counts where one size band ends and the next begins (a band holds [edge, next edge)).
SIZE_BANDS = (250, 1_000, 5_000, 25_000, 100_000)

#: A rate above this percentile of comparable rates is high for the market; below the lower one,
#: low. Between them the market calls it typical.
MARKET_HIGH = 75.0
MARKET_LOW = 25.0


#: Platforms whose reach is people in a room, not people who see a post: a paid-ad impression
#: or a click-through rate does not price a seat at a meetup (the estimate prices it per
#: participant), so the lenses leave these rows unvalued and the estimate's own range judges them.
UNPRICED_PLATFORMS = frozenset({Platform.OFFLINE_EVENTS.value})


def priced_by_lenses(platform: str) -> bool:
    """Whether the value lenses can price a placement on `platform` (not a seat at an event)."""
    return platform.strip().lower() not in UNPRICED_PLATFORMS


class ResultKind(enum.StrEnum):
    """What the outcome lens counts for a goal."""

    CLICKS = "clicks"
    LEADS = "leads"
    ENGAGEMENTS = "engagements"


#: The result each brief goal counts; a goal not listed (or no brief) counts clicks, the one
#: action every placement with a link can be judged on.
GOAL_RESULTS: Mapping[str, ResultKind] = {
    "sales_leads": ResultKind.LEADS,
    "recruitment": ResultKind.LEADS,
    "product_pilot": ResultKind.LEADS,
    "event": ResultKind.LEADS,
    "awareness": ResultKind.ENGAGEMENTS,
    "positioning": ResultKind.ENGAGEMENTS,
    "market_education": ResultKind.ENGAGEMENTS,
    "employer_branding": ResultKind.ENGAGEMENTS,
    "survey": ResultKind.ENGAGEMENTS,
    "product_feedback": ResultKind.ENGAGEMENTS,
    "expert_session": ResultKind.ENGAGEMENTS,
}

_KINDS = list(ResultKind)


def result_kind(goal: object) -> ResultKind:
    """The result the outcome lens counts for `goal` (a Goal value, or None without a brief)."""
    if isinstance(goal, str):
        return GOAL_RESULTS.get(goal.strip().lower(), ResultKind.CLICKS)
    return ResultKind.CLICKS


class MarketLevel(enum.StrEnum):
    """How wide the comparison had to go to find enough comparable rates."""

    TOPIC = "topic"  # same platform, placement, currency, size band and topic
    SIZE = "size"  # same platform, placement, currency and size band, any topic
    PLATFORM = "platform"  # same platform, placement and currency, any size
    NONE = "none"  # too few comparable rates anywhere


class Note(enum.StrEnum):
    """Why the meter's verdict is fair although one side pulls away."""

    NONE = ""
    ABOVE_VALUE_TYPICAL_MARKET = "above_value_typical_market"
    BELOW_VALUE_TYPICAL_MARKET = "below_value_typical_market"


@dataclass(frozen=True, slots=True)
class Band:
    """A factor's range: its P10 and P90, and the sources behind them."""

    low: float
    high: float
    source: str

    @property
    def median(self) -> float:
        """The geometric middle of the range (the lognormal's median)."""
        return math.sqrt(self.low * self.high)

    def log_sd(self, z: float) -> float:
        """The log standard deviation that puts P10 and P90 at the range's ends."""
        return math.log(self.high / self.low) / (2.0 * z)


@dataclass(frozen=True, slots=True)
class LensTables:
    """The lens table, parsed: one band per factor, click rates per platform and placement."""

    paid_cpm_usd: Band
    country_log_sd: float
    uplift: Band
    #: (platform, placement) values -> band; placement "" for every placement of the platform,
    #: ("", "") for every other platform.
    click_rate: Mapping[tuple[str, str], Band]
    lead_per_click: Band
    value_per_click_usd: Band
    value_per_lead_usd: Band
    value_per_engagement_usd: Band
    min_sample: int
    market_tolerance: float

    def click_band(self, platform: str, placement: str = "") -> Band:
        """The click rate of `placement` on `platform`: its own row, else the platform's, else
        the one for every other platform (a sponsor block inside a newsletter is clicked far
        less than a send that is all the brand's)."""
        rates = self.click_rate
        return rates.get((platform, placement)) or rates.get((platform, "")) or rates[("", "")]

    def value_band(self, kind: ResultKind) -> Band:
        """What one result of `kind` is worth, in US dollars."""
        return {
            ResultKind.CLICKS: self.value_per_click_usd,
            ResultKind.LEADS: self.value_per_lead_usd,
            ResultKind.ENGAGEMENTS: self.value_per_engagement_usd,
        }[kind]

    def sources(self) -> set[str]:
        """Every source key the table cites."""
        bands = [
            self.paid_cpm_usd,
            self.uplift,
            self.lead_per_click,
            self.value_per_click_usd,
            self.value_per_lead_usd,
            self.value_per_engagement_usd,
            *self.click_rate.values(),
        ]
        return {key for band in bands for key in split_keys(band.source)}


def lens_tables_from_frame(frame: pd.DataFrame, priors: Priors | None = None) -> LensTables:
    """Build and check the lens table (PriorsError says which row is wrong)."""
    priors = priors if priors is not None else default_priors()
    bands: dict[tuple[str, str, str], Band] = {}
    placements = {p.value for p in PlacementType}
    for i, row in enumerate(frame.to_dict("records")):
        where = f"lenses.csv row {i + 2}"
        key, platform = str(row.get("key", "")).strip(), str(row.get("platform", "")).strip()
        cell = row.get("placement")  # an optional column: a table without it still loads
        placement = cell.strip() if isinstance(cell, str) else ""
        try:
            low, high = float(row["low"]), float(row["high"])
        except (KeyError, TypeError, ValueError):
            raise PriorsError(f"{where}: low and high must be numbers") from None
        if not (0.0 < low <= high < math.inf):
            raise PriorsError(f"{where}: need 0 < low <= high, got {low}, {high}")
        if platform and platform not in {p.value for p in Platform}:
            raise PriorsError(f"{where}: unknown platform {platform!r}")
        if placement and placement not in placements:
            raise PriorsError(f"{where}: unknown placement {placement!r}")
        if placement and (key != "click_rate" or not platform):
            raise PriorsError(f"{where}: only a platform's click_rate can name a placement")
        source = str(row.get("source", "")).strip()
        unknown = [k for k in split_keys(source) if k not in priors.sources]
        if not source or unknown:
            raise PriorsError(f"{where}: cites no source or an unknown one: {unknown}")
        if (key, platform, placement) in bands:
            raise PriorsError(f"{where}: repeated {key} {platform} {placement}".rstrip())
        bands[(key, platform, placement)] = Band(low, high, source)

    def one(key: str) -> Band:
        if (key, "", "") not in bands:
            raise PriorsError(f"lenses.csv has no {key} row")
        return bands[(key, "", "")]

    click_rate = {(p, pl): b for (k, p, pl), b in bands.items() if k == "click_rate"}
    if ("", "") not in click_rate:
        raise PriorsError("lenses.csv has no click_rate row for every other platform")
    uplift = one("recommendation_uplift")
    if uplift.low < 1.0:
        raise PriorsError("lenses.csv: a recommendation uplift below 1 would be a discount")
    return LensTables(
        paid_cpm_usd=one("paid_cpm_usd"),
        country_log_sd=one("paid_cpm_country_log_sd").median,
        uplift=uplift,
        click_rate=click_rate,
        lead_per_click=one("lead_per_click"),
        value_per_click_usd=one("value_per_click_usd"),
        value_per_lead_usd=one("value_per_lead_usd"),
        value_per_engagement_usd=one("value_per_engagement_usd"),
        min_sample=max(1, round(one("market_min_sample").median)),
        market_tolerance=max(1.0, one("market_tolerance").median),
    )


def load_lens_tables(path: Path | None = None, priors: Priors | None = None) -> LensTables:
    """Read the lens table (the shipped one by default)."""
    frame = pd.read_csv(path or LENS_TABLE, dtype=str, keep_default_na=False)
    return lens_tables_from_frame(frame, priors)


@functools.cache
def default_lens_tables() -> LensTables:
    """The shipped lens table, read once."""
    return load_lens_tables()


# --- the two value lenses ---------------------------------------------------------------------


def _text(frame: pd.DataFrame, name: str, n: int) -> list[str]:
    if name not in frame.columns:
        return [""] * n
    return [v.strip().lower() if isinstance(v, str) else "" for v in frame[name].tolist()]


def _coded(
    frame: pd.DataFrame, name: str, n: int, *, upper: bool = False
) -> tuple[npt.NDArray[np.intp], list[str]]:
    """Code a text column: (codes, normalised texts); a missing or non-text cell reads ""."""
    if name not in frame.columns:
        return np.zeros(n, dtype=np.intp), [""]
    try:
        raw, uniques = pd.factorize(frame[name], use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists, dicts) are not text
        raw, uniques = pd.factorize(
            pd.Series([v if isinstance(v, str) else None for v in frame[name].tolist()]),
            use_na_sentinel=True,
        )
    texts = [
        (u.strip().upper() if upper else u.strip().lower()) if isinstance(u, str) else ""
        for u in list(uniques)
    ]
    texts.append("")
    return np.where(raw < 0, len(texts) - 1, raw).astype(np.intp), texts


def _floats(frame: pd.DataFrame, name: str, n: int) -> FloatArray:
    if name not in frame.columns:
        return np.full(n, np.nan)
    return np.asarray(pd.to_numeric(frame[name], errors="coerce"), dtype=np.float64)


def lens_frame(
    inputs: pd.DataFrame, priors: Priors | None = None, tables: LensTables | None = None
) -> pd.DataFrame:
    """The replacement-cost and outcome-value lenses of every row, and the three-lens meter.

    `inputs` has one row per placement: ``platform``, ``currency``, ``reach_p10`` /
    ``reach_p50`` / ``reach_p90`` (the estimate's reach), and optionally ``placement`` (the
    click rate is the placement's where ``lenses.csv`` has one, else the platform's),
    ``interaction_mode``, ``vertical``, ``goal``, ``result_value_minor`` (what the brand says a
    result is worth), ``rate_minor`` and ``market_percentile`` (from :func:`market_position`).
    Returns, on the same index, each lens's P10 / P50 / P90 in minor units (missing where the
    row cannot be valued), the expected results (``outcome_results_p10`` / ``_p50`` / ``_p90``,
    counts of the goal's result), and with a rate the verdict, its note and a suggested range.
    """
    priors = priors if priors is not None else default_priors()
    tables = tables if tables is not None else default_lens_tables()
    c = priors.constants
    z = c.z_p90
    n = len(inputs)
    known = {p.value: x for p, x in priors.platforms.items()}
    # Each text column is coded once; per-code tables are then indexed by the codes, so the
    # Python work is per distinct value and the arithmetic below is on arrays.
    pcode, puniq = _coded(inputs, "platform", n)
    ccode, cuniq = _coded(inputs, "currency", n, upper=True)
    mcode, muniq = _coded(inputs, "interaction_mode", n)
    vcode, vuniq = _coded(inputs, "vertical", n)
    gcode, guniq = _coded(inputs, "goal", n)
    lcode, luniq = _coded(inputs, "placement", n)
    # The click rate depends on the (platform, placement) pair: each distinct pair is coded once.
    pairs, kcode = np.unique(pcode.astype(np.int64) * len(luniq) + lcode, return_inverse=True)
    kuniq = [(puniq[int(k) // len(luniq)], luniq[int(k) % len(luniq)]) for k in pairs]
    kcode = kcode.reshape(-1)

    def each(uniques: list[str], fn: Callable[[str], float]) -> FloatArray:
        return np.array([fn(u) for u in uniques], dtype=np.float64)

    platform_ok = each(puniq, lambda p: float(p in known and priced_by_lenses(p)))[pcode] > 0
    currency_ok = each(cuniq, lambda k: float(k in CURRENCY_EXPONENTS))[ccode] > 0
    fx = each(cuniq, lambda k: priors.fx(k) if k in CURRENCY_EXPONENTS else 1.0)[ccode]
    exponent = each(cuniq, lambda k: CURRENCY_EXPONENTS.get(k, 2))[ccode].astype(np.int64)
    verticals = priors.verticals
    vertical_mu = each(
        vuniq, lambda v: math.log(verticals[v].cpm_factor) if v in verticals else 0.0
    )[vcode]
    vertical_sd = each(
        vuniq, lambda v: verticals[v].log_sd if v in verticals else c.unknown_vertical_log_sd
    )[vcode]
    many_value = InteractionMode.MANY_TO_MANY.value
    modes = {m.value for m in InteractionMode}
    # 1 many-to-many, 0 one-to-many, -1 missing or unknown: the platform's own mode then.
    stated = each(muniq, lambda m: float(m == many_value) if m in modes else -1.0)[mcode]
    usual = each(puniq, lambda p: float(p in known and known[p].interaction_mode == many_value))
    many = np.where(stated >= 0, stated > 0, usual[pcode] > 0)
    up = tables.uplift
    uplift_mu = np.where(many, math.log(up.median), 0.0)
    uplift_sd = np.where(many, up.log_sd(z), 0.0)

    p10, p50, p90 = (_floats(inputs, f"reach_{q}", n) for q in ("p10", "p50", "p90"))
    with np.errstate(invalid="ignore", divide="ignore"):
        reach_ok = (p10 > 0) & (p50 > 0) & (p90 >= p10) & np.isfinite(p90)
        ok = platform_ok & currency_ok & reach_ok
        reach_mu = np.where(ok, np.log(np.where(ok, p50, 1.0)), 0.0)
        spread = np.log(np.where(ok, p90, 1.0)) - np.log(np.where(ok, p10, 1.0))
    reach_var = (spread / (2.0 * z)) ** 2
    log_fx = np.log(fx)

    cpm = tables.paid_cpm_usd
    rep_mu = reach_mu + math.log(cpm.median / 1000.0) + log_fx + vertical_mu + uplift_mu
    rep_var = (
        reach_var + cpm.log_sd(z) ** 2 + tables.country_log_sd**2 + vertical_sd**2 + uplift_sd**2
    )

    kind_code = each(guniq, lambda g: _KINDS.index(result_kind(g or None)))[gcode].astype(int)
    click_bands = [tables.click_band(p, pl) for p, pl in kuniq]
    click_mu = np.array([math.log(b.median) for b in click_bands], dtype=np.float64)[kcode]
    click_sd = np.array([b.log_sd(z) for b in click_bands], dtype=np.float64)[kcode]
    eng_mu = each(puniq, lambda p: math.log(known[p].engagement_rate) if p in known else 0.0)[pcode]
    eng_sd = each(puniq, lambda p: known[p].engagement_rate_log_sd if p in known else 0.0)[pcode]
    lead = tables.lead_per_click
    is_clicks = kind_code == _KINDS.index(ResultKind.CLICKS)
    is_leads = kind_code == _KINDS.index(ResultKind.LEADS)
    results_mu = reach_mu + np.where(
        is_clicks,
        click_mu,
        np.where(is_leads, click_mu + math.log(lead.median), eng_mu),
    )
    results_var = reach_var + np.where(
        is_clicks,
        click_sd**2,
        np.where(is_leads, click_sd**2 + lead.log_sd(z) ** 2, eng_sd**2),
    )
    value_mu = np.array([math.log(tables.value_band(k).median) for k in _KINDS])[kind_code]
    value_mu = value_mu + log_fx
    value_var = np.array([tables.value_band(k).log_sd(z) ** 2 for k in _KINDS])[kind_code]
    said = _floats(inputs, "result_value_minor", n)
    with np.errstate(invalid="ignore", divide="ignore"):
        brand_said = (said > 0) & np.isfinite(said)
        brand_mu = np.log(np.where(brand_said, said, 1.0)) - exponent * math.log(10.0)
    value_mu = np.where(brand_said, brand_mu, value_mu)
    value_var = np.where(brand_said, 0.0, value_var)
    out_mu = results_mu + value_mu
    out_var = results_var + value_var

    result: dict[str, Any] = {}
    for name, mu, var in (("replacement", rep_mu, rep_var), ("outcome", out_mu, out_var)):
        sd = np.sqrt(var)
        for q, k in (("p10", -z), ("p50", 0.0), ("p90", z)):
            minor = to_minor_units(np.where(ok, np.exp(mu + k * sd), 0.0), exponent)
            result[f"{name}_{q}_minor"] = pd.arrays.IntegerArray(minor, ~ok)
    results_sd = np.sqrt(results_var)
    result["outcome_results_p10"] = np.where(ok, np.exp(results_mu - z * results_sd), np.nan)
    result["outcome_results_p50"] = np.where(ok, np.exp(results_mu), np.nan)
    result["outcome_results_p90"] = np.where(ok, np.exp(results_mu + z * results_sd), np.nan)
    result["result_kind"] = pd.Categorical.from_codes(
        kind_code.astype(np.int8), categories=[k.value for k in _KINDS]
    )
    result["uplift"] = np.where(ok, np.exp(uplift_mu), np.nan)
    result["result_value_from_brand"] = ok & brand_said
    frame = pd.DataFrame(result, index=inputs.index)
    if "rate_minor" in inputs.columns:

        def column(name: str) -> FloatArray:
            return np.asarray(frame[name].to_numpy(dtype=np.float64, na_value=np.nan))

        meter = meter_arrays(
            _floats(inputs, "rate_minor", n),
            column("replacement_p10_minor"),
            column("replacement_p90_minor"),
            column("outcome_p10_minor"),
            column("outcome_p90_minor"),
            _floats(inputs, "market_percentile", n),
            tables.market_tolerance,
        )
        for name, values in meter.items():
            frame[name] = values
    return frame


# --- the meter --------------------------------------------------------------------------------

#: The step a suggested price is rounded to, in minor units (₪10), as `explain` rounds.
_STEP = 1_000


def meter_arrays(
    rate: FloatArray,
    replacement_p10: FloatArray,
    replacement_p90: FloatArray,
    outcome_p10: FloatArray,
    outcome_p90: FloatArray,
    market_percentile: FloatArray,
    tolerance: float = 2.0,
) -> dict[str, np.ndarray]:
    """The fair-price meter over the three lenses (NaN where a figure is missing).

    The value a brand can defend is the more generous lens: from the higher of the two P10s to
    the higher of the two P90s (a brand buying clicks and one buying reach both pay for what
    their own lens says). A rate above that band is **over-priced** unless comparable
    communities charge as much (market percentile below 75) and it is within `tolerance` times
    the band's top: then it is fair, with a note that the value lenses are lower. A rate below
    the band's low end is **under-priced** unless the market calls it typical (above the 25th
    percentile) and it is above the low end divided by `tolerance`. Without enough comparable
    rates the lenses decide alone. The suggested range is the band in round ₪10, so it always
    reads fair; a band whose top is under ₪10 suggests nothing (NaN): no owner sells a post for
    pennies, and the listing says the placement is worth too little to sell yet.
    """
    low = np.fmax(replacement_p10, outcome_p10)
    high = np.fmax(replacement_p90, outcome_p90)
    known = ~(np.isnan(rate) | np.isnan(low) | np.isnan(high))
    market_known = ~np.isnan(market_percentile)
    with np.errstate(invalid="ignore"):
        above = known & (rate > high)
        below = known & (rate < low)
        market_high = ~market_known | (market_percentile >= MARKET_HIGH)
        market_high |= rate > high * tolerance
        market_low = ~market_known | (market_percentile <= MARKET_LOW)
        market_low |= rate < low / tolerance
    verdict = np.full(rate.shape, "unknown", dtype=object)
    verdict[known] = "fair"
    verdict[above & market_high] = "over_priced"
    verdict[below & market_low] = "under_priced"
    note = np.full(rate.shape, Note.NONE.value, dtype=object)
    note[above & ~market_high] = Note.ABOVE_VALUE_TYPICAL_MARKET.value
    note[below & ~market_low] = Note.BELOW_VALUE_TYPICAL_MARKET.value
    valued = ~(np.isnan(low) | np.isnan(high))
    worth_a_price = valued & (np.where(valued, high, 0.0) >= _STEP)
    safe_low = np.where(valued, low, 0.0)
    safe_high = np.where(valued, high, 0.0)
    round_low = np.ceil(safe_low / _STEP) * _STEP
    round_high = np.floor(safe_high / _STEP) * _STEP
    roundable = (round_low <= round_high) & (round_low > 0)
    suggested_low = np.where(worth_a_price, np.where(roundable, round_low, safe_low), np.nan)
    suggested_high = np.where(worth_a_price, np.where(roundable, round_high, safe_high), np.nan)
    return {
        "lens_verdict": verdict,
        "lens_note": note,
        "suggested_low_minor": suggested_low,
        "suggested_high_minor": suggested_high,
    }


# --- the market fact --------------------------------------------------------------------------

_KEY_COLUMNS = {
    MarketLevel.TOPIC: ["platform", "placement", "currency", "band", "vertical"],
    MarketLevel.SIZE: ["platform", "placement", "currency", "band"],
    MarketLevel.PLATFORM: ["platform", "placement", "currency"],
}
MARKET_COLUMNS = ("asset_id", "platform", "placement", "currency", "members", "vertical")


def size_band(members: float) -> int:
    """The size band of a channel of `members` (0 for fewer than 250, then one per edge)."""
    return int(np.searchsorted(np.array(SIZE_BANDS, dtype=np.float64), members, side="right"))


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    n = len(frame)
    members = _floats(frame, "members", n)
    bands = np.searchsorted(
        np.array(SIZE_BANDS, dtype=np.float64), np.nan_to_num(members, nan=0.0), side="right"
    )
    return pd.DataFrame(
        {
            "asset_id": frame["asset_id"].to_numpy() if "asset_id" in frame else np.full(n, None),
            "platform": _text(frame, "platform", n),
            "placement": _text(frame, "placement", n),
            "currency": [s.upper() for s in _text(frame, "currency", n)],
            "band": bands.astype(np.int64),
            "vertical": _text(frame, "vertical", n),
            "rate": _floats(frame, "rate_minor", n),
        },
        index=frame.index,
    )


def market_position(
    rows: pd.DataFrame, market: pd.DataFrame, tables: LensTables | None = None
) -> pd.DataFrame:
    """Where each row's rate sits among comparable communities' rates.

    `rows` and `market` both have :data:`MARKET_COLUMNS` and ``rate_minor``; a row is never
    compared with its own asset's rates. The comparison starts with the same platform,
    placement, currency, size band and topic, and widens (any topic, then any size) until it
    holds ``min_sample`` rates. Returns ``market_percentile`` (0-100, ties count half; NaN when
    the rate is missing or too few rates compare), ``market_n`` and ``market_level``.
    """
    tables = tables if tables is not None else default_lens_tables()
    need = tables.min_sample
    r = _normalised(rows)
    m = _normalised(market)
    m = m[np.isfinite(m["rate"].to_numpy()) & (m["rate"].to_numpy() > 0)]
    n = len(r)
    percentile = np.full(n, np.nan)
    count = np.zeros(n, dtype=np.int64)
    level = np.full(n, MarketLevel.NONE.value, dtype=object)
    todo = np.isfinite(r["rate"].to_numpy()) & (r["rate"].to_numpy() > 0)
    # Every rate gets a dense rank among all rates seen, so (group code, rank) packs into one
    # sortable integer and a single searchsorted counts, per row, the cheaper and equal rates
    # of its own group.
    values = np.unique(np.concatenate([r["rate"].to_numpy(), m["rate"].to_numpy()]))
    width = len(values) + 1
    row_rank = np.searchsorted(values, r["rate"].to_numpy())
    market_rank = np.searchsorted(values, m["rate"].to_numpy())
    for lvl, keys in _KEY_COLUMNS.items():
        if not todo.any() or m.empty:
            break
        both = pd.concat([r[keys], m[keys]], ignore_index=True)
        code = both.groupby(keys, sort=False, dropna=False).ngroup().to_numpy(dtype=np.int64)
        row_code, market_code = code[:n], code[n:]
        packed = np.sort(market_code * width + market_rank)
        key = row_code * width + row_rank
        start = np.searchsorted(packed, row_code * width, side="left")
        end = np.searchsorted(packed, (row_code + 1) * width, side="left")
        left = np.searchsorted(packed, key, side="left")
        below = (left - start).astype(np.float64)
        equal = (np.searchsorted(packed, key, side="right") - left).astype(np.float64)
        total = (end - start).astype(np.float64)
        # Take the row's own asset out of its comparison (a merge on asset and group key).
        mine = r[["asset_id", *keys, "rate"]].assign(_pos=np.arange(n))
        mine = mine[todo & mine["asset_id"].notna().to_numpy()].merge(
            m[["asset_id", *keys, "rate"]].rename(columns={"rate": "own"}),
            on=["asset_id", *keys],
        )
        if len(mine):
            at = mine["_pos"].to_numpy()
            own, rate = mine["own"].to_numpy(), mine["rate"].to_numpy()
            np.subtract.at(below, at, (own < rate).astype(np.float64))
            np.subtract.at(equal, at, (own == rate).astype(np.float64))
            np.subtract.at(total, at, 1.0)
        settled = todo & (total >= need)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = 100.0 * (below + 0.5 * equal) / total
        percentile[settled] = value[settled]
        count[settled] = total[settled].astype(np.int64)
        level[settled] = lvl.value
        todo &= ~settled
    return pd.DataFrame(
        {"market_percentile": percentile, "market_n": count, "market_level": level},
        index=rows.index,
    )
