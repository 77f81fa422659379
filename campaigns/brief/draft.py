"""A brief as JSON and as a draft: one conversion each way, read from the fields table.

:func:`brief_json` writes the brief JSON format of a spec, a stored brief or a draft;
:func:`clean_draft` normalises values already checked for shape into what a draft stores.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from campaigns.brief.spec import AUDIENCE_DIMENSIONS, BRIEF_FIELDS, BriefField, BriefSpec, FieldKind


def _json_value(spec_field: BriefField, value: Any) -> Any:
    """A field's value (from a spec, a stored brief or a cleaned draft) as brief JSON."""
    kind = spec_field.kind
    if kind is FieldKind.CHOICE:
        return getattr(value, "value", value) if value not in (None, "") else None
    if kind is FieldKind.TEXT:
        return str(value or "")
    if kind is FieldKind.AUDIENCE:
        return {dim: list(buckets) for dim, buckets in (value or {}).items()}
    if kind in (FieldKind.WORDS, FieldKind.IDS):
        return list(value or [])
    if kind is FieldKind.CHOICES:
        return [getattr(v, "value", v) for v in value or []]
    if kind is FieldKind.MONEY:
        return (int(value) if value else None) if spec_field.optional else int(value or 0)
    if kind is FieldKind.CURRENCY:
        return str(value or "ILS")
    if kind is FieldKind.DATE:
        return value.isoformat() if value else None
    # KPIS: a spec holds Kpi objects; a stored or cleaned brief holds {kind: target}.
    if isinstance(value, Mapping):
        return {str(k): int(v) for k, v in value.items()}
    return {k.kind.value: k.target for k in value or ()}


def brief_json(source: Any) -> dict[str, Any]:
    """The brief JSON format of anything with the brief's fields as attributes.

    A :class:`BriefSpec`, a stored brief (its columns) or a draft: one conversion, read from
    :data:`BRIEF_FIELDS`, so every place writes the same JSON.
    """
    return {f.name: _json_value(f, getattr(source, f.name)) for f in BRIEF_FIELDS}


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _clean_strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    return list(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))


def _clean_value(spec_field: BriefField, value: Any) -> Any:
    kind = spec_field.kind
    if kind is FieldKind.CHOICE:
        assert spec_field.enum is not None
        return None if _blank(value) else spec_field.enum(str(value))
    if kind is FieldKind.TEXT:
        return str(value or "").strip()
    if kind is FieldKind.AUDIENCE:
        audience = {}
        for dim, buckets in (value or {}).items():
            wanted = _clean_strings(buckets)
            if dim in AUDIENCE_DIMENSIONS and wanted:
                audience[dim] = wanted
        return audience
    if kind in (FieldKind.WORDS, FieldKind.CHOICES):
        return _clean_strings(value)
    if kind is FieldKind.IDS:
        return list(dict.fromkeys(value or []))
    if kind is FieldKind.MONEY:
        return (int(value) if value else None) if spec_field.optional else int(value or 0)
    if kind is FieldKind.CURRENCY:
        return str(value or "ILS").upper()
    if kind is FieldKind.DATE:
        if isinstance(value, dt.date):
            return value
        return None if _blank(value) else dt.date.fromisoformat(str(value))
    return {str(k): int(v) for k, v in (value or {}).items()}


def clean_draft(data: Mapping[str, Any]) -> dict[str, Any]:
    """The draft variant of a brief: every field, cleaned, but possibly incomplete.

    For values already checked for shape (a draft's problems are empty): strips and
    de-duplicates as :func:`parse_brief` does, parses dates, and keeps lists of choices as
    their string values. A goal is a :class:`Goal` or None. This is what a draft stores.
    """
    return {f.name: _clean_value(f, data.get(f.name)) for f in BRIEF_FIELDS}


def brief_to_dict(spec: BriefSpec) -> dict[str, Any]:
    """The JSON form of a brief (what :func:`parse_brief` reads back)."""
    return brief_json(spec)
