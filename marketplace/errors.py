"""Domain errors, and the one place that turns any error into an HTML page or a JSON body."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from flask import Flask, Request, Response, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

import campaigns.deals as deal_rules
from marketplace.extensions import db, login_manager
from marketplace.observability import current_request_id

log = logging.getLogger(__name__)


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for a marker, which Babel extracts
    """Mark a service's fixed message for translation; it is translated where it is shown.

    Services raise in English (logs and tests read that); the error handler looks the message
    up in the reader's language.
    """
    return message


class KesherError(Exception):
    """A rule of the domain was broken; the message is safe to show to the user."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str | None = None, **params: Any) -> None:
        """`message` in English; with `params`, a msgid whose %(name)s fields they fill, so the
        handler can look the msgid up in the reader's language and fill it in there."""
        text = message or str(self.default_message)
        super().__init__(text % params if params else text)
        self.message = text % params if params else text
        self.msgid = text
        self.params = params

    default_message = _l("The request could not be completed.")


class NotFound(KesherError):
    status_code = 404
    code = "not_found"
    default_message = _l("Not found.")


class Forbidden(KesherError):
    status_code = 403
    code = "forbidden"
    default_message = _l("You do not have access to this page.")


class EmailNotConfirmed(Forbidden):
    """A self-service account tried something that reaches other people or money before
    following the link mailed at sign-up (marketplace/policy.py, `Rule.unverified`)."""

    code = "email_not_confirmed"
    default_message = _l(
        "Confirm your e-mail address first: open the link we sent you. Your account page "
        "sends it again."
    )


class Conflict(KesherError):
    status_code = 409
    code = "conflict"
    default_message = _l("This conflicts with the current state.")


class EmailAlreadyRegistered(Conflict):
    code = "email_taken"
    default_message = _l("An account with this e-mail already exists.")


class InvalidToken(KesherError):
    code = "invalid_token"
    default_message = _l("This link is invalid or has expired. Ask for a new one.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _l("This change is not allowed in the current state.")


#: The deal desk's pure refusals (campaigns.deals), as (status, code, message shown to the
#: user). The most specific class wins (see :func:`domain_error`); conflicts with the current
#: state are 409, so the loser of a race reads "someone else acted first".
DOMAIN_ERRORS: dict[type[Exception], tuple[int, str, Any]] = {
    deal_rules.StaleVersion: (
        409,
        "stale_version",
        _l("Someone changed this in the meantime. Reload to see the current version."),
    ),
    deal_rules.NotYourTurn: (409, "not_your_turn", _l("It is the other side's turn to answer.")),
    deal_rules.OfferExpired: (409, "offer_expired", _l("This offer has expired.")),
    deal_rules.IllegalTransition: (
        InvalidTransition.status_code,
        InvalidTransition.code,
        InvalidTransition.default_message,
    ),
    deal_rules.ReasonRequired: (422, "reason_required", _l("Please say why.")),
    deal_rules.NothingChanged: (
        422,
        "nothing_changed",
        _l("Nothing was changed: a new round must change at least one term."),
    ),
    deal_rules.FieldNotYours: (403, "field_not_yours", _l("You may not set this term.")),
    deal_rules.NeedsAdmin: (
        403,
        "needs_admin",
        _l("A margin below zero needs an administrator's approval."),
    ),
    deal_rules.DisclosureMissing: (
        422,
        "disclosure_missing",
        _l("The community's required disclosure wording is missing from the text."),
    ),
    deal_rules.SameReviewer: (
        409,
        "same_reviewer",
        _l("The compliance review must be done by someone other than the agency approver."),
    ),
    deal_rules.TermsInvalid: (422, "terms_invalid", _l("These terms cannot be offered.")),
    deal_rules.DealDomainError: (400, "bad_request", _l("The request could not be completed.")),
}


def domain_error(error: Exception) -> tuple[int, str, str]:
    """The (status, code, message) of a pure domain refusal: its nearest class in the mapping."""
    for cls in type(error).__mro__:
        if cls in DOMAIN_ERRORS:
            status, code, message = DOMAIN_ERRORS[cls]
            return status, code, str(message)
    return 400, "bad_request", str(KesherError.default_message)


#: Stable machine-readable codes for HTTP errors in JSON bodies.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def wants_json(req: Request) -> bool:
    """Answer JSON for the API and for clients that prefer JSON to HTML."""
    if req.path.startswith("/api/"):
        return True
    best = req.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and req.accept_mimetypes[best] > req.accept_mimetypes["text/html"]
    )


def error_response(status: int, code: str, message: str) -> Response:
    """Render one error as JSON or HTML, by what the client accepts.

    Server-side failures carry the request id as a "reference" the user can quote to support;
    it finds the matching log lines (the id is also in the X-Request-ID header of every answer).
    """
    reference = current_request_id()
    if wants_json(request):
        body: dict[str, str] = {"code": code, "message": message}
        if status >= 500 and reference:
            body["reference"] = reference
        response = jsonify(error=body)
    else:
        response = make_response(
            render_template(
                "errors/error.html", status=status, message=message, reference=reference
            )
        )
    response.status_code = status
    return response


