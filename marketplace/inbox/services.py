"""Notify users of what waits for them: the inbox rows, their e-mails and the daily digest.

Other features call :func:`notify` with a kind from :data:`KINDS`; each recipient reads the
notification in their own language, because rows keep the English msgid and its parameters
and are translated when shown or e-mailed. Adding a kind is one entry in :data:`KINDS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from marketplace.auth.models import User
from marketplace.db import SessionLike, driver_sql, utcnow
from marketplace.errors import NotFound
from marketplace.i18n import language_of
from marketplace.inbox.models import EmailMode, Notification, NotificationPreference, check_link
from marketplace.outbox import queue_email


def N_(message: str) -> str:  # noqa: N802 - the name pybabel looks for
    """Mark a msgid for extraction without translating it (it is translated when read)."""
    return message


@dataclass(frozen=True)
class NotificationKind:
    """The texts of one kind: a line (inbox and e-mail subject) and the e-mail's body."""

    title: str
    body: str


#: Every kind of notification. Parameters: ``community`` and ``brief`` (names, as written);
#: delivery's alerts add ``due`` (a date), ``late`` and ``missed`` (counts) and ``target``.
KINDS: dict[str, NotificationKind] = {
    "offer_sent": NotificationKind(
        N_("New offer for %(community)s"),
        N_(
            "The agency sent you an offer for %(community)s in the campaign “%(brief)s”. "
            "Open it to accept, counter or decline."
        ),
    ),
    "offer_countered": NotificationKind(
        N_("%(community)s countered the offer"),
        N_(
            "The owner of %(community)s countered the offer for the campaign “%(brief)s”. "
            "It waits for your answer."
        ),
    ),
    "offer_accepted": NotificationKind(
        N_("%(community)s: the offer was accepted"),
        N_("The offer for %(community)s in the campaign “%(brief)s” was accepted."),
    ),
    "offer_declined": NotificationKind(
        N_("%(community)s: the offer was declined"),
        N_(
            "The offer for %(community)s in the campaign “%(brief)s” was declined. "
            "Open it to see the reason."
        ),
    ),
    "agreement_to_confirm": NotificationKind(
        N_("The agreement for %(community)s waits for your confirmation"),
        N_(
            "The terms for %(community)s in the campaign “%(brief)s” are agreed. "
            "Read the agreement and confirm it."
        ),
    ),
    "creative_to_review": NotificationKind(
        N_("A post for %(community)s waits for your review"),
        N_("A post for %(community)s in the campaign “%(brief)s” waits for your review."),
    ),
    "creative_approved": NotificationKind(
        N_("The post for %(community)s was approved"),
        N_(
            "The post for %(community)s in the campaign “%(brief)s” was approved by everyone "
            "and is ready to run."
        ),
    ),
    "deal_cancelled": NotificationKind(
        N_("The deal with %(community)s was cancelled"),
        N_(
            "The deal with %(community)s in the campaign “%(brief)s” was cancelled. "
            "Open it to see the reason."
        ),
    ),
    "offer_expired": NotificationKind(
        N_("The offer for %(community)s expired"),
        N_("The offer for %(community)s in the campaign “%(brief)s” expired without an answer."),
    ),
    # Delivery (marketplace/delivery): proofs and the monitor's alerts.
    "proof_to_review": NotificationKind(
        N_("A proof of posting for %(community)s waits for review"),
        N_(
            "The owner of %(community)s submitted the live link and a screenshot of a post in "
            "the campaign “%(brief)s”. Verify it or dispute it."
        ),
    ),
    "proof_disputed": NotificationKind(
        N_("The proof for %(community)s was disputed"),
        N_(
            "The agency disputed the proof of a post of %(community)s in the campaign "
            "“%(brief)s”. Open it to see the reason and submit a new proof."
        ),
    ),
    "post_late": NotificationKind(
        N_("A post in %(community)s is late"),
        N_(
            "A post of %(community)s in the campaign “%(brief)s” was due by %(due)s and has "
            "no proof yet. Publish it and submit the live link and a screenshot."
        ),
    ),
    "delivery_behind_move": NotificationKind(
        N_("%(community)s is behind in “%(brief)s”"),
        N_(
            "%(community)s is behind in the campaign “%(brief)s”: %(late)s post(s) late, "
            "%(missed)s missed. Playbook: move the placement to %(target)s, another channel "
            "of the same community."
        ),
    ),
    "delivery_behind_next": NotificationKind(
        N_("%(community)s is behind in “%(brief)s”"),
        N_(
            "%(community)s is behind in the campaign “%(brief)s”: %(late)s post(s) late, "
            "%(missed)s missed. Playbook: move the placement to %(target)s, the next ranked "
            "community of the brief."
        ),
    ),
    "delivery_behind": NotificationKind(
        N_("%(community)s is behind in “%(brief)s”"),
        N_(
            "%(community)s is behind in the campaign “%(brief)s”: %(late)s post(s) late, "
            "%(missed)s missed. No other channel or ranked community is free: decide with "
            "the owner."
        ),
    ),
}

