"""No redirect leaves the site: every target taken from a request goes through one check."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.conftest import DEMO_PASSWORD
from tests.http.test_matching import World, world  # noqa: F401  (the fixture)
from tests.http.test_security import EVIL_TARGETS

ROOT = Path(__file__).resolve().parents[2]
#: Calls whose result is a path on this site whatever their arguments.
#: ``provider_page`` passes on an address the payment provider's API returned for the account
#: (Stripe's onboarding), never one from the request.
SAFE_BUILDERS = {"url_for", "dashboard_url", "safe_redirect_target", "provider_page"}


def _called_name(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def unchecked_parts(target: ast.expr) -> list[str]:
    """The parts of a redirect target that are neither a safe builder's call nor a constant."""
    if isinstance(target, ast.Call) and _called_name(target) in SAFE_BUILDERS:
        return []
    if isinstance(target, ast.Constant):
        return []
    if isinstance(target, ast.BoolOp):
        return [p for value in target.values for p in unchecked_parts(value)]
    if isinstance(target, ast.BinOp):
        return unchecked_parts(target.left) + unchecked_parts(target.right)
    if isinstance(target, ast.JoinedStr) and target.values:
        return unchecked_parts(target.values[0]) if isinstance(target.values[0], ast.expr) else []
    return [ast.unparse(target)]


def redirect_targets() -> list[tuple[str, ast.expr]]:
    found = []
    for path in sorted((ROOT / "marketplace").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _called_name(node) == "redirect" and node.args:
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.args[0]))
    return found


def test_every_redirect_target_is_built_here_or_checked() -> None:
    targets = redirect_targets()
    assert len(targets) > 20, "the scan found too few redirects to be looking in the right place"
    unchecked = [
        f"{where}: {part}" for where, target in targets for part in unchecked_parts(target)
    ]
    assert unchecked == [], "redirect to a value from the request without safe_redirect_target"


def test_the_scan_flags_a_target_from_the_request() -> None:
    source = 'redirect(request.form.get("back") or url_for(".x"))'
    call = ast.parse(source).body[0].value  # type: ignore[attr-defined]
    assert unchecked_parts(call.args[0]) == ["request.form.get('back')"]
    checked = 'redirect(safe_redirect_target(request.form.get("back")) or url_for(".x"))'
    call = ast.parse(checked).body[0].value  # type: ignore[attr-defined]
    assert unchecked_parts(call.args[0]) == []


def stays_here(response: Any) -> bool:
    location = response.headers.get("Location", "")
    parts = urlsplit(location)
    return not parts.netloc and not parts.scheme and "\\" not in location


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_the_shortlist_form_never_sends_the_browser_elsewhere(
    client: Any,
    auth: Any,
    world: World,  # noqa: F811
    target: str,
) -> None:
    auth.login(world.staff.email)
    response = client.post(
        f"/briefs/{world.brief_id}/shortlist",
        data={"community_id": world.communities[0], "back": target},
    )
    assert response.status_code == 302
    assert stays_here(response), response.headers["Location"]
    assert response.headers["Location"] == f"/briefs/{world.brief_id}/shortlist"


def test_the_shortlist_form_still_returns_to_the_matches(
    client: Any,
    auth: Any,
    world: World,  # noqa: F811
) -> None:
    auth.login(world.staff.email)
    back = f"/briefs/{world.brief_id}/matches#community-{world.communities[0]}"
    response = client.post(
        f"/briefs/{world.brief_id}/shortlist",
        data={"community_id": world.communities[0], "back": back},
    )
    assert response.headers["Location"] == back


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_login_and_language_never_send_the_browser_elsewhere(
    app: Flask, client: Any, make_user: Any, target: str
) -> None:
    from tests.conftest import DEMO_PASSWORD

    user = make_user("staff")
    login = client.post(
        "/auth/login", data={"email": user.email, "password": DEMO_PASSWORD, "next": target}
    )
    assert login.status_code == 302
    assert stays_here(login), login.headers["Location"]
    language = client.post("/auth/language", data={"lang": "en", "next": target})
    assert language.status_code == 302
    assert stays_here(language), language.headers["Location"]


def test_a_trailing_slash_reaches_the_route_written_without_it(app: Any, make_user: Any) -> None:
    """`/admin/users/` was a 404 while `/admin/users` worked: now every such route answers 308
    to its own path (query kept), and a path no route has stays a 404 (never an open redirect)."""
    admin = make_user("admin")
    client = app.test_client()
    client.post("/auth/login", data={"email": admin.email, "password": DEMO_PASSWORD})
    moved = client.get("/admin/users/?q=x&_scheme=http")
    assert moved.status_code == 308
    assert moved.headers["Location"] == "/admin/users?q=x&_scheme=http"
    assert client.get("/admin/users/", follow_redirects=True).status_code == 200
    assert client.post("/admin/users/new/", data={}).status_code == 308  # the method is kept
    for path in ("//evil.example/", "/no/such/page/", "/admin/users//x/", "/\\evil.example/"):
        refused = client.get(path)
        assert refused.status_code in (400, 404), path  # //host is a Host the site refuses
        assert "Location" not in refused.headers
    listed = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if not rule.arguments and "GET" in rule.methods and not rule.rule.endswith("/")
    ]
    assert len(listed) > 20
    for path in listed:
        response = client.get(path + "/")
        assert response.status_code == 308, path
        assert response.headers["Location"] == path
