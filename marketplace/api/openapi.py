"""The OpenAPI 3.1 document of /api/v1; each feature adds its paths here."""

from __future__ import annotations

import re
from typing import Any

from campaigns.brief import KpiKind
from campaigns.deals import DealStatus, OfferAction, OfferStatus, ProofKind, UsageRights
from campaigns.delivery import PostStatus
from campaigns.results import BRAND_FIELDS, RESULT_METRICS
from marketplace.api import bodies
from marketplace.briefs.models import BriefStatus
from marketplace.briefs.schema import draft_schema
from marketplace.catalog.search import MAX_PER_PAGE, MAX_QUERY_LENGTH, SORTS
from marketplace.deals.models import OfferKind, PlacementStatus
from marketplace.safety import MAX_ID
from pricing.taxonomy import EvidenceTier, PlacementType, Platform

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
                "problems": {
                    "type": "array",
                    "description": "For invalid_body (the body breaks the operation's "
                    "schema) and invalid_brief (a rule of the brief): each problem, by field.",
                    "items": {"$ref": "#/components/schemas/BriefProblem"},
                },
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


#: What any operation may answer whatever its own rules: a query value holding a NUL character
#: (bad_parameter), a Host this server does not answer for (bad_host), a bad token, the
#: database briefly unavailable (with Retry-After).
_ANY_400 = "A parameter is not valid: bad_parameter (a NUL character, a number out of range), "
_COMMON = {
    "401": _error("Missing, unknown or revoked token (invalid_token)."),
    "503": {
        **_error("The database is temporarily unavailable (database_unavailable); retry later."),
        "headers": {"Retry-After": {"schema": {"type": "string"},
                                    "description": "Seconds to wait before retrying."}},
    },
}  # fmt: skip


def _responses(ok: dict[str, Any], bad: str = "", **others: dict[str, Any]) -> dict[str, Any]:
    """An operation's responses: its own, a 400 that says which codes, and the common ones."""
    codes = {
        **ok,
        "400": _error(_ANY_400 + "bad_host" + (f"; {bad}" if bad else "") + "."),
        **{code.removeprefix("s"): response for code, response in others.items()},
        **_COMMON,
    }
    return dict(sorted(codes.items()))


#: The values of ?submit= on POST /briefs, exactly (the server refuses any other, even "Yes").
SUBMIT_WORDS = ("0", "1", "true", "false", "on", "off", "yes", "no")
#: A text value of a query string: NUL characters are refused (400 bad_parameter).
_TEXT = {"type": "string", "pattern": "^[^\\u0000]*$"}
#: Ids are 32-bit database keys: any other number is a 404.
_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


PATHS: dict[str, Any] = {
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document.",
            "security": [],
            "responses": {"200": {"description": "The OpenAPI document.",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          "400": _error("bad_host or bad_parameter (a NUL character)."),
                          "503": _COMMON["503"]},
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
                "400": _error(_ANY_400 + "bad_host."),
                **_COMMON,
            },
        }
    },
    "/api/v1/communities": {
        "get": {
            "operationId": "listCommunities",
            "summary": "Search listed communities (full text, facets, keyset pages).",
            "parameters": [
                {"name": "q", "in": "query", "schema": {**_TEXT, "maxLength": MAX_QUERY_LENGTH},
                 "description": "Words in Hebrew or English; a Hebrew word matches with or "
                                "without its one-letter prefix."},
                *[
                    {"name": name, "in": "query", "style": "form", "explode": True,
                     "schema": {"type": "array", "items": _TEXT}}
                    for name in ("platform", "topic", "language", "region", "audience",
                                 "audience_kind", "size", "price", "health", "value")
                ],
                {"name": "evidence", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                               "maximum": 4}},
                {"name": "sort", "in": "query", "schema": {"enum": list(SORTS)}},
                {"name": "cursor", "in": "query", "schema": _TEXT,
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
                "400": _error(_ANY_400 + "bad_host; bad_search: an unknown sort, a number out "
                              "of its range, q too long, a damaged cursor."),
                **_COMMON,
            },
        }
    },
    "/api/v1/communities/{community_id}": {
        "get": {
            "operationId": "getCommunity",
            "summary": "One listed community with its channels, rates, audience and figures.",
            "parameters": [{"name": "community_id", "in": "path", "required": True,
                            "schema": _ID}],
            "responses": _responses(
                {"200": {"description": "The community.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/CommunityDetail"}}}}},
                s404=_error("No listed community has this id (not_found)."),
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

