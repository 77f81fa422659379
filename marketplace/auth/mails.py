"""What the account mails say: the notes to an address's holder and the invitation.

Each is written in its reader's language when Kesher knows it (an account's `language_of`),
and names and links keep their own direction inside a Hebrew sentence (`isolate`).
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from marketplace.auth.models import User
from marketplace.bidi import isolate, isolate_ltr
from marketplace.db import SessionLike
from marketplace.i18n import language_of
from marketplace.outbox import queue_email


def sign_up_attempt(
    session: SessionLike, user: User, *, login_url: str | None, forgot_url: str | None
) -> None:
    """Tell an account's owner, in their language, that someone tried to sign up as them."""
    with force_locale(language_of(user)):
        queue_email(
            session,
            to=user.email,
            subject=str(_l("Someone tried to sign up to Kesher with your e-mail")),
            body=str(
                _l(
                    "Someone tried to open a new Kesher account with this e-mail address, which "
                    "already has one. No account was created.\n\nIf it was you, log in: %(login)s"
                    "\nForgot your password? Choose a new one: %(forgot)s\n\nIf it was not you, "
                    "ignore this e-mail.",
                    login=isolate_ltr(login_url or ""),
                    forgot=isolate_ltr(forgot_url or ""),
                )
            ),
        )


def invitation(session: SessionLike, *, to: str, inviter: str, org: str, url: str) -> None:
    """Invite an address that has no account (in the inviter's language: Kesher knows no other)."""
    queue_email(
        session,
        to=to,
        subject=str(_l("%(name)s invites you to Kesher", name=isolate(org))),
        body=str(
            _l(
                "%(inviter)s invited you to join %(org)s on Kesher. Open this link to create your "
                "account: %(url)s",
                inviter=isolate(inviter),
                org=isolate(org),
                url=isolate_ltr(url),
            )
        ),
    )


def invitation_attempt(
    session: SessionLike, user: User, *, inviter: str, org: str, login_url: str | None
) -> None:
    """Tell an account's holder, in their language, that an organisation tried to invite them."""
    with force_locale(language_of(user)):
        queue_email(
            session,
            to=user.email,
            subject=str(_l("%(name)s tried to invite you to Kesher", name=isolate(org))),
            body=str(
                _l(
                    "%(inviter)s of %(org)s tried to invite this e-mail address to join them on "
                    "Kesher. It already has a Kesher account, and an account belongs to one "
                    "organisation, so no invitation was sent and nothing changed in your "
                    "account.\n\nTo join %(org)s, ask them to invite another e-mail address of "
                    "yours. To use your account, log in: %(login)s\n\nIf you do not know them, "
                    "ignore this e-mail.",
                    inviter=isolate(inviter),
                    org=isolate(org),
                    login=isolate_ltr(login_url or ""),
                )
            ),
        )
