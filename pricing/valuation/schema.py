"""The valuation engine's vocabulary: input columns, reason codes, factors and the estimate."""

from __future__ import annotations

import enum
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import numpy.typing as npt

from pricing.taxonomy import EvidenceTier


class InputRow(TypedDict, total=False):
    """One row of input: one placement type on one channel asset.

    Only ``platform``, ``placement``, ``currency`` and a size (``members`` or
    ``views_per_post``) are needed; every other figure narrows or shifts the range when present.
    Rates are fractions in (0, 1]. Every measured figure may carry ``<name>_tier`` (an
    :class:`EvidenceTier` value, 1-4; missing counts as self-reported) and ``<name>_age_days``
    (days since it was observed; missing counts as stale).
    """

    asset_id: object  # passed through; also the key of per-asset calibration
    platform: str  # a Platform value
    placement: str  # a PlacementType value
    currency: str  # ILS, USD or EUR
    members: float | None  # members / followers / subscribers / monthly visitors
    members_tier: int | None
    members_age_days: float | None
    active_share: float | None  # active members (30 days) / members
    active_share_tier: int | None
    active_share_age_days: float | None
    open_rate: float | None  # share of all members who see an ordinary item (opens, reads)
    open_rate_tier: int | None
    open_rate_age_days: float | None
    views_per_post: float | None  # people who see an ordinary item (views, downloads)
    views_per_post_tier: int | None
    views_per_post_age_days: float | None
    engagement_rate: float | None  # interactions per person reached (ER by views)
    engagement_rate_tier: int | None
    engagement_rate_age_days: float | None
    health_score: float | None  # 0-100, from pricing.health
    interaction_mode: str | None  # an InteractionMode value; default per platform
    vertical: str | None  # a catalog topic key; "general" when none fits
    region: str | None  # a catalog region key (or a country code in regions.csv)
    rate_minor: int | None  # the owner's rate card, integer minor units of `currency`


#: The measured figures, in the order the model reads them.
MEASURED = ("members", "views_per_post", "open_rate", "active_share", "engagement_rate")

#: Every column the engine reads; any may be absent from the frame (absent = missing).
INPUT_COLUMNS: tuple[str, ...] = (
    "asset_id",
    "platform",
    "placement",
    "currency",
    *(f"{m}{suffix}" for m in MEASURED for suffix in ("", "_tier", "_age_days")),
    "health_score",
    "interaction_mode",
    "vertical",
    "region",
    "rate_minor",
)


class Status(enum.StrEnum):
    """How much an estimate can be leaned on."""

    OK = "ok"
    WIDE = "wide"  # something was missing, impossible or stale: the range is the widest we defend
    REFUSED = "refused"  # no number: the reasons say what is missing


