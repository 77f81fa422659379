"""Defences at the edge: trusted hosts, e-mailed links, redirect targets, ids, numbers and JSON.

Everything a request carries is bounded here once, for every route, so that no view has to
remember: an unknown Host header is refused, links in e-mails come from the configured public
base URL, a redirect target from the request stays on this site, an id in a URL fits its
database column (anything else is a 404), a number in a query or form that does not fit reads as
missing, and JSON is decoded with depth and size limits (`pricing.safe_json`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, current_app, redirect, request, url_for
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import IntegerConverter, ValidationError
from werkzeug.sansio.utils import get_host, host_is_trusted
from werkzeug.wrappers import Response

from marketplace.errors import KesherError
from pricing import safe_json

#: The largest id or `type=int` number a request may carry: ids are INTEGER columns, 32-bit
#: on PostgreSQL ("integer out of range" beyond). Money and counts come through forms or JSON,
#: which have their own, larger bounds.
MAX_ID = 2**31 - 1
#: API request bodies are small documents (a brief); uploads have their own limits.
MAX_JSON_BYTES = 1024 * 1024
#: Paths answered whatever the Host: load balancers and orchestrators probe them by address.
HOST_EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})


class BadJSON(KesherError):
    code = "bad_json"
    default_message = _l("The body is not JSON Kesher accepts.")


class BadRequestParameter(KesherError):
    code = "bad_parameter"
    default_message = _l("A parameter of the request is not valid.")


# --- links in e-mails -----------------------------------------------------------------------


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute URL for `endpoint` on the configured public base URL, never the request's Host.

    E-mailed links (password reset, invitations) must not follow a Host header an attacker
    chose, so they are built from KESHER_PUBLIC_BASE_URL, inside a request or outside (jobs).
    """
    parts = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


# --- trusted hosts --------------------------------------------------------------------------


class TrustedHostMiddleware:
    """Answer 400 to a request whose Host (after ProxyFix) is not one of the trusted hosts.

    Flask's own TRUSTED_HOSTS check fails while the request is being bound, before the error
    page can build its URLs, and it would refuse health probes sent to an address; this
    answers first, with a small page or JSON, and lets the probes through.
    """

    def __init__(self, wsgi_app: Callable[..., Any], hosts: Iterable[str]) -> None:
        self.wsgi_app = wsgi_app
        self.hosts = list(hosts)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        host = get_host(
            environ.get("wsgi.url_scheme", "http"),
            environ.get("HTTP_HOST"),
            (environ.get("SERVER_NAME", ""), _port(environ.get("SERVER_PORT"))),
        )
        if host_is_trusted(host, self.hosts):
            return self.wsgi_app(environ, start_response)
        if environ.get("PATH_INFO") in HOST_EXEMPT_PATHS:
            # Answered as if addressed by name, so Flask's own check (TRUSTED_HOSTS) agrees.
            environ["HTTP_HOST"] = self.hosts[0]
            return self.wsgi_app(environ, start_response)
        message = "Unknown host: this server answers only for its configured public address."
        if str(environ.get("PATH_INFO", "")).startswith("/api/"):
            body = json.dumps({"error": {"code": "bad_host", "message": message}})
            response = Response(body, status=400, mimetype="application/json")
        else:
            response = Response(message, status=400, mimetype="text/plain")
        return response(environ, start_response)


def _port(value: Any) -> int | None:
    return int(value) if str(value or "").isdigit() else None


# --- redirect targets -----------------------------------------------------------------------


