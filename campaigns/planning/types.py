"""The media-plan optimiser's vocabulary: candidates, settings, the plan and its reasons.

Money is integer minor units (agorot for ILS); shares and rates are basis points
(10,000 = 100%). Reach is a whole number of people. Everything here is frozen so a plan input
can be kept, compared and re-solved ("what if the budget were 20% higher") without surprises.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pricing.money import CURRENCY_EXPONENTS
from pricing.taxonomy import PlacementType, Platform
from pricing.valuation.schema import Quantiles

BP = 10_000

#: The agency's default mark-up on the owner's rate: 25% on top (the brand pays 125).
DEFAULT_MARGIN_BP = 2_500


class PlanInputError(ValueError):
    """The input is malformed (a programming or data error), not merely unsatisfiable.

    Unsatisfiable-but-well-formed input (a budget below every price, locks that cost more than
    the budget …) never raises: it returns a :class:`Plan` whose ``reasons`` say what to relax.
    """


def _frozen_mapping(value: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(value))


@dataclass(frozen=True, slots=True)
class AudienceProfile:
    """What we know about a community's members, for estimating overlap between communities.

    ``shares`` maps an audience dimension (``gender``, ``age``, ``region``, ``language``,
    ``occupation``, ``household``: the catalog's AUDIENCE_DIMENSIONS) to a distribution of
    basis points over its values; a dimension may be missing or sum to less than 10,000
    (the rest unknown). ``region`` and ``topics`` are catalog keys.
    """

    region: str = "nationwide"
    topics: tuple[str, ...] = ()
    shares: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    total_size: int = 0
    #: The cities the community is in (``campaigns.matching.places`` slugs; empty = none named).
    cities: tuple[str, ...] = ()
    #: The languages the community speaks (catalog keys).
    languages: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "topics", tuple(self.topics))
        object.__setattr__(self, "cities", tuple(self.cities))
        object.__setattr__(self, "languages", tuple(self.languages))
        object.__setattr__(
            self,
            "shares",
            _frozen_mapping({k: _frozen_mapping(v) for k, v in self.shares.items()}),
        )
        if self.total_size < 0:
            raise PlanInputError("total_size must not be negative")
        for dimension, distribution in self.shares.items():
            if any(not isinstance(bp, int) or bp < 0 for bp in distribution.values()):
                raise PlanInputError(f"audience shares of {dimension!r} must be non-negative bp")
            if sum(distribution.values()) > BP:
                raise PlanInputError(f"audience shares of {dimension!r} sum to more than 100%")


def _check_quantiles(name: str, q: Quantiles) -> None:
    values = (q.p10, q.p50, q.p90)
    if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in values):
        raise PlanInputError(f"{name} quantiles must be non-negative integers")
    if not q.p10 <= q.p50 <= q.p90:
        raise PlanInputError(f"{name} quantiles must satisfy P10 <= P50 <= P90")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One shortlisted row: one placement type on one channel asset of one community.

    ``rate_minor`` is the owner's rate (what the owner is paid); the brand price adds the
    agency margin of :class:`PlanSettings`. ``reach`` and ``value_minor`` are the valuation
    engine's P10/P50/P90 (``pricing.valuation``); ``score`` is the matching engine's fit in
    [0, 1]. ``must_have`` marks the brand's must-have community: at least one placement of a
    community any of whose rows carries the flag must be in the plan. ``key`` is an opaque id
    the caller uses to find the row again (the shortlist row id); it is not interpreted.
    """

    community_id: int
    community_name: str
    platform: Platform
    placement: PlacementType
    rate_minor: int
    reach: Quantiles
    value_minor: Quantiles
    score: float = 1.0
    audience: AudienceProfile = field(default_factory=AudienceProfile)
    asset_id: int | None = None
    locked: bool = False
    excluded: bool = False
    must_have: bool = False
    key: object = None
    #: Expected results of one placement per KPI kind ("clicks", "engagements", "leads"), as
    #: counts P10/P50/P90: what the plan's KPI outlook adds up (empty = not estimated).
    outcomes: Mapping[str, Quantiles] = field(default_factory=dict)
    #: The share of the community's members inside the brief's places and targeted audience
    #: (basis points): its reach, value and outcomes above are already multiplied by it
    #: (``constraints.apply_constraints``); 10,000 = the whole community counts.
    brief_share_bp: int = BP

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcomes", _frozen_mapping(self.outcomes))
        for kind, quantiles in self.outcomes.items():
            _check_quantiles(f"outcome {kind}", quantiles)
        object.__setattr__(self, "platform", Platform(self.platform))
        object.__setattr__(self, "placement", PlacementType(self.placement))
        if not isinstance(self.rate_minor, int) or isinstance(self.rate_minor, bool):
            raise PlanInputError("rate_minor must be an int of minor units")
        if self.rate_minor < 0:
            raise PlanInputError("rate_minor must not be negative")
        _check_quantiles("reach", self.reach)
        _check_quantiles("value_minor", self.value_minor)
        if not (isinstance(self.score, int | float) and math.isfinite(self.score)):
            raise PlanInputError("score must be a finite number")
        if not 0.0 <= float(self.score) <= 1.0:
            raise PlanInputError("score must lie in [0, 1]")

    @property
    def line_key(self) -> tuple[int, int, str, str]:
        """What identifies a unit: at most one of each (community, asset, platform, placement)."""
        asset = -1 if self.asset_id is None else self.asset_id
        return (self.community_id, asset, self.platform.value, self.placement.value)


@dataclass(frozen=True, slots=True)
class OverlapSettings:
    """How audience overlap between two communities is estimated (no member ids exist).

    See ``docs/planning.md``: the overlap of i and j, as a share of the smaller reach, is
    ``max_overlap × geo × topics × audience`` for two communities and ``same_community`` for
    two placements of one community.
    """

    #: The overlap of two communities with identical profiles, as a share of the smaller reach.
    max_overlap_bp: int = 4_000
    #: Two placements of the same community reach mostly the same members.
    same_community_bp: int = 8_000
    #: Geography when no region distribution is known: same region, one of them nationwide,
    #: two different regions.
    same_region_bp: int = BP
    nationwide_bp: int = 6_000
    other_region_bp: int = 1_500
    #: Topic similarity is floor + (1 - floor) x Jaccard: unrelated topics still share people.
    topic_floor_bp: int = 2_000
    #: Topic or audience similarity when one side has no data.
    unknown_bp: int = 8_000
    #: Pairs below this overlap get no pair term in the solver (they still count in the report).
    min_pair_bp: int = 800
    #: Each candidate keeps pair terms with at most this many most-overlapping others.
    neighbours: int = 6

    def __post_init__(self) -> None:
        for name in (
            "max_overlap_bp",
            "same_community_bp",
            "same_region_bp",
            "nationwide_bp",
            "other_region_bp",
            "topic_floor_bp",
            "unknown_bp",
            "min_pair_bp",
        ):
            if not 0 <= getattr(self, name) <= BP:
                raise PlanInputError(f"{name} must lie in [0, 10000]")
        if self.neighbours < 0:
            raise PlanInputError("neighbours must not be negative")


@dataclass(frozen=True, slots=True)
class PlanSettings:
    """The rules of a plan; defaults are documented in ``docs/planning.md``."""

    #: Agency mark-up on the owner's rate; brand price = rate + round_half_up(rate × margin).
    margin_bp: int = DEFAULT_MARGIN_BP
    #: Expected value = value P50 × (fit_floor + (1 - fit_floor) × score).
    fit_floor_bp: int = 5_000
    #: The most placements bought from one community.
    max_per_community: int = 2
    #: At least this many distinct communities (0 = no minimum).
    min_communities: int = 3
    #: At least this many distinct platforms (0 or 1 = no minimum).
    min_platforms: int = 1
    #: False: the diversity minimums hold "when the budget allows" and are lowered, with a
    #: note, if no plan can meet them. True: they are hard and an unmeetable one is a reason.
    strict_diversity: bool = False
    #: Per-platform spend caps as a share of the budget (hard).
    platform_cap_bp: Mapping[Platform, int] = field(default_factory=dict)
    #: A cap for every platform not in ``platform_cap_bp``; None = no cap.
    default_platform_cap_bp: int | None = None
    #: Per-platform caps on the number of placements (hard).
    platform_max_placements: Mapping[Platform, int] = field(default_factory=dict)
    overlap: OverlapSettings = field(default_factory=OverlapSettings)
    #: Solver limits. The gap is relative: the plan is proven within 0.1% of the best possible
    #: value, far inside the valuation's own P10-P90 spread.
    time_limit_s: float = 10.0
    mip_rel_gap: float = 1e-3

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "platform_cap_bp",
            _frozen_mapping({Platform(k): v for k, v in self.platform_cap_bp.items()}),
        )
        object.__setattr__(
            self,
            "platform_max_placements",
            _frozen_mapping({Platform(k): v for k, v in self.platform_max_placements.items()}),
        )
        if not 0 <= self.margin_bp <= 10 * BP:
            raise PlanInputError("margin_bp must lie in [0, 100000]")
        if not 0 <= self.fit_floor_bp <= BP:
            raise PlanInputError("fit_floor_bp must lie in [0, 10000]")
        if self.max_per_community < 1:
            raise PlanInputError("max_per_community must be at least 1")
        if self.min_communities < 0 or self.min_platforms < 0:
            raise PlanInputError("diversity minimums must not be negative")
        caps = list(self.platform_cap_bp.values())
        if self.default_platform_cap_bp is not None:
            caps.append(self.default_platform_cap_bp)
        if any(not 0 <= cap <= BP for cap in caps):
            raise PlanInputError("platform caps must lie in [0, 10000] bp")
        if any(n < 0 for n in self.platform_max_placements.values()):
            raise PlanInputError("platform placement caps must not be negative")
        if self.time_limit_s <= 0 or not 0 <= self.mip_rel_gap < 1:
            raise PlanInputError("time_limit_s must be positive and mip_rel_gap in [0, 1)")

    def cap_bp(self, platform: Platform) -> int | None:
        """The spend cap of a platform as a share of the budget, or None."""
        return self.platform_cap_bp.get(platform, self.default_platform_cap_bp)


