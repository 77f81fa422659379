"""Decode untrusted JSON within bounds: nesting depth, size, number length, lone surrogates.

Python's `json.loads` accepts input that crashes the code after it: 50,000 nested arrays raise
RecursionError, a 5,000-digit integer raises a bare ValueError (and a 30-digit one overflows
the database), and "\\ud800" decodes to a string that cannot be encoded as UTF-8 again. Every
JSON that comes from outside (API bodies, uploads, imports) is read here instead, and every
refusal is a `JSONRefused` with a message a person can act on.

Pure Python, so the health parsers in `pricing/` use it as well as the app.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Deeper than any export or API body Kesher reads (a Telegram export nests about 5 levels).
MAX_DEPTH = 64
#: Integers beyond a signed 64-bit column are refused, not stored.
MAX_INT = 2**63 - 1
#: Digits are counted before converting, so a huge number costs nothing to refuse.
_MAX_INT_DIGITS = len(str(MAX_INT))
_MAX_FLOAT_CHARS = 400

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


class JSONRefused(ValueError):
    """Valid JSON that Kesher will not read; the message says why, without echoing the input."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def loads(
    text: str | bytes,
    *,
    max_depth: int = MAX_DEPTH,
    max_bytes: int | None = None,
    object_hook: Any = None,
) -> Any:
    """Decode `text` as strict JSON within the bounds, or raise `JSONRefused`.

    Syntax errors stay `json.JSONDecodeError` (with their line and column), so callers that
    tell a truncated file from a damaged one keep doing so; both are ValueErrors.
    """
    if isinstance(text, bytes):
        if max_bytes is not None and len(text) > max_bytes:
            raise JSONRefused(f"The JSON is larger than {max_bytes:,} bytes.")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise JSONRefused("The JSON is not UTF-8 text.") from error
    elif max_bytes is not None and len(text) > max_bytes:
        raise JSONRefused(f"The JSON is larger than {max_bytes:,} characters.")
    _check_depth(text, max_depth)
    try:
        value = json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_refuse_constant,
            object_hook=object_hook,
        )
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise JSONRefused(f"The JSON is nested more than {max_depth} levels deep.") from None
    if _SURROGATE_ESCAPE.search(text):
        _check_strings(value)
    return value


def _check_depth(text: str, max_depth: int) -> None:
    """Refuse nesting deeper than `max_depth`, counting brackets outside strings."""
    if text.count("[") + text.count("{") <= max_depth:
        return
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > max_depth:
                raise JSONRefused(f"The JSON is nested more than {max_depth} levels deep.")
        else:
            depth -= 1


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > _MAX_INT_DIGITS or abs(number := int(digits)) > MAX_INT:
        shown = digits if len(digits) <= 30 else f"{digits[:12]}… ({len(digits)} digits)"
        raise JSONRefused(f"The number {shown} is too large; the largest accepted is {MAX_INT}.")
    return number


def _parse_float(text: str) -> float:
    number = float(text) if len(text) <= _MAX_FLOAT_CHARS else float("inf")
    if number in (float("inf"), float("-inf")):
        raise JSONRefused("A number in the JSON is too large.")
    return number


def _refuse_constant(name: str) -> Any:
    raise JSONRefused(f"{name} is not a JSON number.")


def _check_strings(value: Any) -> None:
    """Refuse strings holding half of a UTF-16 pair ("\\ud800"): they cannot be stored."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise JSONRefused(
                    "The JSON holds an invalid character (a lone UTF-16 surrogate such as \\ud800)."
                )
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
