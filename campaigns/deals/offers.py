"""The offer lifecycle: staff send, the owner accepts, declines or counters, round by round.

One table, :data:`OFFER_TRANSITIONS`, says which action moves an offer from which status to
which, and which parties may take it. Every other move raises :class:`IllegalTransition` (or
its narrower kinds: :class:`NotYourTurn`, :class:`StaleVersion`, :class:`OfferExpired`) and
returns nothing, so the caller's offer is unchanged. Every round is a new immutable
:class:`OfferVersion`; an offer only ever grows.

Expiry is checked on read: :func:`effective_status` says ``expired`` once ``expires_at`` has
passed, whether or not the scheduler has recorded it yet.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace

from campaigns.deals.common import (
    AGENCY,
    OWNER,
    SYSTEM,
    FieldNotYours,
    IllegalTransition,
    NothingChanged,
    NotYourTurn,
    OfferExpired,
    Party,
    ReasonRequired,
    Side,
    StaleVersion,
    TermsInvalid,
    require_utc,
    side_of,
)
from campaigns.deals.desk import check_margin, require_margin_allowed
from campaigns.deals.moves import Move, table_actions
from campaigns.deals.terms import OfferTerms, diff, with_brand_prices


class OfferStatus(enum.StrEnum):
    """Where an offer (its latest round) stands; earlier rounds read ``superseded``."""

    DRAFT = "draft"
    SENT = "sent"
    COUNTERED = "countered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"


class OfferAction(enum.StrEnum):
    """What a party can do to an offer."""

    EDIT = "edit"
    SEND = "send"
    ACCEPT = "accept"
    DECLINE = "decline"
    COUNTER = "counter"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"


class DeclineReason(enum.StrEnum):
    """Why an owner says no; ``other`` needs words."""

    NOT_OUR_DNA = "not_our_dna"
    PAYOUT_TOO_LOW = "payout_too_low"
    DATES_DO_NOT_WORK = "dates_do_not_work"
    CATEGORY_NOT_ALLOWED = "category_not_allowed"
    TOO_MANY_CAMPAIGNS = "too_many_campaigns"
    OTHER = "other"


#: The English wording of each reason (the web layer translates it).
DECLINE_REASON_TEXT: dict[DeclineReason, str] = {
    DeclineReason.NOT_OUR_DNA: "Does not fit our community's DNA",
    DeclineReason.PAYOUT_TOO_LOW: "The payout is too low",
    DeclineReason.DATES_DO_NOT_WORK: "The dates do not work for us",
    DeclineReason.CATEGORY_NOT_ALLOWED: "Our rules do not allow this category",
    DeclineReason.TOO_MANY_CAMPAIGNS: "We already carry enough campaigns",
    DeclineReason.OTHER: "Another reason",
}


S, A = OfferStatus, OfferAction

#: (from, action) → (to, parties). The only moves an offer can make.
OFFER_TRANSITIONS: dict[tuple[OfferStatus, OfferAction], Move[OfferStatus]] = {
    (S.DRAFT, A.EDIT): Move(S.DRAFT, AGENCY),
    (S.DRAFT, A.SEND): Move(S.SENT, AGENCY),
    (S.DRAFT, A.WITHDRAW): Move(S.WITHDRAWN, AGENCY),
    (S.SENT, A.ACCEPT): Move(S.ACCEPTED, OWNER),
    (S.SENT, A.DECLINE): Move(S.DECLINED, OWNER),
    (S.SENT, A.COUNTER): Move(S.COUNTERED, OWNER),
    (S.SENT, A.WITHDRAW): Move(S.WITHDRAWN, AGENCY),
    (S.SENT, A.EXPIRE): Move(S.EXPIRED, SYSTEM),
    (S.COUNTERED, A.ACCEPT): Move(S.ACCEPTED, AGENCY),
    (S.COUNTERED, A.COUNTER): Move(S.SENT, AGENCY),
    (S.COUNTERED, A.WITHDRAW): Move(S.WITHDRAWN, AGENCY),
    (S.COUNTERED, A.EXPIRE): Move(S.EXPIRED, SYSTEM),
}

#: Whose move it is while an offer is open.
TURN: dict[OfferStatus, Side] = {S.DRAFT: Side.AGENCY, S.SENT: Side.OWNER, S.COUNTERED: Side.AGENCY}
#: Statuses that can still expire (the owner or the agency has yet to answer).
OPEN = frozenset({S.SENT, S.COUNTERED})
#: Statuses nothing can leave.
FINAL = frozenset(s for s in OfferStatus if not any(frm == s for frm, _a in OFFER_TRANSITIONS))
#: Actions that start a new round (a new version) rather than close or edit the current one.
NEW_ROUND = frozenset({A.COUNTER})


def next_status(status: OfferStatus, action: OfferAction, party: Party) -> OfferStatus:
    """Where the table takes ``status`` on ``action`` by ``party``, or raise."""
    move = OFFER_TRANSITIONS.get((status, action))
    if move is not None and party in move.parties:
        return move.to
    side = side_of(party)
    may_elsewhere = any(
        a == action and any(side_of(p) == side for p in m.parties)
        for (_s, a), m in OFFER_TRANSITIONS.items()
    )
    if move is not None and side is not None and status in TURN and may_elsewhere:
        raise NotYourTurn(f"it is the {TURN[status]}'s turn to answer this offer")
    raise IllegalTransition(f"an offer cannot {action} from {status} by {party}")


def allowed_actions(status: OfferStatus, party: Party) -> list[OfferAction]:
    """The actions ``party`` may take on an offer in ``status`` (guards aside)."""
    return table_actions(OFFER_TRANSITIONS, status, party)


@dataclass(frozen=True, slots=True)
class OfferVersion:
    """One round of an offer; never changed once another round follows it."""

    number: int
    terms: OfferTerms
    author: Side
    created_at: dt.datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class Decline:
    reason: DeclineReason
    text: str = ""


@dataclass(frozen=True, slots=True)
class Offer:
    """A negotiation with one owner: its rounds, oldest first, and where the latest stands."""

    versions: tuple[OfferVersion, ...]
    status: OfferStatus
    decline: Decline | None = None
    #: When the offer reached a final status (accepted, declined, withdrawn, expired).
    closed_at: dt.datetime | None = None

    @property
    def current(self) -> OfferVersion:
        return self.versions[-1]

    @property
    def terms(self) -> OfferTerms:
        return self.current.terms

    @property
    def accepted_terms(self) -> OfferTerms | None:
        """The terms both sides accepted, or None while not accepted."""
        return self.terms if self.status == S.ACCEPTED else None


def effective_status(offer: Offer, now: dt.datetime) -> OfferStatus:
    """The offer's status as of ``now``: an open offer past its expiry reads ``expired``."""
    require_utc(now, "now")
    if offer.status in OPEN and now >= offer.terms.expires_at:
        return S.EXPIRED
    return offer.status


