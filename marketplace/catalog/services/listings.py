"""The listing itself: its own fields checked and saved, and the pages of listings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.auth.models import Role, User
from marketplace.catalog import rules, vocab
from marketplace.catalog.models import (
    ChannelAsset,
    Community,
    ListingStatus,
    MetricSnapshot,
    ReviewStatus,
)
from marketplace.catalog.services.access import (
    STAFF_ROLES,
    can_manage,
    require_confirmed_unless_draft,
    visible_communities,
)
from marketplace.catalog.services.derived import refresh_derived
from marketplace.catalog.services.errors import raise_if
from marketplace.catalog.services.lifecycle import send_back_to_review
from marketplace.db import SessionLike
from marketplace.errors import Forbidden, NotFound
from pricing.taxonomy import EvidenceTier

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
    raise_if(check_community({**_community_fields(community), **data}))
    if community is None:
        owner = owner or actor
        if owner.role is not Role.OWNER:
            raise Forbidden(str(_l("Listings belong to community owners.")))
        community = Community(owner=owner, disclosure_wording=vocab.DEFAULT_DISCLOSURE)
        session.add(community)
    elif not can_manage(actor, community):
        raise NotFound()
    else:
        require_confirmed_unless_draft(actor, community)
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
