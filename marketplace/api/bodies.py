"""Every JSON request body of /api/v1 is read against the schema the OpenAPI document publishes.

One reader for all body-taking operations, so that what the document promises and what the
server accepts cannot drift apart: the body is validated (JSON Schema 2020-12, formats
checked) against the very ``requestBody`` schema of the operation in
:data:`marketplace.api.openapi.PATHS`, ``$ref``\\ s into ``components`` included.

* A body that is not JSON at all (or none, where the document requires one): **400**
  ``bad_json``; JSON Kesher refuses to decode (too deep, too large, numbers beyond 64 bits): 400
  ``bad_json`` from :mod:`marketplace.safety`.
* JSON that breaks the schema: **422** ``invalid_body``, listing every problem::

      {"error": {"code": "invalid_body", "message": "…",
                 "problems": [{"field": "topics", "code": "wrong_type",
                               "message": "must be an array, not null"}]}}

  ``field`` is the dotted path in the body (``kpis.reach``, ``topics.0``; ``body`` for the body
  itself). ``code`` is one of :data:`CODES`, stable for integrations; ``message`` is English.
  Nothing is read leniently: null where the schema does not allow it, one string where it wants
  a list, a date in any form but ``YYYY-MM-DD``, a string over ``maxLength``, a number out of
  range or an unknown field (where ``additionalProperties`` is false) is a problem.
* Otherwise the view runs and reads the body with :func:`body`. The one normalisation: a
  number JSON writes with a fraction of zero (``2.0``) is the integer it equals, as JSON
  Schema counts it.

**Adding a body-taking operation** (delivery, links, results, finance …) needs nothing here:
document its ``requestBody`` with an ``application/json`` schema in its feature's module of
:mod:`marketplace.api.spec` (which ``openapi.PATHS`` puts together), under the path that matches
its Flask rule (``/api/v1/things/<int:thing_id>`` is ``/api/v1/things/{thing_id}``), register
the route on the api blueprint, and read the body in the view with ``bodies.body()``. The
blueprint's ``before_request`` hook (after the token check) validates it; the document's 422 for
that operation gains the ``invalid_body`` wording and its 400 the ``bad_json`` wording
(:func:`document_body_checks`). ``body()`` raises if the operation documents no JSON body, so an
undocumented body cannot be read by accident, and ``tests/http/test_api_bodies.py`` checks that
every documented body has a route that checks it.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Response, g, jsonify, request
from flask_babel import lazy_gettext as _l
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from marketplace.errors import error_response
from marketplace.safety import BadJSON

#: The base URI under which the OpenAPI document is a schema resource for ``$ref``\ s.
DOCUMENT_URI = "urn:kesher:openapi"
#: The schema of every error answer in the document.
ERROR_REF = {"$ref": "#/components/schemas/Error"}
#: HTTP methods that carry a body.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: Problem codes of ``invalid_body``, by the JSON Schema keyword that was broken.
CODES: dict[str, str] = {
    "type": "wrong_type",
    "additionalProperties": "unknown_field",
    "unevaluatedProperties": "unknown_field",
    "required": "missing",
    "format": "bad_format",  # bad_date for "date", bad_date_time for "date-time" …
    "maxLength": "too_long",
    "minLength": "too_short",
    "minimum": "out_of_range",
    "maximum": "out_of_range",
    "exclusiveMinimum": "out_of_range",
    "exclusiveMaximum": "out_of_range",
    "multipleOf": "out_of_range",
    "enum": "unknown_value",
    "const": "unknown_value",
    "pattern": "bad_pattern",
    "minItems": "too_few",
    "maxItems": "too_many",
    "minProperties": "too_few",
    "maxProperties": "too_many",
    "uniqueItems": "not_unique",
    "anyOf": "no_match",
    "oneOf": "no_match",
    "not": "no_match",
}
#: The code for any other keyword (dependentRequired, contains …).
OTHER = "invalid"
#: A schema's own words for its anyOf / oneOf / not, which no generic message says well:
#: ``{"x-kesher-problem": {"field": "title", "code": "title_or_goal", "message": "…"}}``
#: (``field`` relative to where the schema applies).
PROBLEM_KEYWORD = "x-kesher-problem"

#: How much of a refused value a message repeats (input is never echoed unbounded).
ECHO_LIMIT = 40

INVALID_BODY = _l("The request body does not follow the schema of this operation.")
NOT_JSON = _l("The body must be a JSON document (Content-Type: application/json).")

#: The document's wording, added to every body-taking operation's 400 and 422 answers.
BAD_JSON_TEXT = (
    "bad_json: the body is not JSON, or JSON Kesher refuses (too deep, larger than 1 MB, "
    "numbers beyond 64 bits)"
)
INVALID_BODY_TEXT = (
    "invalid_body: the body breaks this operation's schema (`problems`: each field as a dotted "
    "path, a stable code — wrong_type, unknown_field, missing, bad_date, too_long, "
    "out_of_range, unknown_value … — and an English message; nothing was changed)"
)


@dataclass(frozen=True, slots=True)
class BodyProblem:
    """One way the body breaks the schema: where, a stable code and an English message."""

    field: str
    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


# --- the schema of each operation's body ----------------------------------------------------

_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def documented_path(rule: str) -> str:
    """The OpenAPI path of a Flask rule: ``/briefs/<int:brief_id>`` is ``/briefs/{brief_id}``."""
    return _ARGUMENT.sub(r"{\1}", rule)


def _pointer(*parts: str) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True, slots=True)
class BodySpec:
    """What an operation's ``requestBody`` says: its schema and whether a body is required."""

    validator: Draft202012Validator
    required: bool


