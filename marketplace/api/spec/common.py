"""What every part of the OpenAPI document shares: the error body, the common answers, ids."""

from __future__ import annotations

from typing import Any

from marketplace.safety import MAX_ID

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


def error(description: str) -> dict[str, Any]:
    """An answer with this description whose body is the error body."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def ok(description: str, schema: str) -> dict[str, Any]:
    """A success answer with this description whose body is the named component schema."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


#: What any operation may answer whatever its own rules: a query value holding a NUL character
#: (bad_parameter), a Host this server does not answer for (bad_host), a bad token, the
#: database briefly unavailable (with Retry-After).
ANY_400 = "A parameter is not valid: bad_parameter (a NUL character, a number out of range), "
COMMON = {
    "401": error("Missing, unknown or revoked token (invalid_token)."),
    "503": {
        **error("The database is temporarily unavailable (database_unavailable); retry later."),
        "headers": {"Retry-After": {"schema": {"type": "string"},
                                    "description": "Seconds to wait before retrying."}},
    },
}  # fmt: skip


def responses(ok: dict[str, Any], bad: str = "", **others: dict[str, Any]) -> dict[str, Any]:
    """An operation's responses: its own, a 400 that says which codes, and the common ones."""
    codes = {
        **ok,
        "400": error(ANY_400 + "bad_host" + (f"; {bad}" if bad else "") + "."),
        **{code.removeprefix("s"): response for code, response in others.items()},
        **COMMON,
    }
    return dict(sorted(codes.items()))


#: A text value of a query string: NUL characters are refused (400 bad_parameter).
TEXT = {"type": "string", "pattern": "^[^\\u0000]*$"}
#: Ids are 32-bit database keys: any other number is a 404.
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

#: The path parameter of every operation on one brief, and its 404.
BRIEF_ID = [{"name": "brief_id", "in": "path", "required": True, "schema": ID}]
NO_BRIEF = error("No brief of this organisation has this id (not_found).")