class Reason(enum.StrEnum):
    """Why an estimate is wide or refused; the bit order is part of the output format."""

    # Refusals: no defensible number at all.
    PLATFORM_UNKNOWN = "platform_unknown"
    PLACEMENT_UNKNOWN = "placement_unknown"
    PLACEMENT_NOT_OFFERED = "placement_not_offered"
    CURRENCY_UNKNOWN = "currency_unknown"
    MEMBERS_MISSING = "members_missing"
    MEMBERS_INVALID = "members_invalid"
    MEMBERS_ZERO = "members_zero"
    MEMBERS_NEGATIVE = "members_negative"
    MEMBERS_ABSURD = "members_absurd"
    # Widening: the figure is replaced by a prior or its spread is increased.
    MEMBERS_OVER_PLATFORM_CAP = "members_over_platform_cap"
    MEMBERS_TIER_MISSING = "members_tier_missing"
    MEMBERS_AGE_MISSING = "members_age_missing"
    MEMBERS_STALE = "members_stale"
    VIEWS_PER_POST_IMPOSSIBLE = "views_per_post_impossible"
    VIEWS_PER_POST_TIER_MISSING = "views_per_post_tier_missing"
    VIEWS_PER_POST_AGE_MISSING = "views_per_post_age_missing"
    VIEWS_PER_POST_STALE = "views_per_post_stale"
    OPEN_RATE_IMPOSSIBLE = "open_rate_impossible"
    OPEN_RATE_TIER_MISSING = "open_rate_tier_missing"
    OPEN_RATE_AGE_MISSING = "open_rate_age_missing"
    OPEN_RATE_STALE = "open_rate_stale"
    ACTIVE_SHARE_IMPOSSIBLE = "active_share_impossible"
    ACTIVE_SHARE_TIER_MISSING = "active_share_tier_missing"
    ACTIVE_SHARE_AGE_MISSING = "active_share_age_missing"
    ACTIVE_SHARE_STALE = "active_share_stale"
    ENGAGEMENT_RATE_IMPOSSIBLE = "engagement_rate_impossible"
    ENGAGEMENT_RATE_TIER_MISSING = "engagement_rate_tier_missing"
    ENGAGEMENT_RATE_AGE_MISSING = "engagement_rate_age_missing"
    ENGAGEMENT_RATE_STALE = "engagement_rate_stale"
    HEALTH_SCORE_IMPOSSIBLE = "health_score_impossible"
    INTERACTION_MODE_UNKNOWN = "interaction_mode_unknown"
    VERTICAL_UNKNOWN = "vertical_unknown"
    REGION_UNKNOWN = "region_unknown"

    @property
    def refuses(self) -> bool:
        """Whether this reason alone stops the estimate."""
        return self in REFUSALS

    @property
    def bit(self) -> int:
        """This reason's bit in the ``reason_mask`` output column."""
        return 1 << REASON_ORDER.index(self)


REASON_ORDER: tuple[Reason, ...] = tuple(Reason)
REFUSALS = frozenset(
    {
        Reason.PLATFORM_UNKNOWN,
        Reason.PLACEMENT_UNKNOWN,
        Reason.PLACEMENT_NOT_OFFERED,
        Reason.CURRENCY_UNKNOWN,
        Reason.MEMBERS_MISSING,
        Reason.MEMBERS_INVALID,
        Reason.MEMBERS_ZERO,
        Reason.MEMBERS_NEGATIVE,
        Reason.MEMBERS_ABSURD,
    }
)
REFUSAL_MASK = sum(reason.bit for reason in REFUSALS)


def reasons_from_mask(mask: int) -> tuple[Reason, ...]:
    """Decode a ``reason_mask`` into its reasons, in the canonical order."""
    return tuple(reason for reason in REASON_ORDER if mask & reason.bit)


def status_from_mask(mask: int) -> Status:
    """The status a set of reasons implies."""
    if mask & REFUSAL_MASK:
        return Status.REFUSED
    return Status.WIDE if mask else Status.OK


class Basis(enum.IntEnum):
    """Where a factor's figure came from; stored as a small integer in the vectorised output."""

    NOT_APPLIED = 0
    SELF_REPORTED = int(EvidenceTier.SELF_REPORTED)
    SCREENSHOT = int(EvidenceTier.SCREENSHOT)
    EXPORT = int(EvidenceTier.EXPORT)
    VERIFIED = int(EvidenceTier.VERIFIED)
    PRIOR = 5  # a benchmark from the tables
    DEFAULT = 6  # an input was missing or unknown: a neutral value with a wide spread
    MISSING = 7  # the figure is missing and the factor is neutral (no extra spread)
    CALIBRATED = 8  # learned from delivered results
    RULE = 9  # a model rule (premium, discount, floor, noise)

    @property
    def slug(self) -> str:
        return self.name.lower()

    @classmethod
    def measured(cls, tier: int) -> Basis:
        """The basis of a figure measured at evidence tier `tier`."""
        return cls(tier)


