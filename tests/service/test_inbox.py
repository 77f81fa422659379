"""Notifications on a database: e-mails in each reader's language, the digest, scoping."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from marketplace.auth.models import User
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.inbox import services as inbox
from marketplace.inbox.models import EmailMode, Notification
from marketplace.jobs import services as jobs
from marketplace.jobs.models import Job
from marketplace.outbox import OutboundEmail
from tests.factories import make_notification

PARAMS = {"community": "רצים בתל אביב", "brief": "Summer",
          # delivery's alerts also name a date, counts and the playbook's target
          "due": "2026-12-01", "late": 1, "missed": 0, "target": "t.me/runners"}  # fmt: skip


@pytest.fixture
def app(app_factory: Any) -> Flask:
    return app_factory(PUBLIC_BASE_URL="https://kesher.example/")


@pytest.fixture
def ctx(app: Flask) -> Iterator[scoped_session[Any]]:
    with app.app_context():
        yield db.session


def load(user: Any) -> User:
    return db.session.get_one(User, user.id)


def emails() -> list[OutboundEmail]:
    return list(db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_each_recipient_gets_the_email_in_their_own_language(ctx: Any, make_user: Any) -> None:
    hebrew, english = make_user("owner", locale="he"), make_user("owner", locale="en")
    with force_locale("en"):  # whatever language the acting user reads
        made = inbox.notify(
            ctx, [load(hebrew), load(english)], "offer_sent", params=PARAMS, link="/deals/7"
        )
    ctx.commit()
    assert len(made) == 2
    by_address = {e.to_address: e for e in emails()}
    he_mail, en_mail = by_address[hebrew.email], by_address[english.email]
    assert he_mail.subject == "הצעה חדשה עבור רצים בתל אביב"
    assert "„Summer”" in he_mail.body
    assert "לפתיחה בקשר: https://kesher.example/deals/7" in he_mail.body
    assert en_mail.subject == "New offer for רצים בתל אביב"
    assert "Open it on Kesher: https://kesher.example/deals/7" in en_mail.body
    assert "sent you an offer" in en_mail.body
    assert all(n.emailed_at is not None for n in made)


def test_a_user_without_a_language_reads_the_default_one(ctx: Any, make_user: Any) -> None:
    user = make_user("staff")
    inbox.notify(ctx, [load(user)], "offer_countered", params=PARAMS, link="/deals/1")
    [mail] = emails()
    assert mail.subject == "רצים בתל אביב הציעו הצעה נגדית"


def test_email_links_use_the_public_base_url(app_factory: Any, make_user: Any) -> None:
    app = app_factory(PUBLIC_BASE_URL="https://site.example/")
    user = make_user("owner", locale="en")
    with app.app_context():
        inbox.notify(db.session, [load(user)], "offer_expired", params=PARAMS, link="/deals/3")
        [mail] = emails()
    assert "https://site.example/deals/3" in mail.body


@pytest.mark.parametrize(
    "link",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "deals/7", "/deals\n7", ""],
)
def test_a_notification_links_only_inside_kesher(ctx: Any, make_user: Any, link: str) -> None:
    user = make_user("owner")
    with pytest.raises(ValueError, match="path inside Kesher"):
        inbox.notify(ctx, [load(user)], "offer_sent", params=PARAMS, link=link)
    assert ctx.scalars(select(Notification)).all() == []


def test_a_row_cannot_be_given_an_outside_link_either(ctx: Any, make_user: Any) -> None:
    notification = make_notification(ctx, load(make_user("owner")), link="/deals/1")
    with pytest.raises(ValueError, match="path inside Kesher"):
        notification.link = "//evil.example/phish"
    with pytest.raises(ValueError, match="path inside Kesher"):
        Notification(link="javascript:alert(1)")


def test_unknown_kinds_and_missing_parameters_fail_at_the_call(ctx: Any, make_user: Any) -> None:
    user = load(make_user("owner"))
    with pytest.raises(ValueError, match="unknown notification kind"):
        inbox.notify(ctx, [user], "offer_teleported", params=PARAMS, link="/")
    with pytest.raises(ValueError, match="needs the parameters"):
        inbox.notify(ctx, [user], "offer_sent", params={"community": "x"}, link="/")


def test_every_kind_reads_in_hebrew_and_in_english(app: Flask) -> None:
    with app.app_context():
        for kind, spec in inbox.KINDS.items():
            for text in (spec.title, spec.body):
                with force_locale("en"):
                    english = inbox.render(text, PARAMS)
                with force_locale("he"):
                    hebrew = inbox.render(text, PARAMS)
                assert english == text % PARAMS, kind
                assert hebrew != english, kind
                assert "רצים בתל אביב" in hebrew, kind


def test_a_recipient_listed_twice_is_notified_once(ctx: Any, make_user: Any) -> None:
    user = load(make_user("owner"))
    made = inbox.notify(ctx, [user, user], "offer_sent", params=PARAMS, link="/deals/1")
    assert len(made) == 1
    assert len(emails()) == 1


def test_digest_and_none_users_get_no_email_per_step(ctx: Any, make_user: Any) -> None:
    digest, silent, now = load(make_user("owner")), load(make_user("owner")), load(make_user())
    inbox.set_email_mode(ctx, digest, EmailMode.DIGEST)
    inbox.set_email_mode(ctx, silent, EmailMode.NONE)
    made = inbox.notify(ctx, [digest, silent, now], "deal_cancelled", params=PARAMS, link="/d")
    assert [e.to_address for e in emails()] == [now.email]
    assert [n.emailed_at is None for n in made] == [True, True, False]
    assert inbox.unread_count(ctx, digest) == inbox.unread_count(ctx, silent) == 1


def test_the_daily_digest_goes_once_a_day_however_often_it_runs(ctx: Any, make_user: Any) -> None:
    hebrew, english = load(make_user("owner", locale="he")), load(make_user("staff", locale="en"))
    silent = load(make_user("owner"))
    for user in (hebrew, english):
        inbox.set_email_mode(ctx, user, EmailMode.DIGEST)
    inbox.set_email_mode(ctx, silent, EmailMode.NONE)
    for user in (hebrew, english, silent):
        make_notification(ctx, user, "offer_sent", link="/deals/1")
        make_notification(ctx, user, "creative_to_review", link="/deals/1/creative")
    read = make_notification(ctx, english, "offer_expired", link="/deals/2")
    inbox.mark_read(ctx, english, [read.id])
    ctx.commit()
    morning = at("2026-12-07T04:00")

    assert inbox.send_daily_digests(ctx, morning) == 2
    assert inbox.send_daily_digests(ctx, morning + timedelta(minutes=1)) == 0  # ran twice
    ctx.commit()
    by_address = {e.to_address: e for e in emails()}
    assert set(by_address) == {hebrew.email, english.email}
    assert by_address[hebrew.email].subject == "קשר: 2 התראות חדשות"
    assert "פוסט עבור רצים בתל אביב ממתין לבדיקתך" in by_address[hebrew.email].body
    assert "https://kesher.example/deals/1/creative" in by_address[hebrew.email].body
    assert by_address[english.email].subject == "Kesher: 2 new notifications"
    assert "expired" not in by_address[english.email].body  # read ones are left out

    # Something new the same day waits for tomorrow's digest, and only it is listed then.
    make_notification(ctx, english, "offer_accepted", link="/deals/3")
    assert inbox.send_daily_digests(ctx, at("2026-12-07T20:00")) == 0
    assert inbox.send_daily_digests(ctx, at("2026-12-08T04:00")) == 1
    latest = emails()[-1]
    assert latest.to_address == english.email
    assert latest.subject == "Kesher: 1 new notification"
    assert "the offer was accepted" in latest.body
    assert "creative" not in latest.body


def test_the_digest_day_is_the_day_in_israel(ctx: Any, make_user: Any) -> None:
    user = load(make_user("owner"))
    inbox.set_email_mode(ctx, user, EmailMode.DIGEST)
    make_notification(ctx, user)
    assert inbox.send_daily_digests(ctx, at("2026-12-07T21:30")) == 1  # 23:30 on the 7th
    make_notification(ctx, user)
    assert inbox.send_daily_digests(ctx, at("2026-12-07T22:30")) == 1  # 00:30 on the 8th


def test_two_digest_runs_at_once_queue_one_email(
    app: Flask, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user("owner")
    now = at("2026-12-07T04:00")
    original = inbox._digest_candidates  # noqa: SLF001 - the window the race needs
    raced = []

    def another_run_in_between(session: Any, today: Any) -> Any:
        stale = original(session, today)
        if not raced:  # the other worker finishes between our reading and our claim
            raced.append(True)
            with Session(db.engine) as other:
                assert inbox.send_daily_digests(other, now) == 1
                other.commit()
        return stale

    with app.app_context():
        inbox.set_email_mode(db.session, load(user), EmailMode.DIGEST)
        make_notification(db.session, load(user))
        db.session.commit()
        monkeypatch.setattr(inbox, "_digest_candidates", another_run_in_between)
        assert inbox.send_daily_digests(db.session, now) == 0
        db.session.commit()
        assert raced == [True]
        assert len(emails()) == 1


def test_the_digest_job_run_twice_queues_one_email(app: Flask, make_user: Any) -> None:
    user = make_user("owner")
    with app.app_context():
        inbox.set_email_mode(db.session, load(user), EmailMode.DIGEST)
        make_notification(db.session, load(user))
        db.session.commit()
        first = jobs.enqueue(db.session, "notifications.digest", key="digest-a")
        second = jobs.enqueue(db.session, "notifications.digest", key="digest-b")
        db.session.commit()
        ids = (first.id, second.id)
    with app.app_context():  # the eager test backend ran both after the commit
        results = [db.session.get_one(Job, i).result for i in ids]
        assert sorted(r["digests"] for r in results) == [0, 1]
        assert len(emails()) == 1


def test_a_user_can_never_read_or_mark_anothers_notification(ctx: Any, make_user: Any) -> None:
    alice, bob = load(make_user("owner")), load(make_user("owner"))
    mine = make_notification(ctx, alice)
    theirs = make_notification(ctx, bob)
    ctx.commit()
    with pytest.raises(NotFound):
        inbox.get_notification(ctx, alice, theirs.id)
    assert inbox.mark_read(ctx, alice, [theirs.id]) == 0
    assert inbox.mark_read(ctx, alice, "all") == 1
    ctx.commit()
    ctx.expire_all()
    assert ctx.get_one(Notification, theirs.id).read_at is None
    assert ctx.get_one(Notification, mine.id).read_at is not None
    assert inbox.unread_count(ctx, alice) == 0
    assert inbox.unread_count(ctx, bob) == 1
    rows, _pages = inbox.list_notifications(ctx, alice)
    assert [n.id for n in rows] == [mine.id]


def test_the_inbox_lists_newest_first_in_pages(ctx: Any, make_user: Any) -> None:
    user = load(make_user("brand"))
    made = [make_notification(ctx, user, link=f"/deals/{i}") for i in range(7)]
    first, pages = inbox.list_notifications(ctx, user, page=1, per_page=5)
    second, _ = inbox.list_notifications(ctx, user, page=2, per_page=5)
    assert pages == 2
    assert [n.id for n in first + second] == [n.id for n in reversed(made)]
    beyond, _ = inbox.list_notifications(ctx, user, page=99, per_page=5)
    assert beyond == second