@dataclass(frozen=True, slots=True)
class BriefConstraints:
    """The brief's places, languages and audience, as rules of the plan (not only of ranking).

    ``cities`` are the cities the brief names (``campaigns.matching.places`` slugs); ``regions``
    the regions it runs in (without "nationwide", which constrains nothing); ``languages``: a
    community must speak one; ``audience``: wanted buckets per dimension. Empty = no rule.
    :func:`campaigns.planning.constraints.judge` applies them (docs/planning.md).
    """

    cities: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    audience: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cities", tuple(self.cities))
        object.__setattr__(self, "regions", tuple(self.regions))
        object.__setattr__(self, "languages", tuple(self.languages))
        object.__setattr__(
            self, "audience", _frozen_mapping({k: tuple(v) for k, v in self.audience.items()})
        )

    @property
    def has_places(self) -> bool:
        """Whether the brief names a place (a city or a region other than nationwide)."""
        return bool(self.cities or self.regions)


@dataclass(frozen=True, slots=True)
class PlanInput:
    """Everything one solve needs. All candidates are priced in ``currency``.

    With ``constraints``, the optimiser first drops every community the brief's places,
    languages or audience rule out, and counts a nationwide community only by the share of
    its members who live in the brief's places (``Plan.refused`` says who and why).
    """

    candidates: tuple[Candidate, ...]
    budget_minor: int
    currency: str = "ILS"
    settings: PlanSettings = field(default_factory=PlanSettings)
    constraints: BriefConstraints | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "candidates", tuple(self.candidates))
        if not isinstance(self.budget_minor, int) or isinstance(self.budget_minor, bool):
            raise PlanInputError("budget_minor must be an int of minor units")
        if self.currency not in CURRENCY_EXPONENTS:
            raise PlanInputError(f"unknown currency {self.currency!r}")
        keys = [c.line_key for c in self.candidates]
        if len(set(keys)) != len(keys):
            raise PlanInputError(
                "two candidates share (community, asset, platform, placement); "
                "give each asset its asset_id"
            )