_BRIEF_ID = [{"name": "brief_id", "in": "path", "required": True, "schema": _ID}]
_NO_BRIEF = _error("No brief of this organisation has this id (not_found).")
#: From a response that carries a brief to every operation on it: a brief's life, walkable.
_BRIEF_LINKS = {
    name: {"operationId": operation, "parameters": {"brief_id": "$response.body#/id"}}
    for name, operation in (
        ("GetBrief", "getBrief"),
        ("ReplaceBrief", "replaceBrief"),
        ("UpdateBrief", "updateBrief"),
        ("SubmitBrief", "submitBrief"),
        ("BriefMatches", "briefMatches"),
        ("BriefPlan", "briefPlan"),
    )
}

_QUANTILES = {
    "type": "object",
    "required": ["p10", "p50", "p90"],
    "properties": {q: {"type": "integer"} for q in ("p10", "p50", "p90")},
}
_EXPLAINED = {
    "type": "object",
    "required": ["code", "en", "he"],
    "properties": {"component": {"type": "string"}, "code": {"type": "string"},
                   "params": {"type": "object"}, "en": {"type": "string"},
                   "he": {"type": "string"}},
}  # fmt: skip
_MATCHES = {
    "type": "object",
    "required": ["brief_id", "rows", "total", "eligible", "gates", "weights"],
    "properties": {
        "brief_id": {"type": "integer"},
        "total": {"type": "integer", "description": "Listed communities considered."},
        "eligible": {"type": "integer", "description": "Those that pass every rule (gate)."},
        "rows": {"type": "array", "items": {
            "type": "object",
            "required": ["rank", "community_id", "name", "score", "components", "explanations"],
            "properties": {
                "rank": {"type": "integer"}, "community_id": {"type": "integer"},
                "name": {"type": "string"}, "score": {"type": "number"},
                "components": {"type": "object", "additionalProperties": {"type": "number"}},
                "explanations": {"type": "array", "items": _EXPLAINED},
                "flags": {"type": "array", "items": {"type": "string"}},
            },
        }},
        "gates": {"type": "array", "items": {"type": "object"}},
        "weights": {"type": "object", "additionalProperties": {"type": "number"}},
        "diagnosis": {"type": ["object", "null"]},
        "notes": {"type": "array", "items": _EXPLAINED},
    },
}  # fmt: skip
_PLAN = {
    "type": "object",
    "required": ["id", "brief_id", "status", "lines", "currency", "budget_minor", "cost_minor",
                 "reach", "value_minor"],
    "properties": {
        "id": {"type": "integer"}, "brief_id": {"type": "integer"},
        "status": {"enum": ["proposed", "approved", "changes_requested"]},
        "currency": {"type": "string"}, "budget_minor": {"type": "integer"},
        "cost_minor": {"type": "integer", "description": "What the brand pays, minor units."},
        "budget_left_minor": {"type": "integer"},
        "reach": _QUANTILES, "value_minor": _QUANTILES,
        "gross_reach_p50": {"type": "integer", "description": "Reach before removing overlap."},
        "lines": {"type": "array", "items": {"type": "object", "properties": {
            "community_id": {"type": "integer"}, "community_name": {"type": "string"},
            "platform": {"type": "string"}, "placement": {"type": "string"},
            "brand_price_minor": {"type": "integer"}, "reach": _QUANTILES,
            "value_minor": _QUANTILES, "unique_share_bp": {"type": "integer"},
        }}},
        "reasons": {"type": "array", "items": {"type": "object"}},
        "notes": {"type": "array", "items": {"type": "object"}},
    },
}  # fmt: skip


