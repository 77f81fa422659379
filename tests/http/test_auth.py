"""Signing up, in and out, passwords and invitations through the web, bad input included."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace.auth.models import Invitation, LoginSession, Organisation, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.outbox import OutboundEmail
from tests.conftest import DEMO_PASSWORD

SIGNUP = {
    "account_type": "brand",
    "display_name": "מאיה ברק",
    "organisation_name": "שורשים מזון בריא",
    "email": "maya@example.com",
    "password": "a long enough passphrase",
    "confirm": "a long enough passphrase",
}


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def sign_up(client: Any, data: dict[str, str] = SIGNUP) -> Any:
    """Sign up, which answers "check your e-mail" and signs no one in; then log in."""
    response = client.post("/auth/signup", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    return client.post("/auth/login", data={"email": data["email"], "password": data["password"]})


def test_a_brand_signs_up_and_lands_on_the_brand_dashboard(app: Flask, client: Any) -> None:
    response = sign_up(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/brand/"
    page = client.get("/brand/").get_data(as_text=True)
    assert "שורשים מזון בריא" in page
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.is_org_admin
        assert user.role.value == "brand"


def test_a_community_owner_signs_up_without_an_organisation(app: Flask, client: Any) -> None:
    data = {**SIGNUP, "account_type": "owner", "organisation_name": ""}
    response = sign_up(client, data)
    assert response.headers["Location"] == "/community/"
    assert count(app, Organisation) == 0


def _shape(response: Any) -> tuple[Any, ...]:
    cookies = sorted(h.split("=", 1)[0] for h in response.headers.getlist("Set-Cookie"))
    return (response.status_code, response.headers.get("Location"), cookies,
            re.sub(r'value="[^"]*"', "", response.get_data(as_text=True)))  # fmt: skip


def test_a_sign_up_with_a_registered_e_mail_answers_as_a_new_one_and_mails_its_owner(
    app: Flask, make_user: Any
) -> None:
    make_user("owner", email="maya@example.com", locale="en")
    with app.app_context():
        mails_before = db.session.scalar(select(func.count()).select_from(OutboundEmail)) or 0
    taken, fresh = app.test_client(), app.test_client()
    answers = [
        taken.post("/auth/signup", data={**SIGNUP, "email": "MAYA@example.com"}),
        fresh.post("/auth/signup", data={**SIGNUP, "email": "noa@example.com"}),
    ]
    assert _shape(answers[0]) == _shape(answers[1])
    assert answers[0].headers["Location"] == "/auth/login"
    # The same message on the page that follows, and neither browser is signed in.
    pages = [c.get("/auth/login").get_data(as_text=True) for c in (taken, fresh)]
    assert "Check your e-mail" in pages[0] or "בדקו את הדוא״ל" in pages[0]
    assert re.sub(r'value="[^"]*"', "", pages[0]) == re.sub(r'value="[^"]*"', "", pages[1])
    assert taken.get("/brand/").status_code in (302, 401)
    assert count(app, User) == 2  # the owner and noa: no second maya
    assert count(app, Organisation) == 1  # noa's only
    with app.app_context():
        mails = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)).all()
        assert len(mails) == mails_before + 2  # the note to maya, the confirmation to noa
        note = next(m for m in mails if m.to_address == "maya@example.com")
        assert note.subject == "Someone tried to sign up to Kesher with your e-mail"  # in English
        assert "/auth/login" in note.body
        assert "/auth/forgot" in note.body
    # The real owner's password still opens the account; the attempted one does not.
    refused = app.test_client().post(
        "/auth/login", data={"email": "maya@example.com", "password": SIGNUP["password"]}
    )
    assert refused.status_code == 401


def test_sign_up_form_errors_name_each_field(app: Flask, client: Any) -> None:
    bad = {
        **SIGNUP,
        "email": "not-an-email",
        "password": "short",
        "confirm": "other",
        "organisation_name": "",
    }
    response = client.post("/auth/signup", data=bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for field in ("email", "password", "confirm", "organisation_name"):
        assert f'id="{field}-error"' in page, field
    assert count(app, User) == 0


def test_a_role_cannot_be_smuggled_into_sign_up(app: Flask, client: Any) -> None:
    response = client.post(
        "/auth/signup", data={**SIGNUP, "account_type": "admin", "role": "admin"}
    )
    assert response.status_code == 400
    assert count(app, User) == 0


def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: Any, auth: Any, make_user: Any
) -> None:
    user = make_user("owner")
    wrong = auth.login(user.email, "not the password")
    unknown = auth.login("nobody@example.com", DEMO_PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    message = "הדוא"  # both pages carry the same Hebrew message
    assert message in wrong.get_data(as_text=True)
    error = re.compile(r'id="password-error"[^>]*>([^<]+)<')
    assert error.search(wrong.get_data(as_text=True)).group(1) == error.search(
        unknown.get_data(as_text=True)
    ).group(1)
    assert client.get("/community/").status_code == 302


def test_each_role_lands_on_its_own_dashboard(client: Any, auth: Any, make_user: Any) -> None:
    landing = {
        "brand": "/brand/",
        "owner": "/community/",
        "staff": "/agency/",
        "finance": "/finance/",
        "admin": "/admin/",
    }
    for role, path in landing.items():
        user = make_user(role)
        response = auth.login(user.email)
        assert response.headers["Location"] == path, role
        assert client.get(path).status_code == 200
        auth.logout()


def test_login_follows_a_local_next_but_never_an_outside_one(client: Any, make_user: Any) -> None:
    user = make_user("staff")
    data = {"email": user.email, "password": DEMO_PASSWORD}
    response = client.post("/auth/login", data={**data, "next": "//evil.example/x"})
    assert response.headers["Location"] == "/agency/"
    client.post("/auth/logout")
    response = client.post("/auth/login", data={**data, "next": "/auth/account"})
    assert response.headers["Location"] == "/auth/account"


def test_logout_ends_the_session_even_for_a_replayed_cookie(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    user = make_user("staff")
    auth.login(user.email)
    stolen = client.get_cookie("session").value
    assert auth.logout().status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/agency/").status_code == 302


def move_last_seen(app: Flask, by: timedelta) -> None:
    with app.app_context():
        for login in db.session.scalars(select(LoginSession)):
            login.last_seen_at -= by
        db.session.commit()


def last_seen(app: Flask) -> Any:
    with app.app_context():
        return db.session.scalars(select(LoginSession.last_seen_at)).all()


def test_reading_pages_keeps_the_session_alive(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    """A visit is recorded although a read-only page rolls its own transaction back."""
    auth.login(make_user("staff").email)
    move_last_seen(app, timedelta(minutes=90))
    assert client.get("/agency/").status_code == 200
    (seen,) = last_seen(app)
    assert utcnow() - seen < timedelta(minutes=1)
    move_last_seen(app, timedelta(minutes=90))  # 90 + 90 > the 2 hours' idle timeout, had the
    assert client.get("/agency/").status_code == 200  # first visit been thrown away


def test_a_busy_browser_records_its_visit_at_most_once_a_minute(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    auth.login(make_user("staff").email)
    move_last_seen(app, timedelta(seconds=30))
    (before,) = last_seen(app)
    assert client.get("/agency/").status_code == 200
    assert last_seen(app) == [before]


def test_an_idle_session_ends_on_a_read_only_page(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    auth.login(make_user("staff").email)
    move_last_seen(app, timedelta(hours=3))
    assert client.get("/agency/").status_code == 302
    assert count(app, LoginSession) == 0


def test_a_busy_session_still_ends_twelve_hours_after_sign_in(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    # A stolen cookie kept in use would otherwise never expire: the idle timeout alone resets
    # on every visit.
    auth.login(make_user("staff").email)
    with app.app_context():
        for login in db.session.scalars(select(LoginSession)):
            login.created_at -= timedelta(hours=11, minutes=50)
        db.session.commit()
    assert client.get("/agency/").status_code == 200
    with app.app_context():
        for login in db.session.scalars(select(LoginSession)):
            login.created_at -= timedelta(minutes=20)
        db.session.commit()
    assert client.get("/agency/").status_code == 302
    assert count(app, LoginSession) == 0


def test_changing_the_password_logs_out_other_devices(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    user = make_user("finance")
    other_device = app.test_client()
    other_device.post("/auth/login", data={"email": user.email, "password": DEMO_PASSWORD})
    auth.login(user.email)
    response = client.post(
        "/auth/account/password",
        data={
            "current": DEMO_PASSWORD,
            "password": "a new long passphrase",
            "confirm": "a new long passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/finance/").status_code == 200  # this device continues
    assert other_device.get("/finance/").status_code == 302  # the other one is out


def test_a_wrong_current_password_changes_nothing(client: Any, auth: Any, make_user: Any) -> None:
    user = make_user("finance")
    auth.login(user.email)
    response = client.post(
        "/auth/account/password",
        data={
            "current": "wrong one",
            "password": "a new long passphrase",
            "confirm": "a new long passphrase",
        },
    )
    assert response.status_code == 400
    client.post("/auth/logout")
    assert auth.login(user.email).status_code == 302  # the old password still works


def reset_link(app: Flask) -> str:
    with app.app_context():
        body = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()
        return re.search(r"http://\S+/auth/reset/\S+", body.body).group(0)


def test_password_reset_by_e_mail_link(app: Flask, client: Any, auth: Any, make_user: Any) -> None:
    user = make_user("owner")
    response = client.post("/auth/forgot", data={"email": user.email})
    assert response.status_code == 302
    path = "/auth/reset/" + reset_link(app).rsplit("/", 1)[1]
    assert client.get(path).status_code == 200
    new = "a brand new passphrase"
    assert client.post(path, data={"password": new, "confirm": new}).status_code == 302
    assert auth.login(user.email, new).status_code == 302
    # The link died with the old password.
    again = client.post(
        path, data={"password": "third passphrase!", "confirm": "third passphrase!"}
    )
    assert again.status_code == 400


def test_forgot_password_says_the_same_for_unknown_e_mails(app: Flask, client: Any) -> None:
    response = client.post("/auth/forgot", data={"email": "nobody@example.com"})
    assert response.status_code == 302
    assert count(app, OutboundEmail) == 0


def test_a_forged_reset_token_is_refused_with_a_clear_message(client: Any) -> None:
    response = client.get("/auth/reset/forged.token.value")
    assert response.status_code == 400
    assert "הקישור" in response.get_data(as_text=True)  # "the link ..." in Hebrew
    json = client.get("/auth/reset/forged", headers={"Accept": "application/json"})
    assert json.json == {
        "error": {"code": "invalid_token", "message": json.json["error"]["message"]}
    }


def test_an_org_admin_invites_a_colleague_who_joins_the_organisation(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    admin = make_user("brand")
    auth.login(admin.email)
    assert (
        client.post("/brand/team/invite", data={"email": "colleague@example.com"}).status_code
        == 302
    )
    with app.app_context():
        mail = db.session.scalar(select(OutboundEmail))
        path = re.search(r"/auth/invitation/\S+", mail.body).group(0)
    auth.logout()
    assert client.get(path).status_code == 200
    response = client.post(
        path,
        data={
            "display_name": "Colleague",
            "password": "colleague passphrase",
            "confirm": "colleague passphrase",
        },
    )
    assert response.headers["Location"] == "/brand/"
    team = client.get("/brand/team").get_data(as_text=True)
    assert admin.email in team
    assert "colleague@example.com" in team


def test_inviting_a_registered_e_mail_answers_as_inviting_a_new_one_and_mails_its_holder(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    """Anyone may open a brand account, so the team's invitation must not tell who has a
    Kesher account: the same answer and the same page follow either way, the address listed
    as waiting for an answer in both."""
    make_user("owner", email="taken@example.com", locale="en")
    answers, pages = [], []
    for email in ("TAKEN@example.com", "fresh@example.com"):
        admin = make_user("brand", locale="he")
        auth.login(admin.email)
        answers.append(client.post("/brand/team/invite", data={"email": email}))
        page = client.get("/brand/team").get_data(as_text=True)
        for own in (email, email.lower(), admin.email, admin.display_name, admin.organisation.name):
            page = page.replace(own, "X")
        pages.append(re.sub(r'value="[^"]*"', "", page))
        auth.logout()
    assert _shape(answers[0]) == _shape(answers[1])
    assert answers[0].headers["Location"] == "/brand/team"
    assert pages[0] == pages[1]
    assert "ההזמנה נשלחה אל X." in pages[0]  # the flash, in the admin's Hebrew
    assert "הזמנות שממתינות לתשובה" in pages[0]  # and the address waits for an answer
    with app.app_context():
        invited = sorted(i.email for i in db.session.scalars(select(Invitation)))
        assert invited == ["fresh@example.com", "taken@example.com"]
        mails = {m.to_address: m for m in db.session.scalars(select(OutboundEmail))}
        assert set(mails) == {"taken@example.com", "fresh@example.com"}
        note, invitation = mails["taken@example.com"], mails["fresh@example.com"]
        assert "tried to invite you to Kesher" in note.subject  # its holder reads English
        assert "/auth/login" in note.body
        assert "/auth/invitation/" not in note.body  # nobody can accept the registered one
        assert "/auth/invitation/" in invitation.body
        assert invitation.subject.startswith("הזמנה מ-")  # a stranger reads the admin's language
        taken = db.session.scalar(select(User).where(User.email == "taken@example.com"))
        assert taken.organisation_id is None


def test_inviting_someone_already_in_the_team_says_so(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    admin = make_user("brand", locale="en")
    colleague = make_user("brand", organisation=admin.organisation, org_admin=False)
    auth.login(admin.email)
    response = client.post("/brand/team/invite", data={"email": colleague.email})
    assert response.status_code == 409
    assert "is already in your team." in response.get_data(as_text=True)
    assert count(app, Invitation) == 0
    assert count(app, OutboundEmail) == 0


def test_admin_creates_staff_accounts_on_the_web(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    auth.login(make_user("admin").email)
    response = client.post(
        "/admin/users/new",
        data={
            "display_name": "נועה",
            "email": "noa@kesher.example.com",
            "role": "staff",
            "password": "initial passphrase",
        },
    )
    assert response.status_code == 302
    auth.logout()
    assert (
        auth.login("noa@kesher.example.com", "initial passphrase").headers["Location"] == "/agency/"
    )


def test_a_taken_email_is_named_with_the_other_mistakes_in_one_go(
    client: Any, auth: Any, make_user: Any
) -> None:
    """A walk fixed a short password only to be told then that the e-mail was taken."""
    taken = make_user("staff", email="taken@kesher.example.com")
    auth.login(make_user("admin", locale="he").email)
    form = {"display_name": "נועה", "email": taken.email, "role": "staff", "password": "short"}
    response = client.post("/admin/users/new", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "יש להזין לפחות 10 תווים." in page
    assert "כבר קיים חשבון עם כתובת הדוא&#34;ל הזו." in page
    assert page.count('role="alert"') >= 2


def test_admin_disables_an_account_and_its_sessions_end(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    staff = make_user("staff")
    staff_client = app.test_client()
    staff_client.post("/auth/login", data={"email": staff.email, "password": DEMO_PASSWORD})
    auth.login(make_user("admin").email)
    assert client.post(f"/admin/users/{staff.id}/active", data={}).status_code == 302
    assert staff_client.get("/agency/").status_code == 302
    assert (
        staff_client.post(
            "/auth/login", data={"email": staff.email, "password": DEMO_PASSWORD}
        ).status_code
        == 401
    )


def test_a_cookie_planted_before_login_does_not_become_the_victims_session(
    app: Flask, make_user: Any
) -> None:
    # Session fixation: an attacker gets a session cookie, plants it in the victim's browser
    # and waits for them to log in; login hands out a new session, the planted one stays empty.
    attacker = app.test_client()
    attacker.post("/auth/language", data={"lang": "en"})
    planted = attacker.get_cookie("session").value
    victim = app.test_client()
    victim.set_cookie("session", planted)
    user = make_user("finance")
    login = victim.post("/auth/login", data={"email": user.email, "password": DEMO_PASSWORD})
    assert login.status_code == 302
    assert victim.get_cookie("session").value != planted
    assert victim.get("/finance/").status_code == 200
    assert attacker.get("/finance/").status_code == 302  # still anonymous


@pytest.mark.parametrize("change", ["disabled", "no_longer_admin"])
def test_an_invitation_dies_with_its_inviters_right_to_invite(
    app: Flask, client: Any, auth: Any, make_user: Any, change: str
) -> None:
    # As an API token does (token_stopped): an admin who left, or is no longer one, keeps no
    # open door into the organisation through the invitations they sent.
    inviter = make_user("brand")
    auth.login(inviter.email)
    client.post("/brand/team/invite", data={"email": "newcomer@example.com"})
    with app.app_context():
        path = re.search(r"/auth/invitation/\S+", db.session.scalar(select(OutboundEmail)).body)
        user = db.session.get_one(User, inviter.id)
        if change == "disabled":
            user.is_active = False
        else:
            user.is_org_admin = False
        db.session.commit()
    auth.logout()
    assert path is not None
    assert client.get(path.group(0)).status_code == 400
    form = {"display_name": "N", "password": "colleague passphrase",
            "confirm": "colleague passphrase"}  # fmt: skip
    joined = client.post(path.group(0), data=form)
    assert joined.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "newcomer@example.com")) is None


def test_a_reset_link_dies_when_the_accounts_e_mail_changes(
    app: Flask, client: Any, make_user: Any
) -> None:
    # The link went to the old mailbox: when an admin moves the account to a new address (the
    # old one was lost, or someone else's), whoever reads the old mailbox must not take it.
    user = make_user("owner")
    assert client.post("/auth/forgot", data={"email": user.email}).status_code == 302
    path = "/auth/reset/" + reset_link(app).rsplit("/", 1)[1]
    with app.app_context():
        db.session.get(User, user.id).email = "new-address@example.com"
        db.session.commit()
    assert client.get(path).status_code == 400
    new = "a brand new passphrase"
    assert client.post(path, data={"password": new, "confirm": new}).status_code == 400
