"""API tokens of a brand organisation: created by its admins, stored as digests, revocable.

Services take the session explicitly, flush and never commit: the view commits once.
"""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.auth.models import ApiToken, User
from marketplace.auth.passwords import token_digest
from marketplace.db import SessionLike, utcnow
from marketplace.errors import Conflict, Forbidden, NotFound

API_TOKEN_PREFIX = "ksr_"  # noqa: S105 - a public marker, not a secret


def create_api_token(session: SessionLike, *, name: str, actor: User) -> tuple[ApiToken, str]:
    """Create an API token for the actor's organisation; the secret is returned only now."""
    if actor.organisation is None or not actor.is_org_admin:
        raise Forbidden()
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        organisation=actor.organisation,
        name=name.strip(),
        prefix=secret[:10],
        token_hash=token_digest(secret),
        created_by_id=actor.id,
    )
    session.add(token)
    session.flush()
    return token, secret


def org_api_tokens(session: SessionLike, actor: User) -> list[ApiToken]:
    """List the API tokens of the actor's organisation (scoped: never another's)."""
    if actor.organisation_id is None:
        return []
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.organisation_id == actor.organisation_id)
            .options(selectinload(ApiToken.created_by))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_api_token(session: SessionLike, token_id: int, *, actor: User) -> ApiToken:
    """Revoke one of the actor's organisation's tokens; others' tokens are simply not found."""
    token = session.scalar(
        select(ApiToken).where(
            ApiToken.id == token_id, ApiToken.organisation_id == actor.organisation_id
        )
    )
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def token_stopped(token: ApiToken) -> bool:
    """Whether a token stopped working because its creator no longer holds the right to make it.

    A token carries the authority of the organisation admin who created it. When that person is
    deactivated, deleted, moved out of the organisation or is no longer one of its admins, their
    tokens are refused, so nobody keeps API access through a departed colleague; another admin
    rotates them (a new secret under the same name, created by that admin).
    """
    creator = token.created_by
    return (
        creator is None
        or not creator.is_active
        or creator.organisation_id != token.organisation_id
        or not creator.is_org_admin
    )


def authenticate_api_token(session: SessionLike, secret: str) -> ApiToken | None:
    """Return the live token matching `secret`, recording its use, or None.

    Revoked tokens, and tokens whose creator lost access (`token_stopped`), are not live.
    """
    if not secret.startswith(API_TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(secret)))
    if token is None or token.revoked_at is not None or token_stopped(token):
        return None
    token.last_used_at = utcnow()
    return token


def rotate_api_token(session: SessionLike, token_id: int, *, actor: User) -> tuple[ApiToken, str]:
    """Replace a token by a new one of the same name created by the actor; revoke the old one.

    The new secret is returned only now. Others' organisations' tokens are simply not found.
    """
    old = session.scalar(
        select(ApiToken).where(
            ApiToken.id == token_id, ApiToken.organisation_id == actor.organisation_id
        )
    )
    if old is None:
        raise NotFound()
    if old.revoked_at is not None:
        raise Conflict(str(_l("A revoked token cannot be rotated; create a new one.")))
    revoke_api_token(session, token_id, actor=actor)
    return create_api_token(session, name=old.name, actor=actor)
