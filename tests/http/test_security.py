"""The web security baseline: headers, cookies, CSRF, size caps, rate limits, safe config."""

from __future__ import annotations

import email
import email.policy
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace import create_app
from marketplace.auth.models import User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.jobs.models import Job
from marketplace.jobs.services import run_job
from marketplace.outbox import OutboundEmail
from tests.conftest import DEMO_PASSWORD
from tests.http.test_cli import smtp_server  # noqa: F401 - the fixture
from tests.http.test_route_policy import sign_in

PRODUCTION = {
    "ENV_NAME": "production",
    "SECRET_KEY": "x" * 40,
    "RATELIMIT_STORAGE_URI": "memory://",
    "PUBLIC_BASE_URL": "https://kesher.example.com",
}
PUBLIC = "https://kesher.example.co.il"
FORGED = {"Host": "evil.example"}


def test_every_page_sends_the_security_headers(client: Any) -> None:
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_lax_in_development(
    client: Any, auth: Any, make_user: Any
) -> None:
    auth.login(make_user("staff").email)
    cookie = client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_production_cookies_are_secure_and_https_is_forced(
    app_factory: Any, make_user: Any
) -> None:
    app = app_factory(**PRODUCTION)
    client = app.test_client()
    plain = client.get("/auth/login", base_url="http://kesher.example.com")
    assert plain.status_code == 302  # http → https
    secure = client.get("/auth/login", base_url="https://kesher.example.com")
    hsts = secure.headers["Strict-Transport-Security"]
    assert int(hsts.split("max-age=")[1].split(";")[0]) >= 31_536_000  # a year or more
    user = make_user("staff")
    response = client.post(
        "/auth/login",
        data={"email": user.email, "password": DEMO_PASSWORD},
        base_url="https://kesher.example.com",
    )
    set_cookie = response.headers["Set-Cookie"]
    assert "Secure" in set_cookie
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": "dev-only-not-secret"}, "KESHER_SECRET_KEY"),
        ({"SECRET_KEY": "changeme"}, "KESHER_SECRET_KEY"),  # guessable: sessions forged
        ({"RATELIMIT_STORAGE_URI": None}, "KESHER_RATELIMIT_STORAGE_URI"),
        ({"ENV_NAME": "staging"}, "KESHER_ENV_NAME"),
        ({"PUBLIC_BASE_URL": None}, "KESHER_PUBLIC_BASE_URL"),
        ({"PUBLIC_BASE_URL": "kesher.example.com"}, "KESHER_PUBLIC_BASE_URL"),
    ],
)
def test_unsafe_production_settings_refuse_to_start(overrides: dict, message: str) -> None:
    with pytest.raises(RuntimeError, match=message):
        create_app({**PRODUCTION, **overrides, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    app_factory: Any, make_user: Any
) -> None:
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    data = {
        "account_type": "owner",
        "display_name": "X",
        "email": "x@example.com",
        "password": "a long enough passphrase",
        "confirm": "a long enough passphrase",
    }
    refused = client.post("/auth/signup", data=data)
    assert refused.status_code == 400
    as_json = client.post("/auth/signup", data=data, headers={"Accept": "application/json"})
    assert as_json.json["error"]["code"] == "csrf_failed"
    assert as_json.json["error"]["message"] in refused.get_data(as_text=True)
    page = client.get("/auth/signup").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    accepted = client.post("/auth/signup", data={**data, "csrf_token": token})
    assert accepted.status_code == 302


def test_logout_and_language_switch_need_the_csrf_token_too(
    app_factory: Any, make_user: Any
) -> None:
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert client.post("/auth/language", data={"lang": "en"}).status_code == 400
    assert client.post("/auth/logout").status_code in (302, 400)  # anonymous: asked to log in


def test_an_oversized_request_gets_413_with_a_clear_message(app_factory: Any) -> None:
    app = app_factory(MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    response = client.post(
        "/auth/signup", data={"display_name": "x" * 5000}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    html = client.post("/auth/signup", data={"display_name": "x" * 5000})
    assert html.status_code == 413
    assert response.json["error"]["message"] in html.get_data(as_text=True)


def test_login_attempts_are_rate_limited(app_factory: Any, make_user: Any) -> None:
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    user = make_user("owner")
    for _ in range(3):
        assert (
            client.post("/auth/login", data={"email": user.email, "password": "wrong"}).status_code
            == 401
        )
    blocked = client.post("/auth/login", data={"email": user.email, "password": DEMO_PASSWORD})
    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers
    assert client.get("/auth/login").status_code == 200  # only attempts are limited


def test_pages_of_signed_in_users_are_not_cached(client: Any, auth: Any, make_user: Any) -> None:
    auth.login(make_user("finance").email)
    assert client.get("/finance/").headers["Cache-Control"] == "no-store"


def test_an_unexpected_error_is_a_generic_500_that_rolls_back(app_factory: Any) -> None:
    app: Flask = app_factory(PROPAGATE_EXCEPTIONS=False)

    def explode() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/explode", "explode", explode)
    from marketplace.policy import POLICY, public

    POLICY["explode"] = public()
    try:
        client = app.test_client()
        html = client.get("/explode")
        assert html.status_code == 500
        assert "secret internals" not in html.get_data(as_text=True)
        as_json = client.get("/explode", headers={"Accept": "application/json"})
        assert as_json.status_code == 500
        assert as_json.json["error"]["code"] == "server_error"
        assert as_json.json["error"]["message"] in html.get_data(as_text=True)
    finally:
        del POLICY["explode"]


# --- links in e-mails and trusted hosts (issue #11 item 1) ------------------------------------


def latest_mail_body(app: Flask) -> str:
    from sqlalchemy import select

    from marketplace.extensions import db
    from marketplace.outbox import OutboundEmail

    with app.app_context():
        mail = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()
        assert mail is not None
        return mail.body


def links(body: str) -> list[str]:
    import re

    return re.findall(r"https?://\S+", body)


def test_a_reset_link_uses_the_public_base_url_whatever_the_host_header(
    app_factory: Any, make_user: Any
) -> None:
    app = app_factory(PUBLIC_BASE_URL=PUBLIC, TRUSTED_HOSTS=["evil.example", "localhost"])
    user = make_user("owner")
    response = app.test_client().post("/auth/forgot", data={"email": user.email}, headers=FORGED)
    assert response.status_code == 302
    found = links(latest_mail_body(app))
    assert found, "the e-mail has no link"
    assert all(link.startswith(f"{PUBLIC}/auth/reset/") for link in found), found


def test_an_invitation_link_uses_the_public_base_url_whatever_the_host_header(
    app_factory: Any, make_user: Any
) -> None:
    app = app_factory(PUBLIC_BASE_URL=PUBLIC + "/", TRUSTED_HOSTS="evil.example, localhost")
    client = app.test_client()
    admin = make_user("brand")
    client.post(
        "/auth/login", data={"email": admin.email, "password": DEMO_PASSWORD}, headers=FORGED
    )
    response = client.post(
        "/brand/team/invite", data={"email": "colleague@example.com"}, headers=FORGED
    )
    assert response.status_code == 302
    found = links(latest_mail_body(app))
    assert found, "the e-mail has no link"
    assert all(link.startswith(f"{PUBLIC}/auth/invitation/") for link in found), found
    # Names keep their own direction inside the (possibly Hebrew) sentence (issue 11, item 11).
    with app.app_context():
        org = db.session.get_one(User, admin.id).organisation.name
    assert f"\u2068{org}\u2069" in latest_mail_body(app)
    # The link works on the site it names.
    path = found[0].removeprefix(PUBLIC)
    assert app.test_client().get(path).status_code == 200


def test_a_request_for_an_unknown_host_is_refused(client: Any) -> None:
    for path in ("/auth/login", "/auth/forgot", "/catalog/", "/nowhere"):
        response = client.get(path, headers=FORGED)
        assert response.status_code == 400, path
        assert "evil.example" not in response.get_data(as_text=True)
    api = client.get("/api/v1/communities", headers=FORGED)
    assert api.status_code == 400
    assert api.json["error"]["code"] == "bad_host"
    post = client.post("/auth/forgot", data={"email": "x@example.com"}, headers=FORGED)
    assert post.status_code == 400
    # The test client's own host and the development address keep working.
    assert client.get("/auth/login").status_code == 200
    assert client.get("/auth/login", base_url="http://127.0.0.1:5000").status_code == 200


def test_production_trusts_only_the_public_host_but_health_probes_answer(
    app_factory: Any,
) -> None:
    app = app_factory(**{**PRODUCTION, "FORCE_HTTPS": False})
    client = app.test_client()
    assert client.get("/auth/login").status_code == 400  # localhost is not the public host
    assert client.get("/auth/login", base_url="http://kesher.example.com").status_code == 200
    forwarded = app_factory(**{**PRODUCTION, "FORCE_HTTPS": False, "PROXY_HOPS": 1})
    behind_proxy = forwarded.test_client().get(
        "/auth/login",
        base_url="http://10.0.0.5:8000",
        headers={"X-Forwarded-Host": "kesher.example.com"},
    )
    assert behind_proxy.status_code == 200
    # Orchestrators probe by address: liveness and readiness answer whatever the Host.
    probe = client.get("/healthz", base_url="http://10.0.0.5:8000")
    assert probe.status_code == 200
    assert probe.json["status"] == "ok"


def test_trusted_hosts_default_to_the_public_host_and_loopback_outside_production() -> None:
    from marketplace import config as config_module
    from marketplace.config import TESTING

    config = {**config_module.DEFAULTS, **TESTING, "PUBLIC_BASE_URL": PUBLIC}
    config_module.finalize(config)
    assert config["TRUSTED_HOSTS"] == ["kesher.example.co.il", "localhost", "127.0.0.1"]
    old_name = {**config_module.DEFAULTS, **TESTING, "SITE_URL": PUBLIC}
    config_module.finalize(old_name)
    assert old_name["PUBLIC_BASE_URL"] == PUBLIC
    production = {**config_module.DEFAULTS, **PRODUCTION}
    config_module.finalize(production)
    assert production["TRUSTED_HOSTS"] == ["kesher.example.com"]


# --- open redirects (issue #11 item 3) --------------------------------------------------------

EVIL_TARGETS = [
    "https://evil.example/phish",
    "//evil.example/phish",
    "/\\evil.example/phish",
    "\\/evil.example",
    "/\t/evil.example",
    "http:evil.example",
    " //evil.example",
    "javascript:alert(1)",
]


def test_the_redirect_check_keeps_paths_on_this_site_only() -> None:
    from marketplace.safety import safe_redirect_target

    for target in EVIL_TARGETS:
        assert safe_redirect_target(target) is None, target
    assert safe_redirect_target("/briefs/1/matches#community-2") == "/briefs/1/matches#community-2"
    assert safe_redirect_target("/catalog/?q=a b") == "/catalog/?q=a b"  # request.full_path
    assert safe_redirect_target("/catalog/?q=a%20b") == "/catalog/?q=a%20b"
    assert safe_redirect_target("/x\r\nSet-Cookie: a=b") is None


def test_public_links_are_built_outside_requests_and_under_a_path_prefix(
    app_factory: Any,
) -> None:
    from marketplace.safety import public_url

    app = app_factory(PUBLIC_BASE_URL="https://example.org/kesher/")
    with app.app_context():  # as a job sending e-mail would: no request at all
        link = public_url("auth.reset_password", token="abc")
    assert link == "https://example.org/kesher/auth/reset/abc"


def test_one_accounts_failed_logins_are_limited_from_any_address(
    app_factory: Any, make_user: Any
) -> None:
    # Guessing one account's password from many addresses (a botnet) meets a limit per account,
    # counted on failures only; other accounts and other addresses are not affected.
    app = app_factory(
        RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="100 per minute",
        LOGIN_ACCOUNT_RATE_LIMIT="3 per hour",
    )  # fmt: skip
    client = app.test_client()
    victim, other = make_user("owner"), make_user("owner")
    for n in range(3):
        wrong = client.post(
            "/auth/login",
            data={"email": victim.email.upper(), "password": "wrong"},
            environ_base={"REMOTE_ADDR": f"203.0.113.{n}"},
        )
        assert wrong.status_code == 401
    blocked = client.post(
        "/auth/login",
        data={"email": victim.email, "password": DEMO_PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert blocked.status_code == 429
    fine = client.post(
        "/auth/login",
        data={"email": other.email, "password": DEMO_PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert fine.status_code == 302


def test_sign_ups_are_rate_limited_as_logins_are(app_factory: Any, make_user: Any) -> None:
    # Each sign-up hashes a password (argon2) and may mail an account's owner: limited.
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    taken = make_user("owner")
    form = {"account_type": "owner", "display_name": "Probe", "email": taken.email,
            "password": "a-long-enough-password", "confirm": "a-long-enough-password"}  # fmt: skip
    for _ in range(3):
        assert client.post("/auth/signup", data=form).status_code == 302
    assert client.post("/auth/signup", data=form).status_code == 429
    assert client.get("/auth/signup").status_code == 200


def test_a_name_with_line_breaks_cannot_forge_mail_headers_or_jam_the_outbox(
    app_factory: Any,
    smtp_server: Any,  # noqa: F811
) -> None:
    # An organisation name is the subject of its invitations: a raw POST can put CR/LF in it.
    inbox, port = smtp_server
    app = app_factory(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    client = app.test_client()
    signed_up = client.post(
        "/auth/signup",
        data={"account_type": "brand", "display_name": "Mallory",
              "organisation_name": "Evil\r\nBcc: victim@example.com\r\nX-Evil: 1",
              "email": "mallory@example.com", "password": "a-long-enough-password",
              "confirm": "a-long-enough-password"},
    )  # fmt: skip
    assert signed_up.status_code == 302
    logged_in = client.post(
        "/auth/login", data={"email": "mallory@example.com", "password": "a-long-enough-password"}
    )
    assert logged_in.status_code == 302
    with app.app_context():  # an invitation reaches another person: a confirmed e-mail only
        db.session.scalars(select(User)).one().email_verified_at = utcnow()
        db.session.commit()
    invited = client.post("/brand/team/invite", data={"email": "colleague@example.com"})
    assert invited.status_code == 302
    [message] = [m for m in inbox.messages if m.rcpt_tos == ["colleague@example.com"]]
    assert message.rcpt_tos == ["colleague@example.com"]
    headers = email.message_from_bytes(message.content, policy=email.policy.default)
    assert {"Bcc", "X-Evil"} & set(headers.keys()) == set()
    assert "Bcc: victim@example.com" in str(headers["Subject"])  # quoted in one line, harmless
    with app.app_context():
        [mail] = db.session.scalars(
            select(OutboundEmail).where(OutboundEmail.to_address == "colleague@example.com")
        ).all()
        assert mail.sent_at is not None
        assert "\n" not in mail.subject
        assert "\r" not in mail.subject


def test_a_stored_subject_with_a_line_break_does_not_jam_the_outbox(
    app_factory: Any,
    smtp_server: Any,  # noqa: F811
) -> None:
    # A row queued before subjects were cleaned is sent on one line, and the mail behind it too.
    inbox, port = smtp_server
    app = app_factory(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    with app.app_context():
        db.session.add(OutboundEmail(to_address="a@example.com", subject="A\nBcc: b@x", body="."))
        db.session.add(OutboundEmail(to_address="c@example.com", subject="Next", body="."))
        db.session.commit()
    assert app.test_cli_runner().invoke(args=["outbox", "send"]).exit_code == 0
    assert [m.rcpt_tos for m in inbox.messages] == [["a@example.com"], ["c@example.com"]]


def test_forgot_password_does_the_same_work_for_known_and_unknown_e_mails(
    app_factory: Any,
    make_user: Any,
    smtp_server: Any,  # noqa: F811
) -> None:
    # Talking to the SMTP server inside the request only for a known account made its answer
    # slower, telling who has an account; a job sends the mail for both alike.
    inbox, port = smtp_server
    app = app_factory(SMTP_HOST="127.0.0.1", SMTP_PORT=port, JOBS_EAGER=False,
                      JOBS_EMBEDDED_WORKER=False)  # fmt: skip
    user = make_user("owner")
    client = app.test_client()
    for address in (user.email, "nobody@example.com"):
        assert client.post("/auth/forgot", data={"email": address}).status_code == 302
    assert inbox.messages == []  # nothing sent while the visitor waited
    with app.app_context():
        kinds = db.session.scalars(select(Job.kind).order_by(Job.id)).all()
        assert kinds == ["outbox.send", "outbox.send"]
        for job_id in db.session.scalars(select(Job.id)).all():
            run_job(job_id)
    assert [m.rcpt_tos for m in inbox.messages] == [[user.email]]


def test_reset_mails_to_one_address_are_limited_from_any_address(
    app_factory: Any, make_user: Any
) -> None:
    # Many addresses asking for one victim's reset link would flood their mailbox.
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="100 per minute",
                      LOGIN_ACCOUNT_RATE_LIMIT="2 per hour")  # fmt: skip
    client = app.test_client()
    victim, other = make_user("owner"), make_user("owner")
    for n in range(2):
        sent = client.post("/auth/forgot", data={"email": victim.email},
                           environ_base={"REMOTE_ADDR": f"203.0.113.{n}"})  # fmt: skip
        assert sent.status_code == 302
    again = client.post("/auth/forgot", data={"email": victim.email.upper()},
                        environ_base={"REMOTE_ADDR": "198.51.100.9"})  # fmt: skip
    assert again.status_code == 429
    assert client.post("/auth/forgot", data={"email": other.email}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 3


def test_one_address_cannot_stuff_a_member_pulse(app_factory: Any, make_user: Any) -> None:
    # "Once per visitor" is a cookie: a script that drops it answers as often as it likes, and
    # the brand's report shows its answers. One client address gets PULSE_RATE_LIMIT answers.
    from marketplace.reports.models import PulseAnswer
    from tests.factories import make_deal, make_people, make_pulse_survey

    app = app_factory(RATELIMIT_ENABLED=True, PULSE_RATE_LIMIT="3 per hour")
    with app.app_context():
        people = make_people(db.session, make_user, ("brand", "owner", "staff"))
        deal = make_deal(db.session, brand=people["brand"], staff=people["staff"],
                         owner=people["owner"], stage="agreed")  # fmt: skip
        slug = make_pulse_survey(db.session, deal.brief_id, staff=people["staff"]).slug
        db.session.commit()
    answer = {"recall": "yes", "sentiment": "5", "trust": "5"}
    statuses = [
        app.test_client().post(f"/results/pulse/{slug}", data=answer).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    elsewhere = app.test_client().post(
        f"/results/pulse/{slug}", data=answer, environ_base={"REMOTE_ADDR": "198.51.100.3"}
    )
    assert elsewhere.status_code == 200
    assert app.test_client().get(f"/results/pulse/{slug}").status_code == 200  # reading is free
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PulseAnswer)) == 4


def test_one_account_cannot_use_invitations_to_mail_the_world(
    app_factory: Any, make_user: Any
) -> None:
    # Anyone may open a brand account and be its admin: invitations (mail from Kesher to any
    # address, naming the organisation the sender chose) are capped per account.
    app = app_factory(RATELIMIT_ENABLED=True, INVITE_RATE_LIMIT="2 per hour")
    client = app.test_client()
    sign_in(app, client, make_user("brand"))
    statuses = [
        client.post("/brand/team/invite", data={"email": f"target{n}@example.com"}).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    other = app.test_client()
    sign_in(app, other, make_user("brand"))
    assert other.post("/brand/team/invite", data={"email": "x@example.com"}).status_code == 302
    anonymous = app.test_client().post("/brand/team/invite", data={"email": "x@example.com"})
    assert anonymous.status_code == 302  # to the login page, as the policy says


@pytest.mark.parametrize("hops", [0, 1])
def test_a_forged_x_forwarded_for_does_not_reset_the_login_limit(
    app_factory: Any, make_user: Any, hops: int
) -> None:
    # Without a proxy nothing in X-Forwarded-For is believed; behind one proxy only the address
    # that proxy appended (the last) is, so a client rotating the values it sends gains nothing.
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute", PROXY_HOPS=hops)
    client = app.test_client()
    user = make_user("owner")
    statuses = [
        client.post(
            "/auth/login",
            data={"email": user.email, "password": "wrong"},
            headers={"X-Forwarded-For": f"198.51.100.{n}, 203.0.113.5"},
        ).status_code
        for n in range(3)
    ]
    assert statuses == [401, 401, 429]


def test_guessing_the_current_password_on_the_account_page_is_rate_limited(
    app_factory: Any, make_user: Any
) -> None:
    # A stolen session must not become an unlimited oracle for the account's password.
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="100 per minute",
                      LOGIN_ACCOUNT_RATE_LIMIT="3 per hour")  # fmt: skip
    client = app.test_client()
    user = make_user("owner")
    sign_in(app, client, user)
    guess = {"current": "not-the-password", "password": "a new long passphrase",
             "confirm": "a new long passphrase"}  # fmt: skip
    statuses = [
        client.post(
            "/auth/account/password", data=guess, environ_base={"REMOTE_ADDR": f"203.0.113.{n}"}
        ).status_code
        for n in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
    right = {**guess, "current": DEMO_PASSWORD}
    assert client.post("/auth/account/password", data=right).status_code == 429


def test_forms_ignore_fields_their_user_may_not_set(app: Flask, make_user: Any) -> None:
    # Mass assignment: an owner's listing form and a brand's brief form posted with the columns
    # that decide status, ownership, organisation and price; none of them moves.
    from marketplace.briefs.models import Brief, BriefStatus
    from marketplace.catalog.models import Community, ListingStatus
    from tests.factories import make_brief, make_listing

    owner, other_owner = make_user("owner"), make_user("owner")
    brand, other_brand = make_user("brand"), make_user("brand")
    with app.app_context():
        community = make_listing(db.session, db.session.get(User, owner.id)).community
        brief = make_brief(db.session, db.session.get(User, brand.id))
        db.session.commit()
        community_id, brief_id = community.id, brief.id
    hostile = {
        "status": "listed", "owner_id": other_owner.id, "external_key": "X-1",
        "organisation_id": other_brand.organisation_id, "created_by_id": other_brand.id,
        "is_regulated": "1", "budget_minor": "1", "margin_bp": "0", "role": "admin",
    }  # fmt: skip
    client = app.test_client()
    sign_in(app, client, owner)
    edited = client.post(f"/catalog/{community_id}/edit", data={**hostile, "name_he": "שם חדש"})
    assert edited.status_code == 302
    brand_client = app.test_client()
    sign_in(app, brand_client, brand)
    saved = brand_client.post(f"/briefs/{brief_id}/edit", data={**hostile, "title": "New title"})
    assert saved.status_code == 302
    with app.app_context():
        community = db.session.get_one(Community, community_id)
        assert community.name_he == "שם חדש"  # the form's own field was saved
        assert community.status is ListingStatus.DRAFT
        assert community.owner_id == owner.id
        assert community.external_key is None
        brief = db.session.get_one(Brief, brief_id)
        assert brief.title == "New title"
        assert brief.status is BriefStatus.DRAFT
        assert brief.organisation_id == brand.organisation_id
        assert brief.created_by_id == brand.id
        assert db.session.get_one(User, owner.id).role.value == "owner"


def test_an_ipv6_client_cannot_escape_the_limits_by_changing_its_address(
    app_factory: Any, make_user: Any
) -> None:
    # One IPv6 subscriber holds a whole /64 (2^64 addresses): counted per address, each guess
    # could come from a fresh one. The limits count an IPv6 client by its /64.
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    user = make_user("owner")
    client = app.test_client()
    statuses = [
        client.post(
            "/auth/login", data={"email": user.email, "password": "wrong"},
            environ_base={"REMOTE_ADDR": f"2001:db8:1:2::{n:x}"},
        ).status_code
        for n in range(1, 5)
    ]  # fmt: skip
    assert statuses == [401, 401, 401, 429]
    elsewhere = client.post(
        "/auth/login", data={"email": user.email, "password": "wrong"},
        environ_base={"REMOTE_ADDR": "2001:db8:1:3::1"},
    )  # fmt: skip
    assert elsewhere.status_code == 401  # another /64 is another client


def test_guessing_an_accounts_password_does_not_lock_its_owner_out_of_a_known_browser(
    app_factory: Any, make_user: Any
) -> None:
    # The per-account limit counts failures from anyone, so anyone who knows an e-mail could
    # lock its owner out for an hour (finance before a payout run). A browser that signed in
    # to the account before carries a device cookie, and is not held by that limit.
    app = app_factory(
        RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="100 per minute",
        LOGIN_ACCOUNT_RATE_LIMIT="3 per hour",
    )  # fmt: skip
    victim = make_user("finance")
    own = app.test_client()
    login = {"email": victim.email, "password": DEMO_PASSWORD}
    assert own.post("/auth/login", data=login).status_code == 302
    device = own.get_cookie("kesher_device")
    assert device is not None
    assert device.http_only
    assert victim.email not in device.value  # no address in the cookie
    own.post("/auth/logout")
    attacker = app.test_client()
    wrong = {"email": victim.email, "password": "wrong"}
    for n in range(3):
        attempt = attacker.post(
            "/auth/login", data=wrong, environ_base={"REMOTE_ADDR": f"203.0.113.{n}"}
        )
        assert attempt.status_code == 401
    assert attacker.post("/auth/login", data=login).status_code == 429  # the attacker waits
    assert app.test_client().post("/auth/login", data=login).status_code == 429  # a new browser
    assert own.post("/auth/login", data=login).status_code == 302  # the owner's does not
    # The cookie is for that account only: it does not lift another account's limit.
    other = make_user("owner")
    for _ in range(3):
        own.post("/auth/logout")
        own.post("/auth/login", data={"email": other.email, "password": "wrong"})
    assert own.post("/auth/login", data={"email": other.email, "password": "x"}).status_code == 429


@pytest.mark.parametrize(
    ("address", "client"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),  # an IPv4 client on a dual-stack socket
        ("not-an-address", "not-an-address"),
    ],
)
def test_the_limits_count_a_client_by_its_address_or_its_ipv6_network(
    app: Flask, address: str, client: str
) -> None:
    from marketplace.extensions import client_network

    with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
        assert client_network() == client
