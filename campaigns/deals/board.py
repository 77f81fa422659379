"""Where a deal stands on the staff's pipeline board, and whom it waits for.

The board's columns are stages derived from the deal, its current offer and its creative; the
service adds "since when" from its timestamps.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable

from campaigns.deals.common import Side
from campaigns.deals.creative import Creative, CreativeStatus
from campaigns.deals.deals import Deal, DealStatus
from campaigns.deals.offers import Offer, OfferStatus, effective_status


class Stage(enum.StrEnum):
    """The board's columns, left to right, then the two that leave the pipeline."""

    DRAFTING = "drafting"
    OFFER_SENT = "offer_sent"
    COUNTERED = "countered"
    OFFER_CLOSED = "offer_closed"
    CONFIRMING = "confirming"
    CREATIVE_IN_REVIEW = "creative_in_review"
    READY_TO_RUN = "ready_to_run"
    PAUSED = "paused"
    CANCELLED = "cancelled"


class Waiting(enum.StrEnum):
    """Who must act next."""

    AGENCY = "agency"
    OWNER = "owner"
    BRAND = "brand"
    COMPLIANCE = "compliance"
    NOBODY = "nobody"


_OFFER_STAGE: dict[OfferStatus, tuple[Stage, Waiting]] = {
    OfferStatus.DRAFT: (Stage.DRAFTING, Waiting.AGENCY),
    OfferStatus.SENT: (Stage.OFFER_SENT, Waiting.OWNER),
    OfferStatus.COUNTERED: (Stage.COUNTERED, Waiting.AGENCY),
    OfferStatus.DECLINED: (Stage.OFFER_CLOSED, Waiting.AGENCY),
    OfferStatus.WITHDRAWN: (Stage.OFFER_CLOSED, Waiting.AGENCY),
    OfferStatus.EXPIRED: (Stage.OFFER_CLOSED, Waiting.AGENCY),
    OfferStatus.SUPERSEDED: (Stage.OFFER_CLOSED, Waiting.AGENCY),
}

#: Whom a creative at each status waits for (the next step of the chain, or a revision).
_CREATIVE_WAITS: dict[CreativeStatus, Waiting] = {
    CreativeStatus.DRAFT: Waiting.OWNER,
    CreativeStatus.CHANGES_REQUESTED: Waiting.AGENCY,
    CreativeStatus.OWNER_APPROVED: Waiting.AGENCY,
    CreativeStatus.AGENCY_APPROVED: Waiting.BRAND,
    CreativeStatus.BRAND_APPROVED: Waiting.COMPLIANCE,
    CreativeStatus.COMPLIANCE_APPROVED: Waiting.NOBODY,
}
_CHAIN = list(CreativeStatus)


def stage_of(
    deal: Deal, offer: Offer | None, creatives: Iterable[Creative], now: dt.datetime
) -> tuple[Stage, Waiting]:
    """The deal's column on the board and who must act next, as of ``now``."""
    if deal.status == DealStatus.CANCELLED:
        return Stage.CANCELLED, Waiting.NOBODY
    if deal.status == DealStatus.PAUSED:
        return Stage.PAUSED, Waiting.AGENCY
    if deal.status in (DealStatus.NEGOTIATING, DealStatus.AMENDING):
        if deal.accepted is not None:
            missing = Side.OWNER if Side.OWNER not in deal.confirmations else Side.AGENCY
            return Stage.CONFIRMING, Waiting(missing.value)
        if offer is None:
            return Stage.DRAFTING, Waiting.AGENCY
        status = effective_status(offer, now)
        if status == OfferStatus.ACCEPTED:  # accepted but not yet recorded on the deal
            return Stage.CONFIRMING, Waiting.AGENCY
        return _OFFER_STAGE[status]
    # Agreed: the creative of every placement decides.
    by_key = {c.placement: c for c in creatives}
    if any(key not in by_key for key in deal.placement_keys):
        return Stage.CREATIVE_IN_REVIEW, Waiting.AGENCY  # a placement has no draft yet
    pending = [by_key[key] for key in deal.placement_keys if not by_key[key].approved]
    if not pending:
        return Stage.READY_TO_RUN, Waiting.NOBODY
    furthest_behind = min(pending, key=lambda c: _CHAIN.index(c.status))
    return Stage.CREATIVE_IN_REVIEW, _CREATIVE_WAITS[furthest_behind.status]
