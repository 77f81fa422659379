"""The listing lifecycle: its states, the one transition table, and the moves along it."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from marketplace.auth.models import Role, User
from marketplace.catalog import rules
from marketplace.catalog.models import Community, ListingStatus, PausedBy
from marketplace.catalog.services.access import STAFF_ROLES, can_manage
from marketplace.catalog.services.derived import refresh_derived
from marketplace.catalog.services.errors import CatalogValidationError
from marketplace.db import SessionLike, utcnow
from marketplace.errors import EmailNotConfirmed, InvalidTransition

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
    if to == ListingStatus.SUBMITTED and not getattr(actor, "email_verified", True):
        raise EmailNotConfirmed()  # a review request reaches the agency (an edit sends one too)
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
