"""Proof of posting in Chromium, in Hebrew: an owner proves a post, a reused screenshot is
refused for the next one, staff verify, and the calendar's week runs right to left."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from marketplace.auth.models import User
from marketplace.delivery.models import Post
from marketplace.extensions import db
from tests.browser.test_journeys import hebrew, log_in, log_out
from tests.factories import make_post, screenshot


def test_an_owner_proves_a_post_and_cannot_reuse_the_screenshot(
    page: Page, live_server: str, app: Any, make_user: Any
) -> None:
    owner, staff = make_user("owner", locale="he"), make_user("staff", locale="he")
    brand = make_user("brand", locale="he")
    with app.app_context():
        people = {u.id: db.session.get_one(User, u.id) for u in (owner, staff, brand)}
        first, second = (
            make_post(db.session, brand=people[brand.id], staff=people[staff.id],
                      owner=people[owner.id])
            for _ in range(2)
        )  # fmt: skip
        ids = (first.id, second.id, first.brief_id)
        due = first.due_on
        db.session.commit()
    first_id, second_id, brief_id = ids
    log_in(page, live_server, owner.email)

    def prove(post_id: int, data: bytes, name: str, mime: str) -> None:
        page.goto(f"{live_server}/campaigns/posts/{post_id}")
        page.fill("#live_url", f"https://chat.whatsapp.com/live/{post_id}")
        page.set_input_files("#screenshot", {"name": name, "mimeType": mime, "buffer": data})
        page.get_by_role("button", name=hebrew(app, "Submit the proof")).click()

    prove(first_id, screenshot(50), "shot.png", "image/png")
    expect(page.locator(".flash, [role=status]").first).to_contain_text(
        hebrew(app, "Thank you: the proof was submitted.")
    )
    expect(page.locator(".post-status strong")).to_have_text(
        hebrew(app, "Posted, waiting for review")
    )
    prove(second_id, screenshot(50, size=(360, 640), fmt="JPEG"), "other.jpg", "image/jpeg")
    expect(page.locator("#screenshot-error")).to_contain_text("כבר משמש הוכחה לפוסט אחר")
    with app.app_context():
        assert db.session.get_one(Post, second_id).status.value == "scheduled"

    # The calendar: Sunday first, so in Hebrew it is the rightmost column.
    page.goto(f"{live_server}/campaigns/{brief_id}/calendar?month={due:%Y-%m}")
    headers = page.locator("table.calendar thead th")
    sunday, saturday = headers.first.bounding_box(), headers.last.bounding_box()
    assert sunday is not None
    assert saturday is not None
    assert sunday["x"] > saturday["x"]
    expect(page.locator(f"a[href='/campaigns/posts/{first_id}']").first).to_be_visible()

    log_out(page)
    log_in(page, live_server, staff.email)
    page.goto(f"{live_server}/campaigns/posts/{first_id}")
    page.get_by_role("button", name=hebrew(app, "Verify: the post ran as agreed")).click()
    expect(page.locator(".post-status strong")).to_have_text(hebrew(app, "Verified"))