class PlanStatus(enum.StrEnum):
    """How the solve ended."""

    #: Proven optimal (within ``mip_rel_gap``).
    OPTIMAL = "optimal"
    #: The time limit stopped the solver; the plan is feasible but may not be the best.
    FEASIBLE = "feasible"
    #: Nothing is bought although the rules allow an empty plan (e.g. the budget is below
    #: every price); ``reasons`` says why.
    EMPTY = "empty"
    #: The rules cannot all hold; ``reasons`` names them and what to relax.
    INFEASIBLE = "infeasible"


class ReasonCode(enum.StrEnum):
    """Why a plan is empty or infeasible, or what the optimiser changed (notes)."""

    NO_CANDIDATES = "no_candidates"
    BUDGET_NOT_POSITIVE = "budget_not_positive"
    BUDGET_BELOW_CHEAPEST = "budget_below_cheapest"
    LOCKED_AND_EXCLUDED = "locked_and_excluded"
    LOCKED_OVER_BUDGET = "locked_over_budget"
    LOCKED_OVER_COMMUNITY_MAX = "locked_over_community_max"
    LOCKED_OVER_PLATFORM_CAP = "locked_over_platform_cap"
    LOCKED_OVER_PLATFORM_MAX = "locked_over_platform_max"
    MUST_HAVE_UNAVAILABLE = "must_have_unavailable"
    MUST_HAVE_OVER_BUDGET = "must_have_over_budget"
    DIVERSITY_TOO_FEW_COMMUNITIES = "diversity_too_few_communities"
    DIVERSITY_TOO_FEW_PLATFORMS = "diversity_too_few_platforms"
    DIVERSITY_OVER_BUDGET = "diversity_over_budget"
    RULES_CONFLICT = "rules_conflict"
    SOLVER_FAILED = "solver_failed"
    NOTHING_OF_VALUE = "nothing_of_value"
    # Refusals: a community the brief's constraints keep out of the plan (Plan.refused).
    OUTSIDE_PLACES = "outside_places"
    PLACE_SHARE_LOW = "place_share_low"
    PLACE_SHARE_UNKNOWN = "place_share_unknown"
    LANGUAGE_NOT_SPOKEN = "language_not_spoken"
    AUDIENCE_OUTSIDE = "audience_outside"
    # The plan against the brief: KPI targets and value for money (campaigns.planning.kpis,
    # campaigns.planning.value).
    KPI_MET = "kpi_met"
    KPI_SHORT = "kpi_short"
    KPI_UNREACHABLE = "kpi_unreachable"
    KPI_NOT_ESTIMATED = "kpi_not_estimated"
    POOR_VALUE_LINE = "poor_value_line"
    POOR_VALUE_PLAN = "poor_value_plan"
    POOR_VALUE_DROP = "poor_value_drop"
    POOR_VALUE_ESTIMATE = "poor_value_estimate"
    # Every shortlisted community is outside the brief's places, languages or audience.
    NONE_KEEP_TO_BRIEF = "none_keep_to_brief"
    # Notes: the plan stands, but the reader should know.
    DIVERSITY_RELAXED = "diversity_relaxed"
    TIME_LIMIT = "time_limit"
    SHORTLIST_USED_UP = "shortlist_used_up"
    # The value-for-money floor (campaigns.planning.floor).
    VALUE_HELD_BACK = "value_held_back"
    VALUE_BOUGHT_FOR_TARGET = "value_bought_for_target"
    VALUE_NONE_AT_VALUE = "value_none_at_value"


