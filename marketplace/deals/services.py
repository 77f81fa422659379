"""Deal desk use-cases: open deals from an approved plan, negotiate offers, agree, amend, stop.

Every action is ``verb_noun(session, …, *, actor)``: it locks the deal row
(``SELECT … FOR UPDATE``), loads the rows into the pure values of :mod:`campaigns.deals`, lets
them decide, stores what they return, writes one ``deal_events`` row per change, and flushes.
The caller commits once. Refusals are the pure domain's named errors (``StaleVersion``,
``NotYourTurn``, ``OfferExpired``, ``IllegalTransition`` …; ``marketplace.errors`` maps them
to HTTP codes, conflicts to 409) or ``NotFound`` for a deal the actor may not see.

Races: each action names the round it answers (``version``) and may name the deal's
``deal_version`` it was shown. The row lock serialises writers on PostgreSQL; the second
writer then reads the first one's result and its stale round or closed offer raises, so
exactly one outcome wins and nothing is half-written.

Views and the API read deals only through :func:`deals_visible_to` / :func:`get_deal` and the
projections (:func:`deal_view`, :func:`offer_view`): owners never get the brand price or the
margin, brands never the owner payout.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar, cast

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, select

import campaigns.deals as rules
from campaigns.deals import (
    DealStatus,
    DeclineReason,
    OfferAction,
    OfferStatus,
    OfferTerms,
    Party,
    Side,
    StaleVersion,
    StopReason,
)
from campaigns.deals.common import AGENCY, side_of
from campaigns.deals.deals import pending_document
from campaigns.deals.desk import DeskFigures, PlanTotals
from campaigns.deals.from_plan import PlanLineTerms, draft_terms, replacements
from campaigns.deals.offers import OPEN, allowed_actions
from campaigns.deals.terms import diff, diff_for, terms_for, with_brand_prices
from campaigns.plan import PlanStatus
from campaigns.planning import margin_minor
from marketplace import events
from marketplace.auth.models import Role, User
from marketplace.briefs.models import Brief
from marketplace.briefs.services import Actor
from marketplace.catalog.models import ChannelAsset, Community, CommunityManager, ListingStatus
from marketplace.db import SessionLike, utcnow
from marketplace.deals import notices
from marketplace.deals.models import (
    Agreement,
    Deal,
    DealEvent,
    DealPlacement,
    Offer,
    OfferKind,
    OfferVersion,
    PlacementStatus,
)
from marketplace.deals.records import (
    pending_agreement,
    pure_deal,
    pure_offer,
    terms_from_json,
    terms_to_json,
)
from marketplace.errors import Conflict, KesherError, NotFound
from marketplace.matching import services as matching
from marketplace.matching.models import MediaPlan
from marketplace.valuation.models import PlacementEstimate
from pricing.taxonomy import PlacementType

#: Roles that see every deal and every price.
DESK_ROLES = frozenset({Role.STAFF, Role.ADMIN, Role.FINANCE})
#: The disclosure wording used when a community has not set its own.
DEFAULT_DISCLOSURE = "שיתוף פעולה בתשלום"
#: Days an offer stays open unless the desk says otherwise.
DEFAULT_OFFER_DAYS = 7

#: A row of a table that hangs off a deal (see :func:`scoped`).
Row = TypeVar("Row")


class DealNotFound(NotFound):
    code = "deal_not_found"
    default_message = _l("No such deal.")


class ReplacementRefused(Conflict):
    code = "replacement_refused"
    default_message = _l("This community cannot replace the declined one.")


# --- who acts, who sees ------------------------------------------------------------------


def party_of(actor: Actor | None) -> Party:
    """The pure domain's party for a user (None is the scheduler)."""
    return Party.SYSTEM if actor is None else Party(actor.role.value)


def _user_id(actor: Actor | None) -> int | None:
    """The acting user's id; None for the scheduler and for an organisation's API token."""
    return actor.id if actor is not None else None


