"""The deal endpoints of /api/v1: a brand organisation's deals, offers and agreements.

An API token acts as its organisation, a brand (``views._api_user``), so every answer comes
from the deal desk's own scoping and projections (``deals_visible_to`` / ``get_deal``,
``deal_view`` / ``offer_view``): the brand price, never the owner's payout or the margin.
Another organisation's deal does not exist for the token (404, as for briefs).

The routes register on the api blueprint of :mod:`marketplace.api.views`; the app factory's
feature list imports this module so that they exist.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

import campaigns.deals as rules
from campaigns.deals import DealStatus, Party
from campaigns.deals.agreement import DOCUMENT_VERSION
from campaigns.deals.terms import terms_for
from marketplace.api.spec.deals import CURSOR, MAX_PER_PAGE, PER_PAGE
from marketplace.api.views import _api_user, bp
from marketplace.creative import services as creative_services
from marketplace.deals import services as deals
from marketplace.deals.models import Deal, DealEvent, Offer
from marketplace.deals.records import terms_from_json
from marketplace.errors import KesherError, NotFound
from marketplace.extensions import db
from marketplace.safety import MAX_ID

#: Keys of ``deal_view`` a brand's API client never gets (``desk`` is staff's margin and CPM;
#: ``deal_view`` leaves it out for brands already, this keeps it out if that ever changes).
_HIDDEN_DEAL_KEYS = ("desk",)


class BadDealQuery(KesherError):
    code = "bad_parameter"
    default_message = _l("A query parameter is not understood.")


class NoAgreement(NotFound):
    code = "not_found"
    default_message = _l("This deal has no agreement in force yet.")


def _int_arg(name: str, *, low: int, high: int, default: int | None = None) -> int | None:
    """A bounded integer query parameter; absent gives ``default``, anything else a 400."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not low <= int(raw) <= high:
        raise BadDealQuery(f"{name} must be a whole number from {low} to {high}.")
    return int(raw)


def _statuses() -> set[DealStatus]:
    wanted = set()
    for raw in request.args.getlist("status"):
        try:
            wanted.add(DealStatus(raw))
        except ValueError:
            known = ", ".join(s.value for s in DealStatus)
            raise BadDealQuery(f"status must be one of {known}.") from None
    return wanted


def _brand_agreement(view: dict[str, Any]) -> dict[str, Any]:
    """An agreement entry of ``deal_view`` without its content hash.

    The stored hash is of the owner's document, which states the payout; a brand knows every
    other byte of it, so the hash of a small integer's few candidates would give the payout.
    """
    return {k: v for k, v in view.items() if k not in ("content_hash", "document")}


def deal_json(deal: Deal, *, detail: bool) -> dict[str, Any]:
    """A deal as the brand sees it (``deal_view``), with links to its offers and agreement."""
    view = deals.deal_view(db.session, deal, _api_user())
    for key in _HIDDEN_DEAL_KEYS:
        view.pop(key, None)
    view["agreements"] = [_brand_agreement(a) for a in view["agreements"]]
    if not detail:
        view.pop("events")
        offer = view.pop("offer")
        view["offer"] = (
            {k: offer[k] for k in ("id", "kind", "status", "version", "expires_at")}
            | {"brand_price_minor": offer["terms"]["brand_price_minor"]}
            if offer is not None
            else None
        )
    view["links"] = {
        "self": f"/api/v1/deals/{deal.id}",
        "offers": f"/api/v1/deals/{deal.id}/offers",
        "agreement": f"/api/v1/deals/{deal.id}/agreement",
    }
    return view


def _cursor() -> int | None:
    """The id the previous page ended on (the next page lists smaller ids)."""
    raw = request.args.get("cursor")
    if raw is None or raw == "":
        return None
    if not CURSOR.fullmatch(raw):
        raise BadDealQuery("cursor must be the next_cursor of the previous page.")
    return int(raw)


def _deals_query() -> Any:
    """The token's deals, with what ``deal_view`` reads loaded in a few queries per page."""
    return deals.visible_deals_query(_api_user()).options(
        selectinload(Deal.community),
        selectinload(Deal.placements),
        selectinload(Deal.offers).selectinload(Offer.versions),
        selectinload(Deal.agreements),
        selectinload(Deal.events).selectinload(DealEvent.actor),
    )


