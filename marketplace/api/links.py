"""The click endpoints of /api/v1: a campaign's tracked links, clicks and promo-code results.

An API token acts as its brand organisation (``views._api_user``), so the answers come from
the links feature's own scoping (:func:`marketplace.links.services.campaign_links`): another
organisation's brief or placement does not exist for the token (404).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from campaigns.tracking import ClickCounts
from marketplace.api.views import _api_user, bp
from marketplace.extensions import db
from marketplace.links import services
from marketplace.links.services import PlacementLinks, Redemptions


def _counts(counts: ClickCounts) -> dict[str, int]:
    return {"total": counts.total, "unique": counts.unique, "bots": counts.bots}


def _redemptions(found: Redemptions) -> dict[str, int]:
    return {"count": found.count, "amount_minor": found.amount_minor}


def placement_json(row: PlacementLinks) -> dict[str, Any]:
    """One placement's link, promo code, clicks and redemptions."""
    placement, link = row.placement, row.link
    return {
        "placement_id": placement.id,
        "deal_id": placement.deal_id,
        "community_id": placement.deal.community_id,
        "placement_type": placement.placement_type.value,
        "status": placement.status.value,
        "link": {
            "url": services.short_url(link.slug),
            "destination_url": link.destination_url,
            "target_url": link.target_url,
            "created_at": link.created_at.isoformat(),
        }
        if link is not None
        else None,
        "promo_code": row.code.code if row.code is not None else None,
        "clicks": _counts(row.clicks),
        "redemptions": _redemptions(row.redemptions),
    }


@bp.get("/briefs/<int:brief_id>/clicks")
def brief_clicks(brief_id: int) -> ResponseReturnValue:
    """A campaign's clicks and redemptions: totals, and one item per placement."""
    campaign = services.campaign_links(db.session, brief_id, _api_user())
    return jsonify(
        brief_id=campaign.brief.id,
        currency=campaign.currency,
        clicks=_counts(campaign.totals),
        redemptions=_redemptions(campaign.redemptions),
        items=[placement_json(row) for row in campaign.rows],
    )


@bp.get("/placements/<int:placement_id>/clicks")
def placement_clicks(placement_id: int) -> ResponseReturnValue:
    """One placement's link, clicks, promo code and redemptions."""
    row = services.placement_links(db.session, placement_id, _api_user())
    return jsonify(brief_id=row.placement.deal.brief_id, **placement_json(row))
