"""Co-managers through the web: the owner invites by e-mail, the invited owner accepts or not."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from marketplace.auth.models import User
from marketplace.catalog.models import Community, CommunityManager, CommunityManagerInvitation
from marketplace.extensions import db
from marketplace.outbox import OutboundEmail
from tests.factories import make_listing


def _listing(app: Flask, owner: Any) -> int:
    with app.app_context():
        listing = make_listing(db.session, db.session.get_one(User, owner.id))
        db.session.commit()
        return int(listing.community.id)


def _answer(response: Any, email: str) -> tuple[Any, ...]:
    return (response.status_code, response.headers.get("Location"))


def _managers(app: Flask, community_id: int) -> list[int]:
    with app.app_context():
        rows = select(CommunityManager.user_id).where(CommunityManager.community_id == community_id)
        return list(db.session.scalars(rows))


def test_the_owner_s_answer_tells_nothing_of_the_account_and_adds_no_one(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="en")
    dana = make_user("owner", email="dana@example.com", locale="en")
    community_id = _listing(app, owner)
    auth.login(owner.email)
    url = f"/catalog/{community_id}/managers"
    pages = []
    for email in ("dana@example.com", "nobody@example.com"):
        response = client.post(url, data={"email": email})
        assert _answer(response, email) == (302, f"/catalog/{community_id}")
        page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
        pages.append(re.sub(r'value="[^"]*"', "", page.replace(email, "EMAIL")))
    assert pages[0] == pages[1]
    assert "invited to co-manage" in pages[0]
    assert dana.display_name not in pages[0]
    assert _managers(app, community_id) == []  # not before Dana accepts
    with app.app_context():
        mails = db.session.scalars(select(OutboundEmail)).all()
        assert [m.to_address for m in mails] == ["dana@example.com"]  # no mail to a stranger
        assert "/catalog/co-manage" in mails[0].body
        assert mails[0].subject == "You are invited to co-manage a listing on Kesher"


def test_the_invited_owner_accepts_then_leaves(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="en")
    dana = make_user("owner", email="dana@example.com", locale="en")
    intruder = make_user("owner", locale="en")
    community_id = _listing(app, owner)
    auth.login(owner.email)
    client.post(f"/catalog/{community_id}/managers", data={"email": "Dana@example.com"})
    auth.logout()
    with app.app_context():
        invitation_id = db.session.scalars(select(CommunityManagerInvitation.id)).one()
    # Someone else cannot take Dana's invitation.
    auth.login(intruder.email)
    assert client.get("/catalog/co-manage").status_code == 200
    taken = client.post(f"/catalog/co-manage/{invitation_id}", data={"accept": "Accept"})
    assert taken.status_code == 404
    auth.logout()
    auth.login(dana.email)
    assert "TLV Runners" in client.get("/catalog/co-manage").get_data(as_text=True)  # Dana reads en
    accepted = client.post(f"/catalog/co-manage/{invitation_id}", data={"accept": "Accept"})
    assert accepted.status_code == 302
    assert accepted.headers["Location"] == f"/catalog/{community_id}"
    assert _managers(app, community_id) == [dana.id]
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert f"/catalog/{community_id}/managers/leave" in page
    left = client.post(f"/catalog/{community_id}/managers/leave")
    assert left.status_code == 302
    assert _managers(app, community_id) == []
    # Once gone, the listing is no longer Dana's to leave or manage.
    assert client.post(f"/catalog/{community_id}/managers/leave").status_code in (403, 404)


def test_a_declined_invitation_is_gone_and_adds_no_one(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="en")
    dana = make_user("owner", email="dana@example.com", locale="en")
    community_id = _listing(app, owner)
    auth.login(owner.email)
    client.post(f"/catalog/{community_id}/managers", data={"email": dana.email})
    auth.logout()
    auth.login(dana.email)
    with app.app_context():
        invitation_id = db.session.scalars(select(CommunityManagerInvitation.id)).one()
    declined = client.post(f"/catalog/co-manage/{invitation_id}", data={"decline": "Decline"})
    assert declined.headers["Location"] == "/catalog/co-manage"
    assert _managers(app, community_id) == []
    with app.app_context():
        assert db.session.scalars(select(CommunityManagerInvitation)).all() == []


@pytest.mark.parametrize(
    ("locale", "name_en", "shown", "not_shown"),
    [
        ("he", "TLV Runners", "רצים בתל אביב", "TLV Runners"),
        ("en", "TLV Runners", "TLV Runners", "רצים בתל אביב"),
        ("en", "", "רצים בתל אביב", "TLV Runners"),  # no English name: the Hebrew one
    ],
)
def test_the_invitation_names_the_listing_in_the_reader_s_language(
    app: Flask,
    client: Any,
    auth: Any,
    make_user: Any,
    locale: str,
    name_en: str,
    shown: str,
    not_shown: str,
) -> None:
    """The page and the mail of the invited owner name the listing as the catalogue does: in
    their language, else the other one."""
    owner = make_user("owner", locale="he")
    dana = make_user("owner", email="dana@example.com", locale=locale)
    community_id = _listing(app, owner)
    with app.app_context():
        db.session.get_one(Community, community_id).name_en = name_en
        db.session.commit()
    auth.login(owner.email)
    client.post(f"/catalog/{community_id}/managers", data={"email": dana.email})
    auth.logout()
    with app.app_context():
        mail = db.session.scalars(select(OutboundEmail)).one()
    assert shown in mail.body
    assert not_shown not in mail.body
    auth.login(dana.email)
    page = client.get("/catalog/co-manage").get_data(as_text=True)
    assert f"<bdi>{shown}" in page
    assert not_shown not in page
