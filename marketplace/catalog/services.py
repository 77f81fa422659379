"""Catalog use-cases: listings, their lifecycle, assets, rates, audiences, figures and evidence.

Every function takes the session explicitly and flushes; the caller commits once.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, func, insert, select, union
from sqlalchemy.orm import selectinload

from marketplace.auth.models import Role, User
from marketplace.catalog import rules, vocab
from marketplace.catalog.models import (
    AudienceShare,
    ChannelAsset,
    Community,
    CommunityFacet,
    CommunityManager,
    EvidenceFile,
    ListingStatus,
    MetricSnapshot,
    PausedBy,
    RateCard,
    ReviewStatus,
    newest_metric,
)
from marketplace.db import SessionLike, utcnow
from marketplace.errors import Forbidden, InvalidTransition, KesherError, NotFound
from marketplace.valuation import services as valuation
from pricing.taxonomy import EvidenceTier, MetricKind, PlacementType


class CatalogValidationError(KesherError):
    """One or more fields are wrong; `problems` names each field and what is wrong with it."""

    code = "invalid"
    status_code = 422
    default_message = _l("Some fields need your attention.")

    def __init__(self, problems: Iterable[rules.Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.problems))


def _raise_if(problems: list[rules.Problem]) -> None:
    if problems:
        raise CatalogValidationError(problems)


# --- who sees what -------------------------------------------------------------------------

STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})


def managed_ids(user: User) -> Select[int]:
    """The ids of communities this user owns or co-manages.

    A UNION, not `owner_id = … OR id IN (…)`: PostgreSQL answers that OR by scanning every
    community (170 ms at 100,000), while each arm of the union is an index look-up.
    """
    owned = select(Community.id).where(Community.owner_id == user.id)
    managed = select(CommunityManager.community_id).where(CommunityManager.user_id == user.id)
    return select(union(owned, managed).subquery().c[0])


def visible_communities(user: User) -> Select[Community]:
    """Scope a community query to what `user` may see.

    Staff see everything; owners see the listings they own or co-manage; brands and finance
    see listed communities only.
    """
    query = select(Community)
    if user.role in STAFF_ROLES:
        return query
    if user.role is Role.OWNER:
        return query.where(Community.id.in_(managed_ids(user)))
    return query.where(Community.status == ListingStatus.LISTED)


def can_manage(user: User, community: Community) -> bool:
    """Owners and co-managers of this community, and agency staff."""
    if user.role in STAFF_ROLES:
        return True
    return user.role is Role.OWNER and (
        community.owner_id == user.id or any(m.user_id == user.id for m in community.managers)
    )


def can_see_private(user: User, community: Community) -> bool:
    """Contact details are for the community's managers and the agency only."""
    return can_manage(user, community)


def get_visible(session: SessionLike, community_id: int, user: User) -> Community:
    """Load a community the user may see, with its assets; NotFound otherwise."""
    community = session.scalar(
        visible_communities(user)
        .where(Community.id == community_id)
        .options(
            selectinload(Community.assets).selectinload(ChannelAsset.rates),
            selectinload(Community.assets).selectinload(ChannelAsset.metrics),
            selectinload(Community.audience),
            selectinload(Community.managers),
        )
    )
    if community is None:
        raise NotFound()
    return community


def get_manageable(session: SessionLike, community_id: int, user: User) -> Community:
    """Load a community the user may edit; others' listings are simply not found."""
    community = get_visible(session, community_id, user)
    if not can_manage(user, community):
        raise NotFound()
    return community


def get_asset(session: SessionLike, asset_id: int, user: User) -> ChannelAsset:
    """Load an asset of a community the user may edit."""
    asset = session.get(ChannelAsset, asset_id)
    if asset is None:
        raise NotFound()
    get_manageable(session, asset.community_id, user)
    return asset


# --- the listing lifecycle -----------------------------------------------------------------

#: Where a listing is in its lifecycle, as the transition table reads it: its status, except that
#: a paused listing says who paused it, since an owner may lift only their own pause.
State = ListingStatus | tuple[ListingStatus, PausedBy]
OWNER_PAUSE: State = (ListingStatus.PAUSED, PausedBy.OWNER)
STAFF_PAUSE: State = (ListingStatus.PAUSED, PausedBy.STAFF)
OWNER_SIDE = frozenset({Role.OWNER})
ANYONE_MANAGING = frozenset({Role.OWNER, *STAFF_ROLES})

