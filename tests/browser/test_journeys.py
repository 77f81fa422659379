"""Journeys through the real UI in Chromium: sign-up, every role's landing, the language switch."""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale, gettext
from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD
from tests.http.test_security import latest_mail_body, links


def hebrew(app: Any, message: str) -> str:
    with app.test_request_context(), force_locale("he"):
        return gettext(message)


def log_in(page: Page, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#submit")


def log_out(page: Page) -> None:
    page.locator("form[action='/auth/logout'] button").click()


def test_a_brand_signs_up_in_hebrew(
    page: Page, live_server: str, app: Any, screenshot: Any
) -> None:
    page.goto(f"{live_server}/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "he")
    screenshot("home-he")
    page.get_by_role("link", name=hebrew(app, "I am a brand")).click()
    # Labels are real <label>s: the fields are found by their Hebrew names.
    page.get_by_label(hebrew(app, "Your name")).fill("מאיה ברק")
    page.get_by_label(hebrew(app, "Brand or company name")).fill("שורשים מזון בריא")
    page.get_by_label(hebrew(app, "E-mail")).fill("maya@shorashim.example.com")
    page.get_by_label(hebrew(app, "Password"), exact=True).fill("a long enough passphrase")
    page.get_by_label(hebrew(app, "Repeat the password")).fill("a long enough passphrase")
    page.get_by_role("button", name=hebrew(app, "Create account")).click()
    # Sign-up signs no one in (its answer must not tell whether the e-mail had an account).
    expect(page).to_have_url(f"{live_server}/auth/login")
    expect(page.locator(".flash.success")).to_contain_text(
        hebrew(app, "Check your e-mail: we sent a link to confirm it. Then log in.")
    )
    page.get_by_label(hebrew(app, "E-mail")).fill("maya@shorashim.example.com")
    page.get_by_label(hebrew(app, "Password"), exact=True).fill("a long enough passphrase")
    page.get_by_role("button", name=hebrew(app, "Log in")).click()
    expect(page).to_have_url(f"{live_server}/brand/")
    expect(page.get_by_role("heading", level=1)).to_have_text("שורשים מזון בריא")
    # Until the mailed link is opened, every page asks for it.
    waiting = page.locator(".flash.info", has_text="maya@shorashim.example.com")
    expect(waiting).to_be_visible()
    screenshot("brand-dashboard-he")
    [link] = [url for url in links(latest_mail_body(app)) if "/auth/verify/" in url]
    page.goto(live_server + "/auth/verify/" + link.rsplit("/", 1)[1])
    expect(page.locator(".flash.success")).to_contain_text(
        hebrew(app, "Thank you: your e-mail address is confirmed.")
    )
    expect(waiting).to_have_count(0)


def test_a_sign_up_mistake_is_named_on_the_field(page: Page, live_server: str, app: Any) -> None:
    page.goto(f"{live_server}/auth/signup")
    page.fill("#display_name", "Dana")
    page.fill("#organisation_name", "CloudNest")
    page.fill("#email", "dana@example.com")
    page.fill("#password", "short")
    page.fill("#confirm", "short")
    page.click("#submit")
    expect(page.locator("#password-error")).to_be_visible()
    expect(page.locator("#password")).to_have_attribute("aria-invalid", "true")


def test_each_role_logs_in_to_its_own_dashboard(
    page: Page, live_server: str, make_user: Any, screenshot: Any
) -> None:
    landing = {
        "brand": "/brand/",
        "owner": "/community/",
        "staff": "/agency/",
        "finance": "/finance/",
        "admin": "/admin/",
    }
    for role, path in landing.items():
        user = make_user(role)
        log_in(page, live_server, user.email)
        expect(page).to_have_url(f"{live_server}{path}")
        expect(page.locator(".who")).to_contain_text(user.display_name)
        screenshot(f"dashboard-{role}-he")
        log_out(page)
        expect(page).to_have_url(f"{live_server}/")


def test_switching_language_flips_direction_and_text(
    page: Page, live_server: str, make_user: Any, screenshot: Any
) -> None:
    user = make_user("finance")
    log_in(page, live_server, user.email)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator(".next-steps")).to_contain_text("on the finance desk")
    screenshot("finance-dashboard-en")
    page.get_by_role("button", name="עברית").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def test_keyboard_users_can_skip_to_the_content(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/auth/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # the focus is visible
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
