"""Structured logs and request ids: one JSON object a line, every line tied to its request.

Every request gets an id: the caller's ``X-Request-ID`` when it is a sane token (a proxy or
load balancer that already assigned one keeps it), else a fresh one. The id goes back in the
response header, on every log record written while the request runs, and on error pages as the
"reference" a user quotes to support. One ``kesher.request`` line per request records method,
path, status, duration, user and remote address — gunicorn's own access log is off in favour of
it (see gunicorn.conf.py).

What never reaches the logs: query strings (a search can carry personal text, and links can
carry tokens), the secret part of token URLs (password reset, invitation), cookies and headers.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler
from flask.typing import ResponseReturnValue

#: Header carrying the request id, in and out.
REQUEST_ID_HEADER = "X-Request-ID"
#: What an incoming id may look like: proxies' UUIDs and hex ids fit; anything else (spaces,
#: quotes, newlines that could forge log lines, kilobytes of junk) is replaced by our own.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
#: URL arguments that are secrets (reset and invitation links): redacted from logged paths.
SECRET_URL_ARGUMENTS = frozenset({"token"})
REDACTED = "[redacted]"

#: The attributes every LogRecord has; anything else on a record was passed as ``extra``.
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)
#: Marks the handler Kesher installed, so creating another app replaces it instead of adding one.
_HANDLER_MARK = "_kesher_handler"

request_log = logging.getLogger("kesher.request")


def current_request_id() -> str | None:
    """The id of the request being served, or None outside a request."""
    if not has_request_context():
        return None
    return g.get("request_id")


def _incoming_or_new_id() -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if _VALID_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def loggable_path() -> str:
    """The request path without its query string, with secret URL arguments redacted."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name in SECRET_URL_ARGUMENTS and value:
            path = path.replace(str(value), REDACTED)
    return path


def _signed_in_user_id() -> int | None:
    # Read what Flask-Login already loaded; never load the user here (the database may be
    # the very thing that failed this request).
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "id", None)


class RequestContextFilter(logging.Filter):
    """Attach the request's id, method, path, user and address to every record in a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and "request_id" in g:
            record.request_id = g.request_id
            record.method = request.method
            record.path = loggable_path()
            record.remote_addr = request.remote_addr
            user_id = _signed_in_user_id()
            if user_id is not None:
                record.user_id = user_id
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, message, then the record's context fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_type"] = record.exc_info[0].__name__
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A readable line for development, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(rid)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None)
        record.rid = f" [{rid[:8]}]" if rid else ""
        line = super().format(record)
        if record.name == request_log.name:
            line += " {status} {duration_ms} ms".format_map(vars(record))
        return line


_CONTEXT = RequestContextFilter()


def make_handler(log_format: str, stream: Any = None) -> logging.Handler:
    """A stream handler (stderr by default) in `log_format`, carrying request context."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(RequestContextFilter())
    return handler


def configure_logging(app: Flask) -> None:
    """Send the root logger's records to stderr in the configured format, once per process.

    Under pytest (TESTING) nothing is installed: pytest's own capture shows the records, and
    tests attach their own handler (`make_handler`) to read the lines.
    """
    if app.testing:
        return
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, _HANDLER_MARK, False):
            root.removeHandler(existing)
    handler = make_handler(app.config["LOG_FORMAT"])
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    # Flask's default handler on app.logger would print every app record a second time.
    app.logger.removeHandler(default_handler)


def init_app(app: Flask) -> None:
    """Configure logging and give every request an id and one summary log line."""
    configure_logging(app)
    request_log.addFilter(_CONTEXT)  # the same filter object each time: added once

    @app.before_request
    def assign_request_id() -> None:
        g.request_id = _incoming_or_new_id()
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response: Any) -> ResponseReturnValue:
        request_id = g.get("request_id") or _incoming_or_new_id()
        response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
        level = logging.WARNING if response.status_code >= 500 else logging.INFO
        request_log.log(
            level,
            "%s %s %s",
            request.method,
            loggable_path(),
            response.status_code,
            extra={"status": response.status_code, "duration_ms": duration_ms},
        )
        return response