#: (from, to) → the roles that may make the move. Anything else is an invalid transition.
TRANSITIONS: dict[tuple[State, ListingStatus], frozenset[Role]] = {
    (ListingStatus.DRAFT, ListingStatus.SUBMITTED): OWNER_SIDE,
    (ListingStatus.REJECTED, ListingStatus.SUBMITTED): OWNER_SIDE,
    (ListingStatus.SUBMITTED, ListingStatus.LISTED): STAFF_ROLES,
    (ListingStatus.SUBMITTED, ListingStatus.REJECTED): STAFF_ROLES,
    (ListingStatus.LISTED, ListingStatus.PAUSED): ANYONE_MANAGING,  # records who paused
    (ListingStatus.LISTED, ListingStatus.REJECTED): STAFF_ROLES,
    (OWNER_PAUSE, ListingStatus.LISTED): ANYONE_MANAGING,
    (STAFF_PAUSE, ListingStatus.LISTED): STAFF_ROLES,  # the agency's pause sticks
    # An owner's edit of a reviewed field (rules.REVIEWED_*) sends a live listing back to review.
    (ListingStatus.LISTED, ListingStatus.SUBMITTED): OWNER_SIDE,
    (OWNER_PAUSE, ListingStatus.SUBMITTED): OWNER_SIDE,
}

#: Moves made by an edit rather than by a button (see `send_back_to_review`).
BY_EDIT = frozenset({(ListingStatus.LISTED, ListingStatus.SUBMITTED),
                     (OWNER_PAUSE, ListingStatus.SUBMITTED)})  # fmt: skip


def lifecycle_state(community: Community) -> State:
    """The listing's state in the transition table (a pause not recorded is the owner's)."""
    if community.status is ListingStatus.PAUSED:
        return (ListingStatus.PAUSED, community.paused_by or PausedBy.OWNER)
    return community.status


def allowed_transitions(community: Community, user: User) -> list[ListingStatus]:
    """The statuses this user may move the listing to now (the buttons the page shows)."""
    if not can_manage(user, community):
        return []
    state = lifecycle_state(community)
    return [
        to
        for (frm, to), roles in TRANSITIONS.items()
        if frm == state and user.role in roles and (frm, to) not in BY_EDIT
    ]


def change_status(
    session: SessionLike,
    community: Community,
    to: ListingStatus,
    *,
    actor: User,
    reason: str = "",
) -> None:
    """Move a listing along its lifecycle, or raise InvalidTransition and change nothing."""
    roles = TRANSITIONS.get((lifecycle_state(community), to))
    if roles is None or actor.role not in roles or not can_manage(actor, community):
        if community.paused_by is PausedBy.STAFF and actor.role not in STAFF_ROLES:
            raise InvalidTransition(
                str(_l("The agency paused this listing; only the agency can resume it."))
            )
        raise InvalidTransition(
            str(_l("A listing cannot go from “%(a)s” to “%(b)s”.",
                   a=STATUS_LABELS[community.status], b=STATUS_LABELS[to]))
        )  # fmt: skip
    if to == ListingStatus.REJECTED and not reason.strip():
        raise CatalogValidationError([("reason", str(_l("Say why the listing is rejected.")))])
    if to == ListingStatus.SUBMITTED and not any(a.size > 0 for a in community.assets):
        raise CatalogValidationError(
            [("assets", str(_l("Add at least one channel with its size before submitting.")))]
        )
    community.status = to
    community.rejection_reason = reason.strip() if to == ListingStatus.REJECTED else ""
    community.paused_by = None
    if to == ListingStatus.PAUSED:
        community.paused_by = PausedBy.STAFF if actor.role in STAFF_ROLES else PausedBy.OWNER
    if to == ListingStatus.LISTED and community.listed_at is None:
        community.listed_at = utcnow()
    refresh_derived(session, community)  # the status is a facet too