def version_status(offer: Offer, number: int, now: dt.datetime) -> OfferStatus:
    """The status of round ``number``: every round but the latest is superseded."""
    if not 1 <= number <= len(offer.versions):
        raise StaleVersion(f"offer has no version {number}")
    if number < len(offer.versions):
        return S.SUPERSEDED
    return effective_status(offer, now)


def new_offer(terms: OfferTerms, *, party: Party, now: dt.datetime, note: str = "") -> Offer:
    """A draft offer written by agency staff (nobody else starts an offer)."""
    require_utc(now, "now")
    if party not in AGENCY:
        raise IllegalTransition(f"{party} cannot start an offer")
    _check_margin(terms, party)
    return Offer((OfferVersion(1, terms, Side.AGENCY, now, note),), S.DRAFT)


def _check_margin(terms: OfferTerms, party: Party) -> None:
    # The owner cannot see the margin, so only the agency's own moves are held to it; the
    # floor is only a warning (desk_figures shows it), so it plays no part here.
    if party in AGENCY:
        check = check_margin(terms.brand_price_minor, terms.owner_payout_minor, floor_bp=0)
        require_margin_allowed(check, party)


def _check_fresh(terms: OfferTerms, now: dt.datetime) -> None:
    if terms.expires_at <= now:
        raise TermsInvalid("the offer's expiry must be in the future")


