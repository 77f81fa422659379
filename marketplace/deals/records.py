"""Rows to the pure deal desk's values and back: terms JSON, offers and deals as frozen values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from campaigns.deals import (
    Agreement,
    Exclusivity,
    Offer,
    OfferStatus,
    OfferTerms,
    OfferVersion,
    Placement,
    ProofKind,
    Side,
    UsageRights,
)
from campaigns.deals import Deal as PureDeal
from campaigns.deals.deals import DealStatus
from campaigns.deals.offers import Decline, DeclineReason
from campaigns.deals.terms import terms_json
from marketplace.deals import models
from pricing.taxonomy import PlacementType


def terms_to_json(terms: OfferTerms) -> dict[str, Any]:
    """What is stored of a round: :func:`campaigns.deals.terms.terms_json` (every field)."""
    return terms_json(terms)


def terms_from_json(data: dict[str, Any]) -> OfferTerms:
    """The stored terms back as :class:`OfferTerms` (derived totals and margins are ignored)."""
    return OfferTerms(
        placements=tuple(
            Placement(
                asset_id=int(p["asset_id"]),
                placement_type=PlacementType(p["placement_type"]),
                count=int(p["count"]),
                starts_on=dt.date.fromisoformat(p["starts_on"]),
                ends_on=dt.date.fromisoformat(p["ends_on"]),
                owner_payout_minor=int(p["owner_payout_minor"]),
                brand_price_minor=int(p["brand_price_minor"]),
            )
            for p in data["placements"]
        ),
        currency=data["currency"],
        disclosure=data["disclosure"],
        expires_at=dt.datetime.fromisoformat(data["expires_at"]).astimezone(dt.UTC),
        payment_terms_days=int(data.get("payment_terms_days", 30)),
        deliverables=tuple(data.get("deliverables", ())),
        required_proof=tuple(ProofKind(k) for k in data.get("required_proof", ())),
        exclusivity=Exclusivity(
            tuple(data.get("exclusivity_categories", ())), int(data.get("exclusivity_days", 0))
        ),
        usage_rights=UsageRights(data.get("usage_rights", UsageRights.NONE.value)),
        usage_days=int(data.get("usage_days", 0)),
    )


def pure_offer(row: models.Offer) -> Offer:
    """An offer row and its rounds as the pure :class:`Offer` (a draft's round 1 is its draft)."""
    if row.versions:
        versions = tuple(
            OfferVersion(v.number, terms_from_json(v.terms), Side(v.author_side), v.created_at,
                         v.note)
            for v in row.versions
        )  # fmt: skip
    else:
        assert row.draft_terms is not None
        versions = (
            OfferVersion(1, terms_from_json(row.draft_terms), Side.AGENCY, row.updated_at,
                         row.draft_note),
        )  # fmt: skip
    decline = (
        Decline(DeclineReason(row.decline_reason), row.close_text) if row.decline_reason else None
    )
    return Offer(versions, OfferStatus(row.status), decline, row.closed_at)


def pending_agreement(deal: models.Deal) -> models.Agreement | None:
    """The agreement text one side has confirmed and the other has not yet, if any."""
    return next((a for a in deal.agreements if not a.complete), None)


def pure_deal(deal: models.Deal, accepted: models.OfferVersion | None) -> PureDeal:
    """A deal row as the pure :class:`Deal`; ``accepted`` is its accepted round, if any."""
    pending = pending_agreement(deal)
    confirmations: set[Side] = set()
    if pending is not None:
        if pending.confirmed_by_owner_at is not None:
            confirmations.add(Side.OWNER)
        if pending.confirmed_by_agency_at is not None:
            confirmations.add(Side.AGENCY)
    agreements = tuple(
        Agreement(
            a.number,
            terms_from_json(a.offer_version.terms),
            a.content_hash,
            max(d for d in (a.confirmed_by_owner_at, a.confirmed_by_agency_at) if d is not None),
        )
        for a in deal.agreements
        if a.complete
    )
    return PureDeal(
        brief_id=deal.brief_id,
        community_id=deal.community_id,
        placement_keys=frozenset(
            (p.asset_id, PlacementType(p.placement_type))
            for p in deal.placements
            if p.status is not models.PlacementStatus.CANCELLED
        ),
        status=DealStatus(deal.status),
        accepted=terms_from_json(accepted.terms) if accepted is not None else None,
        confirmations=frozenset(confirmations),
        agreements=agreements,
    )
