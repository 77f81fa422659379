"""A sign-up confirms its e-mail before anything it does reaches other people or money.

Anyone may open a brand or owner account with any address. Until the link mailed at sign-up
is followed, the account may read, keep drafts and manage itself; every other write answers
403 `email_not_confirmed` (the policy table's `unverified` flag, deny by default, so a route
added later is covered without anyone remembering).
"""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace.auth import services
from marketplace.auth.models import ApiToken, Role, User
from marketplace.briefs.models import Brief, BriefStatus
from marketplace.catalog.models import Community, ListingStatus
from marketplace.extensions import db
from marketplace.health.models import HealthReport, PendingHealthUpload
from marketplace.outbox import OutboundEmail
from marketplace.policy import POLICY, READ_METHODS
from tests.factories import add_co_manager
from tests.http.test_auth import SIGNUP, sign_up
from tests.http.test_route_policy import routes
from tests.http.test_security import PUBLIC, latest_mail_body, links

OWNER_SIGNUP = {**SIGNUP, "account_type": "owner", "organisation_name": "",
                "email": "dana@example.com"}  # fmt: skip


def _sign_up(app: Flask, data: dict[str, str] = SIGNUP) -> Any:
    client = app.test_client()
    assert sign_up(client, data).status_code == 302
    return client


def _user(app: Flask, email: str) -> User:
    with app.app_context():
        user = services.get_user_by_email(db.session, email)
        assert user is not None
        db.session.expunge(user)
        return user


def _verify_path(app: Flask) -> str:
    """The newest confirmation link mailed (other mails, an invitation say, may come after)."""
    with app.app_context():
        bodies = db.session.scalars(
            select(OutboundEmail.body).order_by(OutboundEmail.id.desc())
        ).all()
    for body in bodies:
        found = [link for link in links(body) if "/auth/verify/" in link]
        if found:
            [link] = found
            return "/auth/verify/" + link.rsplit("/", 1)[1]
    raise AssertionError("no confirmation link was mailed")


def test_a_sign_up_starts_unconfirmed_and_its_mailed_link_confirms_it(
    app_factory: Any,
) -> None:
    app = app_factory(PUBLIC_BASE_URL=PUBLIC, TRUSTED_HOSTS=["evil.example", "localhost"])
    client = app.test_client()
    response = client.post("/auth/signup", data=SIGNUP, headers={"Host": "evil.example"})
    assert response.status_code == 302
    assert not _user(app, SIGNUP["email"]).email_verified
    found = [link for link in links(latest_mail_body(app)) if "/auth/verify/" in link]
    assert found
    assert all(link.startswith(f"{PUBLIC}/auth/verify/") for link in found)
    path = _verify_path(app)
    confirmed = app.test_client().get(path)  # another device, not signed in: the mailbox proves it
    assert confirmed.status_code == 302
    assert "/auth/verify/" not in confirmed.headers["Location"]  # the token leaves the URL
    assert _user(app, SIGNUP["email"]).email_verified
    assert app.test_client().get(path).status_code == 302  # opened twice: nothing breaks


