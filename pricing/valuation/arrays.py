"""The valuation engine's arrays: input columns as codes and numbers, priors and factors by row.

Text columns are coded and parsed once per distinct value; the priors are laid out by those
codes; each factor's effect, variance and basis of every row live in one preallocated block.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from pricing.money import CURRENCY_EXPONENTS
from pricing.taxonomy import MEMBER_CAPS, InteractionMode, PlacementType, Platform
from pricing.valuation.parsing import parse_number, parse_text
from pricing.valuation.priors import MEASURED_METRICS, Priors
from pricing.valuation.schema import FACTOR_KEYS, FloatArray, IntArray, Reason, reasons_from_mask

BoolArray = npt.NDArray[np.bool_]
CURRENCIES = list(CURRENCY_EXPONENTS)
PLACEMENTS = list(PlacementType)
MODES = list(InteractionMode)
_MISSING = -2
UNKNOWN_CODE = -1
_JUNK = object()  # stands in for an unhashable cell; parse_text reads it as "not text"


def column_or_none(frame: pd.DataFrame, name: str) -> pd.Series | None:
    """The column `name` of `frame`, or None when the input has no such column."""
    return frame[name] if name in frame.columns else None


def text_codes(
    series: pd.Series | None, keys: list[str], n: int, *, upper: bool = False
) -> tuple[IntArray, pd.Categorical]:
    """Code a text column against `keys`: index, -1 unknown, -2 missing; plus normalised text.

    Each distinct raw value is normalised once (as `parse_text` does per row), so a column of a
    million cells costs one hash pass. The text comes back as a categorical (None = missing).
    """
    if series is None:
        empty = pd.Categorical.from_codes(np.full(n, -1, dtype=np.int8), categories=[])
        return np.full(n, _MISSING, dtype=np.int64), empty
    try:
        raw_codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists, dicts): junk, as parse_text reads them
        cells = [x if isinstance(x, Hashable) else _JUNK for x in series.tolist()]
        raw_codes, uniques = pd.factorize(pd.Series(cells, dtype=object), use_na_sentinel=True)
    lookup = {key: i for i, key in enumerate(keys)}
    texts = [parse_text(u, upper=upper) for u in list(uniques)]
    categories = list(dict.fromkeys(t for t in texts if t is not None))
    position = {text: i for i, text in enumerate(categories)}
    code_map = np.array(
        [_MISSING if t is None else lookup.get(t, UNKNOWN_CODE) for t in texts] + [_MISSING],
        dtype=np.int64,
    )
    text_map = np.array([-1 if t is None else position[t] for t in texts] + [-1])
    text = pd.Categorical.from_codes(text_map[raw_codes], categories=categories)
    return code_map[raw_codes], text


def number_values(series: pd.Series | None, n: int) -> tuple[FloatArray, BoolArray]:
    """Read a numeric column: values (NaN when missing or junk) and a junk mask."""
    if series is None:
        return np.full(n, np.nan), np.zeros(n, dtype=bool)
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return np.full(n, np.nan), ~series.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan), np.zeros(n, dtype=bool)
    parsed = [parse_number(x) for x in series.tolist()]
    values = np.array([np.nan if v is None else v for v, _ in parsed], dtype=np.float64)
    junk = np.array([j for _, j in parsed], dtype=bool)
    return values, junk


def reason_bits(condition: BoolArray, reason: Reason) -> IntArray:
    """`reason`'s bit where `condition` holds, 0 elsewhere (to OR into the reason mask)."""
    return np.where(condition, reason.bit, 0).astype(np.int64)


