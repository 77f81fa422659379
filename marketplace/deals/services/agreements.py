"""The agreement and what follows it: confirm, amend, cancel, pause, redraft, resume."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import select

import campaigns.deals as rules
from campaigns.deals import (
    DealStatus,
    OfferAction,
    OfferStatus,
    OfferTerms,
    Party,
    Side,
    StopReason,
)
from campaigns.deals.common import AGENCY, side_of
from campaigns.deals.deals import pending_document
from campaigns.deals.offers import OPEN
from marketplace import events
from marketplace.auth.models import User
from marketplace.db import SessionLike
from marketplace.deals.models import (
    Agreement,
    Deal,
    DealPlacement,
    Offer,
    OfferKind,
    PlacementStatus,
)
from marketplace.deals.records import pending_agreement, pure_offer, terms_from_json
from marketplace.deals.services.actions import deal_state, lock_deal, record_event
from marketplace.deals.services.offers import drop_pending, new_offer, offer_days, store_offer
from marketplace.deals.services.queries import (
    agreement_in_force,
    current_offer,
    party_of,
    pure_deal_of,
    resolve_now,
)
from pricing.taxonomy import PlacementType


def pending_agreement_document(session: SessionLike, deal: Deal) -> tuple[dict[str, Any], str]:
    """The agreement text both sides are asked to confirm now, and its hash (to name)."""
    document = pending_document(pure_deal_of(session, deal))
    return document, rules.content_hash(document)


def confirm_agreement(
    session: SessionLike,
    deal_id: int,
    *,
    content_hash: str,
    actor: User,
    language: str = "he",
    now: dt.datetime | None = None,
    deal_version: int | None = None,
) -> Agreement:
    """One side (the owner, or agency staff) confirms the agreement text it read, by its hash.

    The second confirmation agrees the deal: the agreement is frozen (a trigger refuses any
    later change), the deal's placements become those of the accepted terms.
    """
    now = resolve_now(now)
    deal = lock_deal(session, deal_id, actor, deal_version)
    pure = pure_deal_of(session, deal)
    after = rules.deal_act(pure, rules.DealAction.AGREE, party_of(actor), now=now,
                           content_hash=content_hash)  # fmt: skip
    before = deal_state(deal)
    agreement = pending_agreement(deal)
    if agreement is None:
        assert deal.accepted_version_id is not None
        agreement = Agreement(
            number=pure.next_number,
            offer_version_id=deal.accepted_version_id,
            content_hash=content_hash,
            document=pending_document(pure),
            language=language if language in ("he", "en") else "he",
        )
        deal.agreements.append(agreement)
    if side_of(party_of(actor)) is Side.OWNER:
        agreement.confirmed_by_owner_at, agreement.confirmed_by_owner_id = now, actor.id
    else:
        agreement.confirmed_by_agency_at, agreement.confirmed_by_agency_id = now, actor.id
    if after.status is DealStatus.AGREED:
        deal.status = DealStatus.AGREED
        deal.accepted_version_id = None
        accepted = after.agreements[-1].terms
        _sync_placements(deal, accepted)
    action = "agree" if after.status is DealStatus.AGREED else "confirm"
    after_state = {**deal_state(deal), "agreement": agreement.number}
    record_event(session, deal, actor, action, before, after_state, now)
    session.flush()
    if after.status is DealStatus.AGREED:
        events.publish(session, "deal.agreed", deal=deal, agreement=agreement, actor=actor)
    return agreement


def _sync_placements(deal: Deal, terms: OfferTerms) -> None:
    """Make the deal's placements those of the agreed terms (an owner may have added one)."""
    by_key = {(p.asset_id, PlacementType(p.placement_type)): p for p in deal.placements}
    for p in terms.placements:
        row = by_key.pop(p.key, None)
        if row is None:
            row = DealPlacement(asset_id=p.asset_id, placement_type=p.placement_type)
            deal.placements.append(row)
        row.count, row.starts_on, row.ends_on = p.count, p.starts_on, p.ends_on
        row.status = PlacementStatus.AGREED
    for row in by_key.values():
        row.status = PlacementStatus.CANCELLED


