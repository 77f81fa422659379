"""Account use-cases: sign-up, sign-in sessions, passwords and invitations (API tokens:
`marketplace.auth.api_tokens`, re-exported here).

Services take the session explicitly, flush and never commit: the view commits once.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Engine, Executable, bindparam, delete, func, select, update
from sqlalchemy.orm import contains_eager

from marketplace.auth import mails, passwords

# API tokens live in their own module; their names stay importable from here.
from marketplace.auth.api_tokens import (  # noqa: F401 - re-exported
    API_TOKEN_PREFIX,
    authenticate_api_token,
    create_api_token,
    org_api_tokens,
    revoke_api_token,
    rotate_api_token,
    token_stopped,
)
from marketplace.auth.models import (
    SELF_SERVICE_ROLES,
    Invitation,
    LoginSession,
    Organisation,
    Role,
    User,
)
from marketplace.bidi import isolate_ltr
from marketplace.db import SessionLike, utcnow
from marketplace.errors import (
    Conflict,
    EmailAlreadyRegistered,
    Forbidden,
    InvalidToken,
    KesherError,
)
from marketplace.outbox import queue_email


class InvalidCredentials(KesherError):
    status_code = 401
    code = "invalid_credentials"
    # One message for an unknown e-mail and a wrong password, so the form leaks nothing.
    default_message = _l("The e-mail or password is not correct.")


class AlreadyInTeam(Conflict):
    code = "already_in_team"


class WeakPassword(KesherError):
    code = "weak_password"
    default_message = _l("Choose a password of at least 10 characters that is not a common one.")


def hasher() -> PasswordHasher:
    """Return the app's configured argon2id hasher."""
    return current_app.extensions["kesher.hasher"]


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"kesher.{purpose}")


def normalise_email(email: str) -> str:
    """Return the e-mail as Kesher stores it: trimmed and lower-cased."""
    return email.strip().lower()


def get_user_by_email(session: SessionLike, email: str) -> User | None:
    """Find a user by e-mail, whatever its case."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def _check_password(password: str, email: str) -> None:
    if passwords.problems(password, email=email):
        raise WeakPassword()


def create_user(
    session: SessionLike,
    *,
    email: str,
    password: str,
    display_name: str,
    role: Role,
    organisation: Organisation | None = None,
    is_org_admin: bool = False,
    locale: str | None = None,
    email_verified: bool = True,
) -> User:
    """Create an account; brand members must belong to an organisation.

    The e-mail counts as confirmed (an admin or an invitation vouched for it) unless
    `email_verified` is False: a self-service sign-up, confirmed by its mailed link.
    """
    email = normalise_email(email)
    if get_user_by_email(session, email) is not None:
        raise EmailAlreadyRegistered()
    if (role is Role.BRAND) != (organisation is not None):
        raise KesherError(str(_l("Brand members, and only they, belong to an organisation.")))
    _check_password(password, email)
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hasher().hash(password),
        role=role,
        organisation=organisation,
        is_org_admin=is_org_admin,
        locale=locale,
        password_changed_at=utcnow(),
        email_verified_at=utcnow() if email_verified else None,
    )
    session.add(user)
    session.flush()
    return user


def sign_up(
    session: SessionLike,
    *,
    email: str,
    password: str,
    display_name: str,
    role: Role,
    organisation_name: str | None = None,
    locale: str | None = None,
    verify_url: str | None = None,
    login_url: str | None = None,
    forgot_url: str | None = None,
) -> User | None:
    """Register a brand (with its new organisation, administered by this user) or an owner.

    The account starts unconfirmed; with `verify_url` (containing "TOKEN") the confirmation
    link is mailed at once. An e-mail that already has an account gets no second one and no
    refusal that would tell so: the password is hashed all the same (the same time spent),
    the account's owner is mailed a note (with `login_url` and `forgot_url`) and None returned.
    """
    if role not in SELF_SERVICE_ROLES:
        raise Forbidden(str(_l("This kind of account is created by an administrator.")))
    if role is Role.BRAND and not (organisation_name or "").strip():
        raise KesherError(str(_l("Enter your brand or company name.")))
    _check_password(password, normalise_email(email))
    existing = get_user_by_email(session, email)
    if existing is not None:
        hasher().hash(password)
        mails.sign_up_attempt(session, existing, login_url=login_url, forgot_url=forgot_url)
        return None
    organisation = None
    if role is Role.BRAND:
        organisation = Organisation(name=(organisation_name or "").strip())
        session.add(organisation)
    user = create_user(
        session,
        email=email,
        password=password,
        display_name=display_name,
        role=role,
        organisation=organisation,
        is_org_admin=role is Role.BRAND,
        locale=locale,
        email_verified=False,
    )
    if verify_url is not None:
        send_email_verification(session, user, verify_url=verify_url)
    return user


# --- confirming the e-mail ------------------------------------------------------------------


def make_email_verification_token(user: User) -> str:
    """Sign a confirmation link token for `user`'s current e-mail."""
    return _serializer("verify-email").dumps({"uid": user.id, "email": user.email})


