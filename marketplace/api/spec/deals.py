"""The deals' part of the OpenAPI document: a brand's view, brand prices only.

The owner's payout and the margin appear nowhere in it.
"""

from __future__ import annotations

import re
from typing import Any

from campaigns.deals import DealStatus, OfferAction, OfferStatus, ProofKind, UsageRights
from marketplace.api.spec.common import error, ok, responses
from marketplace.catalog.search import MAX_PER_PAGE
from marketplace.deals.models import OfferKind, PlacementStatus
from marketplace.safety import MAX_ID
from pricing.taxonomy import PlacementType

#: Deals per page of GET /deals by default; at most MAX_PER_PAGE, as for communities.
PER_PAGE = 20
#: A page cursor: the id the previous page ended on.
CURSOR = re.compile(r"[1-9][0-9]{0,9}")


def schemas() -> dict[str, Any]:
    """The deal desk's schemas as a brand token sees them; no payout or margin property exists.

    Terms and placements forbid other properties, so a response that leaked the owner's payout
    or the margin would not conform to this document.
    """
    date = {"type": "string", "format": "date"}
    moment = {"type": "string", "format": "date-time"}
    maybe_moment = {"type": ["string", "null"], "format": "date-time"}
    money = {
        "type": "integer",
        "minimum": 0,
        "description": "The brand's price, integer minor units of `currency`.",
    }
    strings = {"type": "array", "items": {"type": "string"}}
    placement_terms = {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "asset_id",
            "placement_type",
            "count",
            "starts_on",
            "ends_on",
            "brand_price_minor",
        ],
        "properties": {
            "asset_id": {"type": "integer"},
            "placement_type": {"enum": [t.value for t in PlacementType]},
            "count": {"type": "integer", "minimum": 1},
            "starts_on": date,
            "ends_on": date,
            "brand_price_minor": money,
        },
    }
    terms = {
        "type": "object",
        "additionalProperties": False,
        "description": "Terms at the brand's prices (no owner payout, no margin).",
        "required": [
            "currency",
            "placements",
            "brand_price_minor",
            "disclosure",
            "payment_terms_days",
            "usage_rights",
        ],
        "properties": {
            "currency": {"type": "string", "description": "ISO 4217: ILS, USD or EUR."},
            "placements": {"type": "array", "items": placement_terms},
            "brand_price_minor": {**money, "description": "Total of the placements' prices."},
            "deliverables": strings,
            "required_proof": {"type": "array", "items": {"enum": [k.value for k in ProofKind]}},
            "disclosure": {"type": "string", "description": "The wording every post must carry."},
            "exclusivity_categories": strings,
            "exclusivity_days": {"type": "integer", "minimum": 0},
            "usage_rights": {"enum": [u.value for u in UsageRights]},
            "usage_days": {"type": "integer", "minimum": 0},
            "payment_terms_days": {"type": "integer", "minimum": 0},
            "expires_at": {**moment, "description": "Until when the round can be answered."},
        },
    }
    offer_summary = {
        "id": {"type": "integer"},
        "kind": {"enum": [k.value for k in OfferKind]},
        "status": {
            "enum": [s.value for s in OfferStatus],
            "description": "As of now: an open round past its expiry is `expired`.",
        },
        "version": {"type": "integer", "description": "The number of the current round."},
        "expires_at": moment,
    }
    offer = {
        "type": "object",
        "required": ["id", "kind", "status", "version", "expires_at", "terms", "rounds", "actions"],
        "properties": {
            **offer_summary,
            "decline_reason": {"type": ["string", "null"]},
            "close_text": {
                "type": "string",
                "description": "The owner's words for a decline, or the agency's for a withdrawal.",
            },
            "terms": {"$ref": "#/components/schemas/DealTerms"},
            "rounds": {
                "type": "array",
                "description": "Every round, oldest first; each is immutable.",
                "items": {
                    "type": "object",
                    "required": ["number", "author", "created_at", "terms", "changes"],
                    "properties": {
                        "number": {"type": "integer"},
                        "author": {"enum": ["owner", "agency"]},
                        "created_at": moment,
                        "note": {"type": "string"},
                        "terms": {"$ref": "#/components/schemas/DealTerms"},
                        "changes": {
                            "type": "array",
                            "description": "What changed from the "
                            "previous round, field by field (prices: the brand's only).",
                            "items": {
                                "type": "object",
                                "required": ["field", "before", "after"],
                                "properties": {
                                    "field": {"type": "string"},
                                    "before": {},
                                    "after": {},
                                },
                            },
                        },
                    },
                },
            },
            "actions": {
                "type": "array",
                "items": {"enum": [a.value for a in OfferAction]},
                "description": "What the token's organisation may do now (none: the "
                "agency negotiates with the owner).",
            },
        },
    }
    agreement_entry = {
        "type": "object",
        "additionalProperties": False,
        "required": ["number", "language", "confirmed_by_owner_at", "confirmed_by_agency_at"],
        "properties": {
            "number": {"type": "integer", "description": "1: the agreement; 2 on: amendments."},
            "language": {"enum": ["he", "en"]},
            "confirmed_by_owner_at": maybe_moment,
            "confirmed_by_agency_at": maybe_moment,
        },
    }
    deal_properties = {
        "id": {"type": "integer"},
        "brief_id": {"type": "integer"},
        "plan_id": {"type": "integer"},
        "community_id": {"type": "integer"},
        "community_name": {"type": "string"},
        "status": {"enum": [s.value for s in DealStatus]},
        "version": {"type": "integer"},
        "currency": {"type": "string"},
        "replaces_id": {
            "type": ["integer", "null"],
            "description": "The declined deal this one replaces.",
        },
        "stop_reason": {"type": ["string", "null"]},
        "stop_text": {"type": "string"},
        "placements": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "asset_id",
                    "placement_type",
                    "count",
                    "starts_on",
                    "ends_on",
                    "status",
                ],
                "properties": {
                    "asset_id": {"type": "integer"},
                    "placement_type": {"enum": [t.value for t in PlacementType]},
                    "count": {"type": "integer"},
                    "starts_on": date,
                    "ends_on": date,
                    "status": {"enum": [s.value for s in PlacementStatus]},
                },
            },
        },
        "agreements": {"type": "array", "items": agreement_entry},
        "links": {
            "type": "object",
            "required": ["self", "offers", "agreement"],
            "properties": {k: {"type": "string"} for k in ("self", "offers", "agreement")},
        },
    }
    required = [
        "id",
        "brief_id",
        "community_id",
        "status",
        "currency",
        "placements",
        "offer",
        "agreements",
        "links",
    ]
    return {
        "DealTerms": terms,
        "DealOffer": offer,
        "DealSummary": {
            "type": "object",
            "required": required,
            "properties": {
                **deal_properties,
                "offer": {
                    "oneOf": [
                        {"type": "null"},
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "required": [
                                "id",
                                "kind",
                                "status",
                                "version",
                                "expires_at",
                                "brand_price_minor",
                            ],
                            "properties": {**offer_summary, "brand_price_minor": money},
                        },
                    ]
                },
            },
        },
        "Deal": {
            "type": "object",
            "required": [*required, "events"],
            "properties": {
                **deal_properties,
                "offer": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/DealOffer"}]},
                "events": {
                    "type": "array",
                    "description": "The timeline, oldest first.",
                    "items": {
                        "type": "object",
                        "required": ["action", "party", "at", "before", "after"],
                        "properties": {
                            "action": {"type": "string"},
                            "party": {"type": "string"},
                            "actor": {"type": "string"},
                            "at": moment,
                            "before": {"type": "object"},
                            "after": {"type": "object"},
                        },
                    },
                },
            },
        },
        "DealAgreement": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "deal_id",
                "number",
                "kind",
                "language",
                "confirmed_by_owner_at",
                "confirmed_by_agency_at",
                "terms",
                "terms_hash",
            ],
            "properties": {
                "deal_id": {"type": "integer"},
                "number": {"type": "integer"},
                "kind": {"enum": ["agreement", "amendment"]},
                "language": {"enum": ["he", "en"]},
                "confirmed_by_owner_at": moment,
                "confirmed_by_agency_at": moment,
                "terms": {"$ref": "#/components/schemas/DealTerms"},
                "terms_hash": {
                    "type": "string",
                    "pattern": "^[0-9a-f]{64}$",
                    "description": "SHA-256 of the brand's view of the agreement "
                    "(canonical JSON of document_version, brief_id, "
                    "community_id, number and these terms).",
                },
            },
        },
    }


