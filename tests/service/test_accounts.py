"""Account services against a real database session."""

from datetime import UTC, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace.auth import services
from marketplace.auth.models import (
    ApiToken,
    Invitation,
    LoginSession,
    Organisation,
    Role,
    User,
)
from marketplace.errors import Forbidden, InvalidToken, NotFound
from marketplace.extensions import db
from marketplace.outbox import OutboundEmail

PASSWORD = "a long enough passphrase"


@pytest.fixture
def ctx(app: Flask):
    with app.app_context():
        yield db.session


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_brand_sign_up_creates_an_organisation_administered_by_the_new_user(ctx) -> None:
    user = services.sign_up(
        ctx,
        email="  Maya@Example.COM ",
        password=PASSWORD,
        display_name="מאיה",
        role=Role.BRAND,
        organisation_name="שורשים",
    )
    ctx.commit()
    assert user.email == "maya@example.com"
    assert user.organisation is not None
    assert user.organisation.name == "שורשים"
    assert user.is_org_admin
    assert user.password_hash.startswith("$argon2id$")
    assert user.created_at.tzinfo is UTC


def test_duplicate_sign_up_whatever_the_case_writes_no_account_and_mails_the_owner(ctx) -> None:
    """A taken address gets no second account and no refusal that would tell so (sign-up
    answers alike either way): its owner is mailed instead."""
    services.sign_up(ctx, email="a@x.com", password=PASSWORD, display_name="A", role=Role.OWNER)
    ctx.commit()
    before = count(OutboundEmail)
    again = services.sign_up(
        ctx,
        email="A@X.com",
        password=PASSWORD,
        display_name="B",
        role=Role.BRAND,
        organisation_name="Other",
        login_url="https://kesher.example/auth/login",
    )
    ctx.commit()
    assert again is None
    assert count(User) == 1
    assert count(Organisation) == 0
    assert count(OutboundEmail) == before + 1
    mail = ctx.scalars(select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()
    assert mail.to_address == "a@x.com"
    assert "https://kesher.example/auth/login" in mail.body


@pytest.mark.parametrize("role", [Role.STAFF, Role.FINANCE, Role.ADMIN])
def test_staff_finance_and_admin_cannot_sign_themselves_up(ctx, role: Role) -> None:
    with pytest.raises(Forbidden):
        services.sign_up(ctx, email="x@x.com", password=PASSWORD, display_name="X", role=role)
    assert count(User) == 0


def test_authentication_gives_one_answer_for_unknown_email_and_wrong_password(ctx) -> None:
    services.sign_up(ctx, email="a@x.com", password=PASSWORD, display_name="A", role=Role.OWNER)
    with pytest.raises(services.InvalidCredentials) as unknown:
        services.authenticate(ctx, email="nobody@x.com", password=PASSWORD)
    with pytest.raises(services.InvalidCredentials) as wrong:
        services.authenticate(ctx, email="a@x.com", password="not the password")
    assert unknown.value.message == wrong.value.message
    assert services.authenticate(ctx, email="A@x.com", password=PASSWORD).email == "a@x.com"


def test_a_disabled_user_cannot_authenticate(ctx, make_user) -> None:
    user = ctx.get(User, make_user("owner", password=PASSWORD).id)
    user.is_active = False
    with pytest.raises(services.InvalidCredentials):
        services.authenticate(ctx, email=user.email, password=PASSWORD)


def test_login_rehashes_a_password_stored_with_weaker_parameters(app: Flask, make_user) -> None:
    from argon2 import PasswordHasher

    with app.app_context():
        user = db.session.get(User, make_user("owner", password=PASSWORD).id)
        user.password_hash = PasswordHasher(time_cost=1, memory_cost=16, parallelism=2).hash(
            PASSWORD
        )
        db.session.commit()
        services.authenticate(db.session, email=user.email, password=PASSWORD)
        assert ",p=1$" in user.password_hash


def test_password_change_ends_every_login_session(ctx, make_user) -> None:
    user = ctx.get(User, make_user("staff", password=PASSWORD).id)
    first = services.start_login_session(ctx, user)
    second = services.start_login_session(ctx, user)
    ctx.commit()
    services.change_password(ctx, user, current=PASSWORD, new="another long passphrase")
    ctx.commit()
    idle = timedelta(hours=1)
    assert services.load_login_session(ctx, first, idle_timeout=idle) is None
    assert services.load_login_session(ctx, second, idle_timeout=idle) is None
    assert count(LoginSession) == 0


def test_an_idle_login_session_expires(ctx, make_user) -> None:
    user = ctx.get(User, make_user("staff").id)
    token = services.start_login_session(ctx, user)
    ctx.commit()
    assert services.load_login_session(ctx, token, idle_timeout=timedelta(hours=1)) == user
    login = ctx.scalar(select(LoginSession))
    login.last_seen_at -= timedelta(hours=3)
    ctx.commit()
    assert services.load_login_session(ctx, token, idle_timeout=timedelta(hours=2)) is None


def test_a_reset_token_works_once_and_only_for_its_user(ctx, make_user) -> None:
    user = ctx.get(User, make_user("owner", password=PASSWORD).id)
    token = services.make_password_reset_token(user)
    services.reset_password(ctx, token=token, new_password="brand new passphrase")
    ctx.commit()
    assert services.authenticate(ctx, email=user.email, password="brand new passphrase")
    with pytest.raises(InvalidToken):
        services.reset_password(ctx, token=token, new_password="yet another passphrase")


def test_forged_and_expired_reset_tokens_are_refused(app: Flask, make_user) -> None:
    with app.app_context():
        user = db.session.get(User, make_user("owner", password=PASSWORD).id)
        token = services.make_password_reset_token(user)
        with pytest.raises(InvalidToken):
            services.reset_password(db.session, token=token[:-2] + "xx", new_password="x" * 12)
        app.config["PASSWORD_RESET_MAX_AGE"] = -1
        with pytest.raises(InvalidToken):
            services.reset_password(db.session, token=token, new_password="fresh long passphrase")
        db.session.rollback()
        assert services.authenticate(db.session, email=user.email, password=PASSWORD)


def test_password_reset_request_queues_mail_only_for_existing_accounts(ctx, make_user) -> None:
    user = make_user("owner")
    services.request_password_reset(ctx, email="nobody@x.com", reset_url="http://k/TOKEN")
    assert count(OutboundEmail) == 0
    services.request_password_reset(ctx, email=user.email, reset_url="http://k/reset/TOKEN")
    mail = ctx.scalar(select(OutboundEmail))
    assert mail.to_address == user.email
    assert "http://k/reset/" in mail.body
    assert "TOKEN" not in mail.body


def test_invited_member_joins_the_inviters_organisation(ctx, make_user) -> None:
    admin = ctx.get(User, make_user("brand").id)
    services.invite_member(ctx, email="new@x.com", actor=admin, accept_url="http://k/i/TOKEN")
    ctx.commit()
    body = ctx.scalar(select(OutboundEmail)).body
    token = body.split("http://k/i/")[1].split()[0]
    member = services.accept_invitation(ctx, token=token, display_name="New", password=PASSWORD)
    ctx.commit()
    assert member.organisation_id == admin.organisation_id
    assert member.role is Role.BRAND
    assert not member.is_org_admin
    with pytest.raises(InvalidToken):
        services.accept_invitation(ctx, token=token, display_name="Again", password=PASSWORD)


def test_inviting_a_new_e_mail_writes_an_invitation_and_mails_the_link(ctx, make_user) -> None:
    admin = ctx.get(User, make_user("brand").id)
    invitation = services.invite_member(
        ctx, email=" New@X.com ", actor=admin, accept_url="http://k/i/TOKEN"
    )
    ctx.commit()
    assert invitation is not None
    assert [(i.email, i.organisation_id) for i in ctx.scalars(select(Invitation))] == [
        ("new@x.com", admin.organisation_id)
    ]
    mail = ctx.scalar(select(OutboundEmail))
    assert mail.to_address == "new@x.com"
    assert "http://k/i/" in mail.body


@pytest.mark.parametrize(
    ("locale", "subject", "sentences"),
    [
        (
            "en",
            "tried to invite you to Kesher",
            ["tried to invite this e-mail address", "an account belongs to one organisation",
             "ask them to invite another e-mail address", "log in: "],
        ),
        (
            "he",
            "ניסו להזמין אותך לקשר",
            ["ניסו להזמין את כתובת הדוא״ל הזו", "חשבון שייך לארגון אחד",
             "בקשו מהם להזמין כתובת דוא״ל אחרת", "התחברו: "],
        ),
    ],
)  # fmt: skip
def test_inviting_an_e_mail_that_has_an_account_mails_its_holder_and_no_link(
    ctx, make_user, locale: str, subject: str, sentences: list[str]
) -> None:
    """A Kesher account belongs to one organisation: the address cannot join, and the admin is
    not told (anyone may open a brand account to ask). Its invitation is written as any other
    (the team page lists it as waiting) but no link is mailed; its holder is told instead, in
    their own language, whatever the admin's."""
    taken = make_user("owner", email="taken@x.com", locale=locale)
    admin = ctx.get(User, make_user("brand", locale="he" if locale == "en" else "en").id)
    admin.display_name = "Dana"
    admin.organisation.name = "Shorashim"
    answer = services.invite_member(
        ctx,
        email="Taken@X.com",
        actor=admin,
        accept_url="http://k/i/TOKEN",
        login_url="https://kesher.example/auth/login",
    )
    ctx.commit()
    assert [(i.email, i.accepted_at) for i in ctx.scalars(select(Invitation))] == [
        ("taken@x.com", None)
    ]
    assert answer.email == "taken@x.com"
    assert count(User) == 2
    mail = ctx.scalar(select(OutboundEmail))
    assert mail.to_address == taken.email
    assert subject in mail.subject
    assert "\u2068Shorashim\u2069" in mail.subject  # names keep their own direction
    for sentence in sentences:
        assert sentence in mail.body
    assert "\u2068Dana\u2069" in mail.body
    assert "https://kesher.example/auth/login" in mail.body
    assert "http://k/i/" not in mail.body  # no way in: the invitation link is not there
    assert ctx.get(User, taken.id).organisation_id is None


def test_inviting_a_member_of_the_own_team_names_them_and_writes_nothing(ctx, make_user) -> None:
    """The team page lists its members anyway: telling the admin costs nothing."""
    admin = make_user("brand")
    colleague = make_user("brand", organisation=admin.organisation, org_admin=False)
    actor = ctx.get(User, admin.id)
    with pytest.raises(services.AlreadyInTeam):
        services.invite_member(ctx, email=colleague.email, actor=actor, accept_url="http://k/TOKEN")
    assert count(Invitation) == 0
    assert count(OutboundEmail) == 0


def test_only_organisation_admins_invite(ctx, make_user) -> None:
    admin = make_user("brand")
    member = ctx.get(User, make_user("brand", organisation=admin.organisation, org_admin=False).id)
    with pytest.raises(Forbidden):
        services.invite_member(ctx, email="n@x.com", actor=member, accept_url="http://k/TOKEN")


def test_api_tokens_are_stored_hashed_and_scoped_to_their_organisation(ctx, make_user) -> None:
    alice = ctx.get(User, make_user("brand").id)
    bob = ctx.get(User, make_user("brand").id)
    token, secret = services.create_api_token(ctx, name="CRM", actor=alice)
    ctx.commit()
    assert secret.startswith("ksr_")
    assert secret not in token.token_hash
    assert services.authenticate_api_token(ctx, secret) == token
    assert services.org_api_tokens(ctx, bob) == []
    with pytest.raises(NotFound):
        services.revoke_api_token(ctx, token.id, actor=bob)
    services.revoke_api_token(ctx, token.id, actor=alice)
    ctx.commit()
    assert services.authenticate_api_token(ctx, secret) is None
    assert ctx.get(ApiToken, token.id).revoked_at is not None


def test_naive_datetimes_are_refused(ctx, make_user) -> None:
    from datetime import datetime

    user = ctx.get(User, make_user("owner").id)
    user.password_changed_at = datetime(2026, 1, 1)  # noqa: DTZ001 - the point of the test
    with pytest.raises(Exception, match="naive datetime"):
        ctx.flush()
