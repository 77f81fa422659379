"""The /api/v1 endpoints."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from marketplace.api import bodies, openapi
from marketplace.api.spec import briefs as spec_briefs
from marketplace.auth.services import authenticate_api_token
from marketplace.booleans import NotABoolean, parse_bool
from marketplace.briefs import services as briefs
from marketplace.briefs.models import Brief, BriefStatus
from marketplace.catalog import prices, search
from marketplace.catalog import services as catalog_services
from marketplace.errors import NotFound, error_response
from marketplace.extensions import client_network, db, limiter
from marketplace.matching import sentences
from marketplace.matching import services as matching
from marketplace.policy import POLICY
from marketplace.safety import BadRequestParameter
from marketplace.valuation import services as valuation
from marketplace.web import unit_of_work
from pricing.taxonomy import EvidenceTier, MetricKind

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _client_key() -> str:
    """Who is asking, for the rate limit: the bearer token (a digest of it: the secret itself
    is never a key in the limiter's storage), else the client address. The limiter runs
    before the token is checked."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return "api-token:" + hashlib.sha256(secret.strip().encode()).hexdigest()[:32]
    return f"api-address:{client_network()}"


def _refused_token(response: Any) -> bool:
    return bool(response.status_code == 401)


# Every endpoint: a token (or an address without one) gets API_RATE_LIMIT requests; one address
# gets API_AUTH_FAILURE_LIMIT refused tokens, so guessing (or one random token per request)
# cannot make the token look-up an unlimited cost.
limiter.limit(lambda: str(current_app.config["API_RATE_LIMIT"]), key_func=_client_key)(bp)
limiter.limit(
    lambda: str(current_app.config["API_AUTH_FAILURE_LIMIT"]),
    key_func=lambda: f"api-refused:{client_network()}",
    deduct_when=_refused_token,
)(bp)


@bp.before_request
def require_token() -> ResponseReturnValue | None:
    """Authenticate the bearer token of endpoints the policy reserves for API clients."""
    rule = POLICY.get(request.endpoint or "")
    if rule is None or not rule.api_token:
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    with unit_of_work():  # records last_used_at
        token = (
            authenticate_api_token(db.session, secret.strip())
            if scheme.lower() == "bearer"
            else None
        )
    if token is None:
        return error_response(
            401,
            "invalid_token",
            "Missing, unknown or revoked API token. A token also stops when the "
            "person who created it is deactivated, leaves the organisation or is no longer "
            "one of its admins; an organisation admin can rotate it.",
        )
    g.api_token = token
    return None


#: After the token check: a documented JSON body is validated against its schema (400/422).
bp.before_request(functools.partial(bodies.check_body, openapi.document))


def _api_user() -> Any:
    """The principal the token acts as: a brand member of the token's organisation.

    Tokens belong to brand organisations, so they see what a brand sees (listed communities,
    no private contact details).
    """
    from types import SimpleNamespace

    from marketplace.auth.models import Role

    return SimpleNamespace(id=None, role=Role.BRAND, organisation_id=g.api_token.organisation_id)


def community_json(community: Any, *, detail: bool = False) -> dict[str, Any]:
    """A community as the API shows it to brands (no private fields).

    Prices are brand prices (the owner's rate plus the agency margin) and invite links are
    left out: API tokens act as brands (see catalog.prices).
    """
    view = prices.PriceView.BRAND
    margin_bp = prices.agency_margin_bp()
    min_price = (
        prices.shown_rate(community.min_rate_ils, "ILS", view, margin_bp=margin_bp)
        if community.min_rate_ils
        else None
    )
    data: dict[str, Any] = {
        "id": community.id,
        "name_he": community.name_he,
        "name_en": community.name_en,
        "region": community.region,
        "city": community.city,
        "topics": community.topics,
        "languages": community.languages,
        "audience_kind": community.audience_kind,
        "total_size": community.total_size,
        "min_rate": {
            "amount_minor": min_price.amount_minor,
            "currency": min_price.currency,
            "basis": "brand_price",
        }
        if min_price
        else None,
        "best_evidence": EvidenceTier(community.best_evidence).slug
        if community.best_evidence
        else None,
        "platforms": sorted({a.platform.value for a in community.assets}),
        "regulated_allowed": list(community.regulated_allowed or []),
    }
    if detail:
        estimates = valuation.estimates_by_asset(db.session, [a.id for a in community.assets])
        text = functools.partial(prices.shown_text, view=view)  # invite links left out
        data.update(
            description=text(community.description),
            dna={
                "tone": text(community.dna_tone),
                "values": text(community.dna_values),
                "rituals": text(community.dna_rituals),
                "shared_language": text(community.dna_language),
            },
            content_allowed=text(community.content_allowed),
            content_forbidden=text(community.content_forbidden),
            disclosure_wording=text(community.disclosure_wording),
            sensitive_flags=community.sensitive_flags,
            audience=catalog_services.audience_by_dimension(community),
            assets=[
                asset_json(asset, estimates[asset.id], margin_bp=margin_bp)
                for asset in community.assets
            ],
        )
    return data


def asset_json(
    asset: Any, estimates: Mapping[Any, Any] | None = None, *, margin_bp: int
) -> dict[str, Any]:
    """A channel with its brand prices, latest figures and value estimates (never the verdict).

    No owner's rate and no invite link: the address is left out when it is a private group's
    join link.
    """
    view = prices.PriceView.BRAND
    figures = {}
    for kind in MetricKind:
        latest = catalog_services.latest_metric(asset, kind)
        if latest is not None:
            figures[kind.value] = {
                "value": latest.value,
                "as_of": latest.observed_on.isoformat(),
                "evidence": EvidenceTier(latest.tier).slug,
            }
    return {
        "id": asset.id,
        "platform": asset.platform.value,
        "url": prices.shown_url(asset.url, view),
        "handle": prices.shown_text(asset.handle, view),
        "size": asset.size,
        "interaction_mode": asset.interaction_mode.value,
        "rates": [
            {
                "placement": r.placement.value,
                "amount_minor": prices.shown_rate(
                    r.amount_minor, r.currency, view, margin_bp=margin_bp
                ).amount_minor,
                "currency": r.currency,
                "basis": "brand_price",
            }
            for r in asset.rates
        ],
        "figures": figures,
        "estimates": [valuation.estimate_json(e) for e in (estimates or {}).values()],
    }


@bp.get("/communities")
def list_communities() -> ResponseReturnValue:
    """Search listed communities, with the same filters as the catalog page."""
    params = search.SearchParams.from_args(request.args)
    page = search.search(db.session, params, _api_user())
    return jsonify(
        items=[community_json(c) for c in page.items],
        next_cursor=page.next_cursor,
    )


@bp.get("/communities/<int:community_id>")
def get_community(community_id: int) -> ResponseReturnValue:
    """Read one listed community with its channels, rates, audience and latest figures."""
    community = catalog_services.get_visible(db.session, community_id, _api_user())
    return jsonify(community_json(community, detail=True))


@bp.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    """Serve the OpenAPI document."""
    return jsonify(openapi.document(request.host_url))


@bp.get("/me")
def me() -> ResponseReturnValue:
    """Describe the organisation that owns the presented token."""
    token = g.api_token
    return jsonify(
        organisation={"id": token.organisation.id, "name": token.organisation.name},
        token={"name": token.name, "prefix": token.prefix},
    )


# --- briefs --------------------------------------------------------------------------------


def _brief_actor() -> briefs.ApiActor:
    """The token acts for its organisation; history records the token's name as who."""
    token = g.api_token
    return briefs.ApiActor(organisation_id=token.organisation_id, token_name=token.name)


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _problem_json(problem: Any) -> dict[str, str]:
    return {"field": problem.field, "code": problem.code, "message": str(problem.message)}


def brief_json(brief: Brief, *, detail: bool = False) -> dict[str, Any]:
    """A brief as its organisation's API client sees it: the brief JSON plus its state."""
    data = briefs.brief_data(brief)
    result: dict[str, Any] = {
        "id": brief.id,
        "status": brief.status.value,
        "compliance": {
            "status": brief.compliance_status.value,
            "note": brief.compliance_note,
            "decided_at": _when(brief.compliance_at),
        },
        "brief": data,
        "warnings": [_problem_json(w) for w in briefs.warnings_of(data)],
        "created_at": _when(brief.created_at),
        "updated_at": _when(brief.updated_at),
        "submitted_at": _when(brief.submitted_at),
    }
    if detail:
        result["problems"] = (
            [_problem_json(p) for p in briefs.submit_problems(db.session, data)]
            if brief.status in briefs.EDITABLE
            else []
        )
        result["history"] = [
            {"kind": e.kind, "from": e.from_value, "to": e.to_value, "by": e.actor_name,
             "note": e.note, "at": _when(e.created_at)}
            for e in brief.events
        ]  # fmt: skip
        result["comments"] = [
            {"by": c.author_name, "from_agency": c.from_agency, "body": c.body,
             "at": _when(c.created_at)}
            for c in brief.comments
        ]  # fmt: skip
    return result


def _invalid(error: briefs.BriefValidationError) -> ResponseReturnValue:
    """422 with every problem: field, machine code and an English message (nothing was kept)."""
    return jsonify(
        error={
            "code": error.code,
            "message": error.message,
            "problems": [_problem_json(p) for p in error.problems],
        }
    ), 422


def _submit() -> bool:
    raw = request.args.get("submit")
    if raw is None:
        return False
    if raw not in spec_briefs.SUBMIT_WORDS:  # exactly the document's words
        raise NotABoolean(raw, name="submit")
    return parse_bool(raw)


@bp.get("/briefs")
def list_briefs() -> ResponseReturnValue:
    """List the token's organisation's briefs, newest first (optionally of some statuses)."""
    wanted = set(request.args.getlist("status"))
    if unknown := wanted - {s.value for s in BriefStatus}:
        known = ", ".join(s.value for s in BriefStatus)
        shown = sorted(unknown)[0][:20]
        raise BadRequestParameter(f"status must be one of {known}, not “{shown}”.")
    items = [
        brief_json(b)
        for b in briefs.list_for_org(db.session, _brief_actor())
        if not wanted or b.status.value in wanted
    ]
    return jsonify(items=items)


@bp.post("/briefs")
def create_brief() -> ResponseReturnValue:
    """Create a draft from the brief JSON; with ?submit=1 submit it too (all or nothing)."""
    data = bodies.body()
    actor = _brief_actor()
    submit = _submit()
    with unit_of_work(briefs.BriefValidationError) as work:
        if submit and (problems := briefs.submit_problems(db.session, data)):
            raise briefs.BriefValidationError(problems)  # all of them, not only the draft's
        brief = briefs.save_brief(db.session, data, actor=actor)
        if submit:
            briefs.change_status(db.session, brief, BriefStatus.SUBMITTED, actor=actor)
    if work.error is not None:
        return _invalid(work.error)
    response = jsonify(brief_json(brief, detail=True))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_brief", brief_id=brief.id)
    return response


@bp.get("/briefs/<int:brief_id>")
def get_brief(brief_id: int) -> ResponseReturnValue:
    """Read one of the organisation's briefs, with its history, comments and open problems."""
    brief = briefs.get_visible(db.session, brief_id, _brief_actor())
    return jsonify(brief_json(brief, detail=True))


@bp.route("/briefs/<int:brief_id>", methods=["PUT", "PATCH"])
def update_brief(brief_id: int) -> ResponseReturnValue:
    """Replace (PUT) or change some top-level fields of (PATCH) a draft."""
    actor = _brief_actor()
    brief = briefs.get_visible(db.session, brief_id, actor)
    data = bodies.body()
    if request.method == "PATCH":
        data = {**briefs.brief_data(brief), **data}
    with unit_of_work(briefs.BriefValidationError) as work:
        briefs.save_brief(db.session, data, actor=actor, brief=brief)
    if work.error is not None:
        return _invalid(work.error)
    return jsonify(brief_json(brief, detail=True))


@bp.post("/briefs/<int:brief_id>/submit")
def submit_brief(brief_id: int) -> ResponseReturnValue:
    """Submit a draft; 422 lists everything that is missing or wrong."""
    actor = _brief_actor()
    brief = briefs.get_visible(db.session, brief_id, actor)
    with unit_of_work(briefs.BriefValidationError) as work:
        briefs.change_status(db.session, brief, BriefStatus.SUBMITTED, actor=actor)
    if work.error is not None:
        return _invalid(work.error)
    return jsonify(brief_json(brief, detail=True))


# --- matches and plans -----------------------------------------------------------------------

#: What the brand does not see of a plan: owners' rates and the agency's margin.
_AGENCY_ONLY_LINE = ("owner_rate_minor", "margin_minor", "shortlist_entry_id")
#: The plan-wide value warning quotes the owners' rates (what the lines pay against their value).
_AGENCY_ONLY_PLAN = ("owner_payout_minor", "margin_minor", "value_warning")
#: Of a line's value for money, what a brand may read: the lenses' ranges and whether the rate is
#: far above them; the reason and the desk's target are figured from the owner's rate.
_BRAND_VALUE = ("replacement", "outcome", "poor", "defensible")


def _brand_line(line: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in line.items() if k not in _AGENCY_ONLY_LINE}
    if isinstance(out.get("value"), dict):
        out["value"] = {k: v for k, v in out["value"].items() if k in _BRAND_VALUE}
    return out


@bp.get("/briefs/<int:brief_id>/matches")
def brief_matches(brief_id: int) -> ResponseReturnValue:
    """The communities ranked for one of the organisation's briefs, each with its reasons."""
    brief = briefs.get_visible(db.session, brief_id, _brief_actor())
    raw = request.args.get("top", "20")
    top = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else 0
    if not 1 <= top <= 100:  # the document's bounds, not silently clamped
        raise BadRequestParameter("top must be a whole number from 1 to 100")
    result = matching.ranked(db.session, brief, top=top)
    # The diagnosis's sentences in each language's own money format, as the page writes them.
    return jsonify(brief_id=brief.id, **sentences.result_dict(result, brief.currency or "ILS"))


@bp.get("/briefs/<int:brief_id>/plan")
def brief_plan(brief_id: int) -> ResponseReturnValue:
    """The plan the agency proposed for the brief (404 until there is one)."""
    brief = briefs.get_visible(db.session, brief_id, _brief_actor())
    plan = matching.proposed_plan(db.session, brief)
    if plan is None:
        raise NotFound("The agency has not proposed a plan for this brief yet.")
    result = {k: v for k, v in plan.result.items() if k not in _AGENCY_ONLY_PLAN}
    result["solver_status"] = result.pop("status", None)
    result["lines"] = [_brand_line(line) for line in result["lines"]]
    return jsonify(id=plan.id, brief_id=brief.id, status=plan.status.value,
                   created_at=_when(plan.created_at), decided_at=_when(plan.decided_at),
                   **result)  # fmt: skip
