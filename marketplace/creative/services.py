"""Creative use-cases: start a post for an agreed placement, revise it, comment, approve.

Every action loads the rows into :class:`campaigns.deals.creative.Creative`, lets the pure rules
decide (the chain owner → agency → brand → compliance, the disclosure check, a revision voiding
the approvals, the compliance reviewer being someone other than the agency approver) and stores
what they return; it flushes, the caller commits once. Who sees a creative follows the deals:
:func:`marketplace.deals.services.scoped`. Each step notifies the next approver.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from campaigns.deals import DealStatus, Party
from campaigns.deals import creative as rules
from campaigns.deals.common import DisclosureMissing, IllegalTransition, side_of
from campaigns.deals.creative import CreativeAction, CreativeStatus
from marketplace.auth.models import Role, User
from marketplace.briefs.models import Brief
from marketplace.catalog.models import CommunityManager
from marketplace.creative.models import (
    Creative,
    CreativeApproval,
    CreativeComment,
    CreativeImage,
    CreativeVersion,
)
from marketplace.db import SessionLike, utcnow
from marketplace.deals.models import Deal, DealEvent, DealPlacement, PlacementStatus
from marketplace.deals.services import DEFAULT_DISCLOSURE, get_visible, party_of
from marketplace.errors import Conflict, KesherError, NotFound
from marketplace.inbox import services as inbox
from pricing.taxonomy import PlacementType, Platform

#: The images a post may carry, recognised by their bytes (never their name).
IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGES = 4


class PlacementNotFound(NotFound):
    code = "placement_not_found"
    default_message = _l("No such placement.")


class CreativeImageNotFound(NotFound):
    code = "creative_image_not_found"
    default_message = _l("No such image.")


class DealNotAgreed(Conflict):
    code = "deal_not_agreed"
    default_message = _l("Creative is written once the placement is agreed.")


class CreativeExists(Conflict):
    code = "creative_exists"
    default_message = _l("This placement already has a post. Open it to revise it.")


class ImageRefused(KesherError):
    status_code = 422
    code = "image_refused"
    default_message = _l("This file is not an image (PNG, JPEG or WebP).")


class CreativeDisclosureMissing(DisclosureMissing):
    """The text lacks the community's disclosure; ``wording`` is what it must carry."""

    def __init__(self, wording: str) -> None:
        super().__init__(f"the text must carry the community's disclosure: {wording}")
        self.wording = wording


@dataclass(frozen=True)
class Upload:
    """An uploaded file, as the form hands it over."""

    filename: str
    data: bytes


# --- who sees -----------------------------------------------------------------------------


def get_placement(session: SessionLike, placement_id: int, user: User) -> DealPlacement:
    """A placement of a deal ``user`` may see, or PlacementNotFound."""
    return get_visible(session, DealPlacement, placement_id, user, missing=PlacementNotFound)


def creative_of(session: SessionLike, placement: DealPlacement) -> Creative | None:
    """The placement's creative, if one was started."""
    return session.scalar(select(Creative).where(Creative.deal_placement_id == placement.id))


def get_image(session: SessionLike, image_id: int, user: User) -> CreativeImage:
    """An image of a creative ``user`` may see, or CreativeImageNotFound."""
    via = (
        CreativeImage.version_id,
        CreativeVersion.creative_id,
        Creative.deal_placement_id,
        DealPlacement.deal_id,
    )
    return get_visible(
        session, CreativeImage, image_id, user, via=via, missing=CreativeImageNotFound
    )