#: The codes that are notes about a plan that stands rather than reasons it is empty.
NOTE_CODES = frozenset(
    {
        ReasonCode.DIVERSITY_RELAXED,
        ReasonCode.TIME_LIMIT,
        ReasonCode.SHORTLIST_USED_UP,
        ReasonCode.VALUE_HELD_BACK,
        ReasonCode.VALUE_BOUGHT_FOR_TARGET,
        ReasonCode.VALUE_NONE_AT_VALUE,
    }
)


@dataclass(frozen=True, slots=True)
class Reason:
    """A why-not or a note. ``params`` holds the figures (money in minor units) and names;
    :func:`campaigns.planning.explain` renders it in Hebrew or English."""

    code: ReasonCode
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen_mapping(self.params))


@dataclass(frozen=True, slots=True)
class PlanLine:
    """One bought placement: the candidate, its money split, and what it adds."""

    candidate: Candidate
    owner_rate_minor: int
    margin_minor: int
    brand_price_minor: int
    #: value P50 × fit weight: what the optimiser maximised for this line, before overlap.
    expected_value_minor: int
    #: Share of this line's reach not already reached by the lines before it in the plan
    #: (lines are ordered by value per person, best first), in bp.
    unique_share_bp: int


@dataclass(frozen=True, slots=True)
class ModelSize:
    """How big the MILP was: for the benchmark and for support."""

    candidates: int
    binaries: int
    pair_terms: int
    constraints: int


