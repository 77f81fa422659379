"""The tracked links' part of the OpenAPI document: a campaign's clicks and promo-code results."""

from __future__ import annotations

from typing import Any

from marketplace.api.spec.common import BRIEF_ID, ID, NO_BRIEF, error, ok, responses
from marketplace.deals.models import PlacementStatus
from pricing.taxonomy import PlacementType

_COUNTS = {
    "type": "object",
    "required": ["total", "unique", "bots"],
    "additionalProperties": False,
    "description": "total: people's clicks (bots excluded); unique: without a visitor's "
    "repeat within 30 minutes; bots: crawlers, link previews and scripts.",
    "properties": {
        "total": {"type": "integer", "minimum": 0},
        "unique": {"type": "integer", "minimum": 0},
        "bots": {"type": "integer", "minimum": 0},
    },
}
_REDEEMED = {
    "type": "object",
    "required": ["count", "amount_minor"],
    "additionalProperties": False,
    "properties": {
        "count": {"type": "integer", "minimum": 0},
        "amount_minor": {"type": "integer", "minimum": 0,
                         "description": "Sum of the order amounts the brand's files gave, in "
                                        "minor units of the brief's currency."},
    },
}  # fmt: skip
_PLACEMENT_CLICK_PROPERTIES = {
    "placement_id": {"type": "integer"},
    "deal_id": {"type": "integer"},
    "community_id": {"type": "integer"},
    "placement_type": {"enum": [p.value for p in PlacementType]},
    "status": {"enum": [s.value for s in PlacementStatus]},
    "link": {"oneOf": [{"type": "null"}, {
        "type": "object",
        "required": ["url", "destination_url", "target_url", "created_at"],
        "additionalProperties": False,
        "properties": {
            "url": {"type": "string", "description": "The short link to share (/r/…)."},
            "destination_url": {"type": "string"},
            "target_url": {"type": "string",
                           "description": "Where the short link redirects: the landing page "
                                          "with utm_* tags."},
            "created_at": {"type": "string", "format": "date-time"}}}]},
    "promo_code": {"type": ["string", "null"]},
    "clicks": {"$ref": "#/components/schemas/ClickCounts"},
    "redemptions": {"$ref": "#/components/schemas/Redemptions"},
}  # fmt: skip
_PLACEMENT_CLICK_REQUIRED = list(_PLACEMENT_CLICK_PROPERTIES)
_PLACEMENT_CLICKS = {
    "type": "object",
    "required": _PLACEMENT_CLICK_REQUIRED,
    "additionalProperties": False,
    "properties": _PLACEMENT_CLICK_PROPERTIES,
}


def schemas() -> dict[str, Any]:
    """Click counts, redemptions, and a placement's and a campaign's clicks."""
    return {
        "ClickCounts": _COUNTS,
        "Redemptions": _REDEEMED,
        "PlacementClicks": _PLACEMENT_CLICKS,
        "PlacementClicksDetail": {
            **_PLACEMENT_CLICKS,
            "required": ["brief_id", *_PLACEMENT_CLICK_REQUIRED],
            "properties": {"brief_id": {"type": "integer"}, **_PLACEMENT_CLICK_PROPERTIES},
        },
        "CampaignClicks": {
            "type": "object",
            "required": ["brief_id", "currency", "clicks", "redemptions", "items"],
            "additionalProperties": False,
            "properties": {
                "brief_id": {"type": "integer"},
                "currency": {"type": "string"},
                "clicks": {"$ref": "#/components/schemas/ClickCounts"},
                "redemptions": {"$ref": "#/components/schemas/Redemptions"},
                "items": {"type": "array",
                          "items": {"$ref": "#/components/schemas/PlacementClicks"}},
            },
        },
    }  # fmt: skip


def paths() -> dict[str, Any]:
    """GET /briefs/{id}/clicks and /placements/{id}/clicks."""

    return {
        "/api/v1/briefs/{brief_id}/clicks": {"get": {
            "operationId": "getBriefClicks",
            "summary": "A campaign's tracked links: clicks (bots and repeats told apart) and "
                       "promo-code redemptions, in all and per placement.",
            "parameters": BRIEF_ID,
            "responses": responses({"200": ok("The campaign's clicks.", "CampaignClicks")},
                                    s404=NO_BRIEF),
        }},
        "/api/v1/placements/{placement_id}/clicks": {"get": {
            "operationId": "getPlacementClicks",
            "summary": "One placement's tracked link, its clicks, its promo code and "
                       "redemptions.",
            "parameters": [{"name": "placement_id", "in": "path", "required": True,
                            "schema": ID}],
            "responses": responses(
                {"200": ok("The placement's clicks.", "PlacementClicksDetail")},
                s404=error("No placement of this organisation has this id "
                            "(placement_not_found)."),
            ),
        }},
    }  # fmt: skip