def _lock(session: SessionLike, placement_id: int, user: User) -> Creative:
    placement = get_placement(session, placement_id, user)
    creative = session.scalar(
        select(Creative)
        .where(Creative.deal_placement_id == placement.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if creative is None:
        raise IllegalTransition("this placement has no post yet")
    return creative


# --- rows ↔ the pure creative ---------------------------------------------------------------


def brief_of(session: SessionLike, placement: DealPlacement) -> Brief:
    brief = session.get(Brief, placement.deal.brief_id)
    assert brief is not None
    return brief


def disclosure_of(placement: DealPlacement) -> str:
    """The wording the community requires in every post (the house default if it set none)."""
    return placement.deal.community.disclosure_wording.strip() or DEFAULT_DISCLOSURE


def pure_creative(session: SessionLike, creative: Creative) -> rules.Creative:
    """The rows as the pure rules see them."""
    placement = creative.placement
    drafts = tuple(
        rules.Draft(
            v.number,
            v.text,
            rules.Side(v.author_side),
            v.created_at,
            tuple(i.sha256 for i in v.images),
            v.link_placeholder,
        )
        for v in creative.versions
    )
    current = current_approvals(creative)
    return rules.Creative(
        placement=(placement.asset_id, placement.placement_type),
        disclosure=disclosure_of(placement),
        regulated=brief_of(session, placement).is_regulated,
        drafts=drafts,
        status=creative.status,
        approvals=tuple(
            rules.Approval(
                CreativeStatus(a.reached), Party(a.party), a.user_id or 0, a.version.number, a.at
            )
            for a in current
        ),
        changes_note=creative.changes_note,
    )


def current_version(creative: Creative) -> CreativeVersion:
    return creative.versions[-1]


def current_approvals(creative: Creative) -> list[CreativeApproval]:
    """The approvals of the current version still standing (a change request voids them)."""
    if creative.status is CreativeStatus.CHANGES_REQUESTED:
        return []
    version = current_version(creative)
    return [a for a in creative.approvals if a.version_id == version.id and a.decision == "approve"]


# --- images ------------------------------------------------------------------------------


def sniff_image(data: bytes) -> str | None:
    """The image type from the file's own bytes, or None."""
    for signature, content_type in IMAGE_SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_image(upload: Upload) -> str:
    """The content type of an acceptable image, or ImageRefused saying why."""
    if len(upload.data) > MAX_IMAGE_BYTES:
        raise ImageRefused(str(_l("The image is larger than 5 MB.")))
    content_type = sniff_image(upload.data)
    if content_type is None:
        raise ImageRefused()
    return content_type


def _image_rows(
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


# --- actions -----------------------------------------------------------------------------

#: The deal timeline's actions written by creative (``deal_events.action``).
AUDIT_ACTIONS = {
    CreativeAction.APPROVE: "creative_approve",
    CreativeAction.REQUEST_CHANGES: "creative_request_changes",
    CreativeAction.REVISE: "creative_revise",
}


def _state(creative: Creative | None, placement: DealPlacement) -> dict[str, Any]:
    if creative is None:
        return {"placement": placement.id}
    return {
        "placement": placement.id,
        "creative": creative.status.value,
        "version": creative.current_version,
    }


def _audit(
    session: SessionLike,
    placement: DealPlacement,
    actor: User,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    now: dt.datetime,
) -> None:
    """One row of the deal's timeline (the deal row itself is not touched: no version bump)."""
    session.add(
        DealEvent(
            deal_id=placement.deal_id,
            actor_id=actor.id,
            party=party_of(actor).value,
            action=action,
            before=before,
            after=after,
            at=now,
        )
    )


def _store_version(
    session: SessionLike,
    creative: Creative,
    draft: rules.Draft,
    *,
    actor: User,
    kept: Sequence[CreativeImage],
    uploads: Sequence[Upload],
) -> CreativeVersion:
    version = CreativeVersion(
        creative=creative,
        number=draft.number,
        text=draft.text,
        link_placeholder=draft.link_placeholder,
        author_side=draft.author.value,
        author_id=actor.id,
    )
    session.add(version)
    for row in _image_rows(version, kept, uploads):
        session.add(row)
    return version


def _check_uploads(uploads: Sequence[Upload]) -> tuple[str, ...]:
    for upload in uploads:
        check_image(upload)
    return tuple(hashlib.sha256(u.data).hexdigest() for u in uploads)


def start_creative(
    session: SessionLike,
    placement_id: int,
    *,
    text: str,
    link_placeholder: str = "",
    images: Sequence[Upload] = (),
    actor: User,
    now: dt.datetime | None = None,
) -> Creative:
    """The first draft of an agreed placement's post, by its owner or agency staff."""
    placement = get_placement(session, placement_id, actor)
    deal = session.scalar(select(Deal).where(Deal.id == placement.deal_id).with_for_update())
    assert deal is not None
    if placement.status is not PlacementStatus.AGREED or deal.status not in (
        DealStatus.AGREED,
        DealStatus.AMENDING,
    ):
        raise DealNotAgreed()
    if creative_of(session, placement) is not None:
        raise CreativeExists()
    now = now or utcnow()
    pure = rules.new_creative(
        (placement.asset_id, placement.placement_type),
        disclosure=disclosure_of(placement),
        regulated=brief_of(session, placement).is_regulated,
        text=text,
        party=party_of(actor),
        now=now,
        images=_check_uploads(images),
        link_placeholder=link_placeholder,
    )
    creative = Creative(
        placement=placement, status=pure.status, current_version=1, created_at=now, updated_at=now
    )
    session.add(creative)
    _store_version(session, creative, pure.current, actor=actor, kept=(), uploads=images)
    session.flush()
    _audit(session, placement, actor, "creative_start", _state(None, placement),
           _state(creative, placement), now)  # fmt: skip
    _notify_next(session, creative, pure, actor=actor)
    return creative


def save_draft(
    session: SessionLike,
    placement_id: int,
    *,
    text: str,
    version: int,
    actor: User,
    link_placeholder: str | None = None,
    images: Sequence[Upload] = (),
    drop_images: bool = False,
    now: dt.datetime | None = None,
) -> Creative:
    """A new version of the post (the current one is never edited); every approval is void.

    New images are added to the current version's, or replace them with ``drop_images``.
    """
    creative = _lock(session, placement_id, actor)
    now = now or utcnow()
    before = pure_creative(session, creative)
    old = current_version(creative)
    kept: Sequence[CreativeImage] = () if drop_images else old.images
    hashes = tuple(i.sha256 for i in kept) + _check_uploads(images)
    after = rules.revise(
        before,
        text,
        party=party_of(actor),
        actor_id=actor.id,
        draft=version,
        now=now,
        images=hashes,
        link_placeholder=link_placeholder,
    )
    _store_version(session, creative, after.current, actor=actor, kept=kept, uploads=images)
    state = _state(creative, creative.placement)
    creative.status = after.status
    creative.current_version = after.current.number
    creative.changes_note = ""
    creative.updated_at = now
    _audit(session, creative.placement, actor, AUDIT_ACTIONS[CreativeAction.REVISE], state,
           _state(creative, creative.placement), now)  # fmt: skip
    session.flush()
    session.refresh(creative)
    _notify_next(session, creative, after, actor=actor)
    return creative


def add_comment(
    session: SessionLike, placement_id: int, body: str, *, actor: User
) -> CreativeComment:
    """A remark on the post, kept with the version it was made on."""
    creative = _lock(session, placement_id, actor)
    if not body.strip():
        raise rules.ReasonRequired("a comment needs words")
    row = CreativeComment(
        creative=creative,
        version_number=creative.current_version,
        author_id=actor.id,
        body=body.strip(),
    )
    session.add(row)
    session.flush()
    return row


def _decide(
    session: SessionLike,
    placement_id: int,
    action: CreativeAction,
    *,
    version: int,
    actor: User,
    note: str = "",
    now: dt.datetime | None,
) -> Creative:
    creative = _lock(session, placement_id, actor)
    now = now or utcnow()
    before = pure_creative(session, creative)
    try:
        after = rules.creative_act(
            before,
            action,
            party_of(actor),
            actor_id=actor.id,
            draft=version,
            now=now,
            text=note,
        )
    except DisclosureMissing:
        raise CreativeDisclosureMissing(before.disclosure) from None
    row = current_version(creative)
    state = _state(creative, creative.placement)
    session.add(
        CreativeApproval(
            creative=creative,
            version_id=row.id,
            reached=after.status.value,
            party=party_of(actor).value,
            user_id=actor.id,
            decision=action.value,
            note=after.changes_note if action is CreativeAction.REQUEST_CHANGES else "",
            at=now,
        )
    )
    creative.status = after.status
    creative.changes_note = after.changes_note
    creative.updated_at = now
    _audit(session, creative.placement, actor, AUDIT_ACTIONS[action], state,
           _state(creative, creative.placement), now)  # fmt: skip
    session.flush()
    session.refresh(creative)
    _notify_next(session, creative, after, actor=actor)
    return creative


def approve_creative(
    session: SessionLike,
    placement_id: int,
    *,
    version: int,
    actor: User,
    now: dt.datetime | None = None,
) -> Creative:
    """The next step of the chain, taken by the party whose turn it is."""
    return _decide(
        session, placement_id, CreativeAction.APPROVE, version=version, actor=actor, now=now
    )


def request_changes(
    session: SessionLike,
    placement_id: int,
    note: str,
    *,
    version: int,
    actor: User,
    now: dt.datetime | None = None,
) -> Creative:
    """Send the post back with a note; the chain starts over after the next version."""
    return _decide(
        session,
        placement_id,
        CreativeAction.REQUEST_CHANGES,
        version=version,
        actor=actor,
        note=note,
        now=now,
    )


# --- who is next, and telling them ----------------------------------------------------------


def _active(session: SessionLike, *conditions: Any) -> list[User]:
    return list(session.scalars(select(User).where(User.is_active.is_(True), *conditions)))


def _owners(session: SessionLike, placement: DealPlacement) -> list[User]:
    community = placement.deal.community
    managers = select(CommunityManager.user_id).where(CommunityManager.community_id == community.id)
    return _active(session, (User.id == community.owner_id) | User.id.in_(managers))


def _staff(session: SessionLike, *, besides: Iterable[int] = ()) -> list[User]:
    return _active(session, User.role.in_((Role.STAFF, Role.ADMIN)), User.id.notin_(list(besides)))


def _brand(session: SessionLike, placement: DealPlacement) -> list[User]:
    return _active(
        session,
        User.role == Role.BRAND,
        User.organisation_id == placement.deal.organisation_id,
    )


def waiting_for(creative: rules.Creative) -> frozenset[Party]:
    """The parties who may take the next step of the chain (empty once approved)."""
    if creative.approved:
        return frozenset()
    parties: set[Party] = set()
    for (status, action), move in rules.CREATIVE_TRANSITIONS.items():
        if status is not creative.status or action is not CreativeAction.APPROVE:
            continue
        if (status, action) in rules.COMPLIANCE_STEPS and not creative.regulated:
            continue
        parties |= move.parties
    if creative.status is CreativeStatus.CHANGES_REQUESTED:
        parties |= rules.WRITERS
    return frozenset(parties)


def placement_link(placement_id: int) -> str:
    """The creative page's path, built without a request (jobs and API calls notify too)."""
    return f"/creative/placement/{placement_id}"


def _notify_next(
    session: SessionLike, creative: Creative, pure: rules.Creative, *, actor: User
) -> None:
    placement = creative.placement
    brief = brief_of(session, placement)
    params = {"community": placement.deal.community.display_name, "brief": brief.display_title}
    link = placement_link(placement.id)
    if pure.approved:
        recipients = [*_owners(session, placement), *_brand(session, placement)]
        recipients += [u for a in current_approvals(creative) if (u := a.user) is not None]
        inbox.notify(session, recipients, "creative_approved", params=params, link=link,
                     subject=creative)  # fmt: skip
        return
    status = pure.status
    if status in (CreativeStatus.DRAFT, CreativeStatus.CHANGES_REQUESTED):
        recipients = _owners(session, placement)
    elif status is CreativeStatus.OWNER_APPROVED:
        recipients = _staff(session)
    elif status is CreativeStatus.AGENCY_APPROVED:
        recipients = _brand(session, placement)
    else:  # brand approved a regulated brief's post: a compliance reviewer, not the approver
        agency = [a.user_id for a in current_approvals(creative) if a.reached == "agency_approved"]
        recipients = _staff(session, besides=[i for i in agency if i is not None])
    recipients = [u for u in recipients if u.id != actor.id]
    if recipients:
        inbox.notify(session, recipients, "creative_to_review", params=params, link=link,
                     subject=creative)  # fmt: skip


def allowed_actions(session: SessionLike, creative: Creative | None, user: User) -> set[str]:
    """What ``user`` may do: ``write``, ``approve``, ``request_changes``, ``comment``."""
    party = party_of(user)
    writer = side_of(party) is not None
    if creative is None:
        return {"write"} if writer else set()
    actions = {"comment"}
    if writer:
        actions.add("write")
    pure = pure_creative(session, creative)
    for action in (CreativeAction.APPROVE, CreativeAction.REQUEST_CHANGES):
        try:
            rules.creative_next(pure, action, party)
        except IllegalTransition:
            continue
        actions.add(action.value)
    if pure.status is CreativeStatus.BRAND_APPROVED and any(
        a.reached is CreativeStatus.AGENCY_APPROVED and a.actor_id == user.id
        for a in pure.approvals
    ):
        actions.discard(CreativeAction.APPROVE.value)  # four eyes: another reviewer's step
    return actions


# --- what the page shows --------------------------------------------------------------------


def text_direction(text: str) -> str:
    """``rtl`` when the first strong character is right-to-left (Hebrew, Arabic), else ``ltr``."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def preview_style(placement: DealPlacement) -> str:
    """Which channel the preview imitates: whatsapp, telegram, facebook, newsletter, generic."""
    if placement.placement_type in (
        PlacementType.NEWSLETTER_SPONSORSHIP,
        PlacementType.DEDICATED_SEND,
    ):
        return "newsletter"
    platform = placement.asset.platform
    if platform in (
        Platform.WHATSAPP_GROUP,
        Platform.WHATSAPP_COMMUNITY,
        Platform.WHATSAPP_CHANNEL,
    ):
        return "whatsapp"
    if platform in (Platform.TELEGRAM_CHANNEL, Platform.TELEGRAM_GROUP):
        return "telegram"
    if platform in (Platform.FACEBOOK_GROUP, Platform.FACEBOOK_PAGE):
        return "facebook"
    return "generic"


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The change from ``old`` to ``new`` as (kind, text) pieces: ``same``, ``del``, ``ins``.

    Words and the spaces or line breaks between them are compared as tokens, so joining the
    ``same`` and ``ins`` pieces gives ``new`` back exactly.
    """
    a, b = re.findall(r"\S+|\s+", old), re.findall(r"\S+|\s+", new)
    pieces: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("ins", "".join(b[j1:j2])))
    return pieces
