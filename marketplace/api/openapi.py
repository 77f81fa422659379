"""The OpenAPI 3.1 document of /api/v1; each feature adds its paths here."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable code."},
                "message": {"type": "string", "description": "Human-readable, localised."},
                "reference": {
                    "type": "string",
                    "description": "On server-side failures (5xx): the request id to quote "
                    "to support; also in the X-Request-ID header of every response.",
                },
            },
        }
    },
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


PATHS: dict[str, Any] = {
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document.",
            "security": [],
            "responses": {"200": {"description": "The OpenAPI document."}},
        }
    },
    "/api/v1/me": {
        "get": {
            "operationId": "getMe",
            "summary": "The organisation that owns the token.",
            "responses": {
                "200": {
                    "description": "The token's organisation.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Me"}}
                    },
                },
                "401": _error("Missing, unknown or revoked token."),
            },
        }
    },
    "/api/v1/communities": {
        "get": {
            "operationId": "listCommunities",
            "summary": "Search listed communities (full text, facets, keyset pages).",
            "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200},
                 "description": "Words in Hebrew or English; a Hebrew word matches with or "
                                "without its one-letter prefix."},
                *[
                    {"name": name, "in": "query", "style": "form", "explode": True,
                     "schema": {"type": "array", "items": {"type": "string"}}}
                    for name in ("platform", "topic", "language", "region", "audience",
                                 "audience_kind", "size", "price", "health", "value")
                ],
                {"name": "evidence", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                               "maximum": 4}},
                {"name": "sort", "in": "query", "schema": {"enum": ["relevance", "newest",
                                                                   "largest", "smallest",
                                                                   "cheapest", "healthiest",
                                                                   "value",
                                                                   "value_per_shekel"]}},
                {"name": "cursor", "in": "query", "schema": {"type": "string"},
                 "description": "next_cursor of the previous page."},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                               "maximum": 100}},
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
                },
                "400": _error("A parameter is not understood (bad_search)."),
                "401": _error("Missing, unknown or revoked token."),
            },
        }
    },
    "/api/v1/communities/{community_id}": {
        "get": {
            "operationId": "getCommunity",
            "summary": "One listed community with its channels, rates, audience and figures.",
            "parameters": [{"name": "community_id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "responses": {
                "200": {"description": "The community.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/CommunityDetail"}}}},
                "401": _error("Missing, unknown or revoked token."),
                "404": _error("No listed community has this id."),
            },
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
        "min_rate": {"type": ["object", "null"]},
        "best_evidence": {"type": ["string", "null"],
                          "enum": ["self_reported", "screenshot", "export", "verified", None]},
        "platforms": {"type": "array", "items": {"type": "string"}},
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
                "properties": {"estimates": {"type": "array", "items": {
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


def document(server_url: str = "/") -> dict[str, Any]:
    """Return the whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kesher API",
            "version": "1",
            "description": (
                "Community-campaign marketplace. Authenticate with an organisation API token: "
                '`Authorization: Bearer ksr_…`. Errors are `{"error": {"code", "message"}}`.'
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"bearerToken": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": ERROR_SCHEMA,
                "Community": _COMMUNITY,
                "CommunityDetail": _COMMUNITY_DETAIL,
                "PlacementEstimate": _ESTIMATE,
                "Me": {
                    "type": "object",
                    "required": ["organisation", "token"],
                    "properties": {
                        "organisation": {
                            "type": "object",
                            "required": ["id", "name"],
                            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                        },
                        "token": {
                            "type": "object",
                            "required": ["name", "prefix"],
                            "properties": {
                                "name": {"type": "string"},
                                "prefix": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    }