class PriorTables:
    """The priors laid out as arrays indexed by platform, placement, currency, tier codes."""

    def __init__(self, priors: Priors) -> None:
        self.platforms: list[Platform] = list(priors.platforms)
        n_pf, n_pl, n_cur = len(self.platforms), len(PLACEMENTS), len(CURRENCIES)
        pp = [priors.platforms[p] for p in self.platforms]

        def per_platform(get: Callable[[Any], float]) -> FloatArray:
            return np.array([get(x) for x in pp], dtype=np.float64)

        self.log_active = per_platform(lambda x: math.log(x.active_share))
        self.active_sd = per_platform(lambda x: x.active_share_log_sd)
        self.log_view = per_platform(lambda x: math.log(x.view_rate))
        self.view_sd = per_platform(lambda x: x.view_rate_log_sd)
        self.engagement = per_platform(lambda x: x.engagement_rate)
        self.engagement_sd = per_platform(lambda x: x.engagement_rate_log_sd)
        self.cpe_usd = per_platform(lambda x: x.cpe_usd)
        self.open_bias = per_platform(lambda x: x.open_rate_bias)
        self.log_open_bias = per_platform(lambda x: math.log(x.open_rate_bias))
        self.floor = np.array([x.replacement_floor for x in pp], dtype=bool)
        self.default_mode = np.array([MODES.index(x.interaction_mode) for x in pp])
        caps = [MEMBER_CAPS.get(p) for p in self.platforms]
        self.cap = np.array([math.inf if c is None else float(c) for c in caps])

        self.offered = np.zeros((n_pf, n_pl), dtype=bool)
        self.log_factor = np.zeros((n_pf, n_pl))
        self.factor_sd = np.zeros((n_pf, n_pl))
        self.cpm_unit = np.ones((n_pf, n_pl, n_cur))
        self.log_cpm_unit = np.zeros((n_pf, n_pl, n_cur))
        self.cpm_sd = np.zeros((n_pf, n_pl))
        for (platform, placement), prior in priors.placements.items():
            i, j = self.platforms.index(platform), PLACEMENTS.index(placement)
            self.offered[i, j] = True
            self.log_factor[i, j] = math.log(prior.factor)
            self.factor_sd[i, j] = prior.factor_log_sd
            self.cpm_sd[i, j] = prior.cpm_log_sd
            for k, currency in enumerate(CURRENCIES):
                unit = prior.cpm(currency) / 1000.0
                self.cpm_unit[i, j, k] = unit
                self.log_cpm_unit[i, j, k] = math.log(unit)
        self.fx = np.array([priors.fx(c) for c in CURRENCIES])
        self.exponent = np.array([CURRENCY_EXPONENTS[c] for c in CURRENCIES], dtype=np.int64)

        self.verticals = list(priors.verticals)
        self.log_vertical = np.array([math.log(v.cpm_factor) for v in priors.verticals.values()])
        self.vertical_sd = np.array([v.log_sd for v in priors.verticals.values()])
        self.regions = list(priors.regions)
        self.log_region = np.array([math.log(r.cpm_factor) for r in priors.regions.values()])
        self.region_sd = np.array([r.log_sd for r in priors.regions.values()])
        default_price = priors.constants.wa_floor_unknown_region_usd
        self.wa_price = np.array(
            [
                default_price if r.wa_marketing_usd is None else r.wa_marketing_usd
                for r in priors.regions.values()
            ]
        )
        self.default_wa_price = default_price

        self.evidence: dict[str, tuple[FloatArray, FloatArray, FloatArray, FloatArray]] = {}
        for metric in MEASURED_METRICS:
            rules = [priors.evidence[(metric, tier)] for tier in (1, 1, 2, 3, 4)]
            self.evidence[metric] = (
                np.array([r.median_factor for r in rules]),
                np.array([math.log(r.median_factor) for r in rules]),
                np.array([r.log_sd for r in rules]),
                np.array([r.drift_log_sd_per_year for r in rules]),
            )


class FactorArrays:
    """Per-factor effect, variance and basis, zero / not-applied by default.

    They live in two preallocated 2-D arrays laid out as pandas lays out a block, so the
    explanation columns reach the output frame without a copy.
    """

    def __init__(self, n: int) -> None:
        k = len(FACTOR_KEYS)
        self.floats = np.zeros((2 * k, n))
        self.bases = np.zeros((k, n), dtype=np.int8)
        self.effect = {key: self.floats[i] for i, key in enumerate(FACTOR_KEYS)}
        self.var = {key: self.floats[k + i] for i, key in enumerate(FACTOR_KEYS)}
        self.basis = {key: self.bases[i] for i, key in enumerate(FACTOR_KEYS)}

    def set(
        self,
        key: str,
        where: BoolArray,
        effect: FloatArray | float,
        var: FloatArray | float,
        basis: IntArray | int,
    ) -> None:
        np.copyto(self.effect[key], effect, where=where)
        np.copyto(self.var[key], var, where=where)
        np.copyto(self.basis[key], basis, where=where, casting="unsafe")

    def frame(self, index: pd.Index) -> pd.DataFrame:
        floats = pd.DataFrame(
            self.floats.T,
            columns=[f"effect_{k}" for k in FACTOR_KEYS] + [f"var_{k}" for k in FACTOR_KEYS],
            index=index,
            copy=False,
        )
        bases = pd.DataFrame(
            self.bases.T, columns=[f"basis_{k}" for k in FACTOR_KEYS], index=index, copy=False
        )
        return pd.concat([floats, bases], axis=1)


def constant_column(value: str, n: int) -> pd.Categorical:
    """A column of `n` copies of `value`, stored once as a categorical."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[value])


def reason_strings(mask: IntArray) -> pd.Categorical:
    """Each row's reason mask as its reasons joined by ";" (one string per distinct mask)."""
    codes, uniques = pd.factorize(mask)
    labels = [";".join(r.value for r in reasons_from_mask(int(u))) for u in uniques]
    return pd.Categorical.from_codes(codes, categories=labels)
