"""Rate limits of the costly routes beyond sign-in (those are in marketplace/auth/limits.py).

Each limit is counted per signed-in account, in the limiter's storage (Redis in production, so
every worker shares the count), and is shared by every route it decorates: twenty PDFs of
twenty different reports are twenty documents. The limiter runs before the route policy, so a
visitor who is not signed in is counted by client address (the policy then refuses them).
Beyond a limit the answer is 429 with the limit's own message, in the reader's language, and
a Retry-After header; nothing of the refused request is read or written.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_babel import gettext as _
from flask_limiter import RouteLimit
from flask_login import current_user

from marketplace.extensions import client_network, limiter


def account_key(scope: str) -> Callable[[], str]:
    """The key of `scope`'s count: the signed-in account, else the client address."""

    def key() -> str:
        return f"{scope}:{getattr(current_user, 'id', None) or client_network()}"

    return key


def _shared(
    scope: str, config_key: str, message: Callable[[], str], methods: list[str] | None = None
) -> RouteLimit:
    return limiter.shared_limit(
        lambda: str(current_app.config[config_key]),
        scope=scope,
        key_func=account_key(scope),
        methods=methods,
        error_message=message,
    )


def _upload_message() -> str:
    return _("Too many uploads in a short time. Wait a while and try again; nothing was kept.")


def _document_message() -> str:
    return _("Too many files were asked for in a short time. Wait a minute and try again.")


def _manager_message() -> str:
    return _("Too many co-managers were added today. Try again tomorrow.")


def _token_message() -> str:
    return _("Too many API tokens were made today. Try again tomorrow.")


#: A chat export is read whole in memory and parsed (up to MAX_CONTENT_LENGTH).
health_upload = _shared("health-upload", "HEALTH_UPLOAD_RATE_LIMIT", _upload_message, ["POST"])
#: The other uploads read in memory: spreadsheets, screenshots, redemption lists, images.
file_upload = _shared("file-upload", "UPLOAD_RATE_LIMIT", _upload_message, ["POST"])
#: Documents rendered on request: PDFs, spreadsheets and CSV exports.
document = _shared("document", "DOCUMENT_RATE_LIMIT", _document_message)
#: API tokens made or rotated (each is a new credential to the organisation's data).
api_token = _shared("api-token", "API_TOKEN_RATE_LIMIT", _token_message, ["POST"])
#: Co-managers added by e-mail: each answer says whether an owner account uses the address
#: (and names it), so one account may ask only so many.
co_manager = _shared("co-manager", "CO_MANAGER_RATE_LIMIT", _manager_message, ["POST"])