def act(
    offer: Offer,
    action: OfferAction,
    party: Party,
    *,
    now: dt.datetime,
    version: int | None = None,
    terms: OfferTerms | None = None,
    reason: DeclineReason | None = None,
    text: str = "",
) -> Offer:
    """Take ``action`` on ``offer`` as ``party`` and return the offer after it, or raise.

    ``version`` is the round the party saw; anything but the latest raises StaleVersion (two
    staff countering at once: the second names a superseded round). Only the scheduler
    (``SYSTEM``, action ``expire``) acts without naming a version.
    """
    require_utc(now, "now")
    if party != Party.SYSTEM:
        if version is None:
            raise StaleVersion("an action must name the version it answers")
        if version != offer.current.number:
            raise StaleVersion(f"version {version} is superseded by version {offer.current.number}")
    status = effective_status(offer, now)
    if action == A.EXPIRE:
        if status != S.EXPIRED or offer.status not in OPEN:
            raise IllegalTransition("only an open offer past its expiry can expire")
        to = next_status(offer.status, action, party)
        return replace(offer, status=to, closed_at=now)
    if status == S.EXPIRED:
        raise OfferExpired(f"the offer expired at {offer.terms.expires_at.isoformat()}")
    to = next_status(status, action, party)
    current = offer.current

    if action == A.EDIT:
        new_terms = _need(terms)
        _check_margin(new_terms, party)
        edited = replace(current, terms=new_terms, created_at=now, note=text)
        return replace(offer, versions=(*offer.versions[:-1], edited))
    if action == A.SEND:
        _check_fresh(current.terms, now)
        _check_margin(current.terms, party)
        return replace(offer, status=to)
    if action == A.ACCEPT:
        _check_margin(current.terms, party)
        return replace(offer, status=to, closed_at=now)
    if action == A.DECLINE:
        if reason is None or (reason == DeclineReason.OTHER and not text.strip()):
            raise ReasonRequired("say why the offer is declined")
        return replace(offer, status=to, decline=Decline(reason, text.strip()), closed_at=now)
    if action == A.WITHDRAW:
        if not text.strip():
            raise ReasonRequired("say why the offer is withdrawn")
        return replace(offer, status=to, closed_at=now)
    # COUNTER: a new round.
    proposed = _need(terms)
    if party in OWNER and proposed != with_brand_prices(proposed, current.terms):
        raise FieldNotYours("an owner's counter cannot set the brand price")
    if not diff(current.terms, proposed):
        raise NothingChanged("a counter-offer must change at least one term")
    _check_fresh(proposed, now)
    _check_margin(proposed, party)
    side = side_of(party)
    assert side is not None  # the table lets only owners and agency staff counter
    nxt = OfferVersion(current.number + 1, proposed, side, now, text.strip())
    return replace(offer, versions=(*offer.versions, nxt), status=to)


def _need(terms: OfferTerms | None) -> OfferTerms:
    if terms is None:
        raise TermsInvalid("this action needs the terms")
    return terms


# Named verbs for readable services; each is :func:`act` with its action.


def edit(offer: Offer, terms: OfferTerms, *, party: Party, version: int, now: dt.datetime) -> Offer:
    """Staff change a draft before it is sent (a draft is not yet a round anyone answered)."""
    return act(offer, A.EDIT, party, now=now, version=version, terms=terms)


def send(offer: Offer, *, party: Party, version: int, now: dt.datetime) -> Offer:
    """Staff send the draft to the owner."""
    return act(offer, A.SEND, party, now=now, version=version)


def accept(offer: Offer, *, party: Party, version: int, now: dt.datetime) -> Offer:
    """The owner accepts the agency's round, or staff accept the owner's counter."""
    return act(offer, A.ACCEPT, party, now=now, version=version)


def decline(
    offer: Offer,
    reason: DeclineReason,
    *,
    party: Party,
    version: int,
    now: dt.datetime,
    text: str = "",
) -> Offer:
    """The owner declines, with a reason from the list and (for ``other``) words."""
    return act(offer, A.DECLINE, party, now=now, version=version, reason=reason, text=text)


def counter(
    offer: Offer,
    terms: OfferTerms,
    *,
    party: Party,
    version: int,
    now: dt.datetime,
    note: str = "",
) -> Offer:
    """Answer with other terms: a new round for the other side to answer."""
    return act(offer, A.COUNTER, party, now=now, version=version, terms=terms, text=note)


def withdraw(offer: Offer, reason: str, *, party: Party, version: int, now: dt.datetime) -> Offer:
    """Staff take the offer back, saying why."""
    return act(offer, A.WITHDRAW, party, now=now, version=version, text=reason)


def expire(offer: Offer, *, now: dt.datetime) -> Offer:
    """The scheduler records that an open offer's expiry has passed."""
    return act(offer, A.EXPIRE, Party.SYSTEM, now=now)