@dataclass(frozen=True, slots=True)
class Plan:
    """The optimiser's answer. Never empty without a reason in ``reasons``."""

    status: PlanStatus
    lines: tuple[PlanLine, ...]
    currency: str
    budget_minor: int
    #: What the brand pays (brand prices), what owners receive, and the agency's margin.
    cost_minor: int
    owner_payout_minor: int
    margin_minor: int
    budget_left_minor: int
    #: Deduplicated reach (people) and media value (minor units), P10 / P50 / P90.
    reach: Quantiles
    value_minor: Quantiles
    #: Sum of the lines' reach P50 before removing overlap: reach.p50 / gross = unique share.
    gross_reach_p50: int
    #: Fit-weighted, deduplicated expected value: the quantity the optimiser maximises,
    #: reported with the product overlap formula over every pair (see docs/planning.md).
    expected_value_minor: int
    reasons: tuple[Reason, ...]
    notes: tuple[Reason, ...]
    solver_message: str
    #: The solver's proven relative gap to the best possible plan (None when not solved).
    solver_gap: float | None
    solve_seconds: float
    model: ModelSize | None
    settings: PlanSettings
    #: Communities of the shortlist the brief's constraints kept out, one reason each.
    refused: tuple[Reason, ...] = ()
    #: Deduplicated expected results per KPI kind (see ``Candidate.outcomes``), P10/P50/P90.
    outcomes: Mapping[str, Quantiles] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the plan buys something."""
        return bool(self.lines)


@dataclass(frozen=True, slots=True)
class WhatIf:
    """Two plans for the same shortlist at two budgets, and what the extra money buys."""

    base: Plan
    alternative: Plan
    #: The alternative's budget in basis points of the base's (12,000 = 20% more).
    budget_bp: int
    added: tuple[PlanLine, ...]
    removed: tuple[PlanLine, ...]
    extra_budget_minor: int
    extra_cost_minor: int
    extra_value_p50_minor: int
    extra_reach_p50: int
    #: Extra value P50 per extra unit of budget, in basis points (17,500 = ₪1.75 of value per
    #: extra ₪1 of budget; rounded down); None when the budget did not grow.
    value_per_extra_budget_bp: int | None
    #: The same per extra unit actually spent; None when spend did not grow.
    value_per_extra_cost_bp: int | None
