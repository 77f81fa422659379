"""Who the deal desk tells when a step waits for someone (the inbox, and e-mail by preference).

The notices follow the deal's transitions, not the pages: the deal services publish an event
for each (``offer.sent``, ``offer.countered``, ``offer.declined``, ``offer.accepted``,
``offer.expired``, ``deal.cancelled``) and the handlers here subscribe to them, so a deal moved
by a view, the API, the expiry job or the demo seed tells the same people. Handlers run in the
action's transaction, so a notice exists only if the action committed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from marketplace import events
from marketplace.auth.models import Role, User
from marketplace.briefs.models import Brief
from marketplace.db import SessionLike
from marketplace.deals.models import Deal, Offer
from marketplace.inbox.services import notify

AGENCY_ROLES = frozenset({Role.STAFF, Role.ADMIN})


def deal_link(deal: Deal) -> str:
    """The deal's page (a path, so the expiry job needs no request to build it)."""
    return f"/deals/{deal.id}"


def staff_of(session: SessionLike, deal: Deal) -> list[User]:
    """The staff member who sent the deal's latest agency round (else who wrote its offer),
    or every active staff member when no one of the agency has written it yet."""
    offer = deal.offers[-1] if deal.offers else None
    if offer is not None:
        ids = [v.author_id for v in reversed(offer.versions)] + [offer.created_by_id]
        for user_id in ids:
            author = session.get(User, user_id) if user_id is not None else None
            if author is not None and author.role in AGENCY_ROLES and author.is_active:
                return [author]
    return list(
        session.scalars(select(User).where(User.role == Role.STAFF, User.is_active.is_(True)))
    )


def brand_users(session: SessionLike, deal: Deal) -> list[User]:
    """The active members of the deal's brand organisation."""
    return list(
        session.scalars(
            select(User).where(
                User.organisation_id == deal.organisation_id, User.is_active.is_(True)
            )
        )
    )


def notify_deal(session: SessionLike, deal: Deal, kind: str, recipients: list[User]) -> None:
    """One notification of ``kind`` about ``deal`` to each recipient, linking to its page."""
    brief = session.get(Brief, deal.brief_id)
    notify(
        session,
        recipients,
        kind,
        params={"community": deal.community.display_name, "brief": brief.title if brief else ""},
        link=deal_link(deal),
        subject=deal,
    )


def is_agency(actor: Any) -> bool:
    """Whether the actor speaks for the agency (staff or admin; never the scheduler)."""
    return getattr(actor, "role", None) in AGENCY_ROLES


def on_offer_sent(session: SessionLike, *, deal: Deal, offer: Offer, actor: Any) -> None:
    """Staff sent the draft: the owner has an offer to answer."""
    notify_deal(session, deal, "offer_sent", [deal.owner])


def on_offer_countered(session: SessionLike, *, deal: Deal, offer: Offer, actor: Any) -> None:
    """A new round: the agency's goes to the owner as an offer, the owner's to the staff."""
    if is_agency(actor):
        notify_deal(session, deal, "offer_sent", [deal.owner])
    else:
        notify_deal(session, deal, "offer_countered", staff_of(session, deal))


def on_offer_declined(session: SessionLike, *, deal: Deal, offer: Offer, actor: Any) -> None:
    notify_deal(session, deal, "offer_declined", staff_of(session, deal))


def on_offer_accepted(session: SessionLike, *, deal: Deal, offer: Offer, actor: Any) -> None:
    """The owner's acceptance is news to the staff; both sides now confirm the agreement."""
    if not is_agency(actor):
        notify_deal(session, deal, "offer_accepted", staff_of(session, deal))
    notify_deal(session, deal, "agreement_to_confirm", [deal.owner, *staff_of(session, deal)])


def on_offer_expired(session: SessionLike, *, deal: Deal, offer: Offer, actor: Any) -> None:
    """The staff decide what next (a new offer, or cancel); the owner is not told."""
    notify_deal(session, deal, "offer_expired", staff_of(session, deal))


def on_deal_cancelled(session: SessionLike, *, deal: Deal, reason: Any, actor: Any) -> None:
    notify_deal(session, deal, "deal_cancelled", [deal.owner, *brand_users(session, deal)])


#: The deal desk's transitions that tell someone, and who (see the handlers).
HANDLERS = (
    ("offer.sent", on_offer_sent),
    ("offer.countered", on_offer_countered),
    ("offer.declined", on_offer_declined),
    ("offer.accepted", on_offer_accepted),
    ("offer.expired", on_offer_expired),
    ("deal.cancelled", on_deal_cancelled),
)


def register_event_handlers() -> None:
    """Subscribe the notices to the deal's transitions (the deal desk's registration)."""
    for name, handler in HANDLERS:
        events.subscribe(name, handler)