def amend_deal(
    session: SessionLike,
    deal_id: int,
    *,
    actor: User,
    now: dt.datetime | None = None,
    deal_version: int | None = None,
) -> Offer:
    """Open an amendment of an agreed deal: a draft amendment offer with the terms in force.

    The agreement stays in force until a new one (number 2, 3 …) replaces it.
    """
    now = resolve_now(now)
    deal = lock_deal(session, deal_id, actor, deal_version)
    after = rules.deal_act(
        pure_deal_of(session, deal), rules.DealAction.AMEND, party_of(actor), now=now
    )
    before = deal_state(deal)
    deal.status = after.status
    agreement = agreement_in_force(deal)
    assert agreement is not None
    terms = replace(
        terms_from_json(agreement.offer_version.terms),
        expires_at=now + dt.timedelta(days=offer_days()),
    )
    offer = new_offer(session, deal, terms, kind=OfferKind.AMENDMENT, actor=actor, now=now)
    session.flush()
    record_event(session, deal, actor, "amend", before, deal_state(deal, offer), now)
    session.flush()
    return offer


def _close_open_offer(
    session: SessionLike, deal: Deal, actor: User, text: str, now: dt.datetime
) -> None:
    offer = current_offer(deal)
    if offer is None or offer.status not in (OfferStatus.DRAFT, *OPEN):
        return
    pure = pure_offer(offer)
    if rules.effective_status(pure, now) is OfferStatus.EXPIRED:
        after = rules.act(pure, OfferAction.EXPIRE, Party.SYSTEM, now=now)
        store_offer(session, offer, after, OfferAction.EXPIRE, None)
        return
    after = rules.act(pure, OfferAction.WITHDRAW, Party.STAFF, now=now,
                      version=offer.current_version, text=text or "-")  # fmt: skip
    store_offer(session, offer, after, OfferAction.WITHDRAW, actor)
    offer.close_text = text


def cancel_deal(
    session: SessionLike,
    deal_id: int,
    reason: StopReason,
    *,
    actor: User,
    text: str = "",
    now: dt.datetime | None = None,
    deal_version: int | None = None,
) -> Deal:
    """Cancel a deal for good, with a reason; its open offer is withdrawn."""
    now = resolve_now(now)
    deal = lock_deal(session, deal_id, actor, deal_version)
    after = rules.deal_act(pure_deal_of(session, deal), rules.DealAction.CANCEL, party_of(actor),
                           now=now, reason=reason, text=text)  # fmt: skip
    before = deal_state(deal)
    _close_open_offer(session, deal, actor, text.strip() or reason.value, now)
    deal.status = after.status
    deal.stop_reason, deal.stop_text = reason.value, text.strip()
    deal.accepted_version_id = None
    drop_pending(session, deal)
    for placement in deal.placements:
        if placement.status is PlacementStatus.PENDING:
            placement.status = PlacementStatus.CANCELLED
    record_event(
        session, deal, actor, "cancel", before, {**deal_state(deal), "reason": reason.value}, now
    )
    session.flush()
    events.publish(session, "deal.cancelled", deal=deal, reason=reason, actor=actor)
    return deal


def pause_brief_deals(
    session: SessionLike,
    brief_id: int,
    text: str,
    *,
    actor: User,
    now: dt.datetime | None = None,
) -> list[Deal]:
    """Force majeure: pause every open deal of a brief at once (all or nothing).

    Open offers are withdrawn (nobody can accept during the pause); an open amendment is
    dropped and the agreement in force stays. Returns the deals it paused.
    """
    now = resolve_now(now)
    ids = list(session.scalars(select(Deal.id).where(Deal.brief_id == brief_id).order_by(Deal.id)))
    # Lock in id order, so two declarations cannot deadlock.
    deals = [lock_deal(session, deal_id, actor) for deal_id in ids]
    pure = [pure_deal_of(session, d) for d in deals]
    after = rules.force_majeure(pure, brief_id, party=party_of(actor), text=text)
    paused = []
    for deal, old, new in zip(deals, pure, after, strict=True):
        if new is old:
            continue
        before = deal_state(deal)
        _close_open_offer(session, deal, actor, text.strip(), now)
        deal.status = new.status
        deal.stop_reason, deal.stop_text = StopReason.FORCE_MAJEURE.value, text.strip()
        if new.accepted is None:
            deal.accepted_version_id = None
        drop_pending(session, deal)
        after_state = {**deal_state(deal), "reason": StopReason.FORCE_MAJEURE.value}
        record_event(session, deal, actor, "pause", before, after_state, now)
        paused.append(deal)
    session.flush()
    return paused