def send_back_to_review(
    session: SessionLike,
    community: Community,
    changed: Iterable[str],
    *,
    actor: User,
    reviewed: frozenset[str],
) -> list[str]:
    """After an edit, send a live listing back to review if the actor changed a reviewed field.

    Staff edits go live (staff are the reviewers); so does any edit of a draft, a listing under
    review or a rejected one, and of a listing the agency paused (resuming it is the review).
    Returns the reviewed fields that changed, when the listing went back to review.
    """
    fields = rules.fields_needing_review(changed, reviewed)
    move = (lifecycle_state(community), ListingStatus.SUBMITTED)
    if not fields or actor.role in STAFF_ROLES or move not in BY_EDIT:
        return []
    change_status(session, community, ListingStatus.SUBMITTED, actor=actor)
    return fields


STATUS_LABELS = {
    ListingStatus.DRAFT: _l("Draft"),
    ListingStatus.SUBMITTED: _l("Waiting for review"),
    ListingStatus.LISTED: _l("Listed"),
    ListingStatus.PAUSED: _l("Paused"),
    ListingStatus.REJECTED: _l("Rejected"),
}


# --- the listing itself --------------------------------------------------------------------

COMMUNITY_TEXT_FIELDS = (
    "name_he", "name_en", "description", "founding_story", "need_answered", "dna_tone",
    "dna_values", "dna_rituals", "dna_language", "member_type", "common_denominator", "city",
    "content_allowed", "content_forbidden", "disclosure_wording", "contact_email",
    "contact_phone",
)  # fmt: skip
COMMUNITY_CHOICE_FIELDS: dict[str, Mapping[str, object]] = {
    "admission": vocab.ADMISSION,
    "region": vocab.REGIONS,
    "audience_kind": vocab.AUDIENCE_KINDS,
    "monetisation_experience": vocab.MONETISATION,
}
COMMUNITY_LIST_FIELDS: dict[str, Mapping[str, object] | None] = {
    "topics": vocab.TOPICS,
    "languages": vocab.LANGUAGES,
    "sensitive_flags": vocab.SENSITIVE_FLAGS,
    "regulated_allowed": vocab.REGULATED_CATEGORIES,
    "tags": None,
}


def check_community(data: Mapping[str, Any]) -> list[rules.Problem]:
    """Check a listing's own fields (names, vocabularies)."""
    problems: list[rules.Problem] = []
    if not (str(data.get("name_he") or "").strip() or str(data.get("name_en") or "").strip()):
        problems.append(("name_he", str(_l("Give the community a name in Hebrew or English."))))
    for field, allowed in COMMUNITY_CHOICE_FIELDS.items():
        if field in data and data[field] not in allowed:
            problems.append((field, str(_l("Unknown value: %(v)s.", v=data[field]))))
    for field, vocabulary in COMMUNITY_LIST_FIELDS.items():
        if vocabulary is not None and field in data:
            problems.extend(rules.check_choices(field, list(data[field]), vocabulary))
    if "minors" in (data.get("sensitive_flags") or []) and data.get("regulated_allowed"):
        problems.append(
            ("regulated_allowed", str(_l("A community with minors accepts no regulated brands.")))
        )
    return problems


def save_community(
    session: SessionLike,
    data: Mapping[str, Any],
    *,
    actor: User,
    community: Community | None = None,
    owner: User | None = None,
) -> Community:
    """Create a listing (as a draft) or update one; only the given fields change."""
    _raise_if(check_community({**_community_fields(community), **data}))
    if community is None:
        owner = owner or actor
        if owner.role is not Role.OWNER:
            raise Forbidden(str(_l("Listings belong to community owners.")))
        community = Community(owner=owner, disclosure_wording=vocab.DEFAULT_DISCLOSURE)
        session.add(community)
    elif not can_manage(actor, community):
        raise NotFound()
    before = {field: getattr(community, field) for field in data if hasattr(Community, field)}
    for field in COMMUNITY_TEXT_FIELDS:
        if field in data:
            value = (data[field] or "").strip()
            setattr(community, field, value or None if field.startswith("name_") else value)
    for field in COMMUNITY_CHOICE_FIELDS:
        if field in data:
            setattr(community, field, data[field])
    for field in COMMUNITY_LIST_FIELDS:
        if field in data:
            setattr(
                community, field, _unique([str(v).strip() for v in data[field] if str(v).strip()])
            )
    if "external_key" in data and actor.role in STAFF_ROLES:
        community.external_key = (data["external_key"] or "").strip() or None
    session.flush()
    changed = [
        f for f, value in before.items() if not rules.same_value(value, getattr(community, f))
    ]
    if not send_back_to_review(
        session, community, changed, actor=actor, reviewed=rules.REVIEWED_COMMUNITY_FIELDS
    ):
        refresh_derived(session, community)
    return community


