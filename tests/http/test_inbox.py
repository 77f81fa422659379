"""The inbox pages: the header's unread count, the list, marking read, the e-mail preference."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError

from marketplace.auth import services as auth_services
from marketplace.auth.models import User
from marketplace.extensions import db
from marketplace.inbox import services as inbox
from marketplace.inbox.models import EmailMode, Notification
from tests.conftest import DEMO_PASSWORD
from tests.factories import make_notification
from tests.queries import counted_queries

DASHBOARDS = {
    "brand": "/brand/",
    "owner": "/community/",
    "staff": "/agency/",
    "finance": "/finance/",
    "admin": "/admin/",
}


def notify(app: Flask, user: Any, count: int = 1, **fields: Any) -> list[int]:
    with app.app_context():
        recipient = db.session.get_one(User, user.id)
        made = [make_notification(db.session, recipient, **fields) for _ in range(count)]
        db.session.commit()
        return [n.id for n in made]


def is_read(app: Flask, notification_id: int) -> bool:
    with app.app_context():
        return db.session.get_one(Notification, notification_id).read_at is not None


def badge(page: str) -> str | None:
    found = re.search(r'<span class="count-badge" aria-hidden="true"><bdi>(\d+)</bdi></span>', page)
    return found.group(1) if found else None


def checked_mode(page: str) -> str | list[str]:
    radios = re.findall(r'<input[^>]*name="email_mode"[^>]*>', page)
    chosen = [re.search(r'value="(\w+)"', r).group(1) for r in radios if " checked" in r]  # type: ignore[union-attr]
    return chosen[0] if len(chosen) == 1 else chosen


@pytest.mark.parametrize("role", sorted(DASHBOARDS))
def test_every_role_sees_its_unread_count_in_the_header(
    app: Flask, client: Any, auth: Any, make_user: Any, role: str
) -> None:
    user = make_user(role, locale="en")
    other = make_user("owner")
    notify(app, user, 3)
    notify(app, other, 5)
    auth.login(user.email)
    with counted_queries(app) as statements:
        page = client.get(DASHBOARDS[role]).text
    assert badge(page) == "3"
    assert 'aria-label="Inbox, 3 unread"' in page
    counts = [s for s in statements if "FROM notifications" in s]
    assert len(counts) == 1
    assert "count(" in counts[0].lower()


def test_no_badge_without_unread_notifications_nor_for_visitors(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    assert "inbox-link" not in client.get("/").text
    user = make_user("owner", locale="en")
    [read] = notify(app, user)
    auth.login(user.email)
    client.post(f"/inbox/{read}/read")
    page = client.get("/community/").text
    assert 'class="inbox-link"' in page
    assert badge(page) is None
    assert 'aria-label="Inbox"' in page


def test_the_hebrew_badge_and_list_read_in_hebrew(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    user = make_user("owner", locale="he")
    notify(app, user, 2, link="/deals/7")
    auth.login(user.email)
    page = client.get("/inbox/").text
    assert 'aria-label="תיבת הודעות, 2 שלא נקראו"' in page
    assert "<strong>הצעה חדשה עבור רצים בתל אביב</strong>" in page
    assert 'href="/deals/7"' in page


def test_the_list_is_newest_first_with_unread_in_bold_and_paged(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    user = make_user("brand", locale="en")
    ids = [notify(app, user, link=f"/deals/{i}")[0] for i in range(inbox.PAGE_SIZE + 2)]
    with app.app_context():
        inbox.mark_read(db.session, db.session.get_one(User, user.id), [ids[-1]])
        db.session.commit()
    auth.login(user.email)
    first = client.get("/inbox/").text
    shown = [int(i) for i in re.findall(r'data-notification="(\d+)"', first)]
    assert shown == list(reversed(ids))[: inbox.PAGE_SIZE]
    newest = first.split(f'data-notification="{ids[-1]}"')[1].split("</li>")[0]
    assert "<strong>" not in newest
    assert f'href="/deals/{len(ids) - 1}"' in newest
    second_newest = first.split(f'data-notification="{ids[-2]}"')[1].split("</li>")[0]
    assert "<strong>New offer for" in second_newest
    assert 'href="/inbox/?page=2"' in first
    second = client.get("/inbox/?page=2").text
    assert [int(i) for i in re.findall(r'data-notification="(\d+)"', second)] == [ids[1], ids[0]]
    assert client.get("/inbox/?page=abc").status_code == 200


def test_marking_one_read_and_all_read(app: Flask, client: Any, auth: Any, make_user: Any) -> None:
    user = make_user("staff", locale="en")
    first, second, third = notify(app, user, 3)
    auth.login(user.email)
    response = client.post(f"/inbox/{first}/read")
    assert response.status_code == 302
    assert response.headers["Location"] == "/inbox/"
    assert is_read(app, first)
    assert not is_read(app, second)
    assert badge(client.get("/inbox/").text) == "2"
    response = client.post("/inbox/read-all", follow_redirects=True)
    assert "All notifications are marked read." in response.text
    assert is_read(app, second)
    assert is_read(app, third)
    assert badge(response.text) is None


def test_another_users_notification_answers_404_and_stays_unread(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    alice, bob = make_user("owner"), make_user("owner")
    [theirs] = notify(app, bob)
    notify(app, alice)
    auth.login(alice.email)
    assert client.post(f"/inbox/{theirs}/read").status_code == 404
    assert client.post("/inbox/999999/read").status_code == 404
    client.post("/inbox/read-all")
    assert not is_read(app, theirs)
    assert f'data-notification="{theirs}"' not in client.get("/inbox/").text


def test_the_email_preference_is_saved_and_shown(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    user = make_user("owner", locale="en")
    auth.login(user.email)
    page = client.get("/inbox/").text
    assert checked_mode(page) == "immediate"
    response = client.post("/inbox/preferences", data={"email_mode": "digest"})
    assert response.status_code == 302
    with app.app_context():
        assert inbox.email_mode(db.session, db.session.get_one(User, user.id)) is EmailMode.DIGEST
    assert checked_mode(client.get("/inbox/").text) == "digest"
    refused = client.post("/inbox/preferences", data={"email_mode": "hourly"})
    assert refused.status_code == 400
    with app.app_context():
        assert inbox.email_mode(db.session, db.session.get_one(User, user.id)) is EmailMode.DIGEST


def test_inbox_forms_without_their_csrf_token_change_nothing(
    app_factory: Any, make_user: Any
) -> None:
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from marketplace.auth import services

        user = services.create_user(
            db.session, email="csrf@example.com", password=DEMO_PASSWORD, display_name="C",
            role="owner", locale="en",
        )  # fmt: skip
        db.session.commit()
        user_id = user.id
        [mine] = [n.id for n in [make_notification(db.session, user)]]
        db.session.commit()
    client = app.test_client()
    login = client.get("/auth/login").text
    token = login.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/auth/login",
        data={"email": "csrf@example.com", "password": DEMO_PASSWORD, "csrf_token": token},
    )
    assert client.post(f"/inbox/{mine}/read").status_code == 400
    assert client.post("/inbox/read-all").status_code == 400
    assert client.post("/inbox/preferences", data={"email_mode": "none"}).status_code == 400
    assert not is_read(app, mine)
    page = client.get("/inbox/").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post(f"/inbox/{mine}/read", data={"csrf_token": token}).status_code == 302
    assert is_read(app, mine)
    with app.app_context():
        assert inbox.email_mode(db.session, db.session.get_one(User, user_id)) is (
            EmailMode.IMMEDIATE
        )


def test_a_failing_count_leaves_the_page_up_without_a_badge(
    app: Flask, client: Any, auth: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user("owner", locale="en")
    notify(app, user)
    auth.login(user.email)

    def broken(*_args: Any) -> int:
        raise OperationalError("SELECT count(*)", {}, Exception("statement timeout"))

    monkeypatch.setattr(inbox, "unread_count", broken)
    # A GET page reads the count with its login session; others read it on its own (this).
    monkeypatch.delitem(auth_services._LOGIN_VALUES, "unread_notifications")  # noqa: SLF001
    response = client.get("/community/")
    assert response.status_code == 200
    assert badge(response.text) is None
    assert 'aria-label="Inbox"' in response.text