def _http_message(status: int, default: str) -> str:
    messages = {
        400: _("The request was not understood."),
        401: _("Please log in to continue."),
        403: _("You do not have access to this page."),
        404: _("The page you asked for does not exist."),
        405: _("This action is not allowed here."),
        413: _("The file is too large."),
        429: _("Too many attempts. Please wait a minute and try again."),
        500: _("Something went wrong on our side. Nothing was changed."),
        503: _("The service is temporarily unavailable."),
    }
    return messages.get(status, default)


def register_error_handlers(app: Flask) -> None:
    """Map domain errors and HTTP errors to responses, once for the whole app."""

    @app.errorhandler(KesherError)
    def handle_domain_error(error: KesherError) -> ResponseReturnValue:
        db.session.rollback()
        return error_response(error.status_code, error.code, _(error.msgid, **error.params))

    @app.errorhandler(deal_rules.DealDomainError)
    def handle_deal_rule(error: deal_rules.DealDomainError) -> ResponseReturnValue:
        db.session.rollback()
        return error_response(*domain_error(error))

    @app.errorhandler(StaleDataError)
    def handle_lost_update(error: StaleDataError) -> ResponseReturnValue:
        # A row's version counter moved under an UPDATE: another request changed it first.
        db.session.rollback()
        return error_response(*domain_error(deal_rules.StaleVersion(str(error))))

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError) -> ResponseReturnValue:
        db.session.rollback()
        return error_response(
            400, "csrf_failed", _("The form expired or was sent from elsewhere. Reload and retry.")
        )

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> ResponseReturnValue:
        db.session.rollback()
        status = error.code or 500
        if status == 500:
            log.error("unhandled error", exc_info=getattr(error, "original_exception", error))
        message = _http_message(status, error.description or "")
        if isinstance(error, RateLimitExceeded) and error.limit.error_message:
            message = error.description or message  # the limit's own words (marketplace/ratelimits)
        response = error_response(status, HTTP_CODES.get(status, "error"), message)
        valid_methods = getattr(error, "valid_methods", None)
        if status == 405 and valid_methods:
            response.headers["Allow"] = ", ".join(valid_methods)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> ResponseReturnValue:
        if isinstance(error, HTTPException):  # pragma: no cover - handled above
            return handle_http_error(error)
        if database_unavailable(error):
            return database_unavailable_response(error)
        if value_out_of_range(error):
            # A safety net: forms and parsers bound their numbers, but one that slips through
            # is the request's fault (400), not a crash. Logged with its traceback to be fixed.
            db.session.rollback()
            log.warning("value out of range for the database", exc_info=error)
            return error_response(
                400, "value_out_of_range", _("A number or text in the request cannot be stored.")
            )
        db.session.rollback()
        log.exception("unhandled exception")
        if app.config.get("PROPAGATE_EXCEPTIONS"):
            raise error
        return handle_http_error(InternalServerError(original_exception=error))


#: SQLite's transient failures; its other OperationalErrors ("no such table") are bugs.
_SQLITE_TRANSIENT = ("database is locked", "database table is locked", "unable to open database")


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database cannot answer right now (not that the query is wrong).

    PostgreSQL down, restarting or cutting the connection, the pool exhausted, or SQLite locked
    by another writer: trying again later can succeed, so the user is told exactly that.
    """
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True
    if not isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return False
    if "sqlite" in type(error.orig).__module__:
        return any(text in str(error.orig) for text in _SQLITE_TRANSIENT)
    return True


#: PostgreSQL's SQLSTATEs for a value the column cannot hold.
_OUT_OF_RANGE_SQLSTATES = {"22003", "22P05", "22021"}


def value_out_of_range(error: BaseException) -> bool:
    """Whether `error` is a value the database cannot hold: a huge integer, a NUL in text."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OverflowError):
            return True
        if getattr(current, "sqlstate", None) in _OUT_OF_RANGE_SQLSTATES:
            return True
        if "cannot contain NUL (0x00) bytes" in str(current):
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


def database_unavailable_response(error: Exception) -> Response:
    """Answer 503 "try again" without touching the database again and without a traceback."""
    # The connection may already be gone; the pool replaces it on the next checkout.
    with contextlib.suppress(sa_exc.SQLAlchemyError):
        db.session.rollback()
    with contextlib.suppress(sa_exc.SQLAlchemyError):
        db.session.remove()
    # The page is rendered for an anonymous visitor: loading the signed-in user (or their
    # language) would need the database that just failed.
    login_manager._update_request_context_with_user()
    log.warning(
        "database unavailable: %s",
        type(error.orig if isinstance(error, sa_exc.DBAPIError) else error).__name__,
        extra={"db_error": (str(getattr(error, "orig", error)).splitlines() or [""])[0][:300]},
    )
    response = error_response(
        503,
        "database_unavailable",
        _("The database is temporarily unavailable. Please try again in a moment."),
    )
    response.headers["Retry-After"] = "5"
    return response
