"""The briefs' part of the OpenAPI document: a brief's life, its matches and its proposed plan."""

from __future__ import annotations

from typing import Any

from marketplace.api import bodies
from marketplace.api.spec.common import BRIEF_ID, NO_BRIEF, error, responses
from marketplace.briefs.models import BriefStatus
from marketplace.briefs.schema import draft_schema

#: The values of ?submit= on POST /briefs, exactly (the server refuses any other, even "Yes").
SUBMIT_WORDS = ("0", "1", "true", "false", "on", "off", "yes", "no")

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
_INVALID = error(
    "The brief breaks a rule (invalid_brief, with `problems`: each field, a "
    "stable code and a message): unknown or unlisted communities, dates in the "
    "past or out of order, neither a title nor a goal, or, to submit, anything "
    "missing."
)
_TOO_LARGE = error("The body is larger than 25 MB (payload_too_large).")


def _saved_responses() -> dict[str, Any]:
    """The answers to replacing or patching a draft: the brief as saved, or why not."""
    return responses(
        {"200": _brief_response("The brief as saved.")}, _BAD_JSON, s404=NO_BRIEF,
        s409=error("The brief was submitted and can no longer be edited (invalid_transition)."),
        s413=_TOO_LARGE,
        s422=_INVALID,
    )  # fmt: skip


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


_PATHS: dict[str, Any] = {
    "/api/v1/briefs": {
        "get": {
            "operationId": "listBriefs",
            "summary": "The token's organisation's briefs, newest first.",
            "parameters": [{"name": "status", "in": "query", "style": "form", "explode": True,
                            "schema": {"type": "array",
                                       "items": {"enum": [s.value for s in BriefStatus]}},
                            "description": "Only briefs in these states (repeat the "
                                           "parameter); an unknown state is a 400."}],
            "responses": responses({
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
            "responses": responses(
                {"201": {**_brief_response("The new brief; Location names it."),
                         "headers": {"Location": {"schema": {"type": "string"},
                                                  "description": "The brief's address."}}}},
                f"{_BAD_JSON}; not_a_boolean: submit is not a yes/no",
                s413=_TOO_LARGE,
                s422=_INVALID,
            ),
        },
    },
    "/api/v1/briefs/{brief_id}": {
        "get": {
            "operationId": "getBrief",
            "summary": "One brief with its history, comments and what blocks its submission.",
            "parameters": BRIEF_ID,
            "responses": responses({"200": _brief_response("The brief.")}, s404=NO_BRIEF),
        },
        "put": {
            "operationId": "replaceBrief",
            "summary": "Replace what a draft (or a brief sent back for changes) says.",
            "parameters": BRIEF_ID,
            "requestBody": _BRIEF_BODY,
            "responses": _saved_responses(),
        },
        "patch": {
            "operationId": "updateBrief",
            "summary": "Change some top-level fields of a draft; the others stay.",
            "parameters": BRIEF_ID,
            "requestBody": _BRIEF_PATCH,
            "responses": _saved_responses(),
        },
    },
    "/api/v1/briefs/{brief_id}/submit": {
        "post": {
            "operationId": "submitBrief",
            "summary": "Submit a draft to the agency; every missing or wrong field is listed.",
            "parameters": BRIEF_ID,
            "responses": responses(
                {"200": _brief_response("The submitted brief.")}, s404=NO_BRIEF,
                s409=error("The brief is not a draft (invalid_transition)."),
                s422=error("The brief is incomplete (invalid_brief, with `problems`)."),
            ),
        },
    },
    "/api/v1/briefs/{brief_id}/matches": {
        "get": {
            "operationId": "briefMatches",
            "summary": "Listed communities ranked for the brief, each component explained in "
                       "Hebrew and English; when the brief's rules leave (almost) none, a "
                       "diagnosis says which rule emptied the list and what to relax.",
            "parameters": [*BRIEF_ID, {"name": "top", "in": "query",
                                        "schema": {"type": "integer", "minimum": 1,
                                                   "maximum": 100, "default": 20}}],
            "responses": responses(
                {"200": {"description": "The ranked list.",
                         "content": {"application/json": {"schema": _MATCHES}}}},
                "top is not a whole number from 1 to 100 (bad_parameter)", s404=NO_BRIEF,
                s409=error("The brief is incomplete, so it cannot be matched yet."),
            ),
        },
    },
    "/api/v1/briefs/{brief_id}/plan": {
        "get": {
            "operationId": "briefPlan",
            "summary": "The media plan the agency proposed: lines, cost, deduplicated reach "
                       "and value as P10/P50/P90 (owners' rates and the agency margin omitted).",
            "parameters": BRIEF_ID,
            "responses": responses(
                {"200": {"description": "The proposed (or decided) plan.",
                         "content": {"application/json": {"schema": _PLAN}}}},
                s404=error("No such brief, or no plan proposed yet (not_found)."),
            ),
        },
    },
}  # fmt: skip

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


def paths() -> dict[str, Any]:
    """/briefs, /briefs/{id}, its submit, its matches and its plan."""
    return _PATHS


def schemas() -> dict[str, Any]:
    """A brief as sent (whole, or some fields), its problems, and a brief as answered."""
    return {
        "BriefInput": _brief_input(),
        "BriefFields": _brief_fields(),
        "BriefProblem": _PROBLEM,
        "Brief": _BRIEF,
    }
