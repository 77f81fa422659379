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
    BRIEF_FIELDS,
    MAX_BUDGET_MINOR,
    MAX_KPI_COUNT,
    RATE_KPIS,
    BriefField,
    FieldKind,
    Goal,
    KpiKind,
)
from marketplace.catalog import vocab
from marketplace.safety import MAX_ID
from pricing.money import CURRENCY_EXPONENTS

SCHEMA_ID = "https://kesher.example/schemas/brief.schema.json"


def _audience(description: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for dimension in AUDIENCE_DIMENSIONS:
        buckets = vocab.AUDIENCE_DIMENSIONS[dimension]
        items: dict[str, Any] = (
            {"enum": list(buckets)} if buckets is not None else {"type": "string", "minLength": 1}
        )
        properties[dimension] = {"type": "array", "items": items}  # a repeat counts once
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "additionalProperties": False,
    }


def _kpis(description: str) -> dict[str, Any]:
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
            properties[kind.value] = {"type": "integer", "minimum": 1, "maximum": MAX_KPI_COUNT}
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "additionalProperties": False,
    }


#: The catalog vocabularies a WORDS field may name.
VOCABULARIES: dict[str, Any] = {
    "topics": vocab.TOPICS,
    "languages": vocab.LANGUAGES,
    "regions": vocab.REGIONS,
}


def field_schema(spec_field: BriefField) -> dict[str, Any]:
    """The JSON Schema of one brief field of a complete brief, from the spec's field table."""
    kind, description = spec_field.kind, spec_field.description
    schema: dict[str, Any]
    if kind is FieldKind.AUDIENCE:
        return _audience(description)
    if kind is FieldKind.KPIS:
        return _kpis(description)
    if kind is FieldKind.CHOICE:
        assert spec_field.enum is not None
        schema = {"enum": [e.value for e in spec_field.enum]}
    elif kind is FieldKind.TEXT:
        schema = {"type": "string", "maxLength": spec_field.max_length}
    elif kind in (FieldKind.WORDS, FieldKind.CHOICES):
        values = (
            list(VOCABULARIES[spec_field.vocabulary])
            if kind is FieldKind.WORDS
            else [e.value for e in spec_field.enum or ()]
        )
        schema = {"type": "array", "items": {"enum": values}}
    elif kind is FieldKind.IDS:
        schema = {
            "type": "array",
            "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        }
    elif kind is FieldKind.MONEY:
        schema = {
            "type": ["integer", "null"] if spec_field.optional else "integer",
            "minimum": 1,
            "maximum": MAX_BUDGET_MINOR,
        }
    elif kind is FieldKind.CURRENCY:
        schema = {"enum": list(CURRENCY_EXPONENTS), "default": "ILS"}
    else:  # DATE
        schema = {"type": ["string", "null"], "format": "date"}
    if description:
        schema["description"] = description
    return schema


def brief_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a complete brief."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Kesher brief",
        "description": "What a brand wants from a community campaign. Money is integer minor "
        "units (agorot for ILS); dates are ISO 8601 (YYYY-MM-DD); rates are basis points. "
        "Lists are sets: a value repeated counts once.",
        "type": "object",
        "required": ["goal", "budget_minor"],
        "anyOf": [
            {"required": ["audience"], "properties": {"audience": {"minProperties": 1}}},
            {"required": ["topics"], "properties": {"topics": {"minItems": 1}}},
            {"required": ["message"], "properties": {"message": {"minLength": 1}}},
        ],
        "additionalProperties": False,
        "properties": {f.name: field_schema(f) for f in BRIEF_FIELDS},
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