def body_specs(document: Mapping[str, Any]) -> dict[tuple[str, str], BodySpec]:
    """(path, METHOD) → the validator of its JSON body, for every operation that has one."""
    registry: Registry[Any] = Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    specs = {}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            body = operation.get("requestBody") if isinstance(operation, Mapping) else None
            if not body or "application/json" not in body.get("content", {}):
                continue
            pointer = _pointer("paths", path, method, "requestBody", "content",
                               "application/json", "schema")  # fmt: skip
            validator = Draft202012Validator(
                {"$ref": f"{DOCUMENT_URI}#{pointer}"},
                registry=registry,
                format_checker=FormatChecker(),
            )
            specs[(path, method.upper())] = BodySpec(validator, bool(body.get("required")))
    return specs


@functools.cache
def _specs(document: Callable[[], dict[str, Any]]) -> dict[tuple[str, str], BodySpec]:
    """The document's body schemas, built once (every feature has added its paths by then)."""
    return body_specs(document())


def spec_for(rule: str, method: str, document: Callable[[], dict[str, Any]]) -> BodySpec | None:
    """The body schema of the operation served by Flask rule ``rule``, if ``document`` (the
    published OpenAPI document's builder, :func:`marketplace.api.openapi.document`) has one.

    The document is handed in rather than imported: it imports this module for its checks.
    """
    return _specs(document).get((documented_path(rule), method.upper()))


# --- problems ------------------------------------------------------------------------------


def _field(path: Any, *more: Any) -> str:
    parts = [str(p) for p in (*path, *more)]
    return ".".join(parts) if parts else "body"


_JSON_TYPES = {
    "array": "an array",
    "object": "an object",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    if value is None:
        text = "null"
    return text if len(text) <= ECHO_LIMIT else text[:ECHO_LIMIT] + "…"


def _problems_of(error: ValidationError) -> Iterator[BodyProblem]:
    keyword, expected, value = str(error.validator), error.validator_value, error.instance
    field = _field(error.absolute_path)
    code = CODES.get(keyword, OTHER)
    own = error.schema.get(PROBLEM_KEYWORD) if isinstance(error.schema, Mapping) else None
    if keyword in ("anyOf", "oneOf", "not") and isinstance(own, Mapping):
        yield BodyProblem(_field(error.absolute_path, own["field"]), own["code"], own["message"])
    elif keyword == "type":
        types = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_JSON_TYPES.get(t, t) for t in types)
        yield BodyProblem(field, code, f"must be {wanted}, not {_json_type(value)}")
    elif keyword in ("additionalProperties", "unevaluatedProperties"):
        known = set(error.schema.get("properties", {}))
        patterns = [re.compile(p) for p in error.schema.get("patternProperties", {})]
        for name in value:
            if name not in known and not any(p.search(name) for p in patterns):
                yield BodyProblem(_field(error.absolute_path, name), code, "is not a known field")
    elif keyword == "required":
        for name in expected:
            if name not in value:
                yield BodyProblem(_field(error.absolute_path, name), code, "is required")
    elif keyword == "format":
        name = str(expected).replace("-", "_")
        example = {"date": "a date (YYYY-MM-DD)", "date-time": "a date and time (RFC 3339)"}
        yield BodyProblem(
            field,
            f"bad_{name}",
            f"'{_shown(value)}' is not {example.get(expected, f'a valid {expected}')}",
        )
    elif keyword in ("enum", "const"):
        allowed = ", ".join(_shown(v) for v in (expected if keyword == "enum" else [expected]))
        shown = f"'{_shown(value)}'" if isinstance(value, str) else _shown(value)
        yield BodyProblem(field, code, f"{shown} is not one of: {allowed}")
    elif keyword in ("maxLength", "minLength"):
        bound = "at most" if keyword == "maxLength" else "at least"
        yield BodyProblem(field, code, f"{bound} {expected} characters")
    elif keyword in ("minimum", "exclusiveMinimum"):
        word = "at least" if keyword == "minimum" else "above"
        yield BodyProblem(field, code, f"must be {word} {expected}")
    elif keyword in ("maximum", "exclusiveMaximum"):
        word = "at most" if keyword == "maximum" else "below"
        yield BodyProblem(field, code, f"must be {word} {expected}")
    elif keyword in ("minItems", "maxItems", "minProperties", "maxProperties"):
        bound = "at least" if keyword.startswith("min") else "at most"
        what = "items" if keyword.endswith("Items") else "fields"
        yield BodyProblem(field, code, f"must have {bound} {expected} {what}")
    elif keyword == "pattern":
        yield BodyProblem(field, code, f"must match the pattern {expected}")
    elif keyword == "uniqueItems":
        yield BodyProblem(field, code, "must not repeat a value")
    elif keyword in ("anyOf", "oneOf", "not"):
        yield BodyProblem(field, code, "matches none of the forms this field allows")
    else:
        yield BodyProblem(field, code, f"breaks the schema's {keyword} rule")