def _fresh_draft(session: SessionLike, deal: Deal, *, actor: User, now: dt.datetime) -> Offer:
    """A new draft offer from the deal's latest terms, with a fresh expiry."""
    last = current_offer(deal)
    assert last is not None
    terms = replace(pure_offer(last).terms, expires_at=now + dt.timedelta(days=offer_days()))
    kind = OfferKind.AMENDMENT if deal.status is DealStatus.AMENDING else OfferKind.OFFER
    offer = new_offer(session, deal, terms, kind=kind, actor=actor, now=now)
    session.flush()
    return offer


def redraft_offer(
    session: SessionLike,
    deal_id: int,
    *,
    actor: User,
    now: dt.datetime | None = None,
    deal_version: int | None = None,
) -> Offer:
    """Staff start a new draft after the owner declined, the offer expired or was withdrawn.

    The draft starts from the latest round's terms with a fresh expiry; an offer still open
    (or accepted) cannot be redrafted.
    """
    now = resolve_now(now)
    if party_of(actor) not in AGENCY:
        raise rules.IllegalTransition("only agency staff write offers")
    deal = lock_deal(session, deal_id, actor, deal_version)
    if deal.status not in (DealStatus.NEGOTIATING, DealStatus.AMENDING):
        raise rules.IllegalTransition(f"a {deal.status} deal takes no new offer")
    last = current_offer(deal)
    closed = (OfferStatus.DECLINED, OfferStatus.WITHDRAWN, OfferStatus.EXPIRED)
    if last is None or rules.effective_status(pure_offer(last), now) not in closed:
        raise rules.IllegalTransition("the current offer is still open or accepted")
    if last.status in OPEN:  # expired on read: record it first
        after = rules.act(pure_offer(last), OfferAction.EXPIRE, Party.SYSTEM, now=now)
        store_offer(session, last, after, OfferAction.EXPIRE, None)
    before = deal_state(deal, last)
    offer = _fresh_draft(session, deal, actor=actor, now=now)
    record_event(session, deal, actor, "redraft", before, deal_state(deal, offer), now)
    session.flush()
    return offer


def resume_deal(
    session: SessionLike,
    deal_id: int,
    *,
    actor: User,
    now: dt.datetime | None = None,
    deal_version: int | None = None,
) -> Deal:
    """Resume a paused deal where it was: agreed if it has an agreement, else negotiating
    (with a new draft offer from its latest terms, since the pause withdrew the open one).
    """
    now = resolve_now(now)
    deal = lock_deal(session, deal_id, actor, deal_version)
    pure = pure_deal_of(session, deal)
    action = (
        rules.DealAction.RESUME_AGREED if pure.agreements else rules.DealAction.RESUME_NEGOTIATION
    )
    after = rules.deal_act(pure, action, party_of(actor), now=now)
    before = deal_state(deal)
    deal.status = after.status
    deal.stop_reason, deal.stop_text = None, ""
    offer = None
    if after.status is DealStatus.NEGOTIATING:
        last = current_offer(deal)
        if last is None or last.status is not OfferStatus.ACCEPTED:
            offer = _fresh_draft(session, deal, actor=actor, now=now)
    record_event(session, deal, actor, "resume", before, deal_state(deal, offer), now)
    session.flush()
    return deal
