"""Creative actions: start a post, revise it, comment, approve or send it back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from campaigns.deals import DealStatus
from campaigns.deals import creative as rules
from campaigns.deals.common import DisclosureMissing
from campaigns.deals.creative import CreativeAction
from marketplace.auth.models import User
from marketplace.creative.models import (
    Creative,
    CreativeApproval,
    CreativeComment,
    CreativeImage,
    CreativeVersion,
)
from marketplace.creative.services.images import check_uploads, image_rows
from marketplace.creative.services.notices import notify_next
from marketplace.creative.services.queries import (
    brief_of,
    creative_of,
    current_version,
    disclosure_of,
    get_placement,
    lock_creative,
    pure_creative,
)
from marketplace.db import SessionLike, utcnow
from marketplace.deals.models import Deal, DealEvent, DealPlacement, PlacementStatus
from marketplace.deals.services import party_of
from marketplace.errors import Conflict
from marketplace.uploads import Upload


class DealNotAgreed(Conflict):
    code = "deal_not_agreed"
    default_message = _l("Creative is written once the placement is agreed.")


class CreativeExists(Conflict):
    code = "creative_exists"
    default_message = _l("This placement already has a post. Open it to revise it.")


class CreativeDisclosureMissing(DisclosureMissing):
    """The text lacks the community's disclosure; ``wording`` is what it must carry."""

    def __init__(self, wording: str) -> None:
        super().__init__(f"the text must carry the community's disclosure: {wording}")
        self.wording = wording


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
    for row in image_rows(version, kept, uploads):
        session.add(row)
    return version


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
        images=check_uploads(images),
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
    notify_next(session, creative, pure, actor=actor)
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
    creative = lock_creative(session, placement_id, actor)
    now = now or utcnow()
    before = pure_creative(session, creative)
    old = current_version(creative)
    kept: Sequence[CreativeImage] = () if drop_images else old.images
    hashes = tuple(i.sha256 for i in kept) + check_uploads(images)
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
    notify_next(session, creative, after, actor=actor)
    return creative


def add_comment(
    session: SessionLike, placement_id: int, body: str, *, actor: User
) -> CreativeComment:
    """A remark on the post, kept with the version it was made on."""
    creative = lock_creative(session, placement_id, actor)
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
    creative = lock_creative(session, placement_id, actor)
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
    notify_next(session, creative, after, actor=actor)
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
