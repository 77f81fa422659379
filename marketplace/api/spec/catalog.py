"""The catalog's part of the OpenAPI document: searching listed communities, one community."""

from __future__ import annotations

from typing import Any

from marketplace.api.spec.common import ANY_400, COMMON, ID, TEXT, error, responses
from marketplace.catalog.search import MAX_PER_PAGE, MAX_QUERY_LENGTH, SORTS

_PATHS: dict[str, Any] = {
    "/api/v1/communities": {
        "get": {
            "operationId": "listCommunities",
            "summary": "Search listed communities (full text, facets, keyset pages).",
            "parameters": [
                {"name": "q", "in": "query", "schema": {**TEXT, "maxLength": MAX_QUERY_LENGTH},
                 "description": "Words in Hebrew or English; a Hebrew word matches with or "
                                "without its one-letter prefix."},
                *[
                    {"name": name, "in": "query", "style": "form", "explode": True,
                     "schema": {"type": "array", "items": TEXT}}
                    for name in ("platform", "topic", "language", "region", "audience",
                                 "audience_kind", "size", "price", "health", "value")
                ],
                {"name": "evidence", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                               "maximum": 4}},
                {"name": "sort", "in": "query", "schema": {"enum": list(SORTS)}},
                {"name": "cursor", "in": "query", "schema": TEXT,
                 "description": "next_cursor of the previous page; a damaged one is a 400 "
                                "(bad_search)."},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                               "maximum": MAX_PER_PAGE}},
            ],
            "responses": {
                "200": {
                    "description": "One page of communities.",
                    "content": {"application/json": {"schema": {
                        "type": "object", "required": ["items", "next_cursor"],
                        "properties": {
                            "items": {"type": "array",
                                      "items": {"$ref": "#/components/schemas/Community"}},
                            "next_cursor": {"type": ["string", "null"]},
                        },
                    }}},
                    "links": {
                        "GetFirstCommunity": {"operationId": "getCommunity", "parameters": {
                            "community_id": "$response.body#/items/0/id"}},
                        "GetNextPage": {"operationId": "listCommunities", "parameters": {
                            "cursor": "$response.body#/next_cursor"}},
                    },
                },
                "400": error(ANY_400 + "bad_host; bad_search: an unknown sort, a number out "
                              "of its range, q too long, a damaged cursor."),
                **COMMON,
            },
        }
    },
    "/api/v1/communities/{community_id}": {
        "get": {
            "operationId": "getCommunity",
            "summary": "One listed community with its channels, rates, audience and figures.",
            "parameters": [{"name": "community_id", "in": "path", "required": True,
                            "schema": ID}],
            "responses": responses(
                {"200": {"description": "The community.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/CommunityDetail"}}}}},
                s404=error("No listed community has this id (not_found)."),
            ),
        }
    },
}  # fmt: skip

_COMMUNITY = {
    "type": "object",
    "required": ["id", "name_he", "name_en", "total_size", "platforms"],
    "properties": {
        "id": {"type": "integer"},
        "name_he": {"type": ["string", "null"]},
        "name_en": {"type": ["string", "null"]},
        "region": {"type": "string"},
        "city": {"type": "string"},
        "topics": {"type": "array", "items": {"type": "string"}},
        "languages": {"type": "array", "items": {"type": "string"}},
        "audience_kind": {"type": "string"},
        "total_size": {"type": "integer"},
        "min_rate": {"type": ["object", "null"],
                     "description": "The lowest brand price (the owner's rate plus the agency "
                                    "margin, as media plans compute it), in minor units; "
                                    "owners' rates are never shown."},
        "best_evidence": {"type": ["string", "null"],
                          "enum": ["self_reported", "screenshot", "export", "verified", None]},
        "platforms": {"type": "array", "items": {"type": "string"}},
        "regulated_allowed": {"type": "array", "items": {"type": "string"},
                              "description": "Regulated categories (pharma, health, finance, "
                                             "alcohol …) the community's rules accept; empty: "
                                             "none."},
    },
}  # fmt: skip
_COMMUNITY_DETAIL = {
    "allOf": [
        {"$ref": "#/components/schemas/Community"},
        {"type": "object", "required": ["assets"], "properties": {
            "description": {"type": "string"},
            "dna": {"type": "object"},
            "audience": {"type": "object", "description": "dimension → bucket → basis points "
                                                          "(each dimension sums to 10,000)"},
            "assets": {"type": "array", "items": {
                "type": "object", "required": ["platform", "size", "rates", "figures", "estimates"],
                "properties": {
                    "url": {"type": ["string", "null"],
                            "description": "The channel's public address; null for private "
                                           "invite links."},
                    "rates": {"type": "array", "description": "Brand prices per placement."},
                    "estimates": {"type": "array", "items": {
                    "$ref": "#/components/schemas/PlacementEstimate"}}}}},
        }},
    ]
}  # fmt: skip

_QUANTILES = {
    "type": "object",
    "required": ["p10", "p50", "p90"],
    "properties": {q: {"type": ["integer", "null"]} for q in ("p10", "p50", "p90")},
}
_ESTIMATE = {
    "type": "object",
    "description": "The estimated media value of one placement on one channel, P10/P50/P90, "
                   "with its explanation. Refused estimates carry reasons and no numbers.",
    "required": ["placement", "status", "reasons", "currency", "reach", "value_minor",
                 "model_version", "factors"],
    "properties": {
        "placement": {"type": "string", "description": "A placement type: post, story …"},
        "status": {"enum": ["ok", "wide", "refused"],
                   "description": "wide: a figure was missing, doubtful or stale, so the range "
                                  "is the widest defensible; refused: no defensible number."},
        "reasons": {"type": "array", "items": {"type": "string"},
                    "description": "Reason codes (members_zero, members_stale …)."},
        "currency": {"type": "string", "description": "ISO 4217: ILS, USD or EUR."},
        "reach": {**_QUANTILES, "description": "People reached by one placement."},
        "value_minor": {**_QUANTILES,
                        "description": "Media value in integer minor units of `currency`."},
        "model_version": {"type": "string",
                          "description": "The model and priors that produced it."},
        "computed_at": {"type": "string", "format": "date-time"},
        "factors": {"type": "array", "description": "Why this number, factor by factor.",
                    "items": {"type": "object", "required": ["key", "value", "effect", "basis"],
                              "properties": {
            "key": {"type": "string", "description": "members, active_share, cpm, vertical …"},
            "value": {"type": "number", "description": "The multiplier; the count for members "
                      "and views; for cpm the value of one person reached, in major units."},
            "effect": {"type": "number",
                       "description": "Natural-log effect on the median value."},
            "share": {"type": "number", "description": "Share of the range's log variance."},
            "basis": {"type": "string", "description": "self_reported, screenshot, export, "
                      "verified, prior, default, missing, calibrated or rule."},
            "source": {"type": "string", "description": "';'-separated source keys."},
        }}},
    },
}  # fmt: skip


def paths() -> dict[str, Any]:
    """GET /communities and /communities/{id}."""
    return _PATHS


def schemas() -> dict[str, Any]:
    """A community in a list and in full, and a placement's estimated value."""
    return {
        "Community": _COMMUNITY,
        "CommunityDetail": _COMMUNITY_DETAIL,
        "PlacementEstimate": _ESTIMATE,
    }
