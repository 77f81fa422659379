"""Layout in Chromium: long unbroken text wraps instead of stretching the page."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from marketplace.auth.models import User
from marketplace.extensions import db
from tests.browser.test_journeys import log_in


def test_one_long_unbroken_name_does_not_stretch_the_users_page(
    page: Page, live_server: str, app: Any, make_user: Any
) -> None:
    admin = make_user("admin")
    other = make_user("staff")
    with app.app_context():
        user = db.session.get(User, other.id)
        assert user is not None
        user.display_name = "א" * 120  # the longest name the column holds, with no space
        user.email = "a" * 60 + "@" + "b" * 60 + ".example.com"
        db.session.commit()
    log_in(page, live_server, admin.email)
    page.goto(f"{live_server}/admin/users")
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px window"
