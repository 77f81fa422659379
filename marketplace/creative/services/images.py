"""The images a post carries: recognised by their own bytes, limited in size and number."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l

from marketplace import uploads
from marketplace.creative.models import CreativeImage, CreativeVersion
from marketplace.errors import KesherError
from marketplace.safety import MAX_IMAGE_PIXELS, declared_pixels
from marketplace.uploads import Upload

#: The images a post may carry, recognised by their bytes (never their name).
IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


MAX_IMAGE_BYTES = 5 * 1024 * 1024


MAX_IMAGES = 4


class ImageRefused(KesherError):
    status_code = 422
    code = "image_refused"
    default_message = _l("This file is not an image (PNG, JPEG or WebP).")


def sniff_image(data: bytes) -> str | None:
    """The image type from the file's own bytes, or None."""
    return uploads.sniff_image(data, IMAGE_SIGNATURES)


def check_image(upload: Upload) -> str:
    """The content type of an acceptable image, or ImageRefused saying why."""
    if len(upload.data) > MAX_IMAGE_BYTES:
        raise ImageRefused(str(_l("The image is larger than 5 MB.")))
    content_type = sniff_image(upload.data)
    if content_type is None:
        raise ImageRefused()
    if declared_pixels(upload.data) > MAX_IMAGE_PIXELS:
        raise ImageRefused(str(_l("The image has too many pixels (at most 40 megapixels).")))
    return content_type


def image_rows(
    version: CreativeVersion,
    kept: Sequence[CreativeImage],
    uploads: Sequence[Upload],
) -> list[CreativeImage]:
    rows = [
        CreativeImage(
            version=version,
            position=n,
            filename=old.filename,
            content_type=old.content_type,
            sha256=old.sha256,
            size_bytes=old.size_bytes,
            data=old.data,
        )
        for n, old in enumerate(kept)
    ]
    for upload in uploads:
        content_type = check_image(upload)
        rows.append(
            CreativeImage(
                version=version,
                position=len(rows),
                # ASCII only: the name goes back out in a Content-Disposition header.
                filename=re.sub(r"[^A-Za-z0-9.\-]+", "_", upload.filename)[-200:] or "image",
                content_type=content_type,
                sha256=hashlib.sha256(upload.data).hexdigest(),
                size_bytes=len(upload.data),
                data=upload.data,
            )
        )
    if len(rows) > MAX_IMAGES:
        raise ImageRefused(str(_l("A post carries at most 4 images.")))
    return rows


def check_uploads(uploads: Sequence[Upload]) -> tuple[str, ...]:
    for upload in uploads:
        check_image(upload)
    return tuple(hashlib.sha256(u.data).hexdigest() for u in uploads)
