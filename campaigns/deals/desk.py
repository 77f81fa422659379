"""The figures the desk shows staff for each round: margin, effective CPM, plan totals.

The margin here is plain arithmetic on two given prices (brand price − owner payout); the rule
that sets a brand price from a payout and the default floor belong to ``pricing.margin``.
# TODO(merge): take the default floor (and the pricing of a new placement) from pricing.margin.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from campaigns.deals.common import NeedsAdmin, Party
from campaigns.deals.terms import OfferTerms, PlacementKey, margin_bp


class MarginCheck(enum.StrEnum):
    """How a margin compares with the floor."""

    OK = "ok"
    #: Allowed, with a warning to the staff member.
    BELOW_FLOOR = "below_floor"
    #: The agency would pay out more than it charges: only an admin may agree.
    BELOW_ZERO = "below_zero"


def check_margin(price_minor: int, payout_minor: int, *, floor_bp: int) -> MarginCheck:
    """Compare a margin (as basis points of the price) with the floor."""
    margin = price_minor - payout_minor
    if margin < 0:
        return MarginCheck.BELOW_ZERO
    # margin / price < floor / 10,000, in integers.
    if margin * 10_000 < floor_bp * price_minor:
        return MarginCheck.BELOW_FLOOR
    return MarginCheck.OK


def require_margin_allowed(check: MarginCheck, party: Party) -> None:
    """Raise NeedsAdmin when a below-zero margin is agreed by anyone but an admin."""
    if check == MarginCheck.BELOW_ZERO and party != Party.ADMIN:
        raise NeedsAdmin("a margin below zero needs an admin")


def effective_cpm_minor(price_minor: int, reach: int) -> int | None:
    """What the brand pays per thousand people reached, half up; None without reach."""
    if reach <= 0:
        return None
    return (price_minor * 1000 * 2 + reach) // (reach * 2)


@dataclass(frozen=True, slots=True)
class PlacementFigures:
    key: PlacementKey
    brand_price_minor: int
    owner_payout_minor: int
    margin_minor: int
    margin_bp: int | None
    #: The valuation's P50 reach of one placement times the count.
    reach_p50: int
    cpm_minor: int | None


@dataclass(frozen=True, slots=True)
class DeskFigures:
    currency: str
    placements: tuple[PlacementFigures, ...]
    brand_price_minor: int
    owner_payout_minor: int
    margin_minor: int
    margin_bp: int | None
    reach_p50: int
    cpm_minor: int | None
    check: MarginCheck


def desk_figures(
    terms: OfferTerms, reach_p50: Mapping[PlacementKey, int], *, floor_bp: int
) -> DeskFigures:
    """Margin, CPM and totals of one round; ``reach_p50`` is per single placement (0 if unknown)."""
    rows = []
    for p in sorted(terms.placements, key=lambda p: (p.asset_id, p.placement_type.value)):
        reach = reach_p50.get(p.key, 0) * p.count
        rows.append(
            PlacementFigures(
                p.key,
                p.brand_price_minor,
                p.owner_payout_minor,
                p.brand_price_minor - p.owner_payout_minor,
                margin_bp(p.brand_price_minor, p.owner_payout_minor),
                reach,
                effective_cpm_minor(p.brand_price_minor, reach),
            )
        )
    price, payout = terms.brand_price_minor, terms.owner_payout_minor
    reach_total = sum(r.reach_p50 for r in rows)
    return DeskFigures(
        terms.currency,
        tuple(rows),
        price,
        payout,
        price - payout,
        margin_bp(price, payout),
        reach_total,
        effective_cpm_minor(price, reach_total),
        check_margin(price, payout, floor_bp=floor_bp),
    )


@dataclass(frozen=True, slots=True)
class PlanTotals:
    currency: str
    brand_price_minor: int
    owner_payout_minor: int

    @property
    def margin_minor(self) -> int:
        return self.brand_price_minor - self.owner_payout_minor


def plan_totals(terms: Iterable[OfferTerms], currency: str) -> PlanTotals:
    """The plan's totals: the sums over its deals' terms, all in one currency."""
    price = payout = 0
    for t in terms:
        if t.currency != currency:
            raise ValueError(f"a plan in {currency} cannot add terms in {t.currency}")
        price += t.brand_price_minor
        payout += t.owner_payout_minor
    return PlanTotals(currency, price, payout)