#: At most this many notifications are listed in one digest; the inbox has the rest.
DIGEST_LIMIT = 30
#: Notifications per inbox page.
PAGE_SIZE = 25


def public_base_url() -> str:
    """The address users reach Kesher at, for links in e-mails (no trailing slash).

    KESHER_PUBLIC_BASE_URL, never the request's Host (config requires it in production).
    """
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def render(message: str, params: Mapping[str, Any]) -> str:
    """Translate `message` into the current language and fill in its parameters."""
    translated = _(message)
    try:
        return translated % dict(params) if params else translated
    except (KeyError, ValueError, TypeError):
        return translated  # a row older than its kind's text: still readable


def email_mode(session: SessionLike, user: User) -> EmailMode:
    """How the user wants e-mail (immediately when they never chose)."""
    mode = session.scalar(
        select(NotificationPreference.email_mode).where(NotificationPreference.user_id == user.id)
    )
    return mode or EmailMode.IMMEDIATE


def set_email_mode(session: SessionLike, user: User, mode: EmailMode) -> NotificationPreference:
    """Save the user's choice of e-mail."""
    preference = session.get(NotificationPreference, user.id)
    if preference is None:
        preference = NotificationPreference(user_id=user.id)
        session.add(preference)
    preference.email_mode = EmailMode(mode)
    session.flush()
    return preference


def _subject_of(subject: Any) -> tuple[str | None, int | None]:
    if subject is None:
        return None, None
    if isinstance(subject, tuple):
        kind, ident = subject
        return str(kind), int(ident)
    return str(subject.__tablename__), int(subject.id)


def notify(
    session: SessionLike,
    recipients: Iterable[User],
    kind: str,
    *,
    params: Mapping[str, Any],
    link: str,
    subject: Any = None,
) -> list[Notification]:
    """Store one notification per recipient and queue the e-mail of those who want it now.

    `subject` is the object the notification is about: a model instance (its table name and
    id are kept) or a ``(type, id)`` pair. E-mails leave only if the caller's transaction
    commits (the outbox).
    """
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown notification kind {kind!r}; add it to KINDS")
    check_link(link)
    params = dict(params)
    for text in (spec.title, spec.body):
        # Fail at the call, not when a recipient opens the inbox: every placeholder is given.
        try:
            _checked = text % params
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{kind!r} needs the parameters of {text!r}: {error}") from error
    subject_type, subject_id = _subject_of(subject)
    unique = {user.id: user for user in recipients}
    modes = dict(
        session.execute(
            select(NotificationPreference.user_id, NotificationPreference.email_mode).where(
                NotificationPreference.user_id.in_(unique)
            )
        ).all()
    )
    now = utcnow()
    created = []
    for user in unique.values():
        notification = Notification(
            recipient_id=user.id,
            kind=kind,
            message=spec.title,
            params=params,
            link=link,
            subject_type=subject_type,
            subject_id=subject_id,
        )
        mode = modes.get(user.id, EmailMode.IMMEDIATE)
        if mode is EmailMode.IMMEDIATE and user.is_active:
            _queue_step_email(session, user, spec, params, link)
            notification.emailed_at = now
        session.add(notification)
        created.append(notification)
    session.flush()
    return created


def _footer() -> str:
    return _(
        "You get this e-mail because of your notification settings on Kesher; change them "
        "in your inbox: %(url)s",
        url=public_base_url() + "/inbox/",
    )


def _queue_step_email(
    session: SessionLike, user: User, spec: NotificationKind, params: dict[str, Any], link: str
) -> None:
    with force_locale(language_of(user)):
        subject = render(spec.title, params)
        body = "\n\n".join(
            [
                render(spec.body, params),
                _("Open it on Kesher: %(url)s", url=public_base_url() + link),
                _footer(),
            ]
        )
    queue_email(session, to=user.email, subject=subject[:255], body=body)


#: Run on every signed-in page (the header's badge): a fixed text, see marketplace.db.driver_sql.
_UNREAD = (
    f"SELECT count(id) FROM {Notification.__tablename__} "  # noqa: S608 - fixed text
    "WHERE recipient_id = :user AND read_at IS NULL"
)


