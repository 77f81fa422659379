"""The deal lifecycle: negotiated, agreed by both sides, amended by agreement, paused, cancelled.

A deal is one community's part of an approved plan: its placements, the terms its owner
accepted, and the agreements in force (the original, then each accepted amendment). One table,
:data:`DEAL_TRANSITIONS`, holds every move. A deal is agreed only when the accepted terms cover
every one of its placements and both sides have confirmed the same agreement text (by its
hash); after that its terms change only through an amendment both sides confirm again.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace

from campaigns.deals.agreement import agreement_document, content_hash
from campaigns.deals.common import (
    AGENCY,
    OWNER,
    IllegalTransition,
    NotYourTurn,
    Party,
    ReasonRequired,
    Side,
    StaleVersion,
    require_utc,
    side_of,
)
from campaigns.deals.moves import Move, table_next
from campaigns.deals.offers import Offer, OfferStatus
from campaigns.deals.terms import OfferTerms, PlacementKey


class DealStatus(enum.StrEnum):
    """Where a deal stands."""

    NEGOTIATING = "negotiating"
    AGREED = "agreed"
    AMENDING = "amending"
    PAUSED = "paused"
    CANCELLED = "cancelled"


class DealAction(enum.StrEnum):
    AGREE = "agree"
    AMEND = "amend"
    ABANDON_AMENDMENT = "abandon_amendment"
    PAUSE = "pause"
    RESUME_NEGOTIATION = "resume_negotiation"
    RESUME_AGREED = "resume_agreed"
    CANCEL = "cancel"


class StopReason(enum.StrEnum):
    """Why a deal was paused or cancelled."""

    #: A national emergency or the like: every open deal of the brief pauses at once.
    FORCE_MAJEURE = "force_majeure"
    BRAND_WITHDREW = "brand_withdrew"
    OWNER_WITHDREW = "owner_withdrew"
    OWNER_DECLINED = "owner_declined"
    BRIEF_CLOSED = "brief_closed"
    OTHER = "other"


D, DA = DealStatus, DealAction
BOTH_SIDES = AGENCY | OWNER

#: (from, action) → (to, parties). The only moves a deal can make.
DEAL_TRANSITIONS: dict[tuple[DealStatus, DealAction], Move[DealStatus]] = {
    (D.NEGOTIATING, DA.AGREE): Move(D.AGREED, BOTH_SIDES),
    (D.AMENDING, DA.AGREE): Move(D.AGREED, BOTH_SIDES),
    (D.AGREED, DA.AMEND): Move(D.AMENDING, BOTH_SIDES),
    (D.AMENDING, DA.ABANDON_AMENDMENT): Move(D.AGREED, BOTH_SIDES),
    (D.NEGOTIATING, DA.PAUSE): Move(D.PAUSED, AGENCY),
    (D.AGREED, DA.PAUSE): Move(D.PAUSED, AGENCY),
    (D.AMENDING, DA.PAUSE): Move(D.PAUSED, AGENCY),
    (D.PAUSED, DA.RESUME_NEGOTIATION): Move(D.NEGOTIATING, AGENCY),
    (D.PAUSED, DA.RESUME_AGREED): Move(D.AGREED, AGENCY),
    (D.NEGOTIATING, DA.CANCEL): Move(D.CANCELLED, AGENCY),
    (D.AGREED, DA.CANCEL): Move(D.CANCELLED, AGENCY),
    (D.AMENDING, DA.CANCEL): Move(D.CANCELLED, AGENCY),
    (D.PAUSED, DA.CANCEL): Move(D.CANCELLED, AGENCY),
}

#: Deals still running (force majeure pauses these).
OPEN_DEALS = frozenset({D.NEGOTIATING, D.AGREED, D.AMENDING})


def deal_next(status: DealStatus, action: DealAction, party: Party) -> DealStatus:
    """Where the table takes ``status`` on ``action`` by ``party``, or raise IllegalTransition."""
    return table_next(DEAL_TRANSITIONS, status, action, party, subject="a deal")


@dataclass(frozen=True, slots=True)
class Agreement:
    """Terms both sides confirmed; number 1 is the original, 2 and on are amendments."""

    number: int
    terms: OfferTerms
    content_hash: str
    agreed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Deal:
    """One community's deal within a brief."""

    brief_id: int
    community_id: int
    placement_keys: frozenset[PlacementKey]
    status: DealStatus = D.NEGOTIATING
    #: Terms accepted in the current negotiation or amendment, waiting for both confirmations.
    accepted: OfferTerms | None = None
    #: Sides that confirmed the agreement text of ``accepted`` (by its hash).
    confirmations: frozenset[Side] = frozenset()
    agreements: tuple[Agreement, ...] = ()
    stop_reason: StopReason | None = None
    stop_text: str = ""

    @property
    def agreement(self) -> Agreement | None:
        """The agreement in force (the latest), or None before the first."""
        return self.agreements[-1] if self.agreements else None

    @property
    def next_number(self) -> int:
        return len(self.agreements) + 1

    @property
    def covered(self) -> bool:
        """Whether the accepted terms cover every placement of the deal."""
        return self.accepted is not None and self.accepted.keys >= self.placement_keys