def send_email_verification(session: SessionLike, user: User, *, verify_url: str) -> None:
    """Queue the e-mail whose link confirms `user`'s address (`verify_url` contains "TOKEN")."""
    queue_email(
        session,
        to=user.email,
        subject=str(_l("Confirm your e-mail for Kesher")),
        body=str(
            _l(
                "Welcome to Kesher. To confirm that this is your e-mail address, open this link "
                "within a week: %(url)s\n\nIf you did not sign up, ignore this e-mail.",
                url=isolate_ltr(verify_url.replace("TOKEN", make_email_verification_token(user))),
            )
        ),
    )


def verify_email(session: SessionLike, token: str) -> User:
    """Confirm the e-mail a link was mailed to, or raise InvalidToken (forged, old, or for an
    address the account no longer has). Following a link again changes nothing."""
    max_age = int(current_app.config["EMAIL_VERIFICATION_MAX_AGE"])
    try:
        data = _serializer("verify-email").loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature) as error:
        raise InvalidToken() from error
    user = session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or not user.is_active or data.get("email") != user.email:
        raise InvalidToken()
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        session.flush()
    return user


def authenticate(session: SessionLike, *, email: str, password: str) -> User:
    """Return the active user with these credentials, or raise InvalidCredentials."""
    user = get_user_by_email(session, email)
    if user is None or not user.is_active:
        # Spend the same time as a real check, so response times do not reveal accounts.
        passwords.verify(hasher(), _dummy_hash(), password)
        raise InvalidCredentials()
    if not passwords.verify(hasher(), user.password_hash, password):
        raise InvalidCredentials()
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hasher().hash(password)
    return user


def _dummy_hash() -> str:
    cache = current_app.extensions.setdefault("kesher.dummy_hash", {})
    if "hash" not in cache:
        cache["hash"] = hasher().hash(secrets.token_urlsafe(16))
    return str(cache["hash"])


def start_login_session(session: SessionLike, user: User, *, user_agent: str = "") -> str:
    """Open a server-side login session for `user` and return its cookie token."""
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=passwords.token_digest(token),
            user=user,
            last_seen_at=utcnow(),
            user_agent=user_agent[:255],
        )
    )
    session.flush()
    user.login_token = token
    return token


#: A login session's last visit is written at most this often.
SEEN_EVERY = timedelta(minutes=1)


#: Values every signed-in page reads, fetched in the login session's own statement: name →
#: a function giving a scalar subquery (it may refer to `User`'s columns). Features add theirs
#: in their init_app (`add_login_value`); the page finds them in `User.login_values`.
_LOGIN_VALUES: dict[str, Callable[[], Any]] = {}
#: Every signed-in request runs it: built once per set of login values, and the user comes in
#: the same statement.
_LOGIN_BY_TOKEN: dict[tuple[str, ...], Any] = {}


def add_login_value(name: str, expression: Callable[[], Any]) -> None:
    """Fetch `expression` (a scalar subquery) with every login session, as `name`.

    The badge's unread count and the catalog's version were a statement each on every
    signed-in page; riding on the login session's statement they cost no round trip.
    """
    _LOGIN_VALUES[name] = expression


def _login_statement(with_values: bool) -> tuple[tuple[str, ...], Any]:
    names = tuple(sorted(_LOGIN_VALUES)) if with_values else ()
    statement = _LOGIN_BY_TOKEN.get(names)
    if statement is None:
        statement = _LOGIN_BY_TOKEN[names] = (
            select(LoginSession, *(_LOGIN_VALUES[name]().label(name) for name in names))
            .join(LoginSession.user)
            .options(contains_eager(LoginSession.user))
            .where(LoginSession.token_hash == bindparam("token_hash"))
        )
    return names, statement