def unread_count(session: SessionLike, user: User) -> int:
    """How many of the user's notifications are unread (one COUNT on an index)."""
    return int(driver_sql(session, _UNREAD, {"user": user.id}).scalar() or 0)


def unread_count_of_login_user() -> Any:
    """unread_count as a scalar subquery of the signed-in user's row (auth's login statement)."""
    return (
        select(func.count(Notification.id))
        .where(Notification.recipient_id == User.id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def list_notifications(
    session: SessionLike, user: User, *, page: int = 1, per_page: int = PAGE_SIZE
) -> tuple[list[Notification], int]:
    """One page of the user's notifications, newest first, and the number of pages."""
    total = int(
        session.scalar(
            select(func.count(Notification.id)).where(Notification.recipient_id == user.id)
        )
        or 0
    )
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = session.scalars(
        select(Notification)
        .where(Notification.recipient_id == user.id)
        .order_by(Notification.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(rows), pages


def get_notification(session: SessionLike, user: User, notification_id: int) -> Notification:
    """The user's own notification, or NotFound (also for another user's id)."""
    notification = session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.recipient_id == user.id
        )
    )
    if notification is None:
        raise NotFound()
    return notification


def mark_read(session: SessionLike, user: User, ids: Iterable[int] | Literal["all"]) -> int:
    """Mark the user's unread notifications (these ids, or all) read; return how many.

    Ids of other users' notifications are ignored: the update is scoped to the recipient.
    """
    statement = (
        update(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if ids != "all":
        wanted = [int(i) for i in ids]
        if not wanted:
            return 0
        statement = statement.where(Notification.id.in_(wanted))
    result = session.execute(statement)
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def local_day(now: datetime) -> date:
    """The calendar day of `now` where Kesher's users live (the configured time zone)."""
    return now.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def _digest_candidates(session: SessionLike, today: date) -> list[tuple[User, list[Notification]]]:
    """Digest users whose day is unclaimed, each with their unread, not yet e-mailed rows."""
    users = session.scalars(
        select(User)
        .join(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(
            NotificationPreference.email_mode == EmailMode.DIGEST,
            User.is_active.is_(True),
            (NotificationPreference.last_digest_on.is_(None))
            | (NotificationPreference.last_digest_on < today),
        )
        .order_by(User.id)
    ).all()
    found = []
    for user in users:
        pending = session.scalars(
            select(Notification)
            .where(
                Notification.recipient_id == user.id,
                Notification.read_at.is_(None),
                Notification.emailed_at.is_(None),
            )
            .order_by(Notification.id.desc())
        ).all()
        if pending:
            found.append((user, list(pending)))
    return found


def send_daily_digests(session: SessionLike, now: datetime) -> int:
    """Queue one e-mail per digest user listing their unread, not yet e-mailed notifications.

    At most one digest per user per local day, however often this runs: each user's day is
    claimed by a conditional UPDATE before the e-mail is queued, so two concurrent runs
    cannot both win. Users with nothing new get no e-mail (and keep their day unclaimed).
    Returns the number of digests queued.
    """
    today = local_day(now)
    sent = 0
    for user, pending in _digest_candidates(session, today):
        claimed = session.execute(
            update(NotificationPreference)
            .where(
                NotificationPreference.user_id == user.id,
                (NotificationPreference.last_digest_on.is_(None))
                | (NotificationPreference.last_digest_on < today),
            )
            .values(last_digest_on=today)
            .execution_options(synchronize_session=False)
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            continue  # another run sent today's digest meanwhile
        _queue_digest(session, user, pending)
        for notification in pending:
            notification.emailed_at = now
        sent += 1
    session.flush()
    return sent


def _queue_digest(session: SessionLike, user: User, pending: list[Notification]) -> None:
    base = public_base_url()
    with force_locale(language_of(user)):
        subject = ngettext(
            "Kesher: %(num)d new notification",
            "Kesher: %(num)d new notifications",
            len(pending),
        )
        lines = [
            f"• {render(n.message, n.params)}\n  {base}{n.link}" for n in pending[:DIGEST_LIMIT]
        ]
        if len(pending) > DIGEST_LIMIT:
            lines.append(_("…and %(num)d more in your inbox.", num=len(pending) - DIGEST_LIMIT))
        body = "\n\n".join(
            [
                _("Here is what happened on Kesher since your last digest:"),
                "\n".join(lines),
                _footer(),
            ]
        )
    queue_email(session, to=user.email, subject=subject[:255], body=body)