def pending_document(deal: Deal) -> dict[str, object]:
    """The agreement both sides are asked to confirm now; raise if there is nothing to confirm."""
    if deal.status not in (D.NEGOTIATING, D.AMENDING) or deal.accepted is None:
        raise IllegalTransition("there are no accepted terms waiting for confirmation")
    return agreement_document(
        deal.accepted,
        brief_id=deal.brief_id,
        community_id=deal.community_id,
        number=deal.next_number,
    )


def pending_hash(deal: Deal) -> str:
    """The hash the confirming sides must name."""
    return content_hash(pending_document(deal))


def record_acceptance(deal: Deal, offer: Offer) -> Deal:
    """Take an accepted offer's terms as the deal's accepted terms (confirmations start over).

    Only while negotiating or amending: an agreed deal's terms cannot change by an offer.
    """
    if deal.status not in (D.NEGOTIATING, D.AMENDING):
        raise IllegalTransition(f"a {deal.status} deal takes no new terms; amend it first")
    if offer.status != OfferStatus.ACCEPTED:
        raise IllegalTransition("only an accepted offer's terms can be recorded")
    return replace(deal, accepted=offer.terms, confirmations=frozenset())


def set_placements(deal: Deal, keys: Iterable[PlacementKey], *, party: Party) -> Deal:
    """Staff change which placements the deal needs, while it is negotiated or amended."""
    if party not in AGENCY or deal.status not in (D.NEGOTIATING, D.AMENDING):
        raise IllegalTransition("placements change only while negotiating, by agency staff")
    new = frozenset(keys)
    if not new:
        raise IllegalTransition("a deal needs at least one placement; cancel it instead")
    return replace(deal, placement_keys=new, confirmations=frozenset())


def confirm(deal: Deal, *, party: Party, content_hash: str, now: dt.datetime) -> Deal:
    """One side confirms the agreement text it read; the second confirmation agrees the deal.

    Raises StaleVersion when the hash is not the current text's (the terms moved underneath),
    IllegalTransition when a placement has no accepted terms yet, NotYourTurn when this side
    has already confirmed.
    """
    require_utc(now, "now")
    deal_next(deal.status, DA.AGREE, party)  # the table first: who, and from where
    if not deal.covered:
        raise IllegalTransition("every placement needs accepted terms before agreement")
    if content_hash != pending_hash(deal):
        raise StaleVersion("the agreement text changed since it was read")
    side = side_of(party)
    assert side is not None
    if side in deal.confirmations:
        raise NotYourTurn(f"the {side} side has already confirmed; the other side confirms now")
    confirmations = deal.confirmations | {side}
    if confirmations != frozenset(Side):
        return replace(deal, confirmations=confirmations)
    assert deal.accepted is not None
    agreement = Agreement(deal.next_number, deal.accepted, content_hash, now)
    return replace(
        deal,
        status=D.AGREED,
        # A placement the owner added in a counter, and staff accepted, is part of the deal now.
        placement_keys=deal.accepted.keys,
        agreements=(*deal.agreements, agreement),
        accepted=None,
        confirmations=frozenset(),
    )