def _owned_communities(user: User) -> Any:
    owned = select(Community.id).where(Community.owner_id == user.id)
    managed = select(CommunityManager.community_id).where(CommunityManager.user_id == user.id)
    return owned.union(managed)


def visible_deals_query(user: User) -> Select[Deal]:
    """A ``select(Deal)`` scoped to what ``user`` may see (compose filters on it).

    Agency staff, admins and finance: every deal. Brands: their organisation's briefs' deals.
    Owners: their communities' deals (as owner or co-manager). Anyone else: none.
    """
    query = select(Deal)
    if user.role in DESK_ROLES:
        return query
    if user.role is Role.BRAND and user.organisation_id is not None:
        return query.where(Deal.organisation_id == user.organisation_id)
    if user.role is Role.OWNER:
        return query.where(Deal.community_id.in_(_owned_communities(user)))
    return query.where(false())


def deals_visible_to(
    session: SessionLike, user: User, *, brief_id: int | None = None
) -> list[Deal]:
    """The deals ``user`` may see (of one brief if asked), newest first."""
    query = visible_deals_query(user)
    if brief_id is not None:
        query = query.where(Deal.brief_id == brief_id)
    return list(session.scalars(query.order_by(Deal.id.desc())))


def get_deal(session: SessionLike, deal_id: int, user: User) -> Deal:
    """A deal ``user`` may see, or DealNotFound (others' deals do not exist for them)."""
    return get_visible(session, Deal, deal_id, user, missing=DealNotFound)


def scoped(
    user: User, model: type[Row], *deal_filters: Any, via: Sequence[Any] = ()
) -> Select[Row]:
    """A ``select(model)`` of the rows ``user`` sees through the deals ``user`` may see.

    Every row of the transaction half hangs off a deal; it is visible exactly when its deal is
    (:func:`visible_deals_query`). ``via`` is the chain of foreign-key columns from ``model`` up
    to the deal, each holding the ``id`` of the next column's table: by default
    ``model.deal_id``; ``(Proof.post_id, Post.deal_id)`` reaches a proof through its post.
    ``deal_filters`` narrow the deals (``Deal.brief_id == 7``). Compose further filters on it.
    """
    deals = visible_deals_query(user).where(*deal_filters)
    if model is Deal and not via:
        return cast("Select[Row]", deals)
    chain = list(via) or [cast(Any, model).deal_id]
    ids: Select[Any] = deals.with_only_columns(Deal.id)
    for column in reversed(chain[1:]):
        ids = select(cast(Any, column.class_).id).where(column.in_(ids))
    return select(model).where(chain[0].in_(ids))


def get_visible(
    session: SessionLike,
    model: type[Row],
    row_id: int,
    user: User,
    *deal_filters: Any,
    missing: type[NotFound],
    via: Sequence[Any] = (),
    where: Sequence[Any] = (),
    lock: bool = False,
) -> Row:
    """The ``model`` row ``row_id`` if ``user`` sees it (see :func:`scoped`), else ``missing``.

    ``missing`` is the feature's own NotFound (404): another user's row does not exist for
    them. ``where`` adds conditions on the row itself; ``lock`` reads it ``FOR UPDATE``,
    fresh from the database.
    """
    query = scoped(user, model, *deal_filters, via=via).where(cast(Any, model).id == row_id, *where)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.scalar(query)
    if row is None:
        raise missing()
    return row