@pytest.mark.parametrize("kind", ["forged", "reset", "expired"])
def test_a_forged_expired_or_foreign_token_confirms_nothing(
    app: Flask, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sign_up(app)
    with app.app_context():
        user = services.get_user_by_email(db.session, SIGNUP["email"])
        assert user is not None
        if kind == "forged":
            token = services.make_email_verification_token(user)[:-2] + "AA"
        elif kind == "reset":  # a token signed for another purpose
            token = services.make_password_reset_token(user)
        else:
            week_ago = time.time() - app.config["EMAIL_VERIFICATION_MAX_AGE"] - 10
            monkeypatch.setattr(time, "time", lambda: week_ago)
            token = services.make_email_verification_token(user)
            monkeypatch.undo()
    response = app.test_client().get(f"/auth/verify/{token}")
    assert response.status_code == 400
    assert not _user(app, SIGNUP["email"]).email_verified


@pytest.mark.parametrize("data", [SIGNUP, OWNER_SIGNUP], ids=["brand", "owner"])
def test_an_unconfirmed_account_writes_only_where_the_table_allows(
    app: Flask, data: dict[str, str]
) -> None:
    client = _sign_up(app, data)
    role = Role(data["account_type"])
    refused, allowed = [], []
    for rule, method in routes(app):
        policy = POLICY[rule.endpoint]
        if method in READ_METHODS or policy.anonymous or policy.api_token:
            continue
        if role not in policy.roles or rule.endpoint == "auth.logout":  # stay signed in
            continue
        url = rule.build(dict.fromkeys(rule.arguments, 1))[1]
        response = client.open(url, method=method, data={}, headers={"Accept": "application/json"})
        unconfirmed = response.status_code == 403 and (
            (response.get_json(silent=True) or {}).get("error", {}).get("code")
            == "email_not_confirmed"
        )
        if policy.unverified:
            allowed.append((url, response.status_code))
            assert not unconfirmed, f"{method} {url} is a draft route, yet refused"
        else:
            refused.append(url)
            assert unconfirmed, f"{method} {url} -> {response.status_code} for {role}"
    assert refused
    assert allowed
    # Reading still works everywhere the role may read.
    assert client.get("/brand/" if role is Role.BRAND else "/community/").status_code == 200


def test_an_unconfirmed_brand_keeps_a_draft_but_submits_it_only_once_confirmed(
    app: Flask,
) -> None:
    client = _sign_up(app)
    brief = {"goal": "awareness", "title": "First", "topics": "fitness",
             "budget": "5000", "currency": "ILS"}  # fmt: skip
    assert client.post("/briefs/new", data=brief).status_code == 302
    with app.app_context():
        saved = db.session.scalars(select(Brief)).one()
        brief_id = saved.id
    refused = client.post(f"/briefs/{brief_id}/submit", data={})
    assert refused.status_code == 403
    assert client.post("/brand/api-tokens", data={"name": "ci"}).status_code == 403
    with app.app_context():
        assert db.session.get(Brief, brief_id).status is BriefStatus.DRAFT
        assert db.session.scalars(select(ApiToken)).all() == []
    assert client.get(_verify_path(app)).status_code == 302
    assert client.post(f"/briefs/{brief_id}/submit", data={}).status_code == 302
    with app.app_context():
        assert db.session.get(Brief, brief_id).status is BriefStatus.SUBMITTED


def test_the_account_page_sends_the_link_again(app: Flask) -> None:
    client = _sign_up(app)
    first = _verify_path(app)
    page = client.get("/auth/account").get_data(as_text=True)
    assert "/auth/account/verify" in page
    assert client.post("/auth/account/verify").status_code == 302
    again = _verify_path(app)
    assert client.get(again).status_code == 302
    assert client.get(first).status_code == 302  # both links were good
    assert "/auth/account/verify" not in client.get("/auth/account").get_data(as_text=True)


def test_accounts_made_by_an_admin_or_an_invitation_start_confirmed(
    app: Flask, make_user: Any
) -> None:
    staff = make_user("staff")
    assert _user(app, staff.email).email_verified


def test_the_draft_forms_own_submit_button_waits_for_the_confirmed_e_mail_too(
    app: Flask,
) -> None:
    # /briefs/new is a draft route, but its form also has "Submit brief": the service refuses.
    from tests.http.test_briefs import form

    client = _sign_up(app)
    refused = client.post("/briefs/new", data=form(save_draft=None, submit_brief="Submit brief"))
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.scalars(select(Brief)).all() == []  # nothing kept behind its back
    assert client.get(_verify_path(app)).status_code == 302
    done = client.post("/briefs/new", data=form(save_draft=None, submit_brief="Submit brief"))
    assert done.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Brief)).one().status is BriefStatus.SUBMITTED


def test_an_unconfirmed_owner_cannot_put_a_listing_up_for_review_by_any_route(
    app: Flask, make_user: Any
) -> None:
    from marketplace.catalog import services as catalog
    from marketplace.catalog.models import ListingStatus
    from marketplace.errors import EmailNotConfirmed
    from tests.factories import make_listing

    _sign_up(app, OWNER_SIGNUP)
    with app.app_context():
        owner = services.get_user_by_email(db.session, OWNER_SIGNUP["email"])
        listing = make_listing(db.session, owner)
        with pytest.raises(EmailNotConfirmed):
            catalog.change_status(
                db.session, listing.community, ListingStatus.SUBMITTED, actor=owner
            )