@bp.get("/deals")
def list_deals() -> ResponseReturnValue:
    """The organisation's deals, newest first, a page at a time (filter by brief and status)."""
    per_page = _int_arg("per_page", low=1, high=MAX_PER_PAGE, default=PER_PAGE)
    assert per_page is not None
    brief_id = _int_arg("brief_id", low=1, high=MAX_ID)
    cursor = _cursor()
    wanted = _statuses()
    query = _deals_query()
    if brief_id is not None:
        query = query.where(Deal.brief_id == brief_id)
    if wanted:
        query = query.where(Deal.status.in_(sorted(wanted)))
    if cursor is not None and cursor <= MAX_ID:  # every id is below a larger one
        query = query.where(Deal.id < cursor)
    rows = list(db.session.scalars(query.order_by(Deal.id.desc()).limit(per_page + 1)))
    page = rows[:per_page]
    next_cursor = str(page[-1].id) if len(rows) > per_page else None
    return jsonify(items=[deal_json(d, detail=False) for d in page], next_cursor=next_cursor)


@bp.get("/deals/<int:deal_id>")
def get_deal(deal_id: int) -> ResponseReturnValue:
    """One of the organisation's deals: placements, status, current offer at brand prices."""
    deal = deals.get_deal(db.session, deal_id, _api_user())
    return jsonify(deal_json(deal, detail=True))


@bp.get("/deals/<int:deal_id>/offers")
def deal_offers(deal_id: int) -> ResponseReturnValue:
    """Every offer of the deal (the first and any amendments), each with its rounds."""
    user = _api_user()
    deal = deals.get_deal(db.session, deal_id, user)
    return jsonify(deal_id=deal.id, items=[deals.offer_view(o, user) for o in deal.offers])


@bp.get("/deals/<int:deal_id>/agreement")
def deal_agreement(deal_id: int) -> ResponseReturnValue:
    """The agreement in force, as the brand sees it: agreed terms at brand prices."""
    deal = deals.get_deal(db.session, deal_id, _api_user())
    agreement = deals.agreement_in_force(deal)
    if agreement is None:
        raise NoAgreement()
    terms = terms_for(terms_from_json(agreement.offer_version.terms), Party.BRAND)
    terms.pop("expires_at", None)  # the offer's deadline is not a term of the agreement
    brand_document = {
        "document_version": DOCUMENT_VERSION,
        "brief_id": deal.brief_id,
        "community_id": deal.community_id,
        "number": agreement.number,
        "terms": terms,
    }
    return jsonify(
        deal_id=deal.id,
        number=agreement.number,
        kind="agreement" if agreement.number == 1 else "amendment",
        language=agreement.language,
        confirmed_by_owner_at=agreement.confirmed_by_owner_at.isoformat()
        if agreement.confirmed_by_owner_at
        else None,
        confirmed_by_agency_at=agreement.confirmed_by_agency_at.isoformat()
        if agreement.confirmed_by_agency_at
        else None,
        terms=terms,
        terms_hash=rules.content_hash(brand_document),
    )


def creative_json(placement: Any, creative: Any) -> dict[str, Any]:
    """A placement's post as the brand sees it: the current version, its standing approvals."""
    if creative is None:
        return {"placement_id": placement.id, "status": "not_started", "version": None}
    version = creative_services.current_version(creative)
    return {
        "placement_id": placement.id,
        "status": creative.status.value,
        "version": {
            "number": version.number,
            "text": version.text,
            "link_placeholder": version.link_placeholder,
            "images": len(version.images),
            "created_at": version.created_at.isoformat(),
        },
        "approvals": [
            {"party": a.party, "at": a.at.isoformat()}
            for a in creative_services.current_approvals(creative)
        ],
    }


@bp.get("/deals/<int:deal_id>/creative")
def deal_creative(deal_id: int) -> ResponseReturnValue:
    """The post of each placement of the deal: current text, status and who approved it."""
    deal = deals.get_deal(db.session, deal_id, _api_user())
    return jsonify(
        deal_id=deal.id,
        items=[
            creative_json(p, creative_services.creative_of(db.session, p)) for p in deal.placements
        ],
    )