def _brief_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Brief"}}}, "links": _BRIEF_LINKS}  # fmt: skip


_BAD_JSON = (
    "bad_json: the body is not a JSON object Kesher accepts (too deep, too large, "
    "numbers beyond 64 bits)"
)
#: Rules a JSON Schema cannot state: community ids must name listed communities, dates are
#: compared with today, a draft needs a title or a goal, a submitted brief must be complete.
_INVALID = _error(
    "The brief breaks a rule (invalid_brief, with `problems`: each field, a "
    "stable code and a message): unknown or unlisted communities, dates in the "
    "past or out of order, neither a title nor a goal, or, to submit, anything "
    "missing."
)

_BRIEF_BODY = {
    "required": True,
    "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/BriefInput"},
        "example": {"title": "נעלי ריצה לחורף", "goal": "awareness", "topics": ["fitness"],
                    "languages": ["he"], "budget_minor": 200_000, "currency": "ILS",
                    "kpis": {"reach": 20_000}},
    }},
}  # fmt: skip
#: PATCH sends only the fields it changes: the same fields, none required.
_BRIEF_PATCH = {
    "required": True,
    "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/BriefFields"},
        "example": {"goal": "market_education", "kpis": {"reach": 30_000}},
    }},
}  # fmt: skip


def _brief_input() -> dict[str, Any]:
    """What POST and PUT accept: a draft that says a title or a goal.

    That is the one draft rule a JSON Schema can state, so the document states it (and the
    body check answers it as invalid_body, code title_or_goal, like the brief's own rule).
    """
    schema = draft_schema()
    schema["anyOf"] = [
        {"required": ["goal"], "properties": {"goal": {"type": "string"}}},
        {"required": ["title"], "properties": {"title": {"pattern": "\\S"}}},
    ]
    schema[bodies.PROBLEM_KEYWORD] = {
        "field": "title",
        "code": "title_or_goal",
        "message": "a draft needs a title or a goal",
    }
    return schema


def _brief_fields() -> dict[str, Any]:
    """A brief's fields, each optional: a PATCH body, and a brief as stored (in answers)."""
    schema = draft_schema()
    schema["title"] = "Kesher brief (fields)"
    return schema