def safe_redirect_target(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: never an open redirect.

    Refuses absolute URLs, scheme-relative ones ("//evil.example"), backslashes (browsers read
    "/\\evil.example" as "//evil.example") and control characters (browsers drop tabs and
    newlines, which would turn "/\\t/evil.example" into "//evil.example").
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


# --- ids and numbers ------------------------------------------------------------------------


def _up_to(limit: int) -> str:
    """A regular expression for the whole numbers 1 … `limit`, written without leading zeros."""
    digits = str(limit)
    parts = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        first = "1" if i == 0 else "0"
        if i == len(digits) - 1:
            parts.append(f"{digits[:i]}[{first}-{digit}]")
        elif int(digit) > int(first):
            parts.append(f"{digits[:i]}[{first}-{int(digit) - 1}]\\d{{{len(digits) - i - 1}}}")
    return "(?:" + "|".join(parts) + ")"


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in every route: 1 … MAX_ID, so a larger id is a 404, never an overflow.

    The bound is in the URL rule's regular expression, not only in `to_python`: werkzeug answers
    405 (not 404) when a converter refuses a value on a path whose other methods matched, so
    PUT /briefs/0 would claim that only GET is allowed there.
    """

    regex = _up_to(MAX_ID)

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> Any:
        if len(value) > len(str(MAX_ID)):
            raise ValidationError()  # before int() spends time on thousands of digits
        return super().to_python(value)


def bounded_int(value: Any) -> int:
    """int(value) for a query or form value, refusing numbers beyond MAX_ID either way."""
    text = str(value).strip()
    if len(text.lstrip("+-").lstrip("0")) > len(str(MAX_ID)):
        raise ValueError("number too large")
    number = int(text)
    if abs(number) > MAX_ID:
        raise ValueError("number too large")
    return number


class BoundedMultiDict(ImmutableMultiDict[str, str]):
    """Query and form values whose `.get(…, type=int)` reads an out-of-range number as missing."""

    def get(  # type: ignore[override]
        self,
        key: str,
        default: Any = None,
        type: Any = None,  # noqa: A002
    ) -> Any:
        return super().get(key, default, bounded_int if type is int else type)

    def getlist(self, key: str, type: Any = None) -> Any:  # noqa: A002
        return super().getlist(key, bounded_int if type is int else type)


class KesherRequest(Request):
    """The app's request: bounded parameters, and JSON errors that say what is wrong."""

    parameter_storage_class = BoundedMultiDict

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if isinstance(e, safe_json.JSONRefused):
            raise BadJSON(e.message)
        return super().on_json_loading_failed(e)


# --- uploaded images ------------------------------------------------------------------------

#: The most pixels an uploaded image served back to browsers may declare (a phone screenshot
#: is 2-3 megapixels, a phone photo about 12).
MAX_IMAGE_PIXELS = 40_000_000


def declared_pixels(data: bytes) -> int:
    """The pixels an image's header declares (nothing is decoded); 0 when it cannot be read.

    A few kilobytes of PNG can declare a picture that every browser shown it decodes in full:
    images kept as they came (post images, evidence screenshots) are checked against
    MAX_IMAGE_PIXELS with this before they are stored.
    """
    import io
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        return MAX_IMAGE_PIXELS + 1
    except (OSError, SyntaxError, ValueError, EOFError):
        return 0  # recognised by its signature; the browser shows what it can
    return int(width) * int(height)


# --- JSON -----------------------------------------------------------------------------------


class SafeJSONProvider(DefaultJSONProvider):
    """`request.get_json()` and `flask.json.loads` decode with the limits of `pricing.safe_json`."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return safe_json.loads(s, max_bytes=MAX_JSON_BYTES, object_hook=kwargs.get("object_hook"))


def request_json() -> Any:
    """The request's JSON body; None when it is not JSON; BadJSON (400) when it is refused."""
    try:
        return request.get_json(silent=False)
    except BadJSON:
        raise
    except Exception:  # noqa: BLE001 - werkzeug's 400/415 for a body that is not JSON at all
        return None


def refuse_nul_characters() -> None:
    """A NUL in a query or form value is refused: PostgreSQL cannot store or compare it."""
    values: list[str] = [v for vs in request.args.listvalues() for v in vs]
    if request.method in {"POST", "PUT", "PATCH", "DELETE"} and request.mimetype in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        values.extend(v for vs in request.form.listvalues() for v in vs)
    if any("\x00" in v for v in values):
        raise BadRequestParameter(_("The request contains a NUL character, which is not allowed."))


def drop_trailing_slash() -> Response | None:
    """`/admin/users/` answers 308 to `/admin/users` (method and body kept), when no route has the
    slash and one has the path without it: routes are written without their slash, people and
    tools add one. Anything else stays a 404, and the target is always a path of this site."""
    path = request.path
    if request.url_rule is not None or not isinstance(request.routing_exception, NotFound):
        return None
    stripped = path.rstrip("/")
    if not path.endswith("/") or not stripped.startswith("/") or stripped.startswith("//"):
        return None
    adapter = current_app.create_url_adapter(request)
    try:
        if adapter is None:
            return None
        endpoint, values = adapter.match(stripped, method=request.method)
    except HTTPException:  # no route there either (or a redirect of its own): a plain 404
        return None
    path = url_for(str(endpoint), **values)
    query = request.query_string.decode("latin-1")  # as sent: after the path it moves nothing
    return redirect(
        safe_redirect_target(f"{path}?{query}" if query else path) or url_for("main.index"),
        code=308,
    )


def init_app(app: Flask) -> None:
    """Bound ids, numbers, JSON and hosts for every route of `app` (before the blueprints)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.request_class = KesherRequest
    app.json = SafeJSONProvider(app)
    app.before_request(refuse_nul_characters)
    app.wsgi_app = TrustedHostMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, app.config["TRUSTED_HOSTS"]
    )
