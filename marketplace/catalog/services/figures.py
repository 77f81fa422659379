"""A channel's dated figures and the screenshots behind them: recorded, reviewed, looked up."""

from __future__ import annotations

import hashlib
import re
from datetime import date

from flask_babel import lazy_gettext as _l

from marketplace import uploads
from marketplace.auth.models import User
from marketplace.catalog import rules
from marketplace.catalog.models import (
    ChannelAsset,
    Community,
    EvidenceFile,
    MetricSnapshot,
    ReviewStatus,
)
from marketplace.catalog.services.access import STAFF_ROLES, get_manageable
from marketplace.catalog.services.derived import latest_metric, refresh_derived
from marketplace.catalog.services.errors import CatalogValidationError, raise_if
from marketplace.db import SessionLike, utcnow
from marketplace.errors import Forbidden, NotFound
from marketplace.safety import MAX_IMAGE_PIXELS, declared_pixels
from pricing.taxonomy import EvidenceTier, MetricKind

# --- figures and evidence ------------------------------------------------------------------

IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024


def sniff_image(data: bytes) -> str | None:
    """Return the image type from the file's own bytes (never its name), or None."""
    return uploads.sniff_image(data, IMAGE_SIGNATURES)


def store_evidence(
    session: SessionLike, community: Community, *, filename: str, data: bytes, actor: User
) -> EvidenceFile:
    """Keep an uploaded screenshot, refusing anything that is not an image."""
    if len(data) > MAX_EVIDENCE_BYTES:
        raise CatalogValidationError([("evidence", str(_l("The image is larger than 5 MB.")))])
    content_type = sniff_image(data)
    if content_type is None:
        raise CatalogValidationError(
            [("evidence", str(_l("This file is not an image (PNG, JPEG, GIF or WebP).")))]
        )
    if declared_pixels(data) > MAX_IMAGE_PIXELS:
        raise CatalogValidationError(
            [("evidence", str(_l("The image has too many pixels (at most 40 megapixels).")))]
        )
    evidence = EvidenceFile(
        community_id=community.id,
        # ASCII only: the name goes back out in a Content-Disposition header.
        filename=re.sub(r"[^A-Za-z0-9.\-]+", "_", filename)[-200:] or "screenshot",
        content_type=content_type,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        data=data,
        uploaded_by_id=actor.id,
    )
    session.add(evidence)
    session.flush()
    return evidence


def record_metric(
    session: SessionLike,
    asset: ChannelAsset,
    kind: MetricKind,
    value: float,
    *,
    actor: User,
    observed_on: date,
    source: str = "",
    tier: EvidenceTier = EvidenceTier.SELF_REPORTED,
    evidence: EvidenceFile | None = None,
    period: tuple[date, date] | None = None,
) -> MetricSnapshot:
    """Add a dated figure to the asset's history (never overwriting the earlier ones).

    A MEMBERS figure becomes the channel's current size when it is the newest
    (`ChannelAsset.add_metric`); totals, facets and estimates follow.
    """
    if tier == EvidenceTier.VERIFIED and actor.role not in STAFF_ROLES:
        raise Forbidden(str(_l("Only agency staff verify figures.")))
    if tier == EvidenceTier.SCREENSHOT and evidence is None:
        raise CatalogValidationError(
            [("evidence", str(_l("Attach the screenshot that shows this figure.")))]
        )
    previous = latest_metric(asset, kind)
    raise_if(
        rules.check_metric(
            kind,
            value,
            platform=asset.platform,
            observed_on=observed_on,
            previous=previous.value if previous else None,
        )  # fmt: skip
    )
    snapshot = asset.add_metric(
        MetricSnapshot(
            kind=kind,
            value=value,
            observed_on=observed_on,
            source=source.strip()[:300],
            tier=int(tier),
            evidence_file=evidence,
            created_by_id=actor.id,
            period_start=period[0] if period else None,
            period_end=period[1] if period else None,
        )
    )
    session.flush()
    refresh_derived(session, asset.community)
    return snapshot


def metric_jump(asset: ChannelAsset, kind: MetricKind, value: float) -> tuple[float, float] | None:
    """(times moved, previous value) when `value` moved more than the catalog accepts from the
    asset's newest figure of its kind (`rules.MAX_JUMP`), else None."""
    previous = latest_metric(asset, kind)
    if previous is None:
        return None
    ratio = rules.jump(kind, value, previous.value)
    return None if ratio is None else (ratio, previous.value)


def review_metric(
    session: SessionLike, snapshot: MetricSnapshot, *, verified: bool, note: str, actor: User
) -> MetricSnapshot | None:
    """Verify a figure (a new VERIFIED snapshot joins the history) or question it with a note."""
    if actor.role not in STAFF_ROLES:
        raise Forbidden()
    if not verified and not note.strip():
        raise CatalogValidationError([("note", str(_l("Say what is doubtful about it.")))])
    snapshot.review_status = ReviewStatus.VERIFIED if verified else ReviewStatus.QUESTIONED
    snapshot.review_note = note.strip()
    snapshot.reviewed_by_id = actor.id
    snapshot.reviewed_at = utcnow()
    session.flush()
    if not verified or snapshot.tier == EvidenceTier.VERIFIED:
        return None
    confirmed = MetricSnapshot(
        kind=snapshot.kind,
        value=snapshot.value,
        observed_on=snapshot.observed_on,
        period_start=snapshot.period_start,
        period_end=snapshot.period_end,
        source=str(_l("Verified by %(name)s", name=actor.display_name))
        + (f": {note.strip()}" if note.strip() else ""),
        tier=int(EvidenceTier.VERIFIED),
        evidence_file_id=snapshot.evidence_file_id,
        created_by_id=actor.id,
        review_status=ReviewStatus.VERIFIED,
    )
    # A later entry of the same day: when it is the newest figure it is the current size.
    snapshot.asset.add_metric(confirmed)
    session.flush()
    refresh_derived(session, snapshot.asset.community)
    return confirmed


def get_snapshot(session: SessionLike, snapshot_id: int, user: User) -> MetricSnapshot:
    """Load a figure of a community the user may manage."""
    snapshot = session.get(MetricSnapshot, snapshot_id)
    if snapshot is None:
        raise NotFound()
    get_manageable(session, snapshot.asset.community_id, user)
    return snapshot