PATHS.update({
    "/api/v1/briefs": {
        "get": {
            "operationId": "listBriefs",
            "summary": "The token's organisation's briefs, newest first.",
            "parameters": [{"name": "status", "in": "query", "style": "form", "explode": True,
                            "schema": {"type": "array",
                                       "items": {"enum": [s.value for s in BriefStatus]}},
                            "description": "Only briefs in these states (repeat the "
                                           "parameter); an unknown state is a 400."}],
            "responses": _responses({
                "200": {"description": "The briefs (without history and comments).",
                        "content": {"application/json": {"schema": {
                            "type": "object", "required": ["items"],
                            "properties": {"items": {"type": "array", "items": {
                                "$ref": "#/components/schemas/Brief"}}}}}},
                        "links": {name: {**link, "parameters": {
                            "brief_id": "$response.body#/items/0/id"}}
                                  for name, link in _BRIEF_LINKS.items()}},
            }, "bad_parameter: a status that is not one of the brief's states"),
        },
        "post": {
            "operationId": "createBrief",
            "summary": "Create a draft brief (a title or a goal is enough); ?submit=1 submits it "
                       "in the same request, or nothing is created.",
            "parameters": [{"name": "submit", "in": "query",
                            "schema": {"type": "string", "enum": list(SUBMIT_WORDS)}}],
            "requestBody": _BRIEF_BODY,
            "responses": _responses(
                {"201": {**_brief_response("The new brief; Location names it."),
                         "headers": {"Location": {"schema": {"type": "string"},
                                                  "description": "The brief's address."}}}},
                "bad_json: the body is not a JSON object Kesher accepts (too deep, too large, "
                "numbers beyond 64 bits); not_a_boolean: submit is not a yes/no",
                s413=_error("The body is larger than 25 MB (payload_too_large)."),
                s422=_INVALID,
            ),
        },
    },
    "/api/v1/briefs/{brief_id}": {
        "get": {
            "operationId": "getBrief",
            "summary": "One brief with its history, comments and what blocks its submission.",
            "parameters": _BRIEF_ID,
            "responses": _responses({"200": _brief_response("The brief.")}, s404=_NO_BRIEF),
        },
        "put": {
            "operationId": "replaceBrief",
            "summary": "Replace what a draft (or a brief sent back for changes) says.",
            "parameters": _BRIEF_ID,
            "requestBody": _BRIEF_BODY,
            "responses": _responses(
                {"200": _brief_response("The brief as saved.")}, _BAD_JSON, s404=_NO_BRIEF,
                s409=_error("The brief was submitted and can no longer be edited "
                            "(invalid_transition)."),
                s413=_error("The body is larger than 25 MB (payload_too_large)."),
                s422=_INVALID,
            ),
        },
        "patch": {
            "operationId": "updateBrief",
            "summary": "Change some top-level fields of a draft; the others stay.",
            "parameters": _BRIEF_ID,
            "requestBody": _BRIEF_PATCH,
            "responses": _responses(
                {"200": _brief_response("The brief as saved.")}, _BAD_JSON, s404=_NO_BRIEF,
                s409=_error("The brief was submitted and can no longer be edited "
                            "(invalid_transition)."),
                s413=_error("The body is larger than 25 MB (payload_too_large)."),
                s422=_INVALID,
            ),
        },
    },
    "/api/v1/briefs/{brief_id}/submit": {
        "post": {
            "operationId": "submitBrief",
            "summary": "Submit a draft to the agency; every missing or wrong field is listed.",
            "parameters": _BRIEF_ID,
            "responses": _responses(
                {"200": _brief_response("The submitted brief.")}, s404=_NO_BRIEF,
                s409=_error("The brief is not a draft (invalid_transition)."),
                s422=_error("The brief is incomplete (invalid_brief, with `problems`)."),
            ),
        },
    },
    "/api/v1/briefs/{brief_id}/matches": {
        "get": {
            "operationId": "briefMatches",
            "summary": "Listed communities ranked for the brief, each component explained in "
                       "Hebrew and English; when the brief's rules leave (almost) none, a "
                       "diagnosis says which rule emptied the list and what to relax.",
            "parameters": [*_BRIEF_ID, {"name": "top", "in": "query",
                                        "schema": {"type": "integer", "minimum": 1,
                                                   "maximum": 100, "default": 20}}],
            "responses": _responses(
                {"200": {"description": "The ranked list.",
                         "content": {"application/json": {"schema": _MATCHES}}}},
                "top is not a whole number from 1 to 100 (bad_parameter)", s404=_NO_BRIEF,
                s409=_error("The brief is incomplete, so it cannot be matched yet."),
            ),
        },
    },
    "/api/v1/briefs/{brief_id}/plan": {
        "get": {
            "operationId": "briefPlan",
            "summary": "The media plan the agency proposed: lines, cost, deduplicated reach "
                       "and value as P10/P50/P90 (owners' rates and the agency margin omitted).",
            "parameters": _BRIEF_ID,
            "responses": _responses(
                {"200": {"description": "The proposed (or decided) plan.",
                         "content": {"application/json": {"schema": _PLAN}}}},
                s404=_error("No such brief, or no plan proposed yet (not_found)."),
            ),
        },
    },
})  # fmt: skip

