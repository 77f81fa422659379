"""The inbox in Chromium, in Hebrew: the header's badge reads right to left and counts down."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from marketplace.auth.models import User
from marketplace.extensions import db
from tests.browser.test_journeys import hebrew, log_in
from tests.factories import make_notification


def test_an_owner_reads_the_inbox_in_hebrew(
    page: Page, live_server: str, app: Any, make_user: Any, screenshot: Any
) -> None:
    owner = make_user("owner", locale="he")
    with app.app_context():
        user = db.session.get_one(User, owner.id)
        make_notification(db.session, user, "offer_sent", link="/inbox/?page=1")
        make_notification(db.session, user, "creative_to_review", link="/inbox/?page=1")
        db.session.commit()
    log_in(page, live_server, owner.email)
    link = page.get_by_role("link", name="תיבת הודעות, 2 שלא נקראו")
    expect(link).to_be_visible()
    badge = link.locator(".count-badge")
    expect(badge).to_have_text("2")
    # Right to left, the count follows the word: it sits at the link's left end.
    link_box, badge_box = link.bounding_box(), badge.bounding_box()
    assert link_box is not None
    assert badge_box is not None
    assert badge_box["x"] - link_box["x"] < badge_box["width"]
    link.click()
    expect(page.locator("h1")).to_have_text(hebrew(app, "Inbox"))
    expect(page.locator(".notification.unread strong").first).to_have_text(
        "פוסט עבור רצים בתל אביב ממתין לבדיקתך"
    )
    screenshot("inbox-he")
    page.get_by_role("button", name=hebrew(app, "Mark read")).first.click()
    expect(page.get_by_role("link", name="תיבת הודעות, הודעה אחת שלא נקראה")).to_be_visible()
    page.get_by_role("button", name=hebrew(app, "Mark all read")).click()
    expect(page.get_by_role("link", name=hebrew(app, "Inbox"), exact=True)).to_be_visible()
    expect(page.locator(".count-badge")).to_have_count(0)