def _lock(
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


def _event(
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
        actor_id=_user_id(actor),
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


def _state(deal: Deal, offer: Offer | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {"deal": deal.status.value}
    if offer is not None:
        state.update(offer=offer.status.value, version=offer.current_version)
    return state


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else utcnow()


# --- opening deals from an approved plan --------------------------------------------------


def _offer_days() -> int:
    return int(current_app.config.get("DEAL_OFFER_DAYS", DEFAULT_OFFER_DAYS))


def _window(brief: Brief, now: dt.datetime) -> tuple[dt.date, dt.date]:
    starts = brief.starts_on or now.date()
    ends = brief.ends_on or starts + dt.timedelta(days=30)
    return starts, max(starts, ends)


def _new_offer(
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
        created_by_id=_user_id(actor),
        updated_at=now,
    )
    session.add(offer)
    return offer


def _open_deal(
    session: SessionLike,
    plan: MediaPlan,
    brief: Brief,
    community: Community,
    lines: Sequence[PlanLineTerms],
    *,
    actor: Actor | None,
    now: dt.datetime,
    replaces: Deal | None = None,
) -> Deal:
    starts, ends = _window(brief, now)
    terms = draft_terms(
        lines,
        currency=plan.currency,
        disclosure=community.disclosure_wording.strip() or DEFAULT_DISCLOSURE,
        starts_on=starts,
        ends_on=ends,
        expires_at=now + dt.timedelta(days=_offer_days()),
    )
    deal = Deal(
        brief_id=brief.id,
        plan_id=plan.id,
        community_id=community.id,
        organisation_id=brief.organisation_id,
        owner_id=community.owner_id,
        replaces_id=replaces.id if replaces is not None else None,
        status=DealStatus.NEGOTIATING,
        currency=plan.currency,
        updated_at=now,
    )
    session.add(deal)
    for p in terms.placements:
        deal.placements.append(
            DealPlacement(
                asset_id=p.asset_id,
                placement_type=p.placement_type,
                count=p.count,
                starts_on=p.starts_on,
                ends_on=p.ends_on,
            )
        )
    offer = _new_offer(session, deal, terms, kind=OfferKind.OFFER, actor=actor, now=now)
    session.flush()
    after = _state(deal, offer)
    if replaces is not None:
        after["replaces"] = replaces.id
    _event(session, deal, actor, "open", {}, after, now)
    return deal


def plan_lines(plan: MediaPlan) -> list[PlanLineTerms]:
    """The bought lines of a stored plan (``MediaPlan.result``) as the desk reads them."""
    return [
        PlanLineTerms(
            community_id=int(line["community_id"]),
            asset_id=int(line["asset_id"]),
            placement_type=PlacementType(line["placement"]),
            owner_payout_minor=int(line["owner_rate_minor"]),
            brand_price_minor=int(line["brand_price_minor"]),
            target_payout_minor=_target(line),
        )
        for line in plan.result.get("lines", [])
    ]


def _target(line: Mapping[str, Any]) -> int | None:
    """The plan's negotiating target of a line flagged as poor value (older plans have none)."""
    value = line.get("value") or {}
    target = value.get("target_rate_minor") if value.get("poor") else None
    return int(target) if target is not None else None


def plan_targets(session: SessionLike, deal: Deal) -> list[dict[str, Any]]:
    """The negotiating targets the deal's plan hands the desk for this community's lines."""
    plan = session.get(MediaPlan, deal.plan_id)
    if plan is None:  # pragma: no cover - a deal's plan is never deleted (RESTRICT)
        return []
    return [
        {
            "asset_id": line.asset_id,
            "placement_type": line.placement_type.value,
            "asked_minor": line.owner_payout_minor,
            "target_payout_minor": line.target_payout_minor,
        }
        for line in plan_lines(plan)
        if line.community_id == deal.community_id and line.target_payout_minor is not None
    ]


def open_deals_for_plan(
    session: SessionLike, plan: MediaPlan, *, actor: Actor | None, now: dt.datetime | None = None
) -> list[Deal]:
    """One deal per community of an approved plan, each with its placements and a draft offer.

    The draft carries the plan's prices (payout = the owner's rate, brand price = the line's).
    Idempotent: a community that already has a deal in this plan keeps it.
    """
    now = _now(now)
    if plan.status is not PlanStatus.APPROVED:
        raise rules.IllegalTransition("deals open only from an approved plan")
    brief = session.get(Brief, plan.brief_id)
    assert brief is not None
    existing = {
        d.community_id: d for d in session.scalars(select(Deal).where(Deal.plan_id == plan.id))
    }
    groups: dict[int, list[PlanLineTerms]] = {}
    for line in plan_lines(plan):
        groups.setdefault(line.community_id, []).append(line)
    deals = []
    for community_id, lines in groups.items():
        if community_id in existing:
            deals.append(existing[community_id])
            continue
        community = session.get(Community, community_id)
        if community is None:  # pragma: no cover - the plan's FK-less JSON outlived a row
            continue
        deals.append(_open_deal(session, plan, brief, community, lines, actor=actor, now=now))
    session.flush()
    return deals


def on_plan_approved(session: SessionLike, *, plan: MediaPlan, actor: Any) -> None:
    """The ``plan.approved`` handler: open the plan's deals in the approving transaction."""
    open_deals_for_plan(session, plan, actor=actor)


def register_event_handlers() -> None:
    """Subscribe the deal desk to the events it reacts to (called by the app factory)."""
    events.subscribe("plan.approved", on_plan_approved)


# --- offers -------------------------------------------------------------------------------


def current_offer(deal: Deal) -> Offer | None:
    """The deal's latest offer (the first negotiation or the latest amendment)."""
    return deal.offers[-1] if deal.offers else None


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


def _store_offer(
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
    now = _now(now)
    deal = _lock(session, _deal_id_of(session, offer_id), actor, deal_version)
    offer = _offer_for_action(deal, offer_id)
    before = _state(deal, offer)
    after = rules.act(pure_offer(offer), action, party_of(actor), now=now, version=version,
                      **kwargs)  # fmt: skip
    _store_offer(session, offer, after, action, actor)
    if after.status is OfferStatus.ACCEPTED:
        _record_acceptance(session, deal, offer)
    _event(session, deal, actor, action.value, before, _state(deal, offer), now)
    session.flush()
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
    now = _now(now)
    due = list(
        session.execute(
            select(Offer.id, Offer.deal_id)
            .where(Offer.status.in_(list(OPEN)), Offer.expires_at <= now)
            .order_by(Offer.deal_id, Offer.id)
        )
    )
    expired = 0
    for offer_id, deal_id in due:
        deal = _lock(session, deal_id, None)
        offer = next(o for o in deal.offers if o.id == offer_id)
        pure = pure_offer(offer)
        if offer.status not in OPEN or rules.effective_status(pure, now) is not OfferStatus.EXPIRED:
            continue  # answered or countered while we waited
        before = _state(deal, offer)
        after = rules.act(pure, OfferAction.EXPIRE, Party.SYSTEM, now=now)
        _store_offer(session, offer, after, OfferAction.EXPIRE, None)
        _event(session, deal, None, "expire", before, _state(deal, offer), now)
        notices.notify_deal(session, deal, "offer_expired", notices.staff_of(session, deal))
        expired += 1
    session.flush()
    return expired


# --- agreement ----------------------------------------------------------------------------


def _accepted_row(session: SessionLike, deal: Deal) -> OfferVersion | None:
    if deal.accepted_version_id is None:
        return None
    return session.get(OfferVersion, deal.accepted_version_id)


def channel_names(session: SessionLike, asset_ids: Iterable[int]) -> dict[int, str]:
    """Each channel's name as people read it: its kind in the UI language, and its handle.

    Never its address: a private group's address is its invite link.
    """
    from marketplace.catalog import vocab

    wanted = set(asset_ids)
    if not wanted:
        return {}
    names = {}
    for asset in session.scalars(select(ChannelAsset).where(ChannelAsset.id.in_(wanted))):
        kind = str(vocab.PLATFORMS.get(asset.platform, asset.platform.value))
        names[asset.id] = f"{kind} · {asset.handle}" if asset.handle.strip() else kind
    return names


def pure_deal_of(session: SessionLike, deal: Deal) -> rules.Deal:
    """The stored deal as the pure rules read it (with the round both sides accepted)."""
    return pure_deal(deal, _accepted_row(session, deal))


def _drop_pending(session: SessionLike, deal: Deal) -> None:
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
    _drop_pending(session, deal)  # newly accepted terms void a half-made confirmation


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
    now = _now(now)
    deal = _lock(session, deal_id, actor, deal_version)
    pure = pure_deal_of(session, deal)
    after = rules.deal_act(pure, rules.DealAction.AGREE, party_of(actor), now=now,
                           content_hash=content_hash)  # fmt: skip
    before = _state(deal)
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
    after_state = {**_state(deal), "agreement": agreement.number}
    _event(session, deal, actor, action, before, after_state, now)
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


def agreement_in_force(deal: Deal) -> Agreement | None:
    """The latest agreement both sides confirmed."""
    complete = [a for a in deal.agreements if a.complete]
    return complete[-1] if complete else None


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
    now = _now(now)
    deal = _lock(session, deal_id, actor, deal_version)
    after = rules.deal_act(
        pure_deal_of(session, deal), rules.DealAction.AMEND, party_of(actor), now=now
    )
    before = _state(deal)
    deal.status = after.status
    agreement = agreement_in_force(deal)
    assert agreement is not None
    terms = replace(
        terms_from_json(agreement.offer_version.terms),
        expires_at=now + dt.timedelta(days=_offer_days()),
    )
    offer = _new_offer(session, deal, terms, kind=OfferKind.AMENDMENT, actor=actor, now=now)
    session.flush()
    _event(session, deal, actor, "amend", before, _state(deal, offer), now)
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
        _store_offer(session, offer, after, OfferAction.EXPIRE, None)
        return
    after = rules.act(pure, OfferAction.WITHDRAW, Party.STAFF, now=now,
                      version=offer.current_version, text=text or "-")  # fmt: skip
    _store_offer(session, offer, after, OfferAction.WITHDRAW, actor)
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
    now = _now(now)
    deal = _lock(session, deal_id, actor, deal_version)
    after = rules.deal_act(pure_deal_of(session, deal), rules.DealAction.CANCEL, party_of(actor),
                           now=now, reason=reason, text=text)  # fmt: skip
    before = _state(deal)
    _close_open_offer(session, deal, actor, text.strip() or reason.value, now)
    deal.status = after.status
    deal.stop_reason, deal.stop_text = reason.value, text.strip()
    deal.accepted_version_id = None
    _drop_pending(session, deal)
    for placement in deal.placements:
        if placement.status is PlacementStatus.PENDING:
            placement.status = PlacementStatus.CANCELLED
    _event(session, deal, actor, "cancel", before, {**_state(deal), "reason": reason.value}, now)
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
    now = _now(now)
    ids = list(session.scalars(select(Deal.id).where(Deal.brief_id == brief_id).order_by(Deal.id)))
    # Lock in id order, so two declarations cannot deadlock.
    deals = [_lock(session, deal_id, actor) for deal_id in ids]
    pure = [pure_deal_of(session, d) for d in deals]
    after = rules.force_majeure(pure, brief_id, party=party_of(actor), text=text)
    paused = []
    for deal, old, new in zip(deals, pure, after, strict=True):
        if new is old:
            continue
        before = _state(deal)
        _close_open_offer(session, deal, actor, text.strip(), now)
        deal.status = new.status
        deal.stop_reason, deal.stop_text = StopReason.FORCE_MAJEURE.value, text.strip()
        if new.accepted is None:
            deal.accepted_version_id = None
        _drop_pending(session, deal)
        after_state = {**_state(deal), "reason": StopReason.FORCE_MAJEURE.value}
        _event(session, deal, actor, "pause", before, after_state, now)
        paused.append(deal)
    session.flush()
    return paused


def _fresh_draft(session: SessionLike, deal: Deal, *, actor: User, now: dt.datetime) -> Offer:
    """A new draft offer from the deal's latest terms, with a fresh expiry."""
    last = current_offer(deal)
    assert last is not None
    terms = replace(pure_offer(last).terms, expires_at=now + dt.timedelta(days=_offer_days()))
    kind = OfferKind.AMENDMENT if deal.status is DealStatus.AMENDING else OfferKind.OFFER
    offer = _new_offer(session, deal, terms, kind=kind, actor=actor, now=now)
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
    now = _now(now)
    if party_of(actor) not in AGENCY:
        raise rules.IllegalTransition("only agency staff write offers")
    deal = _lock(session, deal_id, actor, deal_version)
    if deal.status not in (DealStatus.NEGOTIATING, DealStatus.AMENDING):
        raise rules.IllegalTransition(f"a {deal.status} deal takes no new offer")
    last = current_offer(deal)
    closed = (OfferStatus.DECLINED, OfferStatus.WITHDRAWN, OfferStatus.EXPIRED)
    if last is None or rules.effective_status(pure_offer(last), now) not in closed:
        raise rules.IllegalTransition("the current offer is still open or accepted")
    if last.status in OPEN:  # expired on read: record it first
        after = rules.act(pure_offer(last), OfferAction.EXPIRE, Party.SYSTEM, now=now)
        _store_offer(session, last, after, OfferAction.EXPIRE, None)
    before = _state(deal, last)
    offer = _fresh_draft(session, deal, actor=actor, now=now)
    _event(session, deal, actor, "redraft", before, _state(deal, offer), now)
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
    now = _now(now)
    deal = _lock(session, deal_id, actor, deal_version)
    pure = pure_deal_of(session, deal)
    action = (
        rules.DealAction.RESUME_AGREED if pure.agreements else rules.DealAction.RESUME_NEGOTIATION
    )
    after = rules.deal_act(pure, action, party_of(actor), now=now)
    before = _state(deal)
    deal.status = after.status
    deal.stop_reason, deal.stop_text = None, ""
    offer = None
    if after.status is DealStatus.NEGOTIATING:
        last = current_offer(deal)
        if last is None or last.status is not OfferStatus.ACCEPTED:
            offer = _fresh_draft(session, deal, actor=actor, now=now)
    _event(session, deal, actor, "resume", before, _state(deal, offer), now)
    session.flush()
    return deal


# --- replacements -------------------------------------------------------------------------


def _declined(deal: Deal) -> bool:
    offer = current_offer(deal)
    return offer is not None and offer.status is OfferStatus.DECLINED


def replacement_candidates(
    session: SessionLike, brief: Brief, declined_deal: Deal, *, limit: int = 5
) -> list[Community]:
    """The next best listed communities for a declined deal: from the brief's shortlist
    (best score first), then its ranking; never one already in the plan or one that declined.
    """
    ranking = [e.community_id for e in matching.shortlist(session, brief) if not e.excluded]
    with contextlib.suppress(KesherError):  # an incomplete brief has no ranking; keep the list
        ranking += [row.community_id for row in matching.ranked(session, brief).rows]
    deals = list(session.scalars(select(Deal).where(Deal.brief_id == brief.id)))
    declined = {d.community_id for d in deals if _declined(d)} | {declined_deal.community_id}
    in_plan = {d.community_id for d in deals if d.status is not DealStatus.CANCELLED}
    ids = replacements(ranking, in_plan=in_plan, declined=declined, limit=limit * 2)
    listed = {
        c.id: c
        for c in session.scalars(
            select(Community).where(Community.id.in_(ids), Community.status == ListingStatus.LISTED)
        )
    }
    return [listed[i] for i in ids if i in listed][:limit]


def offer_replacement(
    session: SessionLike,
    declined_deal_id: int,
    community_id: int,
    *,
    actor: User,
    now: dt.datetime | None = None,
) -> Deal:
    """Open a deal with a replacement community for a declined one (its draft offer priced
    from the community's rate card plus the plan's margin); the declined deal is cancelled.
    """
    now = _now(now)
    if party_of(actor) not in AGENCY:
        raise rules.IllegalTransition("only agency staff offer a replacement")
    declined = _lock(session, declined_deal_id, actor)
    if not _declined(declined):
        raise ReplacementRefused(str(_l("Only a declined deal can be replaced.")))
    brief = session.get(Brief, declined.brief_id)
    plan = session.get(MediaPlan, declined.plan_id)
    assert brief is not None
    assert plan is not None
    if community_id not in {c.id for c in replacement_candidates(session, brief, declined)}:
        raise ReplacementRefused()
    community = session.get(Community, community_id)
    assert community is not None
    lines = _replacement_lines(session, declined, community, plan)
    if not lines:
        raise ReplacementRefused(
            str(_l("This community has no rate for the placements of the declined deal."))
        )
    if declined.status is not DealStatus.CANCELLED:
        before = _state(declined)
        declined.status = DealStatus.CANCELLED
        declined.stop_reason = StopReason.OWNER_DECLINED.value
        for placement in declined.placements:
            placement.status = PlacementStatus.CANCELLED
        _event(session, declined, actor, "cancel", before,
               {**_state(declined), "reason": StopReason.OWNER_DECLINED.value}, now)  # fmt: skip
    deal = _open_deal(session, plan, brief, community, lines, actor=actor, now=now,
                      replaces=declined)  # fmt: skip
    session.flush()
    return deal


def _replacement_lines(
    session: SessionLike, declined: Deal, community: Community, plan: MediaPlan
) -> list[PlanLineTerms]:
    assets = list(
        session.scalars(select(ChannelAsset).where(ChannelAsset.community_id == community.id))
    )
    lines = []
    for placement in declined.placements:
        for asset in assets:
            rate = next(
                (r for r in asset.rates
                 if r.placement == placement.placement_type and r.currency == plan.currency),
                None,
            )  # fmt: skip
            if rate is None:
                continue
            price = rate.amount_minor + margin_minor(rate.amount_minor, plan.margin_bp)
            for _ in range(placement.count):
                lines.append(
                    PlanLineTerms(community.id, asset.id, PlacementType(placement.placement_type),
                                  rate.amount_minor, price)
                )  # fmt: skip
            break
    return lines


# --- figures and projections --------------------------------------------------------------


def margin_floor_bp() -> int:
    """The margin below which the desk warns (``KESHER_DEAL_MARGIN_FLOOR_BP``, default 1500)."""
    return int(current_app.config.get("DEAL_MARGIN_FLOOR_BP", 1_500))


def _terms_of(offer: Offer, number: int | None = None) -> OfferTerms:
    pure = pure_offer(offer)
    if number is None:
        return pure.terms
    for v in pure.versions:
        if v.number == number:
            return v.terms
    raise StaleVersion(f"offer has no version {number}")


def reach_p50(session: SessionLike, terms: OfferTerms) -> dict[Any, int]:
    """The valuation's P50 reach of one placement, per (asset, placement type) of the terms."""
    assets = [p.asset_id for p in terms.placements]
    rows = session.scalars(
        select(PlacementEstimate).where(
            PlacementEstimate.asset_id.in_(assets), PlacementEstimate.currency == terms.currency
        )
    )
    return {(r.asset_id, PlacementType(r.placement)): int(r.reach_p50 or 0) for r in rows}


def desk_figures(
    session: SessionLike, deal: Deal, *, actor: User, version: int | None = None
) -> DeskFigures:
    """Margin (amount and %), effective CPM on the P50 reach and the floor check of a round.

    For agency staff, admins and finance only; others get DealNotFound.
    """
    if actor.role not in DESK_ROLES:
        raise DealNotFound()
    offer = current_offer(deal)
    if offer is None:
        raise DealNotFound()
    terms = _terms_of(offer, version)
    return rules.desk_figures(terms, reach_p50(session, terms), floor_bp=margin_floor_bp())


def deal_terms(deal: Deal) -> OfferTerms | None:
    """The terms a deal stands on: its agreement's, else its current offer's latest round."""
    agreement = agreement_in_force(deal)
    if agreement is not None:
        return terms_from_json(agreement.offer_version.terms)
    offer = current_offer(deal)
    return pure_offer(offer).terms if offer is not None else None


def plan_totals(session: SessionLike, plan: MediaPlan, *, actor: User) -> PlanTotals:
    """The plan's totals over its deals that are not cancelled (staff, admins, finance)."""
    if actor.role not in DESK_ROLES:
        raise DealNotFound()
    deals = session.scalars(
        select(Deal).where(Deal.plan_id == plan.id, Deal.status != DealStatus.CANCELLED)
    )
    terms = [t for t in (deal_terms(d) for d in deals) if t is not None]
    return rules.plan_totals(terms, plan.currency)


def _change(c: rules.Change) -> dict[str, Any]:
    return {"field": c.field, "before": c.before, "after": c.after}


def offer_view(offer: Offer, user: User, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """An offer as ``user`` may see it: its rounds, their diffs, what ``user`` may do now."""
    now = _now(now)
    party = party_of(user)
    pure = pure_offer(offer)
    status = rules.effective_status(pure, now)
    rounds = []
    previous: OfferTerms | None = None
    for v in pure.versions:
        changes = diff_for(diff(previous, v.terms), party) if previous is not None else []
        rounds.append(
            {
                "number": v.number,
                "author": v.author.value,
                "created_at": v.created_at.isoformat(),
                "note": v.note,
                "terms": terms_for(v.terms, party),
                "changes": [_change(c) for c in changes],
            }
        )
        previous = v.terms
    return {
        "id": offer.id,
        "kind": offer.kind.value,
        "status": status.value,
        "version": offer.current_version,
        "expires_at": offer.expires_at.isoformat(),
        "decline_reason": offer.decline_reason,
        "close_text": offer.close_text,
        "terms": terms_for(pure.terms, party),
        "rounds": rounds,
        "actions": [a.value for a in allowed_actions(status, party)],
    }


def deal_view(
    session: SessionLike, deal: Deal, user: User, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """A deal as ``user`` may see it (the only way views and the API show a deal).

    Owners never get the brand price or the margin; brands never the owner payout (so not
    the agreement document either, which states the payout); staff get the desk figures.
    """
    now = _now(now)
    offer = current_offer(deal)
    view: dict[str, Any] = {
        "id": deal.id,
        "brief_id": deal.brief_id,
        "plan_id": deal.plan_id,
        "community_id": deal.community_id,
        "community_name": deal.community.display_name,
        "status": deal.status.value,
        "version": deal.version,
        "currency": deal.currency,
        "replaces_id": deal.replaces_id,
        "stop_reason": deal.stop_reason,
        "stop_text": deal.stop_text,
        "placements": [
            {
                "asset_id": p.asset_id,
                "placement_type": p.placement_type.value,
                "count": p.count,
                "starts_on": p.starts_on.isoformat(),
                "ends_on": p.ends_on.isoformat(),
                "status": p.status.value,
            }
            for p in deal.placements
        ],
        "offer": offer_view(offer, user, now=now) if offer is not None else None,
        "agreements": [
            {
                "number": a.number,
                "language": a.language,
                "confirmed_by_owner_at": _iso(a.confirmed_by_owner_at),
                "confirmed_by_agency_at": _iso(a.confirmed_by_agency_at),
                # The document states the payout, and its hash would let a brand test guesses
                # of the payout until one matches: brands get neither.
                **(
                    {}
                    if user.role is Role.BRAND
                    else {"document": a.document, "content_hash": a.content_hash}
                ),
            }
            for a in deal.agreements
        ],
        "events": [
            {
                "action": e.action,
                "party": e.party,
                "actor": e.actor.display_name if e.actor is not None else "",
                "at": e.at.isoformat(),
                "before": e.before,
                "after": e.after,
            }
            for e in deal.events
        ],
    }
    if user.role in DESK_ROLES and offer is not None:
        figures = desk_figures(session, deal, actor=user)
        view["desk"] = {
            "margin_minor": figures.margin_minor,
            "margin_bp": figures.margin_bp,
            "reach_p50": figures.reach_p50,
            "cpm_minor": figures.cpm_minor,
            "check": figures.check.value,
            "floor_bp": margin_floor_bp(),
            # Where the plan found the asked rate far above value: the rate to negotiate toward.
            "targets": plan_targets(session, deal),
        }
    return view


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def deal_events(deal: Deal) -> Iterable[DealEvent]:
    """The deal's audit trail, oldest first."""
    return list(deal.events)