#: Every factor, in the order it enters the sums (the order matters for exact agreement).
REACH_FACTORS = (
    "members",
    "views_per_post",
    "open_rate",
    "open_rate_correction",
    "active_share",
    "view_rate",
    "health",
    "placement",
    "calibration_asset",
    "calibration_channel",
    "delivery_noise",
)
VALUE_FACTORS = (
    "cpm",
    "vertical",
    "region",
    "interaction_mode",
    "engagement",
    "whatsapp_floor",
)
FACTOR_KEYS = REACH_FACTORS + VALUE_FACTORS
#: Factors whose spread comes from the asset's own inputs; history with the asset shrinks them.
#: (The placement factor is not among them: one placement type's history says little about
#: another's, so its spread counts as per-delivery noise in calibration.)
ASSET_FACTORS = (
    "members",
    "views_per_post",
    "open_rate",
    "open_rate_correction",
    "active_share",
    "view_rate",
    "health",
)


@dataclass(frozen=True, slots=True)
class Factor:
    """One step of "why this number".

    ``value`` is the multiplier the factor applies (for ``members`` and ``views_per_post`` the
    base count itself, for ``cpm`` the value of one person reached, in major units).
    ``effect`` is its natural-log effect on the median value: the effects add up to
    ``log(value_p50)``. ``variance`` is the log variance it contributes and ``variance_share``
    its share of the variance of log value (the shares add up to 1 over all factors).
    """

    key: str
    value: float
    effect: float
    variance: float
    variance_share: float
    basis: Basis
    source: str  # ";"-separated keys of sources.csv (model.json settings cite theirs too)

    @property
    def sd(self) -> float:
        """The log spread this factor contributes."""
        return math.sqrt(self.variance)


@dataclass(frozen=True, slots=True)
class Quantiles:
    """A P10 / P50 / P90 triple of integers."""

    p10: int
    p50: int
    p90: int


@dataclass(frozen=True, slots=True)
class Estimate:
    """The estimate for one placement on one asset, with its explanation."""

    asset_id: object
    platform: str | None
    placement: str | None
    currency: str | None
    vertical: str | None  # as priced (normalised); None when missing
    region: str | None
    status: Status
    reasons: tuple[Reason, ...]
    reach: Quantiles | None
    value_minor: Quantiles | None
    reach_mu: float | None  # log-median and log-sd of reach and value, before rounding
    reach_sigma: float | None
    value_mu: float | None
    value_sigma: float | None
    floor_per_person: float | None  # WhatsApp replacement cost per person, major units
    factors: tuple[Factor, ...]
    model_version: str
    calibration_version: str


@dataclass(frozen=True, slots=True)
class GroupAdjustment:
    """What delivered results taught us about one platform x vertical: a log shift of reach."""

    bias: float  # posterior mean of log(realised / estimated) for the group
    variance: float  # its posterior variance (replaces the prior group_bias_prior_sd**2)
    n_assets: int
    n_deliveries: int


@dataclass(frozen=True, slots=True)
class AssetAdjustment:
    """What an asset's own history taught us: a log shift and how much its spread shrinks."""

    shift: float
    variance_scale: float  # posterior / prior variance of the asset's own factors, in (0, 1]
    n_deliveries: int


@dataclass(frozen=True)
class CalibrationState:
    """Learned corrections, keyed by (platform, vertical) and by asset id."""

    version: str
    groups: Mapping[tuple[str, str], GroupAdjustment]
    assets: Mapping[Hashable, AssetAdjustment]


#: The state before any delivery: no shift, prior spreads.
NO_CALIBRATION = CalibrationState(version="", groups={}, assets={})

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def to_minor_units(amount_major: FloatArray, exponent: int | IntArray) -> IntArray:
    """Round amounts in major units to integer minor units, half up; the one place money rounds.

    Both implementations call this, so the vectorised and per-row figures round identically.
    Callers pass finite amounts only.
    """
    scale = np.power(10.0, np.asarray(exponent, dtype=np.float64))
    return np.floor(np.asarray(amount_major, dtype=np.float64) * scale + 0.5).astype(np.int64)


def round_count(people: FloatArray) -> IntArray:
    """Round an expected number of people to a whole person, half up."""
    return np.floor(np.asarray(people, dtype=np.float64) + 0.5).astype(np.int64)