_PROBLEM = {
    "type": "object",
    "required": ["field", "code", "message"],
    "properties": {
        "field": {
            "type": "string",
            "description": "Where: a dotted path in the body "
            "(goal, kpis.sales, topics.0; `body` for the body itself).",
        },
        "code": {
            "type": "string",
            "description": "Stable code: wrong_type, unknown_field, "
            "bad_date, too_long, out_of_range … (invalid_body); in_the_past, no_target … "
            "(invalid_brief).",
        },
        "message": {"type": "string", "description": "What is wrong, in English."},
    },
}
_BRIEF = {
    "type": "object",
    "required": ["id", "status", "compliance", "brief", "warnings", "created_at", "updated_at"],
    "properties": {
        "id": {"type": "integer"},
        "status": {"enum": [s.value for s in BriefStatus]},
        "compliance": {"type": "object", "required": ["status"], "properties": {
            "status": {"enum": ["not_required", "pending", "approved", "rejected"]},
            "note": {"type": "string"},
            "decided_at": {"type": ["string", "null"], "format": "date-time"}}},
        "brief": {"$ref": "#/components/schemas/BriefFields"},
        "warnings": {"type": "array", "description": "KPI targets the goal is unlikely to meet, "
                     "with the reason.", "items": {"$ref": "#/components/schemas/BriefProblem"}},
        "problems": {"type": "array", "description": "What blocks submission (drafts only).",
                     "items": {"$ref": "#/components/schemas/BriefProblem"}},
        "history": {"type": "array", "items": {"type": "object", "properties": {
            "kind": {"enum": ["status", "compliance"]}, "from": {"type": "string"},
            "to": {"type": "string"}, "by": {"type": "string"}, "note": {"type": "string"},
            "at": {"type": "string", "format": "date-time"}}}},
        "comments": {"type": "array", "items": {"type": "object", "properties": {
            "by": {"type": "string"}, "from_agency": {"type": "boolean"},
            "body": {"type": "string"}, "at": {"type": "string", "format": "date-time"}}}},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "submitted_at": {"type": ["string", "null"], "format": "date-time"},
    },
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


# --- deals (a brand's view: brand prices, never the owner's payout or the margin) -----------

#: Deals per page of GET /deals by default; at most MAX_PER_PAGE, as for communities.
PER_PAGE = 20
#: A page cursor: the id the previous page ended on.
CURSOR = re.compile(r"[1-9][0-9]{0,9}")


def _deal_schemas() -> dict[str, Any]:
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


def _deal_paths() -> dict[str, Any]:
    """GET /deals, /deals/{id}, /deals/{id}/offers and /deals/{id}/agreement."""
    deal_id = [
        {
            "name": "deal_id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        }
    ]
    missing = _error("No deal of this organisation has this id (deal_not_found).")
    link = {"deal_id": "$response.body#/items/0/id"}

    def ok(description: str, schema: str) -> dict[str, Any]:
        return {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        }

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
            "responses": _responses({
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
            "responses": _responses({"200": {
                **ok("The deal.", "Deal"),
                "links": _deal_brief_links("$response.body#/brief_id")}}, s404=missing),
        }},
        "/api/v1/deals/{deal_id}/offers": {"get": {
            "operationId": "getDealOffers",
            "summary": "Every offer of the deal (the first and any amendments), each with its "
                       "immutable rounds and what changed between them, at brand prices.",
            "parameters": deal_id,
            "responses": _responses({
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
            "responses": _responses(
                {"200": ok("The agreement in force.", "DealAgreement")},
                s404=_error("No deal of this organisation has this id (deal_not_found), "
                            "or the deal has no agreement in force yet (not_found)."),
            ),
        }},
        "/api/v1/deals/{deal_id}/creative": {"get": {
            "operationId": "getDealCreative",
            "summary": "The post of each placement of the deal: its current text, status and "
                       "the approvals standing on it (not_started before anyone drafts it).",
            "parameters": deal_id,
            "responses": _responses({"200": {
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


PATHS.update(_deal_paths())


# --- delivery (a brand's view of its campaigns' posts and proofs; no money) -----------------

_DATE = {"type": "string", "format": "date"}
_MOMENT = {"type": ["string", "null"], "format": "date-time"}

#: A post of a campaign, as a brand token reads it.
_POST = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "deal_id", "placement_id", "community_id", "community_name", "asset_id",
                 "placement_type", "number", "count", "opens_on", "due_on", "status",
                 "posted_at", "live_url", "links"],
    "properties": {
        "id": {"type": "integer"}, "deal_id": {"type": "integer"},
        "placement_id": {"type": "integer"}, "community_id": {"type": "integer"},
        "community_name": {"type": "string"}, "asset_id": {"type": "integer"},
        "placement_type": {"enum": [p.value for p in PlacementType]},
        "number": {"type": "integer", "minimum": 1,
                   "description": "This post's number among the placement's runs."},
        "count": {"type": "integer", "minimum": 1,
                  "description": "How many runs the placement bought."},
        "opens_on": {**_DATE, "description": "The post's own slot opens on this day."},
        "due_on": {**_DATE, "description": "The post is due by this day (the slot's last)."},
        "status": {"enum": [s.value for s in PostStatus]},
        "posted_at": _MOMENT,
        "live_url": {"type": ["string", "null"]},
        "links": {"type": "object", "required": ["proofs"], "additionalProperties": False,
                  "properties": {"proofs": {"type": "string"}}},
    },
}  # fmt: skip

#: A proof of posting, without its screenshot's bytes.
_PROOF = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "submitted_at", "live_url", "content_type", "width", "height", "sha256",
                 "phash", "decision", "reason", "reason_text", "decided_at", "disclosure_ok",
                 "same_as_creative"],
    "properties": {
        "id": {"type": "integer"},
        "submitted_at": {"type": "string", "format": "date-time"},
        "live_url": {"type": "string"},
        "content_type": {"enum": ["image/png", "image/jpeg", "image/webp"]},
        "width": {"type": "integer"}, "height": {"type": "integer"},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "phash": {"type": "string", "pattern": "^[0-9a-f]{16}$",
                  "description": "64-bit perceptual hash (imagehash.phash) of the screenshot."},
        "decision": {"enum": ["pending", "verified", "disputed"]},
        "reason": {"type": ["string", "null"]},
        "reason_text": {"type": ["string", "null"]},
        "decided_at": _MOMENT,
        "disclosure_ok": {"type": ["boolean", "null"],
                          "description": "Whether the pasted post text carries the agreed "
                                         "disclosure wording (null: no text was pasted)."},
        "same_as_creative": {"type": ["boolean", "null"],
                             "description": "Whether the pasted text is the approved post "
                                            "(null: no text was pasted)."},
    },
}  # fmt: skip


def _delivery_paths() -> dict[str, Any]:
    """GET /campaigns/{brief_id}/posts and /posts/{post_id}/proofs."""

    def path_id(name: str) -> list[dict[str, Any]]:
        return [{"name": name, "in": "path", "required": True, "schema": _ID}]

    return {
        "/api/v1/campaigns/{brief_id}/posts": {"get": {
            "operationId": "getCampaignPosts",
            "summary": "Every post of the campaign of one of the organisation's briefs, by due "
                       "date: its window, status and live link (none until a deal is agreed).",
            "parameters": path_id("brief_id"),
            "responses": _responses({"200": {
                "description": "The campaign's posts.",
                "content": {"application/json": {"schema": {
                    "type": "object", "required": ["brief_id", "items"],
                    "properties": {"brief_id": {"type": "integer"},
                                   "items": {"type": "array", "items": _POST}}}}},
                "links": {"GetFirstPostProofs": {
                    "operationId": "getPostProofs",
                    "parameters": {"post_id": "$response.body#/items/0/id"}}},
            }}, s404=_NO_BRIEF),
        }},
        "/api/v1/posts/{post_id}/proofs": {"get": {
            "operationId": "getPostProofs",
            "summary": "Every proof of posting of one post, oldest first: the live link, the "
                       "screenshot's hashes, the text checks and staff's decision.",
            "parameters": path_id("post_id"),
            "responses": _responses({"200": {
                "description": "The post's proofs.",
                "content": {"application/json": {"schema": {
                    "type": "object", "required": ["post_id", "status", "items"],
                    "properties": {"post_id": {"type": "integer"},
                                   "status": {"enum": [s.value for s in PostStatus]},
                                   "items": {"type": "array", "items": _PROOF}}}}},
            }}, s404=_error("No post of this organisation has this id (post_not_found).")),
        }},
    }  # fmt: skip


# --- tracked links (a campaign's clicks and promo-code results, as the brand sees them) -------

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


def _link_schemas() -> dict[str, Any]:
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


def _link_paths() -> dict[str, Any]:
    """GET /briefs/{id}/clicks and /placements/{id}/clicks."""

    def ok(description: str, schema: str) -> dict[str, Any]:
        return {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        }

    return {
        "/api/v1/briefs/{brief_id}/clicks": {"get": {
            "operationId": "getBriefClicks",
            "summary": "A campaign's tracked links: clicks (bots and repeats told apart) and "
                       "promo-code redemptions, in all and per placement.",
            "parameters": _BRIEF_ID,
            "responses": _responses({"200": ok("The campaign's clicks.", "CampaignClicks")},
                                    s404=_NO_BRIEF),
        }},
        "/api/v1/placements/{placement_id}/clicks": {"get": {
            "operationId": "getPlacementClicks",
            "summary": "One placement's tracked link, its clicks, its promo code and "
                       "redemptions.",
            "parameters": [{"name": "placement_id", "in": "path", "required": True,
                            "schema": _ID}],
            "responses": _responses(
                {"200": ok("The placement's clicks.", "PlacementClicksDetail")},
                s404=_error("No placement of this organisation has this id "
                            "(placement_not_found)."),
            ),
        }},
    }  # fmt: skip


PATHS.update(_delivery_paths())
PATHS.update(_link_paths())


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
        "paths": bodies.document_body_checks(PATHS),
        "components": {
            "securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": ERROR_SCHEMA,
                "Community": _COMMUNITY,
                "CommunityDetail": _COMMUNITY_DETAIL,
                "PlacementEstimate": _ESTIMATE,
                "BriefInput": _brief_input(),
                "BriefFields": _brief_fields(),
                "BriefProblem": _PROBLEM,
                "Brief": _BRIEF,
                **_deal_schemas(),
                **_link_schemas(),
                **_results_components(),
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


# --- results (a campaign's figures and results, as the brand sees them; no margin) -----------


def _results_components() -> dict[str, Any]:
    """Schemas of the results endpoints (the field list is the endpoint's own)."""
    figure = {"type": ["number", "null"],
              "description": "Unknown (nothing recorded it) is null, never 0."}  # fmt: skip
    row_properties = {
        **dict.fromkeys(BRAND_FIELDS, figure),
        "self_reported": {"type": "boolean",
                          "description": "Some figure of the row is the owner's own word."},
        "clicks_suspect": {"type": "boolean",
                           "description": "More unique visitors on a link than the group's "
                           "members can account for (members × 1.5 in closed groups, × 10 on "
                           "open channels): check for forwarding or bots."},
    }  # fmt: skip
    required = [*BRAND_FIELDS, "self_reported", "clicks_suspect"]

    def row(extra: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "additionalProperties": False,
            "required": [*extra, *required],
            "properties": {**extra, **row_properties},
        }

    return {
        "ResultFigures": row({}),
        "CommunityResults": row({"community_id": {"type": "integer"}}),
        "ChannelResults": row({"platform": {"enum": [p.value for p in Platform]}}),
        "PlacementResults": row({
            "placement_id": {"type": "integer"},
            "community_id": {"type": "integer"},
            "platform": {"enum": [p.value for p in Platform]},
            "est_reach_p10": figure,
            "est_reach_p90": figure,
            "in_range": {"type": ["boolean", "null"],
                         "description": "Whether the reach recorded fell inside the estimate's "
                                        "P10–P90 range (null: not both known)."},
        }),
        "CampaignResults": {
            "type": "object",
            "additionalProperties": False,
            "required": ["brief_id", "currency", "placements_count", "coverage", "totals", "kpis",
                         "communities", "channels", "placements"],
            "properties": {
                "brief_id": {"type": "integer"},
                "currency": {"type": "string"},
                "placements_count": {"type": "integer", "minimum": 0},
                "coverage": {"type": ["number", "null"],
                             "description": "Share of measured placements whose reach was "
                                            "inside the estimate's P10–P90 range."},
                "totals": {"$ref": "#/components/schemas/ResultFigures"},
                "kpis": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False,
                    "required": ["kind", "target", "actual", "met"],
                    "properties": {
                        "kind": {"enum": [k.value for k in KpiKind]},
                        "target": {"type": "integer"},
                        "actual": figure,
                        "met": {"type": ["boolean", "null"]},
                    },
                }},
                "communities": {"type": "array",
                                "items": {"$ref": "#/components/schemas/CommunityResults"}},
                "channels": {"type": "array",
                             "items": {"$ref": "#/components/schemas/ChannelResults"}},
                "placements": {"type": "array",
                               "items": {"$ref": "#/components/schemas/PlacementResults"}},
            },
        },
        "CampaignMetrics": {
            "type": "object",
            "additionalProperties": False,
            "required": ["brief_id", "items"],
            "properties": {
                "brief_id": {"type": "integer"},
                "items": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False,
                    "required": ["id", "placement_id", "metric", "value", "evidence",
                                 "self_reported", "observed_on", "source"],
                    "properties": {
                        "id": {"type": "integer"},
                        "placement_id": {"type": "integer"},
                        "metric": {"enum": [m.value for m in RESULT_METRICS]},
                        "value": {"type": "integer", "minimum": 0},
                        "evidence": {"enum": [t.slug for t in EvidenceTier]},
                        "self_reported": {"type": "boolean"},
                        "observed_on": {"type": "string", "format": "date"},
                        "source": {"type": "string"},
                    },
                }},
            },
        },
    }  # fmt: skip


def _results_paths() -> dict[str, Any]:
    """GET /briefs/{id}/results and /briefs/{id}/metrics."""

    def ok(description: str, schema: str) -> dict[str, Any]:
        return {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        }

    return {
        "/api/v1/briefs/{brief_id}/results": {"get": {
            "operationId": "getBriefResults",
            "summary": "A campaign's results: totals, each KPI of the brief against its target, "
                       "and results per community, channel and placement (no margin, no payouts).",
            "parameters": _BRIEF_ID,
            "responses": _responses({"200": ok("The campaign's results.", "CampaignResults")},
                                    s404=_NO_BRIEF),
        }},
        "/api/v1/briefs/{brief_id}/metrics": {"get": {
            "operationId": "getBriefMetrics",
            "summary": "Every figure recorded on the campaign's placements, newest first, each "
                       "with its evidence tier (self-reported figures are marked).",
            "parameters": _BRIEF_ID,
            "responses": _responses({"200": ok("The campaign's figures.", "CampaignMetrics")},
                                    s404=_NO_BRIEF),
        }},
    }  # fmt: skip


PATHS.update(_results_paths())