def load_login_session(
    session: SessionLike,
    token: str,
    *,
    idle_timeout: timedelta,
    absolute_timeout: timedelta | None = None,
    with_values: bool = True,
) -> User | None:
    """Return the active user behind a cookie token, or None if the session has ended.

    With `with_values`, the values features added (`add_login_value`) come in the same
    statement, as the user's `login_values`; without, `login_values` is None.

    A session ends after `idle_timeout` without a visit, and `absolute_timeout` after sign-in
    however busy it is (so a stolen cookie that is kept in use still stops working).

    The visit (and the end of an idle session) is written in a short transaction of its own,
    not in the request's: most pages only read and their transaction is rolled back, which
    threw the visit away (a reader who never saved anything was signed out after the idle
    timeout), and until then the pending UPDATE held SQLite's write lock for the rest of the
    request, so every request of one browser queued behind the others (the slowdown
    `benchmarks/catalog_search.py` saw a minute into its run). The UPDATE only matches a row
    not written in the last minute, so of many concurrent requests at most one writes.
    """
    names, statement = _login_statement(with_values)
    row = session.execute(statement, {"token_hash": passwords.token_digest(token)}).first()
    if row is None:
        return None
    login, *values = row
    if not login.user.is_active:
        return None
    now = utcnow()
    if absolute_timeout is not None and now - login.created_at > absolute_timeout:
        _write_now(session, delete(LoginSession).where(LoginSession.id == login.id))
        return None
    if now - login.last_seen_at > idle_timeout:
        _write_now(
            session,
            delete(LoginSession).where(
                LoginSession.id == login.id, LoginSession.last_seen_at < now - idle_timeout
            ),
        )
        return None
    if now - login.last_seen_at > SEEN_EVERY:
        _write_now(
            session,
            update(LoginSession)
            .where(LoginSession.id == login.id, LoginSession.last_seen_at < now - SEEN_EVERY)
            .values(last_seen_at=now),
        )
    login.user.login_token = token
    login.user.login_values = dict(zip(names, values, strict=True)) if with_values else None
    return login.user


def _write_now(session: SessionLike, statement: Executable) -> None:
    """Run one statement in its own transaction, committed whatever the request does next."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with engine.begin() as connection:
        connection.execute(statement)


def end_login_session(session: SessionLike, token: str | None) -> None:
    """Sign out the browser holding `token`."""
    if token:
        session.execute(
            delete(LoginSession).where(LoginSession.token_hash == passwords.token_digest(token))
        )


def end_all_login_sessions(session: SessionLike, user: User) -> None:
    """Sign `user` out everywhere."""
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def set_password(session: SessionLike, user: User, new_password: str) -> None:
    """Replace the password and end every session of the user."""
    _check_password(new_password, user.email)
    user.password_hash = hasher().hash(new_password)
    user.password_changed_at = utcnow()
    end_all_login_sessions(session, user)


def change_password(session: SessionLike, user: User, *, current: str, new: str) -> None:
    """Change a signed-in user's password after checking the current one."""
    if not passwords.verify(hasher(), user.password_hash, current):
        raise InvalidCredentials(str(_l("The current password is not correct.")))
    set_password(session, user, new)


def _password_fingerprint(user: User) -> str:
    # Changes whenever the password does, so a reset link works once; and whenever the e-mail
    # does, so a link mailed to the old address dies when the account moves to a new one.
    return passwords.token_digest(f"{user.password_hash}\n{user.email}")[:16]


def make_password_reset_token(user: User) -> str:
    """Sign a reset link token for `user`; it expires and dies when the password changes."""
    return _serializer("reset").dumps({"uid": user.id, "fp": _password_fingerprint(user)})


def request_password_reset(session: SessionLike, *, email: str, reset_url: str) -> None:
    """E-mail a reset link if the account exists; say nothing either way."""
    user = get_user_by_email(session, email)
    if user is None or not user.is_active:
        return
    token = make_password_reset_token(user)
    queue_email(
        session,
        to=user.email,
        subject=str(_l("Reset your Kesher password")),
        body=str(
            _l(
                "Someone asked to reset the password of this account. To choose a new one, open "
                "this link within an hour: %(url)s\n\nIf it was not you, ignore this e-mail.",
                url=reset_url.replace("TOKEN", token),
            )
        ),
    )


def user_for_reset_token(session: SessionLike, token: str) -> User:
    """Return the user a reset link is for, or raise InvalidToken if it is forged, old or used."""
    max_age = int(current_app.config["PASSWORD_RESET_MAX_AGE"])
    try:
        data = _serializer("reset").loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature) as error:
        raise InvalidToken() from error
    user = session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or not user.is_active or data.get("fp") != _password_fingerprint(user):
        raise InvalidToken()
    return user


