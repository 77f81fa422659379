"""A post's lifecycle: scheduled, due, posted, verified, measured, closed, or missed / disputed.

One post is one run of an agreed placement (a placement bought ``count`` times is ``count``
posts). One table, :data:`POST_TRANSITIONS`, holds every move; an illegal move raises a named
:class:`DeliveryError` and changes nothing. docs/delivery.md renders the table.
"""

from __future__ import annotations

import enum

from campaigns.deals import moves
from campaigns.deals.common import (
    AGENCY,
    OWNER,
    SYSTEM,
    DealDomainError,
    IllegalTransition,
    Party,
    ReasonRequired,
)
from campaigns.deals.moves import Move, table_next


class PostStatus(enum.StrEnum):
    """Where one post of a placement stands."""

    #: Its window has not opened yet.
    SCHEDULED = "scheduled"
    #: Its window is open (or has passed, within the grace days): the owner should post it.
    DUE = "due"
    #: The owner submitted a live link and a screenshot; staff have not checked them yet.
    POSTED = "posted"
    #: Staff checked the proof: the post ran as agreed.
    VERIFIED = "verified"
    #: Its figures are in (the results feature measures verified posts).
    MEASURED = "measured"
    #: Nothing more happens to it: measured and done, or dropped (deal cancelled, count cut).
    CLOSED = "closed"
    #: Its window and the grace days passed without a proof.
    MISSED = "missed"
    #: Staff found the proof wanting (wrong text, no disclosure, not live); the owner resubmits.
    DISPUTED = "disputed"


class PostAction(enum.StrEnum):
    OPEN = "open"
    SUBMIT_PROOF = "submit_proof"
    VERIFY = "verify"
    DISPUTE = "dispute"
    MEASURE = "measure"
    MISS = "miss"
    CLOSE = "close"


S, A = PostStatus, PostAction
#: Who may submit a proof: the community's owner (or co-manager) and agency staff for them.
PROVERS = OWNER | AGENCY

#: (from, action) → (to, parties). The only moves a post can make.
POST_TRANSITIONS: dict[tuple[PostStatus, PostAction], Move[PostStatus]] = {
    (S.SCHEDULED, A.OPEN): Move(S.DUE, SYSTEM | AGENCY),
    # Posting early (before the post's own slot opens) is fine: the agreed window is the deal's.
    (S.SCHEDULED, A.SUBMIT_PROOF): Move(S.POSTED, PROVERS),
    (S.DUE, A.SUBMIT_PROOF): Move(S.POSTED, PROVERS),
    # A late post still counts (late, and the alert said so): staff decide whether it is enough.
    (S.MISSED, A.SUBMIT_PROOF): Move(S.POSTED, PROVERS),
    (S.DISPUTED, A.SUBMIT_PROOF): Move(S.POSTED, PROVERS),
    (S.POSTED, A.VERIFY): Move(S.VERIFIED, AGENCY),
    (S.POSTED, A.DISPUTE): Move(S.DISPUTED, AGENCY),
    (S.VERIFIED, A.DISPUTE): Move(S.DISPUTED, AGENCY),
    (S.VERIFIED, A.MEASURE): Move(S.MEASURED, AGENCY | SYSTEM),
    (S.SCHEDULED, A.MISS): Move(S.MISSED, SYSTEM | AGENCY),
    (S.DUE, A.MISS): Move(S.MISSED, SYSTEM | AGENCY),
    (S.MEASURED, A.CLOSE): Move(S.CLOSED, AGENCY | SYSTEM),
    (S.MISSED, A.CLOSE): Move(S.CLOSED, AGENCY | SYSTEM),
    # Dropped before it ran: its deal was cancelled or an amendment cut the count.
    (S.SCHEDULED, A.CLOSE): Move(S.CLOSED, AGENCY | SYSTEM),
    (S.DUE, A.CLOSE): Move(S.CLOSED, AGENCY | SYSTEM),
}

#: Posts with a proof standing: they count as delivered.
DELIVERED = frozenset({S.POSTED, S.VERIFIED, S.MEASURED})
#: Posts still waiting for their proof (an amendment may move their dates).
OPEN_POSTS = frozenset({S.SCHEDULED, S.DUE})
#: Reasons a dispute may give; ``other`` needs words.
DISPUTE_REASONS = ("not_live", "text_differs", "no_disclosure", "wrong_channel", "late", "other")


class DeliveryError(DealDomainError):
    """Base of every refusal of the delivery rules (a deal-desk refusal, mapped to HTTP alike)."""


class IllegalPostMove(DeliveryError, IllegalTransition):
    """The transition table has no such move from this status for this party."""


class DisputeReasonRequired(DeliveryError, ReasonRequired):
    """A dispute must say why (a known reason; ``other`` with words)."""


class ScheduleInvalid(DeliveryError, ValueError):
    """A placement's count or window cannot be scheduled (no posts, a window that ends first)."""


def post_next(status: PostStatus, action: PostAction, party: Party) -> PostStatus:
    """Where the table takes ``status`` on ``action`` by ``party``, or raise IllegalPostMove."""
    return table_next(
        POST_TRANSITIONS, status, action, party, subject="a post", error=IllegalPostMove
    )


def dispute_next(status: PostStatus, party: Party, reason: str, text: str = "") -> PostStatus:
    """The dispute row of the table, with its reason checked."""
    if reason not in DISPUTE_REASONS or (reason == "other" and not text.strip()):
        raise DisputeReasonRequired("say why the proof is disputed")
    return post_next(status, A.DISPUTE, party)


def markdown_table() -> str:
    """The table as markdown rows (from, action, to, who may), for docs/delivery.md."""
    return moves.markdown_table(POST_TRANSITIONS.items())
