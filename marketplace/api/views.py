"""The /api/v1 endpoints."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue

from marketplace.api import openapi
from marketplace.auth.services import authenticate_api_token
from marketplace.errors import error_response
from marketplace.extensions import db
from marketplace.policy import POLICY

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
