"""The /api/v1 endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue

from marketplace.api import openapi
from marketplace.auth.services import authenticate_api_token
from marketplace.catalog import search
from marketplace.catalog import services as catalog_services
from marketplace.errors import error_response
from marketplace.extensions import db
from marketplace.policy import POLICY
from marketplace.valuation import services as valuation
from pricing.taxonomy import EvidenceTier, MetricKind

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def require_token() -> ResponseReturnValue | None:
    """Authenticate the bearer token of endpoints the policy reserves for API clients."""
    rule = POLICY.get(request.endpoint or "")
    if rule is None or not rule.api_token:
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    token = (
        authenticate_api_token(db.session, secret.strip()) if scheme.lower() == "bearer" else None
    )
    if token is None:
        return error_response(401, "invalid_token", "Missing, unknown or revoked API token.")
    db.session.commit()  # records last_used_at
    g.api_token = token
    return None


def _api_user() -> Any:
    """The principal the token acts as: a brand member of the token's organisation.

    Tokens belong to brand organisations, so they see what a brand sees (listed communities,
    no private contact details).
    """
    from types import SimpleNamespace

    from marketplace.auth.models import Role

    return SimpleNamespace(id=None, role=Role.BRAND, organisation_id=g.api_token.organisation_id)


def community_json(community: Any, *, detail: bool = False) -> dict[str, Any]:
    """A community as the API shows it to brands (no private fields)."""
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
        "min_rate": {"amount_minor": community.min_rate_ils, "currency": "ILS"}
        if community.min_rate_ils
        else None,
        "best_evidence": EvidenceTier(community.best_evidence).slug
        if community.best_evidence
        else None,
        "platforms": sorted({a.platform.value for a in community.assets}),
    }
    if detail:
        estimates = valuation.estimates_by_asset(db.session, [a.id for a in community.assets])
        data.update(
            description=community.description,
            dna={
                "tone": community.dna_tone,
                "values": community.dna_values,
                "rituals": community.dna_rituals,
                "shared_language": community.dna_language,
            },
            content_allowed=community.content_allowed,
            content_forbidden=community.content_forbidden,
            disclosure_wording=community.disclosure_wording,
            sensitive_flags=community.sensitive_flags,
            audience=catalog_services.audience_by_dimension(community),
            assets=[asset_json(asset, estimates[asset.id]) for asset in community.assets],
        )
    return data


def asset_json(asset: Any, estimates: Mapping[Any, Any] | None = None) -> dict[str, Any]:
    """A channel with its rates, latest figures and value estimates (never the price verdict)."""
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
        "url": asset.url,
        "handle": asset.handle,
        "size": asset.size,
        "interaction_mode": asset.interaction_mode.value,
        "rates": [
            {"placement": r.placement.value, "amount_minor": r.amount_minor, "currency": r.currency}
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
