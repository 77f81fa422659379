"""The catalog's validation error: each field that is wrong, and what is wrong with it."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from marketplace.catalog import rules
from marketplace.errors import KesherError


class CatalogValidationError(KesherError):
    """One or more fields are wrong; `problems` names each field and what is wrong with it."""

    code = "invalid"
    status_code = 422
    default_message = _l("Some fields need your attention.")

    def __init__(self, problems: Iterable[rules.Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.problems))


def raise_if(problems: list[rules.Problem]) -> None:
    if problems:
        raise CatalogValidationError(problems)
