"""Who sees which deal, the deals a user may see, and each deal as that user may see it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar, cast

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, select

import campaigns.deals as rules
from campaigns.deals import DealStatus, OfferTerms, Party, StaleVersion
from campaigns.deals.desk import DeskFigures, PlanTotals
from campaigns.deals.from_plan import PlanLineTerms
from campaigns.deals.offers import allowed_actions
from campaigns.deals.terms import diff, diff_for, terms_for
from marketplace.auth.models import Role, User
from marketplace.briefs.services import Actor
from marketplace.catalog.models import ChannelAsset, Community, CommunityManager
from marketplace.db import SessionLike, utcnow
from marketplace.deals.models import Agreement, Deal, DealEvent, Offer, OfferVersion
from marketplace.deals.records import pure_deal, pure_offer, terms_from_json
from marketplace.errors import NotFound
from marketplace.matching.models import MediaPlan
from marketplace.valuation.models import PlacementEstimate
from pricing.taxonomy import PlacementType

#: Roles that see every deal and every price.
DESK_ROLES = frozenset({Role.STAFF, Role.ADMIN, Role.FINANCE})


#: A row of a table that hangs off a deal (see :func:`scoped`).
Row = TypeVar("Row")


class DealNotFound(NotFound):
    code = "deal_not_found"
    default_message = _l("No such deal.")


# --- who acts, who sees -------------------------------------------------------------------


def party_of(actor: Actor | None) -> Party:
    """The pure domain's party for a user (None is the scheduler)."""
    return Party.SYSTEM if actor is None else Party(actor.role.value)


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


def resolve_now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else utcnow()


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
    targets = [
        {
            "asset_id": line.asset_id,
            "placement_type": line.placement_type.value,
            "asked_minor": line.owner_payout_minor,
            "target_payout_minor": line.target_payout_minor,
            "drop": False,
        }
        for line in plan_lines(plan)
        if line.community_id == deal.community_id and line.target_payout_minor is not None
    ]
    # A line worth under ₪10 even at P90 has no target: the plan advises dropping it.
    return targets + [
        {
            "asset_id": int(line["asset_id"]),
            "placement_type": str(line["placement"]),
            "asked_minor": int(line["owner_rate_minor"]),
            "target_payout_minor": None,
            "drop": True,
        }
        for line in plan.result.get("lines", [])
        if int(line["community_id"]) == deal.community_id and _to_drop(line)
    ]


def _to_drop(line: Mapping[str, Any]) -> bool:
    """Whether the plan flagged a line as poor value with nothing worth negotiating."""
    value = line.get("value") or {}
    return bool(value.get("poor")) and value.get("target_rate_minor") is None


# --- reading a deal -----------------------------------------------------------------------


def current_offer(deal: Deal) -> Offer | None:
    """The deal's latest offer (the first negotiation or the latest amendment)."""
    return deal.offers[-1] if deal.offers else None


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


def agreement_in_force(deal: Deal) -> Agreement | None:
    """The latest agreement both sides confirmed."""
    complete = [a for a in deal.agreements if a.complete]
    return complete[-1] if complete else None


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
    now = resolve_now(now)
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
    now = resolve_now(now)
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