def amend(deal: Deal, *, party: Party) -> Deal:
    """Open an amendment of an agreed deal; the agreement stays in force until one replaces it."""
    to = deal_next(deal.status, DA.AMEND, party)
    return replace(deal, status=to, accepted=None, confirmations=frozenset())


def abandon_amendment(deal: Deal, *, party: Party) -> Deal:
    """Drop an open amendment: the agreement in force stays as it was."""
    to = deal_next(deal.status, DA.ABANDON_AMENDMENT, party)
    return replace(deal, status=to, accepted=None, confirmations=frozenset())


def _reason(reason: StopReason | None, text: str) -> None:
    if reason is None or (reason == StopReason.OTHER and not text.strip()):
        raise ReasonRequired("say why")


def pause(deal: Deal, reason: StopReason, *, party: Party, text: str = "") -> Deal:
    """Pause a running deal; an open amendment is dropped (the agreement stays in force)."""
    to = deal_next(deal.status, DA.PAUSE, party)
    _reason(reason, text)
    return replace(
        deal,
        status=to,
        accepted=None if deal.agreements else deal.accepted,
        confirmations=frozenset(),
        stop_reason=reason,
        stop_text=text.strip(),
    )


def resume(deal: Deal, *, party: Party) -> Deal:
    """Resume a paused deal where it was: agreed if it has an agreement, else negotiating."""
    action = DA.RESUME_AGREED if deal.agreements else DA.RESUME_NEGOTIATION
    to = deal_next(deal.status, action, party)
    return replace(deal, status=to, stop_reason=None, stop_text="")


def cancel(deal: Deal, reason: StopReason, *, party: Party, text: str = "") -> Deal:
    """Cancel for good, with a reason; ``other`` needs words."""
    to = deal_next(deal.status, DA.CANCEL, party)
    _reason(reason, text)
    return replace(
        deal, status=to, confirmations=frozenset(), stop_reason=reason, stop_text=text.strip()
    )


def force_majeure(deals: Iterable[Deal], brief_id: int, *, party: Party, text: str) -> list[Deal]:
    """Pause every open deal of a brief at once; every other deal comes back unchanged.

    All or nothing: a party who may not pause raises before anything is paused.
    """
    if party not in AGENCY:
        raise IllegalTransition(f"{party} cannot declare force majeure")
    if not text.strip():
        raise ReasonRequired("say what happened")
    return [
        pause(d, StopReason.FORCE_MAJEURE, party=party, text=text)
        if d.brief_id == brief_id and d.status in OPEN_DEALS
        else d
        for d in deals
    ]


def deal_act(
    deal: Deal,
    action: DealAction,
    party: Party,
    *,
    now: dt.datetime,
    content_hash: str = "",
    reason: StopReason | None = None,
    text: str = "",
) -> Deal:
    """Apply exactly one row of the table (the resume rows included), or raise."""
    if action == DA.AGREE:
        return confirm(deal, party=party, content_hash=content_hash, now=now)
    if action == DA.AMEND:
        return amend(deal, party=party)
    if action == DA.ABANDON_AMENDMENT:
        return abandon_amendment(deal, party=party)
    if action in (DA.PAUSE, DA.CANCEL):
        stop = pause if action == DA.PAUSE else cancel
        deal_next(deal.status, action, party)
        _reason(reason, text)
        assert reason is not None
        return stop(deal, reason, party=party, text=text)
    deal_next(deal.status, action, party)
    if (action == DA.RESUME_AGREED) != bool(deal.agreements):
        raise IllegalTransition("a deal resumes agreed only if it has an agreement")
    return resume(deal, party=party)


def terms_in_force(deal: Deal) -> OfferTerms | None:
    """The terms the deal runs on: the latest agreement's, whatever is being negotiated."""
    return deal.agreement.terms if deal.agreement else None