def reset_password(session: SessionLike, *, token: str, new_password: str) -> User:
    """Set a new password from a reset link, or raise InvalidToken.

    The link was read in the account's mailbox, which confirms the e-mail as its own link would.
    """
    user = user_for_reset_token(session, token)
    set_password(session, user, new_password)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def invite_member(
    session: SessionLike,
    *,
    email: str,
    actor: User,
    accept_url: str,
    login_url: str | None = None,
) -> Invitation:
    """Invite `email` to the actor's organisation and queue the invitation e-mail.

    A Kesher account belongs to one organisation, so an e-mail that already has an account
    cannot join, and the admin is not told so (anyone may open a brand account, and a refusal
    would tell them who is on Kesher): its invitation is written like any other, so the team
    page lists it as waiting, but no link is mailed (nobody can accept it); the account's
    holder is mailed a note instead (with `login_url`). A colleague already in the actor's
    own team is named as such: the team page lists them anyway.
    """
    if actor.organisation is None or not actor.is_org_admin:
        raise Forbidden()
    email = normalise_email(email)
    existing = get_user_by_email(session, email)
    if existing is not None and existing.organisation_id == actor.organisation.id:
        raise AlreadyInTeam(str(_l("%(email)s is already in your team.", email=isolate_ltr(email))))
    invitation = session.scalar(
        select(Invitation).where(
            Invitation.organisation_id == actor.organisation.id, Invitation.email == email
        )
    )
    if invitation is None:
        invitation = Invitation(
            organisation=actor.organisation, email=email, invited_by_id=actor.id
        )
        session.add(invitation)
        session.flush()
    if existing is not None:
        mails.invitation_attempt(
            session,
            existing,
            inviter=actor.display_name,
            org=actor.organisation.name,
            login_url=login_url,
        )
        return invitation
    token = _serializer("invite").dumps({"inv": invitation.id})
    mails.invitation(
        session,
        to=email,
        inviter=actor.display_name,
        org=actor.organisation.name,
        url=accept_url.replace("TOKEN", token),
    )
    return invitation


def get_invitation(session: SessionLike, token: str) -> Invitation:
    """Return the open invitation behind a link token, or raise InvalidToken."""
    max_age = int(current_app.config["INVITATION_MAX_AGE"])
    try:
        data = _serializer("invite").loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature) as error:
        raise InvalidToken() from error
    invitation = session.get(Invitation, data.get("inv")) if isinstance(data, dict) else None
    if invitation is None or invitation.accepted_at is not None:
        raise InvalidToken()
    # Like an API token (`token_stopped`): an invitation carries its sender's right to invite,
    # so it dies when they are disabled, leave the organisation or are no longer its admin.
    inviter = session.get(User, invitation.invited_by_id)
    if (
        inviter is None
        or not inviter.is_active
        or inviter.organisation_id != invitation.organisation_id
        or not inviter.is_org_admin
    ):
        raise InvalidToken()
    return invitation


def accept_invitation(
    session: SessionLike, *, token: str, display_name: str, password: str, locale: str | None = None
) -> User:
    """Create the invited member's account and close the invitation."""
    invitation = get_invitation(session, token)
    user = create_user(
        session,
        email=invitation.email,
        password=password,
        display_name=display_name,
        role=Role.BRAND,
        organisation=invitation.organisation,
        locale=locale,
    )
    invitation.accepted_at = utcnow()
    return user


def set_locale(user: User, locale: str, *, languages: tuple[str, ...]) -> None:
    """Remember the user's UI language."""
    if locale not in languages:
        raise KesherError(str(_l("Unknown language.")))
    user.locale = locale


def set_user_active(session: SessionLike, user: User, *, active: bool, actor: User) -> None:
    """Enable or disable an account; disabling signs it out everywhere."""
    if user.id == actor.id:
        raise Conflict(str(_l("You cannot disable your own account.")))
    user.is_active = active
    if not active:
        end_all_login_sessions(session, user)


def org_members(session: SessionLike, actor: User) -> list[User]:
    """List the members of the actor's organisation (scoped to it)."""
    if actor.organisation_id is None:
        return []
    return list(
        session.scalars(
            select(User)
            .where(User.organisation_id == actor.organisation_id)
            .order_by(func.lower(User.display_name))
        )
    )


def org_pending_invitations(session: SessionLike, actor: User) -> list[Invitation]:
    """List invitations of the actor's organisation that are not accepted yet."""
    if actor.organisation_id is None:
        return []
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.organisation_id == actor.organisation_id,
                Invitation.accepted_at.is_(None),
            )
            .order_by(Invitation.created_at.desc())
        )
    )