def _community_fields(community: Community | None) -> dict[str, Any]:
    if community is None:
        return {}
    return {
        "name_he": community.name_he,
        "name_en": community.name_en,
        "sensitive_flags": community.sensitive_flags,
        "regulated_allowed": community.regulated_allowed,
    }


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


# --- assets, rates, audience ---------------------------------------------------------------


def save_asset(
    session: SessionLike,
    community: Community,
    data: Mapping[str, Any],
    *,
    actor: User,
    asset: ChannelAsset | None = None,
    observed_on: date | None = None,
    tier: EvidenceTier = EvidenceTier.SELF_REPORTED,
) -> ChannelAsset:
    """Add or update a channel asset; a new size becomes a dated MEMBERS snapshot."""
    if not can_manage(actor, community):
        raise NotFound()
    platform = data.get("platform", asset.platform if asset else None)
    url = (data.get("url", asset.url if asset else "") or "").strip()
    size = data.get("size")
    problems = rules.check_asset(platform, url, size)
    key = rules.normalise_url(url) if url else None
    if key:
        clash = session.scalar(select(ChannelAsset).where(ChannelAsset.url_key == key))
        if clash is not None and clash is not asset:
            problems.append(("url", str(_l("This address is already listed in the catalog."))))
    _raise_if(problems)
    identity = (
        None if asset is None else {f: getattr(asset, f) for f in rules.REVIEWED_ASSET_FIELDS}
    )
    if asset is None:
        asset = ChannelAsset(community=community, platform=platform)
        session.add(asset)
    asset.platform = platform
    asset.url = url
    asset.url_key = key
    for field in ("handle", "activity_hours"):
        if field in data:
            setattr(asset, field, (data[field] or "").strip())
    if "interaction_mode" in data:
        asset.interaction_mode = data["interaction_mode"]
    if "posts_per_week" in data:
        asset.posts_per_week = data["posts_per_week"]
    session.flush()
    if size is not None and size != asset.size:
        record_metric(
            session, asset, MetricKind.MEMBERS, float(size), actor=actor,
            observed_on=observed_on or date.today(), source=str(_l("Stated by the owner")),
            tier=tier,
        )  # fmt: skip
    refresh_derived(session, community)
    changed = (
        rules.REVIEWED_ASSET_FIELDS  # a new channel is reviewed as a whole
        if identity is None
        else [f for f, value in identity.items() if not rules.same_value(value, getattr(asset, f))]
    )
    send_back_to_review(
        session, community, changed, actor=actor, reviewed=rules.REVIEWED_ASSET_FIELDS
    )
    return asset


def delete_asset(session: SessionLike, asset: ChannelAsset, *, actor: User) -> None:
    """Remove a channel asset (with its rates and figures)."""
    community = asset.community
    if not can_manage(actor, community):
        raise NotFound()
    community.assets.remove(asset)
    session.flush()
    refresh_derived(session, community)


def set_rates(
    session: SessionLike,
    asset: ChannelAsset,
    rates: Mapping[PlacementType, tuple[int | None, str | None]],
    *,
    actor: User,
) -> None:
    """Replace the asset's rate card; a placement with no amount is removed from it."""
    if not can_manage(actor, asset.community):
        raise NotFound()
    problems = [
        (f"rate_{placement.value}", message)
        for placement, (amount, currency) in rates.items()
        for _field, message in rules.check_rate(amount, currency)
    ]
    problems += [
        problem
        for placement, (amount, _currency) in rates.items()
        if amount is not None
        for problem in rules.check_offered(asset.platform, placement)
    ]
    _raise_if(problems)
    existing = {rate.placement: rate for rate in asset.rates}
    for placement, (amount, currency) in rates.items():
        if amount is None:
            if placement in existing:
                asset.rates.remove(existing[placement])
            continue
        rate = existing.get(placement) or RateCard(placement=placement)
        rate.amount_minor, rate.currency = amount, str(currency)
        if placement not in existing:
            asset.rates.append(rate)
    session.flush()
    refresh_derived(session, asset.community)


