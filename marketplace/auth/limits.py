"""The rate limits of the sign-in pages: their figures, keys and when a request counts.

Flask-Limiter runs these before the view (and before the route policy), so a key is read from
the raw request: the e-mail a login or reset names, or the signed-in account.
"""

from __future__ import annotations

from flask import Response, current_app, request
from flask_login import current_user

from marketplace.auth import services
from marketplace.extensions import client_network


def login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def account_limit() -> str:
    return str(current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"])


def account_key() -> str:
    """The account a login names: guesses at one password from many addresses add up here."""
    return "account:" + services.normalise_email(request.form.get("email", ""))[:254]


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