def _deal_brief_links(brief_id: str) -> dict[str, Any]:
    """From a deal to the brief it serves and the plan it was opened from."""
    return {
        "GetDealBrief": {"operationId": "getBrief", "parameters": {"brief_id": brief_id}},
        "GetDealPlan": {"operationId": "briefPlan", "parameters": {"brief_id": brief_id}},
    }


def paths() -> dict[str, Any]:
    """GET /deals, /deals/{id}, /deals/{id}/offers and /deals/{id}/agreement."""
    deal_id = [
        {
            "name": "deal_id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        }
    ]
    missing = error("No deal of this organisation has this id (deal_not_found).")
    link = {"deal_id": "$response.body#/items/0/id"}

    return {
        "/api/v1/deals": {"get": {
            "operationId": "listDeals",
            "summary": "The organisation's deals, newest first, a page at a time, at brand "
                       "prices (the owner's payout and the agency margin are never shown).",
            "parameters": [
                {"name": "brief_id", "in": "query", "description": "Only this brief's deals.",
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
                {"name": "status", "in": "query", "style": "form", "explode": True,
                 "description": "Only deals in these states (repeat the parameter).",
                 "schema": {"type": "array",
                            "items": {"enum": [s.value for s in DealStatus]}}},
                {"name": "cursor", "in": "query", "description": "next_cursor of the previous "
                 "page.", "schema": {"type": "string", "pattern": f"^({CURSOR.pattern})?$"}},
                {"name": "per_page", "in": "query", "schema": {
                    "type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                    "default": PER_PAGE}},
            ],
            "responses": responses({
                "200": {
                    "description": "One page of deals; next_cursor is null on the last page.",
                    "content": {"application/json": {"schema": {
                        "type": "object", "required": ["items", "next_cursor"],
                        "properties": {
                            "items": {"type": "array",
                                      "items": {"$ref": "#/components/schemas/DealSummary"}},
                            "next_cursor": {"type": ["string", "null"]},
                        }}}},
                    "links": {
                        "GetFirstDeal": {"operationId": "getDeal", "parameters": link},
                        "GetFirstDealOffers": {"operationId": "getDealOffers",
                                               "parameters": link},
                        "GetFirstDealCreative": {"operationId": "getDealCreative",
                                                 "parameters": link},
                        "GetFirstDealAgreement": {"operationId": "getDealAgreement",
                                                  "parameters": link},
                        "GetFirstDealCampaignPosts": {
                            "operationId": "getCampaignPosts",
                            "parameters": {"brief_id": "$response.body#/items/0/brief_id"}},
                        **_deal_brief_links("$response.body#/items/0/brief_id"),
                    },
                },
            }, "bad_parameter (a filter, cursor or page size out of range)"),
        }},
        "/api/v1/deals/{deal_id}": {"get": {
            "operationId": "getDeal",
            "summary": "One deal: placements, status, its current offer and rounds at brand "
                       "prices, its agreements and timeline.",
            "parameters": deal_id,
            "responses": responses({"200": {
                **ok("The deal.", "Deal"),
                "links": _deal_brief_links("$response.body#/brief_id")}}, s404=missing),
        }},
        "/api/v1/deals/{deal_id}/offers": {"get": {
            "operationId": "getDealOffers",
            "summary": "Every offer of the deal (the first and any amendments), each with its "
                       "immutable rounds and what changed between them, at brand prices.",
            "parameters": deal_id,
            "responses": responses({
                "200": {"description": "The offers, oldest first.",
                        "content": {"application/json": {"schema": {
                            "type": "object", "required": ["deal_id", "items"],
                            "properties": {
                                "deal_id": {"type": "integer"},
                                "items": {"type": "array", "items": {
                                    "$ref": "#/components/schemas/DealOffer"}}}}}}},
            }, s404=missing),
        }},
        "/api/v1/deals/{deal_id}/agreement": {"get": {
            "operationId": "getDealAgreement",
            "summary": "The agreement in force (the latest both sides confirmed): the agreed "
                       "terms at brand prices and a hash of this view.",
            "parameters": deal_id,
            "responses": responses(
                {"200": ok("The agreement in force.", "DealAgreement")},
                s404=error("No deal of this organisation has this id (deal_not_found), "
                            "or the deal has no agreement in force yet (not_found)."),
            ),
        }},
        "/api/v1/deals/{deal_id}/creative": {"get": {
            "operationId": "getDealCreative",
            "summary": "The post of each placement of the deal: its current text, status and "
                       "the approvals standing on it (not_started before anyone drafts it).",
            "parameters": deal_id,
            "responses": responses({"200": {
                "description": "One item per placement, in the deal's order.",
                "content": {"application/json": {"schema": {
                    "type": "object", "required": ["deal_id", "items"],
                    "properties": {
                        "deal_id": {"type": "integer"},
                        "items": {"type": "array", "items": _CREATIVE}}}}}}}, s404=missing),
        }},
    }  # fmt: skip


#: A placement's post as a brand reads it.
_CREATIVE = {
    "type": "object",
    "required": ["placement_id", "status", "version"],
    "additionalProperties": False,
    "properties": {
        "placement_id": {"type": "integer"},
        "status": {"type": "string"},
        "version": {"oneOf": [{"type": "null"}, {
            "type": "object",
            "required": ["number", "text", "link_placeholder", "images", "created_at"],
            "additionalProperties": False,
            "properties": {
                "number": {"type": "integer"}, "text": {"type": "string"},
                "link_placeholder": {"type": "string"}, "images": {"type": "integer"},
                "created_at": {"type": "string", "format": "date-time"}}}]},
        "approvals": {"type": "array", "items": {
            "type": "object", "required": ["party", "at"], "additionalProperties": False,
            "properties": {"party": {"type": "string"},
                           "at": {"type": "string", "format": "date-time"}}}},
    },
}  # fmt: skip