def problems(validator: Draft202012Validator, value: Any) -> list[BodyProblem]:
    """Every way ``value`` breaks the validator's schema, ordered by field, without repeats."""
    found = {p for error in validator.iter_errors(value) for p in _problems_of(error)}
    return sorted(found, key=lambda p: (p.field, p.code, p.message))


def integral(value: Any) -> Any:
    """``value`` with every number of zero fraction (``2.0``) as the integer it is."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [integral(v) for v in value]
    if isinstance(value, dict):
        return {k: integral(v) for k, v in value.items()}
    return value


# --- the request hook and the views' reader ---------------------------------------------------

_UNSET = object()


def check_body(document: Callable[[], dict[str, Any]]) -> Response | None:
    """``before_request`` of the api blueprint: validate the body of a documented operation.

    The blueprint binds ``document``, the builder of the published OpenAPI document.

    Answers 400 ``bad_json`` or 422 ``invalid_body`` itself; otherwise stores the body for
    :func:`body` and lets the view run.
    """
    rule = request.url_rule
    if rule is None or request.method not in BODY_METHODS:
        return None
    spec = spec_for(rule.rule, request.method, document)
    if spec is None:
        return None
    if not request.get_data(cache=True) and not spec.required:
        g.api_body = None
        return None
    if not request.is_json:
        return error_response(400, "bad_json", str(NOT_JSON))
    try:
        value = request.get_json(silent=False)
    except BadJSON:
        raise  # the safety net's refusal says why (too deep, too large …)
    except Exception:  # noqa: BLE001 - werkzeug's 400 for a body that does not parse
        return error_response(400, "bad_json", str(NOT_JSON))
    found = problems(spec.validator, value)
    if found:
        response = jsonify(
            error={
                "code": "invalid_body",
                "message": str(INVALID_BODY),
                "problems": [p.to_json() for p in found],
            }
        )
        response.status_code = 422
        return response
    g.api_body = integral(value)
    return None


def body() -> Any:
    """The request's JSON body, validated against its operation's documented schema."""
    value = g.get("api_body", _UNSET)
    if value is _UNSET:
        raise RuntimeError(
            f"{request.method} {request.path} reads a body its operation does not document "
            "(add a requestBody to openapi.PATHS)"
        )
    return value


def document_body_checks(paths: Mapping[str, Any]) -> dict[str, Any]:
    """``paths`` with the answers of the body check stated on every body-taking operation.

    Each operation with a JSON ``requestBody`` answers 422 ``invalid_body`` and 400 ``bad_json``
    (see the module's docstring); its own wording for these codes is kept after ours.
    """
    result = copy.deepcopy(dict(paths))
    for item in result.values():
        for operation in item.values():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            responses = operation.setdefault("responses", {})
            for status, text in (("400", BAD_JSON_TEXT), ("422", INVALID_BODY_TEXT)):
                own = responses.get(status, {}).get("description", "")
                if text.split(":", 1)[0] in own:
                    continue
                responses[status] = {
                    "description": f"{text}; {own}" if own else f"{text}.",
                    "content": {"application/json": {"schema": ERROR_REF}},
                }
            operation["responses"] = dict(sorted(responses.items()))
    return result


def reset() -> None:
    """Forget the cached schemas (for tests that document an operation on the fly)."""
    _specs.cache_clear()


__all__ = [
    "BodyProblem",
    "body",
    "body_specs",
    "check_body",
    "document_body_checks",
    "documented_path",
    "problems",
    "reset",
    "spec_for",
]
