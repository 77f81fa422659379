"""The JSON API skeleton: organisation tokens and the OpenAPI document."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from openapi_spec_validator import validate

from marketplace.auth import services
from marketplace.auth.models import User
from marketplace.extensions import db


def token_for(app: Flask, user: Any, name: str = "CRM") -> str:
    with app.app_context():
        _token, secret = services.create_api_token(
            db.session, name=name, actor=db.session.get(User, user.id)
        )
        db.session.commit()
        return secret


def test_the_openapi_document_is_valid_and_lists_every_api_route(app: Flask, client: Any) -> None:
    document = client.get("/api/v1/openapi.json").json
    validate(document)
    api_paths = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
    }
    assert api_paths == set(document["paths"])


def test_a_token_identifies_its_organisation(app: Flask, client: Any, make_user: Any) -> None:
    alice = make_user("brand")
    make_user("brand")
    secret = token_for(app, alice)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.json == {
        "organisation": {"id": alice.organisation_id, "name": alice.organisation.name},
        "token": {"name": "CRM", "prefix": secret[:10]},
    }
    assert "Set-Cookie" not in response.headers


def test_missing_wrong_and_revoked_tokens_get_401_with_a_stable_code(
    app: Flask, client: Any, make_user: Any
) -> None:
    alice = make_user("brand")
    secret = token_for(app, alice)
    for headers in (
        {},
        {"Authorization": "Bearer ksr_wrong"},
        {"Authorization": f"Basic {secret}"},
    ):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.json["error"]["code"] == "invalid_token"
    with app.app_context():
        token = services.authenticate_api_token(db.session, secret)
        services.revoke_api_token(db.session, token.id, actor=db.session.get(User, alice.id))
        db.session.commit()
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )


def test_unknown_api_paths_answer_json(client: Any) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_an_org_admin_creates_and_revokes_tokens_on_the_web(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    alice = make_user("brand")
    auth.login(alice.email)
    page = client.post("/brand/api-tokens", data={"name": "Zapier"}).get_data(as_text=True)
    secret = re.search(r"ksr_[\w-]+", page).group(0)
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )
    with app.app_context():
        token_id = services.authenticate_api_token(db.session, secret).id
        db.session.commit()
    assert client.post(f"/brand/api-tokens/{token_id}/revoke").status_code == 302
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )
    # The secret is shown once only.
    assert secret not in client.get("/brand/api-tokens").get_data(as_text=True)


def test_a_brand_cannot_revoke_or_see_another_brands_tokens(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    alice, bob = make_user("brand"), make_user("brand")
    secret = token_for(app, alice, name="Alice secret CRM")
    with app.app_context():
        token_id = services.authenticate_api_token(db.session, secret).id
        db.session.commit()
    auth.login(bob.email)
    assert "Alice secret CRM" not in client.get("/brand/api-tokens").get_data(as_text=True)
    assert client.post(f"/brand/api-tokens/{token_id}/revoke").status_code == 404
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )


def test_a_brand_sees_only_its_own_team(client: Any, auth: Any, make_user: Any) -> None:
    alice, bob = make_user("brand"), make_user("brand")
    auth.login(bob.email)
    team = client.get("/brand/team").get_data(as_text=True)
    assert bob.email in team
    assert alice.email not in team


def test_a_token_is_rate_limited_and_so_is_guessing_tokens(
    app_factory: Any, make_user: Any
) -> None:
    # A token (or a leaked one) could otherwise run the ranking or the search without end, and
    # one address could try tokens without end.
    app = app_factory(
        RATELIMIT_ENABLED=True, API_RATE_LIMIT="4 per minute", API_AUTH_FAILURE_LIMIT="3 per minute"
    )
    brand = make_user("brand")
    secret = token_for(app, brand)
    other = token_for(app, make_user("brand"), name="other")
    client = app.test_client()

    def me(token: str, address: str = "192.0.2.1") -> int:
        return client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {token}"},
            environ_base={"REMOTE_ADDR": address},
        ).status_code  # fmt: skip

    assert [me(secret) for _ in range(5)] == [200] * 4 + [429]
    assert me(other) == 200  # another token has its own count
    assert [me(f"kesher_guess{n}", "192.0.2.7") for n in range(4)] == [401] * 3 + [429]
    assert me(other, "192.0.2.7") == 429  # the guessing address waits, whatever it sends
    assert me(other, "192.0.2.8") == 200
