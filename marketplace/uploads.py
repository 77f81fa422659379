"""Uploaded files: the value a view hands to a service, and the response that shows one back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import Response, make_response


@dataclass(frozen=True)
class Upload:
    """An uploaded file, as the form hands it over."""

    filename: str
    data: bytes


def inline_file(data: bytes, content_type: str, filename: str) -> Response:
    """A stored upload shown inline, of the type its bytes were checked to be at upload.

    ``nosniff`` keeps the browser to that type; the bytes are private to the people who may
    see the row, so only their own browser caches them.
    """
    response = make_response(data)
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def sniff_image(data: bytes, signatures: Mapping[bytes, str]) -> str | None:
    """The image type from the file's own bytes (never its name), or None.

    ``signatures`` maps a file's first bytes to the types the caller accepts; WebP, whose
    signature is split by a length field, is always recognised.
    """
    for signature, content_type in signatures.items():
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
