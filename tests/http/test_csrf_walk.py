"""Every state-changing route refuses a request without this session's CSRF token.

The exemptions are exactly the policy table's: API endpoints (a bearer token in a header, which
a forged form cannot send) and the signed webhook. Everything else - logout and the language
switch included - answers 400 "csrf_failed" to a POST/PUT/PATCH/DELETE that carries no token
or another session's token, as a user the table lets in (so the refusal is the token's).
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from marketplace.policy import POLICY
from tests.http.test_route_policy import (  # noqa: F401  (world: the fixture)
    World,
    routes,
    sample_url,
    sign_in,
    world,
)

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _principal(endpoint: str, state: World) -> str | None:
    """A principal the table lets use `endpoint` (None: anonymous)."""
    rule = POLICY[endpoint]
    if rule.anonymous:
        return None
    for name in ("admin", "brand_admin", "owner", "staff", "finance"):
        user = state.users[name]
        if user.role in rule.roles and (not rule.org_admin or user.is_org_admin):
            return name
    raise AssertionError(f"no principal may use {endpoint}")


def _token_of(client: Any) -> str:
    page = client.get("/auth/account").get_data(as_text=True)
    return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def test_every_write_without_or_with_a_foreign_csrf_token_is_refused(
    app_factory: Any,
    world: World,  # noqa: F811
) -> None:
    app: Flask = app_factory(WTF_CSRF_ENABLED=True)
    # A token minted for another browser's session (the attacker's own account).
    other = app.test_client()
    sign_in(app, other, world.users["finance"])
    foreign = _token_of(other)
    checked, exempt = [], set()
    for rule, method in routes(app):
        if method not in WRITES:
            continue
        policy = POLICY[rule.endpoint]
        if policy.api_token or policy.signed_body:
            exempt.add(rule.endpoint)
            continue
        client = app.test_client()
        principal = _principal(rule.endpoint, world)
        if principal is not None:
            sign_in(app, client, world.users[principal])
        url = sample_url(rule, world)
        for data in ({}, {"csrf_token": foreign}):
            response = client.open(
                url, method=method, data=data, headers={"Accept": "application/json"}
            )
            where = f"{method} {url} as {principal} with {sorted(data)}"
            assert response.status_code == 400, where
            assert response.json["error"]["code"] == "csrf_failed", where
        checked.append(rule.endpoint)
    assert len(checked) > 80, len(checked)
    assert "auth.logout" in checked
    assert "auth.set_language" in checked
    # The only writes a cross-site form could reach without a token: none of them use cookies.
    assert exempt == {"payments.webhook", "api.create_brief", "api.update_brief",
                      "api.submit_brief"}  # fmt: skip
