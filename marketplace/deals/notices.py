"""Who the deal desk tells when a step waits for someone (the inbox, and e-mail by preference).

Called in the action's transaction (a view's, or the expiry job's), so a notice exists only
if the action committed.
"""

from __future__ import annotations

from sqlalchemy import select

from marketplace.auth.models import Role, User
from marketplace.briefs.models import Brief
from marketplace.db import SessionLike
from marketplace.deals.models import Deal
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
