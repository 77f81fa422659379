"""Static files with cache headers: fingerprinted URLs are cached for a year, others briefly.

Every ``url_for('static', filename=…)`` gets ``?v=<first 12 hex of the file's SHA-256>``, so a
changed file has a new URL. A request whose ``v`` matches the file's current hash is answered
``Cache-Control: public, max-age=31536000, immutable``: browsers and proxies never ask again.
Anything else (no ``v``, or an old one after a deploy) gets a short ``max-age`` and revalidates
with the ETag, so a stale copy never lives longer than a few minutes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, request

#: A year, the conventional "forever" of immutable assets.
IMMUTABLE_MAX_AGE = 365 * 24 * 3600
#: Unversioned static URLs: long enough to spare a page's repeat loads, short enough to deploy.
SHORT_MAX_AGE = 300
VERSION_ARG = "v"


class Fingerprints:
    """Content hashes of static files, computed once per file (per modification in debug)."""

    def __init__(self, folder: str, *, watch: bool) -> None:
        self._folder = Path(folder).resolve()
        self._watch = watch
        self._cache: dict[str, tuple[float, str | None]] = {}

    def of(self, filename: str) -> str | None:
        """The fingerprint of `filename` under the static folder; None when there is no file."""
        cached = self._cache.get(filename)
        if cached is not None and not self._watch:
            return cached[1]
        path = (self._folder / filename).resolve()
        if not path.is_relative_to(self._folder) or not path.is_file():
            return None
        mtime = path.stat().st_mtime
        if cached is not None and cached[0] == mtime:
            return cached[1]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        self._cache[filename] = (mtime, digest)
        return digest


def init_app(app: Flask) -> None:
    """Version the static URLs and set their Cache-Control."""
    if app.static_folder is None:  # pragma: no cover - Kesher always has one
        return
    fingerprints = Fingerprints(app.static_folder, watch=app.debug)
    app.extensions["kesher.static_fingerprints"] = fingerprints

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and VERSION_ARG not in values and "filename" in values:
            digest = fingerprints.of(str(values["filename"]))
            if digest:
                values[VERSION_ARG] = digest

    @app.after_request
    def cache_static(response: Any) -> Any:
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        filename = (request.view_args or {}).get("filename", "")
        version = request.args.get(VERSION_ARG)
        if version and version == fingerprints.of(filename):
            response.cache_control.max_age = IMMUTABLE_MAX_AGE
            response.cache_control.immutable = True
        else:
            response.cache_control.max_age = SHORT_MAX_AGE
        response.cache_control.public = True
        response.cache_control.no_cache = None
        return response
