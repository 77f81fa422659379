"""The frame of every action on a deal: lock and re-read its row, then one audit row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from campaigns.deals import StaleVersion
from marketplace.auth.models import User
from marketplace.briefs.services import Actor
from marketplace.db import SessionLike
from marketplace.deals.models import Deal, DealEvent, Offer
from marketplace.deals.services.queries import DealNotFound, party_of, visible_deals_query


def user_id(actor: Actor | None) -> int | None:
    """The acting user's id; None for the scheduler and for an organisation's API token."""
    return actor.id if actor is not None else None


def lock_deal(
    session: SessionLike, deal_id: int, actor: User | None, deal_version: int | None = None
) -> Deal:
    """Lock the deal row for this transaction and re-read it; check who may act on it."""
    query = select(Deal).where(Deal.id == deal_id)
    if actor is not None:
        query = visible_deals_query(actor).where(Deal.id == deal_id)
    deal = session.scalar(query.with_for_update().execution_options(populate_existing=True))
    if deal is None:
        raise DealNotFound()
    # Children too: another transaction may have written them while we waited for the lock.
    for relation in (deal.placements, deal.offers, deal.agreements):
        for row in relation:
            session.refresh(row)
    session.refresh(deal, ["placements", "offers", "agreements"])
    if deal_version is not None and deal_version != deal.version:
        raise StaleVersion(f"the deal is at version {deal.version}, not {deal_version}")
    return deal


def record_event(
    session: SessionLike,
    deal: Deal,
    actor: Actor | None,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    now: dt.datetime,
) -> DealEvent:
    """One audit row. States and round numbers only, never prices: every role reads it."""
    row = DealEvent(
        deal_id=deal.id,
        actor_id=user_id(actor),
        party=party_of(actor).value,
        action=action,
        before=before,
        after=after,
        at=now,
    )
    with session.no_autoflush:  # through the relationship, so a loaded timeline stays current
        deal.events.append(row)
    deal.updated_at = now  # every action bumps the deal's version (optimistic lock)
    return row


def deal_state(deal: Deal, offer: Offer | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {"deal": deal.status.value}
    if offer is not None:
        state.update(offer=offer.status.value, version=offer.current_version)
    return state
