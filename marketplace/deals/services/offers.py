"""Offers and counter-offers: edit, send, accept, decline, counter, withdraw, expire."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from sqlalchemy import select

import campaigns.deals as rules
from campaigns.deals import (
    DealStatus,
    DeclineReason,
    OfferAction,
    OfferStatus,
    OfferTerms,
    Party,
    StaleVersion,
)
from campaigns.deals.offers import OPEN
from campaigns.deals.terms import with_brand_prices
from marketplace import events
from marketplace.auth.models import Role, User
from marketplace.briefs.services import Actor
from marketplace.db import SessionLike, utcnow
from marketplace.deals.models import Deal, Offer, OfferKind, OfferVersion
from marketplace.deals.records import pending_agreement, pure_offer, terms_to_json
from marketplace.deals.services.actions import deal_state, lock_deal, record_event, user_id
from marketplace.deals.services.queries import (
    DealNotFound,
    current_offer,
    get_deal,
    party_of,
    pure_deal_of,
    resolve_now,
)

#: The event each offer action publishes once it is stored (``marketplace.events``; the
#: deal desk's notices subscribe). Editing a draft and withdrawing tell no one.
PUBLISHED: dict[OfferAction, str] = {
    OfferAction.SEND: "offer.sent",
    OfferAction.COUNTER: "offer.countered",
    OfferAction.DECLINE: "offer.declined",
    OfferAction.ACCEPT: "offer.accepted",
    OfferAction.EXPIRE: "offer.expired",
}

#: Days an offer stays open unless the desk says otherwise.
DEFAULT_OFFER_DAYS = 7


def offer_days() -> int:
    return int(current_app.config.get("DEAL_OFFER_DAYS", DEFAULT_OFFER_DAYS))


def new_offer(
    session: SessionLike,
    deal: Deal,
    terms: OfferTerms,
    *,
    kind: OfferKind,
    actor: Actor | None,
    now: dt.datetime,
) -> Offer:
    offer = Offer(
        deal=deal,
        kind=kind,
        status=OfferStatus.DRAFT,
        current_version=1,
        expires_at=terms.expires_at,
        draft_terms=terms_to_json(terms),
        created_by_id=user_id(actor),
        updated_at=now,
    )
    session.add(offer)
    return offer


def _version_row(offer: Offer, number: int) -> OfferVersion | None:
    return next((v for v in offer.versions if v.number == number), None)


def _offer_for_action(deal: Deal, offer_id: int) -> Offer:
    offer = next((o for o in deal.offers if o.id == offer_id), None)
    if offer is None:
        raise DealNotFound()
    if offer is not current_offer(deal):
        raise StaleVersion("this offer has been replaced by a newer one")
    if deal.status not in (DealStatus.NEGOTIATING, DealStatus.AMENDING):
        raise rules.IllegalTransition(f"a {deal.status} deal takes no offer actions")
    return offer


def _deal_id_of(session: SessionLike, offer_id: int) -> int:
    deal_id = session.scalar(select(Offer.deal_id).where(Offer.id == offer_id))
    if deal_id is None:
        raise DealNotFound()
    return deal_id


def store_offer(
    session: SessionLike,
    offer: Offer,
    after: rules.Offer,
    action: OfferAction,
    actor: User | None,
) -> None:
    """Write the pure offer back: status, new rounds (send, counter), the draft, the close."""
    offer.status = after.status
    offer.current_version = after.current.number
    offer.expires_at = after.terms.expires_at
    offer.closed_at = after.closed_at
    offer.updated_at = utcnow()
    if action is OfferAction.EDIT:
        offer.draft_terms = terms_to_json(after.terms)
        offer.draft_note = after.current.note
    if action in (OfferAction.SEND, OfferAction.COUNTER):
        stored = {v.number for v in offer.versions}
        for v in after.versions:
            if v.number in stored:
                continue
            offer.versions.append(
                OfferVersion(
                    number=v.number,
                    author_side=v.author.value,
                    author_id=actor.id if actor is not None else None,
                    terms=terms_to_json(v.terms),
                    owner_payout_minor=v.terms.owner_payout_minor,
                    brand_price_minor=v.terms.brand_price_minor,
                    note=v.note,
                    created_at=v.created_at,
                )
            )
    if after.decline is not None:
        offer.decline_reason = after.decline.reason.value
        offer.close_text = after.decline.text
    session.flush()


def _act(
    session: SessionLike,
    offer_id: int,
    action: OfferAction,
    *,
    actor: User,
    version: int,
    now: dt.datetime | None,
    deal_version: int | None,
    **kwargs: Any,
) -> Offer:
    now = resolve_now(now)
    deal = lock_deal(session, _deal_id_of(session, offer_id), actor, deal_version)
    offer = _offer_for_action(deal, offer_id)
    before = deal_state(deal, offer)
    after = rules.act(pure_offer(offer), action, party_of(actor), now=now, version=version,
                      **kwargs)  # fmt: skip
    store_offer(session, offer, after, action, actor)
    if after.status is OfferStatus.ACCEPTED:
        _record_acceptance(session, deal, offer)
    record_event(session, deal, actor, action.value, before, deal_state(deal, offer), now)
    session.flush()
    if action in PUBLISHED:
        events.publish(session, PUBLISHED[action], deal=deal, offer=offer, actor=actor)
    return offer


def edit_offer(
    session: SessionLike,
    offer_id: int,
    terms: OfferTerms,
    *,
    version: int,
    actor: User,
    now: dt.datetime | None = None,
    deal_version: int | None = None,
) -> Offer:
    """Staff change a draft before it is sent."""
    return _act(session, offer_id, OfferAction.EDIT, actor=actor, version=version, now=now,
                deal_version=deal_version, terms=terms)  # fmt: skip


def send_offer(
    session: SessionLike,
    offer_id: int,
    *,
    version: int,
    actor: User,
    now: dt.datetime | None = None,
    deal_version: int | None = None,
) -> Offer:
    """Staff send the draft to the owner: it becomes round 1, immutable."""
    return _act(session, offer_id, OfferAction.SEND, actor=actor, version=version, now=now,
                deal_version=deal_version)  # fmt: skip


def accept_offer(
    session: SessionLike,
    offer_id: int,
    *,
    version: int,
    actor: User,
    now: dt.datetime | None = None,
    deal_version: int | None = None,
) -> Offer:
    """The owner accepts the agency's round, or staff accept the owner's counter.

    The deal records the accepted terms; both sides then confirm the agreement text.
    """
    return _act(session, offer_id, OfferAction.ACCEPT, actor=actor, version=version, now=now,
                deal_version=deal_version)  # fmt: skip


def decline_offer(
    session: SessionLike,
    offer_id: int,
    reason: DeclineReason,
    *,
    version: int,
    actor: User,
    text: str = "",
    now: dt.datetime | None = None,
    deal_version: int | None = None,
) -> Offer:
    """The owner declines with a reason from the list (``other`` needs words)."""
    return _act(session, offer_id, OfferAction.DECLINE, actor=actor, version=version, now=now,
                deal_version=deal_version, reason=reason, text=text)  # fmt: skip


def counter_offer(
    session: SessionLike,
    offer_id: int,
    terms: OfferTerms,
    *,
    version: int,
    actor: User,
    note: str = "",
    now: dt.datetime | None = None,
    deal_version: int | None = None,
) -> Offer:
    """Answer with other terms: a new immutable round for the other side.

    An owner cannot see the brand price, so an owner's ``terms`` carry 0 there and the brand
    prices come from the server (the round answered); any other brand price in an owner's
    request is a tampered one and raises ``FieldNotYours``.
    """
    if actor.role is Role.OWNER:
        deal = get_deal(session, _deal_id_of(session, offer_id), actor)
        offer = _offer_for_action(deal, offer_id)
        previous = pure_offer(offer).terms
        filled = with_brand_prices(terms, previous)
        sent = {p.key: p.brand_price_minor for p in terms.placements}
        if any(sent[p.key] not in (0, p.brand_price_minor) for p in filled.placements):
            raise rules.FieldNotYours("an owner's counter cannot set the brand price")
        terms = filled
    return _act(session, offer_id, OfferAction.COUNTER, actor=actor, version=version, now=now,
                deal_version=deal_version, terms=terms, text=note)  # fmt: skip


def withdraw_offer(
    session: SessionLike,
    offer_id: int,
    reason: str,
    *,
    version: int,
    actor: User,
    now: dt.datetime | None = None,
    deal_version: int | None = None,
) -> Offer:
    """Staff take the offer back, saying why."""
    offer = _act(session, offer_id, OfferAction.WITHDRAW, actor=actor, version=version, now=now,
                 deal_version=deal_version, text=reason)  # fmt: skip
    offer.close_text = reason.strip()
    session.flush()
    return offer


def expire_due_offers(session: SessionLike, now: dt.datetime | None = None) -> int:
    """Record the expiry of every open offer past its deadline (the scheduler's job)."""
    now = resolve_now(now)
    due = list(
        session.execute(
            select(Offer.id, Offer.deal_id)
            .where(Offer.status.in_(list(OPEN)), Offer.expires_at <= now)
            .order_by(Offer.deal_id, Offer.id)
        )
    )
    expired = 0
    for offer_id, deal_id in due:
        deal = lock_deal(session, deal_id, None)
        offer = next(o for o in deal.offers if o.id == offer_id)
        pure = pure_offer(offer)
        if offer.status not in OPEN or rules.effective_status(pure, now) is not OfferStatus.EXPIRED:
            continue  # answered or countered while we waited
        before = deal_state(deal, offer)
        after = rules.act(pure, OfferAction.EXPIRE, Party.SYSTEM, now=now)
        store_offer(session, offer, after, OfferAction.EXPIRE, None)
        record_event(session, deal, None, "expire", before, deal_state(deal, offer), now)
        events.publish(session, PUBLISHED[OfferAction.EXPIRE], deal=deal, offer=offer, actor=None)
        expired += 1
    session.flush()
    return expired


def drop_pending(session: SessionLike, deal: Deal) -> None:
    pending = pending_agreement(deal)
    if pending is not None:
        deal.agreements.remove(pending)
        session.delete(pending)
        session.flush()


def _record_acceptance(session: SessionLike, deal: Deal, offer: Offer) -> None:
    rules.record_acceptance(pure_deal_of(session, deal), pure_offer(offer))  # raises if it may not
    version = _version_row(offer, offer.current_version)
    assert version is not None
    deal.accepted_version_id = version.id
    drop_pending(session, deal)  # newly accepted terms void a half-made confirmation
