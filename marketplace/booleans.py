"""The one reader of a yes/no from a form or a query string: only the words people mean.

WTForms' `BooleanField` reads anything but "false" and "" as true, so `active=0` switched an
account on. Every boolean that arrives in a request goes through `parse_bool` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from marketplace.errors import KesherError

TRUE_WORDS = frozenset({"true", "1", "on", "yes"})
FALSE_WORDS = frozenset({"false", "0", "off", "no"})

#: How much of a refused value the error message repeats (input is never echoed unbounded).
ECHO_LIMIT = 20


class NotABoolean(KesherError, ValueError):
    """A yes/no parameter held something else; a 400 with a message that says what is accepted."""

    status_code = 400
    code = "not_a_boolean"
    default_message = _l("Expected yes or no: true/false, 1/0, on/off or yes/no.")

    def __init__(self, value: str, name: str | None = None) -> None:
        shown = value if len(value) <= ECHO_LIMIT else value[:ECHO_LIMIT] + "…"
        if name:
            message = _l(
                "“%(name)s” must be yes or no (true/false, 1/0, on/off, yes/no), not “%(value)s”.",
                name=name[:ECHO_LIMIT], value=shown,
            )  # fmt: skip
        else:
            message = _l(
                "Expected yes or no (true/false, 1/0, on/off, yes/no), not “%(value)s”.",
                value=shown,
            )
        super().__init__(str(message))


def parse_bool(value: str | None, *, default: bool | None = None, name: str | None = None) -> bool:
    """Read true/false, 1/0, on/off or yes/no (any case); raise NotABoolean for anything else.

    A missing or empty value is `default` when one is given, and an error otherwise.

    >>> parse_bool("0"), parse_bool("Yes"), parse_bool(None, default=False)
    (False, True, False)
    """
    word = (value or "").strip().lower()
    if not word and default is not None:
        return default
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise NotABoolean(value or "", name)


class StrictBooleanField(BooleanField):
    """A checkbox that is off when absent, and otherwise read by `parse_bool` (never "0" → on)."""

    def process_formdata(self, valuelist: Sequence[Any]) -> None:
        self.data = False
        if valuelist:
            self.data = parse_bool(str(valuelist[0]), name=self.name)

    def _value(self) -> str:
        return "1"  # what a ticked box sends