def set_audience(
    session: SessionLike,
    community: Community,
    dimension: str,
    shares_bp: Mapping[str, int],
    *,
    actor: User,
) -> None:
    """Replace one audience distribution; it must sum to exactly 100% (or be empty)."""
    if not can_manage(actor, community):
        raise NotFound()
    _raise_if(rules.check_audience(dimension, shares_bp))
    for share in [s for s in community.audience if s.dimension == dimension]:
        community.audience.remove(share)
    session.flush()
    for bucket, share_bp in shares_bp.items():
        community.audience.append(
            AudienceShare(dimension=dimension, bucket=bucket, share_bp=share_bp)
        )
    session.flush()
    refresh_derived(session, community)


def audience_by_dimension(community: Community) -> dict[str, dict[str, int]]:
    """The audience as {dimension: {bucket: basis points}}, largest bucket first."""
    result: dict[str, dict[str, int]] = {}
    for share in sorted(community.audience, key=lambda s: -s.share_bp):
        result.setdefault(share.dimension, {})[share.bucket] = share.share_bp
    return result


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
    for signature, content_type in IMAGE_SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


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


def latest_metric(asset: ChannelAsset, kind: MetricKind) -> MetricSnapshot | None:
    """The newest snapshot of a kind (by the day it describes, then by entry)."""
    result: MetricSnapshot | None = newest_metric(asset.metrics, kind)
    return result


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
    _raise_if(
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


def add_manager(session: SessionLike, community: Community, *, email: str, actor: User) -> User:
    """Let another community-owner account co-manage this listing (the owner decides)."""
    if community.owner_id != actor.id and actor.role not in STAFF_ROLES:
        raise Forbidden(str(_l("Only the listing's owner adds co-managers.")))
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.role is not Role.OWNER:
        raise CatalogValidationError(
            [("email", str(_l("No community-owner account uses this e-mail; ask them to sign "
                               "up as a community owner first.")))]
        )  # fmt: skip
    if user.id == community.owner_id or any(m.user_id == user.id for m in community.managers):
        raise CatalogValidationError([("email", str(_l("They already manage this listing.")))])
    community.managers.append(CommunityManager(user=user))
    session.flush()
    return user


# --- derived fields: totals, facets, search text -------------------------------------------

HEBREW_PREFIXES = "והבלמשכ"
_WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(text: str) -> list[str]:
    """Split text into search words, adding Hebrew words without their one-letter prefix.

    Hebrew glues "the", "and", "in", "to", "from", "that" and "as" to the next word
    ("הריצה", "ולרוץ"); indexing the bare form as well lets "ריצה" find "הריצה".
    """
    words: list[str] = []
    for word in _WORD.findall(text.lower()):
        words.append(word)
        if len(word) >= 4 and word[0] in HEBREW_PREFIXES and "\u0590" <= word[1] <= "\u05ff":
            words.append(word[1:])
    return words


def build_search_text(community: Community) -> str:
    """The text that full-text search indexes for a community."""
    parts = [
        community.name_he or "", community.name_en or "", community.description,
        community.founding_story, community.need_answered, community.dna_tone,
        community.dna_values, community.dna_rituals, community.dna_language,
        community.member_type, community.common_denominator, community.city,
        " ".join(community.tags or []),
        " ".join(str(vocab.TOPICS.get(t, t)) for t in community.topics or []),
    ]  # fmt: skip
    return " ".join(dict.fromkeys(search_terms(" ".join(parts))))


def band(value: int | None, bands: list[tuple[str, int, int | None]]) -> str | None:
    """The slug of the band `value` falls in."""
    if value is None:
        return None
    for slug, low, high in bands:
        if value >= low and (high is None or value < high):
            return slug
    return None


@functools.lru_cache(maxsize=4096)  # a few hundred distinct pairs; a bulk load asks millions
def facet_token(facet: str, value: str) -> str:
    """A facet as one full-text word: ("platform", "whatsapp_group") → "fplatform0whatsappgroup"."""
    return (
        "f"
        + re.sub(r"[^a-z0-9]", "", facet.lower())
        + "0"
        + re.sub(r"[^a-z0-9]", "", value.lower())
    )


#: A facet holding the health score itself, zero-padded, for the "healthiest" sort.
HEALTH_SORT_FACET = "health_score"
#: Facets that are not filters, so they stay out of the full-text facet words.
UNFILTERED_FACETS = frozenset({"tag", HEALTH_SORT_FACET})


def community_health(community: Community) -> int | None:
    """The community's health score: the best of its channels' latest scores (0–100)."""
    scores = [
        latest.value
        for asset in community.assets
        if (latest := latest_metric(asset, MetricKind.HEALTH_SCORE)) is not None
    ]
    return int(max(0.0, min(100.0, max(scores))) + 0.5) if scores else None


def community_facets(community: Community) -> set[tuple[str, str]]:
    """The (facet, value) pairs a community can be filtered by."""
    facets = {("topic", t) for t in community.topics or []}
    facets.add(("status", ListingStatus(community.status or ListingStatus.DRAFT).value))
    facets |= {("language", lang) for lang in community.languages or []}
    facets |= {("sensitive", f) for f in community.sensitive_flags or []}
    facets |= {("tag", t.lower()[:60]) for t in community.tags or []}
    facets |= {("platform", a.platform.value) for a in community.assets}
    facets.add(("region", community.region))
    facets.add(("audience_kind", community.audience_kind))
    size_band = band(community.total_size, vocab.SIZE_BANDS)
    if size_band:
        facets.add(("size", size_band))
    price_band = band(community.min_rate_ils, vocab.PRICE_BANDS)
    if price_band:
        facets.add(("price", price_band))
    # Namespaces from the bulk paths have no estimate yet: `pricing recompute` fills it.
    value_band = band(getattr(community, "value_p50_ils", None), vocab.VALUE_BANDS)
    if value_band:
        facets.add(("value", value_band))
    health = community_health(community)
    if health is not None:
        facets.add(("health", band(health, vocab.HEALTH_BANDS) or "h_low"))
        facets.add((HEALTH_SORT_FACET, f"{health:03d}"))  # sortable as text: "062" < "100"
    for tier in range(1, community.best_evidence + 1):
        facets.add(("evidence", str(tier)))  # "at least this tier"
    for dimension, shares in audience_by_dimension(community).items():
        threshold = 6000 if dimension == "gender" else 2500
        facets |= {
            ("audience", f"{dimension}:{b}"[:60]) for b, s in shares.items() if s >= threshold
        }
    return facets


def compute_derived(community: Community) -> set[tuple[str, str]]:
    """Recompute the totals and search text in memory; return the community's facets."""
    community.total_size = sum(asset.size for asset in community.assets)
    ils_rates = [r.amount_minor for a in community.assets for r in a.rates if r.currency == "ILS"]
    community.min_rate_ils = min(ils_rates) if ils_rates else None
    tiers = [
        latest.tier
        for asset in community.assets
        if (latest := latest_metric(asset, MetricKind.MEMBERS)) is not None
    ]
    community.best_evidence = max(tiers, default=0)
    community.search_text = build_search_text(community)
    facets = community_facets(community)
    community.facet_text = " ".join(
        sorted(facet_token(f, v) for f, v in facets if f not in UNFILTERED_FACETS)
    )
    return facets


def refresh_derived(session: SessionLike, community: Community, *, estimate: bool = True) -> None:
    """Recompute the value estimates, totals, search text and facets that browsing relies on.

    Bulk paths pass ``estimate=False`` and leave the estimates to ``pricing recompute``.
    """
    if estimate:
        valuation.refresh_estimates(session, community)
    facets = compute_derived(community)
    session.flush()
    session.execute(delete(CommunityFacet).where(CommunityFacet.community_id == community.id))
    session.add_all(
        CommunityFacet(community_id=community.id, facet=facet, value=value)
        for facet, value in sorted(facets)
    )
    session.flush()


def refresh_facets(session: SessionLike, communities: list[Community]) -> None:
    """Recompute the derived fields and facets of many communities in a few bulk statements."""
    facets = [compute_derived(community) for community in communities]
    session.flush()
    ids = [community.id for community in communities]
    for start in range(0, len(ids), 500):
        session.execute(
            delete(CommunityFacet).where(CommunityFacet.community_id.in_(ids[start : start + 500]))
        )
    rows = [
        {"community_id": community.id, "facet": facet, "value": value}
        for community, pairs in zip(communities, facets, strict=True)
        for facet, value in sorted(pairs)
    ]
    for start in range(0, len(rows), 5000):
        session.execute(insert(CommunityFacet), rows[start : start + 5000])


def revalue(
    session: SessionLike, community_ids: Sequence[int], *, batch: int = valuation.BATCH
) -> Counter[str]:
    """Re-estimate these communities, one engine call per batch, then refresh their facets.

    The bulk twin of :func:`refresh_derived`: valuation stores the estimates and value sort
    keys, then the catalog rebuilds the facets (the value band) that depend on them.
    Returns how many placements came out ok, wide and refused.
    """
    counts: Counter[str] = Counter()
    priors = valuation.active_priors(session)
    for start in range(0, len(community_ids), batch):
        communities = valuation.load_communities(session, community_ids[start : start + batch])
        counts += valuation.estimate_communities(session, communities, priors=priors)
        refresh_facets(session, communities)
        session.flush()
        session.expunge_all()  # keep memory flat across batches
    return counts


# --- pages of listings ----------------------------------------------------------------------


@dataclass(frozen=True)
class MinePage:
    """A page of the listings a user manages, newest first."""

    communities: Sequence[Community]
    total: int
    #: The id to continue below, when there are more.
    next_before: int | None


def my_listings(session: SessionLike, user: User, *, before: int | None, size: int) -> MinePage:
    """The listings this user may manage, `size` at a time, below id `before` when given."""
    query = visible_communities(user)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if before is not None:
        query = query.where(Community.id < before)
    communities = session.scalars(
        query.options(selectinload(Community.assets))  # the cards' platform chips: one query
        .order_by(Community.id.desc())
        .limit(size + 1)
    ).all()
    more = len(communities) > size
    communities = communities[:size]
    return MinePage(communities, total, communities[-1].id if more else None)


@dataclass(frozen=True)
class ReviewQueue:
    """What waits for agency staff: listings to review and figures to look at, oldest first."""

    waiting: Sequence[Community]
    waiting_total: int
    questioned: Sequence[MetricSnapshot]
    screenshots: Sequence[MetricSnapshot]


def review_queue(session: SessionLike, *, size: int) -> ReviewQueue:
    """The review queue, `size` of each kind at a time.

    A page of the oldest, not all of them: a big import can leave thousands waiting, and
    rendering them all took seconds.
    """
    submitted = Community.status == ListingStatus.SUBMITTED
    waiting_total = session.scalar(select(func.count()).where(submitted)) or 0
    waiting = session.scalars(
        select(Community).where(submitted).order_by(Community.updated_at).limit(size)
    ).all()
    with_community = selectinload(MetricSnapshot.asset).selectinload(ChannelAsset.community)
    questioned = session.scalars(
        select(MetricSnapshot)
        .where(MetricSnapshot.review_status == ReviewStatus.QUESTIONED)
        .options(with_community)
        .order_by(MetricSnapshot.reviewed_at.desc())
        .limit(size)
    ).all()
    screenshots = session.scalars(
        select(MetricSnapshot)
        .where(
            MetricSnapshot.review_status == ReviewStatus.NONE,
            MetricSnapshot.tier == int(EvidenceTier.SCREENSHOT),
        )
        .options(with_community)
        .order_by(MetricSnapshot.created_at)
        .limit(size)
    ).all()
    return ReviewQueue(waiting, waiting_total, questioned, screenshots)
