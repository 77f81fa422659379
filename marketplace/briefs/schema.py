"""The JSON Schema of the brief JSON format, built from the vocabularies it uses.

``docs/brief.schema.json`` is this schema written out (a test keeps the two identical), and
the OpenAPI document reuses it for the brief endpoints. It describes a *complete* brief (what
:func:`campaigns.brief.parse_brief` accepts); a draft may leave out the goal (if it has a
title), the budget and the audience — see :func:`draft_schema`.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from campaigns.brief import (
    AUDIENCE_DIMENSIONS,
    MAX_BUDGET_MINOR,
    MAX_MESSAGE,
    RATE_KPIS,
    Goal,
    KpiKind,
)
from campaigns.brief import RegulatedCategory as Regulated
from marketplace.catalog import vocab
from pricing.money import CURRENCY_EXPONENTS
from pricing.taxonomy import Platform

SCHEMA_ID = "https://kesher.example/schemas/brief.schema.json"


def _enum_list(values: list[str], description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"enum": values},
        "uniqueItems": True,
        "description": description,
    }


def _audience() -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for dimension in AUDIENCE_DIMENSIONS:
        buckets = vocab.AUDIENCE_DIMENSIONS[dimension]
        items: dict[str, Any] = (
            {"enum": list(buckets)} if buckets is not None else {"type": "string", "minLength": 1}
        )
        properties[dimension] = {"type": "array", "items": items, "uniqueItems": True}
    return {
        "type": "object",
        "description": "The buckets wanted per audience dimension; a dimension left out means "
        "anyone. occupation and household are free words (professions, life stage).",
        "properties": properties,
        "additionalProperties": False,
    }


def _kpis() -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for kind in KpiKind:
        if kind in RATE_KPIS:
            properties[kind.value] = {
                "type": "integer",
                "minimum": 1,
                "maximum": 10_000,
                "description": "A rate in basis points (450 = 4.5%).",
            }
        else:
            properties[kind.value] = {"type": "integer", "minimum": 1}
    return {
        "type": "object",
        "description": "Targets: counts are whole numbers, rates basis points (10,000 = 100%). "
        "Targets the goal cannot honestly promise are allowed, with a warning.",
        "properties": properties,
        "additionalProperties": False,
    }


def brief_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a complete brief."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Kesher brief",
        "description": "What a brand wants from a community campaign. Money is integer minor "
        "units (agorot for ILS); dates are ISO 8601 (YYYY-MM-DD); rates are basis points.",
        "type": "object",
        "required": ["goal", "budget_minor"],
        "anyOf": [
            {"required": ["audience"], "properties": {"audience": {"minProperties": 1}}},
            {"required": ["topics"], "properties": {"topics": {"minItems": 1}}},
            {"required": ["message"], "properties": {"message": {"minLength": 1}}},
        ],
        "additionalProperties": False,
        "properties": {
            "goal": {"enum": [g.value for g in Goal], "description": "What the campaign is for."},
            "title": {"type": "string", "maxLength": 200},
            "message": {
                "type": "string",
                "maxLength": MAX_MESSAGE,
                "description": "The message, in a few sentences.",
            },
            "audience": _audience(),
            "topics": _enum_list(list(vocab.TOPICS), "Catalog topics to match on."),
            "avoid_topics": _enum_list(list(vocab.TOPICS), "Topics the brand must stay away from."),
            "exclude_communities": {
                "type": "array",
                "items": {"type": "integer", "minimum": 1},
                "uniqueItems": True,
                "description": "Ids of listed communities the brand does not want.",
            },
            "must_have_communities": {
                "type": "array",
                "items": {"type": "integer", "minimum": 1},
                "uniqueItems": True,
                "description": "Ids of listed communities the plan must include.",
            },
            "platforms": _enum_list(
                [p.value for p in Platform], "Channels allowed; empty means any."
            ),
            "languages": _enum_list(
                list(vocab.LANGUAGES), "Languages the campaign speaks; empty means any."
            ),
            "regions": _enum_list(list(vocab.REGIONS), "Where it runs; empty means anywhere."),
            "budget_minor": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_BUDGET_MINOR,
                "description": "The budget in minor units of `currency`.",
            },
            "currency": {"enum": list(CURRENCY_EXPONENTS), "default": "ILS"},
            "starts_on": {"type": ["string", "null"], "format": "date"},
            "ends_on": {"type": ["string", "null"], "format": "date"},
            "kpis": _kpis(),
            "regulated": _enum_list(
                [r.value for r in Regulated],
                "Regulated categories of the brand or product: matching keeps to communities "
                "whose rules allow them, and the agency's compliance approval is needed.",
            ),
        },
    }


def draft_schema() -> dict[str, Any]:
    """The schema of a draft: the same fields, none required, a budget of 0 allowed."""
    schema = copy.deepcopy(brief_schema())
    for key in ("$schema", "$id", "required", "anyOf"):
        schema.pop(key)
    schema["title"] = "Kesher brief (draft)"
    schema["description"] = (
        "A brief as stored: a draft needs only a title or a goal; submitting checks it against "
        "the complete brief schema (docs/brief.schema.json)."
    )
    schema["properties"]["goal"] = {"enum": [*(g.value for g in Goal), None]}
    schema["properties"]["budget_minor"] = {
        "type": "integer",
        "minimum": 0,
        "maximum": MAX_BUDGET_MINOR,
    }
    return schema


def schema_text() -> str:
    """The schema as written to docs/brief.schema.json."""
    return json.dumps(brief_schema(), ensure_ascii=False, indent=2) + "\n"
