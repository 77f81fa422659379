"""An organisation's API token stops when its creator loses access; another admin rotates it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from marketplace.auth import services
from marketplace.auth.models import Organisation, User
from marketplace.extensions import db
from tests.http.test_api import token_for


def me(client: Any, secret: str) -> Any:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})


def change(app: Flask, user_id: int, edit: Callable[[User], None]) -> None:
    with app.app_context():
        edit(db.session.get_one(User, user_id))
        db.session.commit()


def deactivate(user: User) -> None:
    user.is_active = False


def leave_the_organisation(user: User) -> None:
    other = Organisation(name="Elsewhere")
    db.session.add(other)
    user.organisation = other


def stop_being_an_admin(user: User) -> None:
    user.is_org_admin = False


def delete(user: User) -> None:
    db.session.delete(user)


@pytest.mark.parametrize(
    "loss",
    [deactivate, leave_the_organisation, stop_being_an_admin, delete],
    ids=lambda f: f.__name__,
)
def test_a_token_is_refused_once_its_creator_loses_access(
    app: Flask, client: Any, make_user: Any, loss: Callable[[User], None]
) -> None:
    alice = make_user("brand")
    secret = token_for(app, alice)
    assert me(client, secret).status_code == 200
    change(app, alice.id, loss)
    response = me(client, secret)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_token"
    assert "rotate" in response.json["error"]["message"]


def test_another_admin_sees_the_stopped_token_and_rotates_it(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    alice = make_user("brand")
    carol = make_user("brand", organisation=alice.organisation, org_admin=True)
    secret = token_for(app, alice, name="Nightly CRM sync")
    change(app, alice.id, deactivate)
    auth.login(carol.email)
    page = client.get("/brand/api-tokens").get_data(as_text=True)
    assert "data-token-stopped" in page
    with app.app_context():
        token_id = services.org_api_tokens(db.session, db.session.get_one(User, carol.id))[0].id
    rotated = client.post(f"/brand/api-tokens/{token_id}/rotate")
    assert rotated.status_code == 200
    new_secret = re.search(r"ksr_[\w-]+", rotated.get_data(as_text=True)).group(0)
    assert new_secret != secret
    assert me(client, new_secret).json["token"]["name"] == "Nightly CRM sync"
    assert me(client, secret).status_code == 401
    page = client.get("/brand/api-tokens").get_data(as_text=True)
    assert "data-token-stopped" not in page  # the old one is revoked, the new one is live
    # A revoked token is not rotated again (a second secret for it would be a surprise).
    assert client.post(f"/brand/api-tokens/{token_id}/rotate").status_code == 409


def test_a_token_keeps_working_while_its_creator_keeps_access(
    app: Flask, client: Any, make_user: Any
) -> None:
    alice = make_user("brand")
    bob = make_user("brand", organisation=alice.organisation, org_admin=True)
    secret = token_for(app, alice)
    change(app, bob.id, deactivate)  # someone else leaving changes nothing
    assert me(client, secret).status_code == 200


def test_a_brand_cannot_rotate_another_organisations_token(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    alice, bob = make_user("brand"), make_user("brand")
    secret = token_for(app, alice)
    with app.app_context():
        token_id = services.authenticate_api_token(db.session, secret).id
        db.session.commit()
    auth.login(bob.email)
    assert client.post(f"/brand/api-tokens/{token_id}/rotate").status_code == 404
    assert me(client, secret).status_code == 200
