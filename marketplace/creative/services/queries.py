"""Who sees a placement's creative, and the stored rows as the pure rules read them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from campaigns.deals import DealStatus, Party
from campaigns.deals import creative as rules
from campaigns.deals.common import IllegalTransition
from campaigns.deals.creative import CreativeStatus
from marketplace.auth.models import User
from marketplace.briefs.models import Brief
from marketplace.creative.models import Creative, CreativeApproval, CreativeImage, CreativeVersion
from marketplace.db import SessionLike
from marketplace.deals.models import Deal, DealPlacement, PlacementStatus
from marketplace.deals.services import DEFAULT_DISCLOSURE, get_visible
from marketplace.errors import Conflict, NotFound


class PlacementNotFound(NotFound):
    code = "placement_not_found"
    default_message = _l("No such placement.")


class CreativeClosed(Conflict):
    code = "creative_closed"
    default_message = _l("This placement was cancelled: its post can no longer change.")


class CreativeImageNotFound(NotFound):
    code = "creative_image_not_found"
    default_message = _l("No such image.")


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


def frozen(placement: DealPlacement) -> bool:
    """Whether the placement's post may no longer change: its deal was cancelled (its agreed
    placements keep their status, as a record) or the placement was dropped."""
    return (
        placement.status is not PlacementStatus.AGREED
        or placement.deal.status is DealStatus.CANCELLED
    )


def lock_creative(session: SessionLike, placement_id: int, user: User) -> Creative:
    """The placement's creative, locked for a change, while its deal still runs.

    The deal's row is locked first (as `start_creative` and the deal desk lock it), so a
    cancellation waits for a review in flight or the review sees it; a cancelled deal's (or a
    dropped placement's) post is frozen: no new draft, approval or comment (CreativeClosed).
    """
    placement = get_placement(session, placement_id, user)
    deal = session.scalar(
        select(Deal)
        .where(Deal.id == placement.deal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if deal is None or frozen(placement):
        raise CreativeClosed()
    creative = session.scalar(
        select(Creative)
        .where(Creative.deal_placement_id == placement.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if creative is None:
        raise IllegalTransition("this placement has no post yet")
    return creative


# --- rows ↔ the pure creative -------------------------------------------------------------


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
