"""The rate limits of the sign-in pages: their figures, keys and when a request counts.

Flask-Limiter runs these before the view (and before the route policy), so a key is read from
the raw request: the e-mail a login or reset names, or the signed-in account.
"""

from __future__ import annotations

import hashlib

from flask import Response, current_app, request
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from marketplace.auth import services
from marketplace.extensions import client_network


def login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def account_limit() -> str:
    return str(current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"])


def account_key() -> str:
    """The account a login names: guesses at one password from many addresses add up here."""
    return "account:" + services.normalise_email(request.form.get("email", ""))[:254]


#: The cookie a browser gets when it signs in: it lets that browser past the per-account limit
#: (OWASP's "device cookies"), so guessing an account's password from elsewhere cannot lock its
#: owner out. It holds a digest of the e-mail, never the address itself.
DEVICE_COOKIE = "kesher_device"
DEVICE_MAX_AGE = 180 * 24 * 3600


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kesher.device")


def _account_digest(email: str) -> str:
    return hashlib.sha256(services.normalise_email(email).encode()).hexdigest()[:32]


def device_token(email: str) -> str:
    """The device cookie's value for a browser that just signed in to `email`'s account."""
    return _device_serializer().dumps(_account_digest(email))


def known_device() -> bool:
    """Whether this browser signed in before to the account the login names."""
    token = request.cookies.get(DEVICE_COOKIE)
    if not token:
        return False
    try:
        digest = _device_serializer().loads(token, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return False
    return bool(digest == _account_digest(request.form.get("email", "")[:254]))


def refused(response: Response) -> bool:
    return response.status_code == 401


def password_owner() -> str:
    """The signed-in account whose current password is being checked (the limiter runs before
    the policy, so a visitor not signed in counts by address)."""
    return f"password:{getattr(current_user, 'id', None) or client_network()}"


def not_changed(response: Response) -> bool:
    return response.status_code == 400


def confirmation_sender() -> str:
    """The signed-in account asking for its confirmation link again (by address before the
    policy has run for a visitor not signed in)."""
    return f"confirm-mail:{getattr(current_user, 'id', None) or client_network()}"