def test_asking_for_the_link_again_is_rate_limited_apart_from_passwords(
    app_factory: Any,
) -> None:
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_ACCOUNT_RATE_LIMIT="2 per hour")
    client = _sign_up(app)
    statuses = [client.post("/auth/account/verify").status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    # The password form keeps its own count: a wrong current password is a 400, not a 429.
    wrong = {"current": "not the password", "password": "another passphrase!",
             "confirm": "another passphrase!"}  # fmt: skip
    assert client.post("/auth/account/password", data=wrong).status_code == 400


def test_a_password_reset_by_mail_confirms_the_e_mail_too(app: Flask) -> None:
    # The reset link was read in the mailbox: that is the proof the confirmation link asks for
    # (and how the mailbox's owner takes back an account someone opened in their name).
    _sign_up(app)
    client = app.test_client()
    assert client.post("/auth/forgot", data={"email": SIGNUP["email"]}).status_code == 302
    [link] = [link for link in links(latest_mail_body(app)) if "/auth/reset/" in link]
    new = "a brand new passphrase"
    path = "/auth/reset/" + link.rsplit("/", 1)[1]
    assert client.post(path, data={"password": new, "confirm": new}).status_code == 302
    assert _user(app, SIGNUP["email"]).email_verified


def test_a_development_server_without_mail_shows_the_reader_their_own_link(
    app_factory: Any,
) -> None:
    import re

    app = app_factory(ENV_NAME="development")
    client = _sign_up(app)
    page = client.get("/brand/").get_data(as_text=True)
    [path] = re.findall(r'href="(/auth/verify/[^"]+)"', page)
    assert "שרת הפיתוח הזה לא שולח דואר" in page
    assert client.get(path).status_code == 302
    assert _user(app, SIGNUP["email"]).email_verified
    assert "/auth/verify/" not in client.get("/brand/").get_data(as_text=True)


MAILING = {"ENV_NAME": "development", "SMTP_HOST": "127.0.0.1"}


@pytest.mark.parametrize("config", [{"ENV_NAME": "testing"}, MAILING])
def test_a_server_that_mails_or_is_not_for_development_never_shows_the_link(
    app_factory: Any, config: dict[str, str]
) -> None:
    app = app_factory(**config)
    page = _sign_up(app).get("/brand/").get_data(as_text=True)
    assert SIGNUP["email"] in page  # the banner is there, asking
    assert "/auth/verify/" not in page


def _co_manager_of_a_live_listing(app: Flask, make_user: Any) -> tuple[Any, int, int]:
    """An unconfirmed sign-up, signed in, added as co-manager of a listing someone else put
    live: (its client, the community's id, its channel's id)."""
    from tests.http.test_catalog import listed

    client = _sign_up(app, OWNER_SIGNUP)
    owner, community_id = listed(app, make_user)
    with app.app_context():
        community = db.session.get_one(Community, community_id)
        add_co_manager(
            db.session, community, email=OWNER_SIGNUP["email"],
            actor=db.session.get_one(User, owner.id),
        )  # fmt: skip
        db.session.commit()
        return client, community_id, community.assets[0].id


def _refused_unconfirmed(response: Any) -> bool:
    body = response.get_json(silent=True) or {}
    return response.status_code == 403 and body.get("error", {}).get("code") == (
        "email_not_confirmed"
    )


def _listing_state(app: Flask, community_id: int) -> tuple[Any, ...]:
    with app.app_context():
        community = db.session.get_one(Community, community_id)
        return (
            community.status,
            community.description,
            community.city,
            sorted((a.url, a.size, tuple((r.placement, r.amount_minor) for r in a.rates))
                   for a in community.assets),
            sorted((s.dimension, s.bucket, s.share_bp) for s in community.audience),
            db.session.scalar(select(func.count()).select_from(PendingHealthUpload)),
        )  # fmt: skip


JSON = {"Accept": "application/json"}


def test_an_unconfirmed_co_manager_cannot_change_a_live_listing_by_any_route(
    app: Flask, make_user: Any
) -> None:
    from tests.http.test_health_upload import HEBREW_CHAT
    from tests.http.test_listing_rules import the_form_as_a_browser_sends_it

    client, community_id, asset_id = _co_manager_of_a_live_listing(app, make_user)
    before = _listing_state(app, community_id)
    asset_form = {"platform": "whatsapp_group", "url": "https://chat.whatsapp.com/Other01",
                  "size": "900", "interaction_mode": "many_to_many", "currency": "ILS",
                  "rate_post": "1"}  # fmt: skip
    writes = {
        f"/catalog/{community_id}/edit": the_form_as_a_browser_sends_it(city="יפו"),
        f"/catalog/{community_id}/assets/new": asset_form,
        f"/catalog/assets/{asset_id}/edit": {
            **asset_form,
            "url": "https://chat.whatsapp.com/Runners1x",
            "size": "640",
        },
        f"/catalog/assets/{asset_id}/delete": {},
        f"/catalog/{community_id}/audience": {"gender-female": "10", "gender-male": "90"},
        f"/catalog/assets/{asset_id}/health": {
            "file": (io.BytesIO(HEBREW_CHAT.read_bytes()), HEBREW_CHAT.name)
        },
    }
    for url, data in writes.items():
        response = client.post(url, data=data, headers=JSON)
        assert _refused_unconfirmed(response), f"{url} -> {response.status_code}"
    assert _listing_state(app, community_id) == before
    # Reading the live listing (and its edit form) still works.
    assert client.get(f"/catalog/{community_id}/edit").status_code == 200
    # Its own draft stays the account's to edit.
    draft = client.post(
        "/catalog/new",
        data={"name_he": "סורגות", "description": "מפגשי סריגה", "topics": ["culture"],
              "languages": ["he"], "region": "jerusalem", "audience_kind": "b2c",
              "admission": "open", "monetisation_experience": "none"},
    )  # fmt: skip
    assert draft.status_code == 302
    channel = client.post(draft.headers["Location"], data=asset_form)  # .../assets/new
    assert channel.status_code == 302
    # Once the mailed link is followed, the co-manager edits the live listing like the owner.
    assert client.get(_verify_path(app)).status_code == 302
    saved = client.post(
        f"/catalog/{community_id}/edit", data=the_form_as_a_browser_sends_it(city="יפו")
    )
    assert saved.status_code == 302
    assert _listing_state(app, community_id)[2] == "יפו"


def test_an_upload_made_on_a_draft_is_not_confirmed_onto_a_listing_gone_live(
    app: Flask, make_user: Any
) -> None:
    from marketplace.catalog import services as catalog
    from tests.factories import make_listing
    from tests.http.test_health_upload import HEBREW_CHAT, upload

    client = _sign_up(app, OWNER_SIGNUP)
    owner, staff = make_user("owner"), make_user("staff")
    with app.app_context():
        listing = make_listing(db.session, db.session.get_one(User, owner.id))
        add_co_manager(db.session, listing.community, email=OWNER_SIGNUP["email"],
                            actor=db.session.get_one(User, owner.id))  # fmt: skip
        db.session.commit()
        community_id, asset_id = listing.community.id, listing.asset.id
    previewed = upload(client, asset_id, HEBREW_CHAT)  # a draft: the co-manager's to work on
    assert previewed.status_code == 302
    pending_id = int(previewed.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        community = db.session.get_one(Community, community_id)
        catalog.change_status(db.session, community, ListingStatus.SUBMITTED,
                              actor=db.session.get_one(User, owner.id))  # fmt: skip
        catalog.change_status(db.session, community, ListingStatus.LISTED,
                              actor=db.session.get_one(User, staff.id))  # fmt: skip
        db.session.commit()
    before = _listing_state(app, community_id)
    response = client.post(f"/catalog/health/{pending_id}/confirm", data={}, headers=JSON)
    assert _refused_unconfirmed(response)
    assert _listing_state(app, community_id) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HealthReport)) == 0
    # Discarding it only drops the account's own pending rows: allowed.
    assert client.post(f"/catalog/health/{pending_id}/discard", data={}).status_code == 302


def test_an_unconfirmed_brand_cannot_edit_a_brief_sent_back_for_changes(
    app: Flask, make_user: Any
) -> None:
    from tests.http.test_briefs import form

    client = _sign_up(app)
    me = _user(app, SIGNUP["email"])
    with app.app_context():
        from tests.factories import make_brief

        brief = make_brief(db.session, db.session.get_one(User, me.id), title="Sent")
        brief.status = BriefStatus.CHANGES_REQUESTED  # as the agency's request leaves it
        db.session.commit()
        brief_id = brief.id
    response = client.post(
        f"/briefs/{brief_id}/edit", data=form(title="Changed behind the agency"), headers=JSON
    )
    assert _refused_unconfirmed(response)
    with app.app_context():
        assert db.session.get_one(Brief, brief_id).title == "Sent"
