"""From an approved media plan to deals: one per community, with its placements and first terms.

The stored plan's lines are read into :class:`PlanLineTerms`; :func:`deals_from_plan` groups
them by community and :func:`draft_terms` writes the first offer of one deal. When an owner
declines, :func:`replacements` lists the next communities of the brief's ranking to offer instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from campaigns.deals.common import TermsInvalid
from campaigns.deals.deals import Deal
from campaigns.deals.terms import (
    Exclusivity,
    OfferTerms,
    Placement,
    PlacementKey,
    ProofKind,
    UsageRights,
)
from pricing.taxonomy import PlacementType


@dataclass(frozen=True, slots=True)
class PlanLineTerms:
    """One bought line of an approved plan, as the desk needs it."""

    community_id: int
    asset_id: int
    placement_type: PlacementType
    owner_payout_minor: int
    brand_price_minor: int
    #: The owner rate the plan found defensible when the asked rate was far above value (the
    #: value lenses, campaigns.planning.value): where the desk negotiates toward. None: fair.
    target_payout_minor: int | None = None

    @property
    def key(self) -> PlacementKey:
        return (self.asset_id, self.placement_type)


def _by_community(lines: Iterable[PlanLineTerms]) -> dict[int, list[PlanLineTerms]]:
    groups: dict[int, list[PlanLineTerms]] = {}
    for line in lines:
        groups.setdefault(line.community_id, []).append(line)
    return groups


def deals_from_plan(lines: Iterable[PlanLineTerms], *, brief_id: int) -> list[Deal]:
    """One negotiating deal per community of the plan, in order of first appearance."""
    return [
        Deal(brief_id, community_id, frozenset(line.key for line in group))
        for community_id, group in _by_community(lines).items()
    ]


def draft_terms(
    lines: Sequence[PlanLineTerms],
    *,
    currency: str,
    disclosure: str,
    starts_on: dt.date,
    ends_on: dt.date,
    expires_at: dt.datetime,
    payment_terms_days: int = 30,
    required_proof: tuple[ProofKind, ...] = (ProofKind.SCREENSHOT, ProofKind.POST_LINK),
    exclusivity: Exclusivity | None = None,
    usage_rights: UsageRights = UsageRights.NONE,
) -> OfferTerms:
    """The first offer of one community's deal: its lines in the flight's window.

    Lines of the same (asset, placement type) become one placement with a count and the
    summed amounts.
    """
    if len({line.community_id for line in lines}) != 1:
        raise TermsInvalid("the first offer is written for the lines of one community")
    merged: dict[PlacementKey, tuple[int, int, int]] = {}
    for line in lines:
        count, payout, price = merged.get(line.key, (0, 0, 0))
        merged[line.key] = (
            count + 1,
            payout + line.owner_payout_minor,
            price + line.brand_price_minor,
        )
    placements = tuple(
        Placement(asset, kind, count, starts_on, ends_on, payout, price)
        for (asset, kind), (count, payout, price) in merged.items()
    )
    return OfferTerms(
        placements=placements,
        currency=currency,
        disclosure=disclosure,
        expires_at=expires_at,
        payment_terms_days=payment_terms_days,
        required_proof=required_proof,
        exclusivity=exclusivity or Exclusivity(),
        usage_rights=usage_rights,
    )


def replacements(
    ranking: Sequence[int],
    *,
    in_plan: Iterable[int],
    declined: Iterable[int],
    limit: int = 5,
) -> list[int]:
    """The next best communities of the brief's ranking: not in the plan, never a decliner."""
    skip = set(in_plan) | set(declined)
    out: list[int] = []
    for community_id in ranking:
        if community_id not in skip and community_id not in out:
            out.append(community_id)
            if len(out) == limit:
                break
    return out
