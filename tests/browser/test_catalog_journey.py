"""An owner lists a community, staff verify and approve it, a brand finds it — in Hebrew."""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale, gettext
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import log_in, log_out


def he(app: Any, message: str, **values: Any) -> str:
    with app.test_request_context(), force_locale("he"):
        return gettext(message, **values)


def test_owner_lists_staff_verify_and_a_brand_finds_it(
    page: Page, live_server: str, app: Any, make_user: Any, screenshot: Any
) -> None:
    owner, staff, brand = make_user("owner"), make_user("staff"), make_user("brand")

    # The owner lists a community and its WhatsApp group.
    log_in(page, live_server, owner.email)
    page.get_by_role("link", name=he(app, "My communities")).click()
    page.get_by_role("link", name=he(app, "List a community")).click()
    page.get_by_label(he(app, "Name in Hebrew")).fill("סורגות בירושלים")
    page.get_by_label(he(app, "What the community is")).fill(
        "מפגשי סריגה ותה בכל יום שלישי בנחלאות"
    )
    page.get_by_label(he(app, "Tone")).fill("חם ומפרגן")
    page.get_by_label(he(app, "Art and culture")).check()
    page.get_by_label(he(app, "Hebrew"), exact=True).check()
    page.get_by_label(he(app, "Region")).select_option("jerusalem")
    page.get_by_role("button", name=he(app, "Save")).click()
    page.get_by_label(he(app, "Platform"), exact=True).select_option("podcast")
    expect(page.get_by_label(he(app, "Podcast read"))).to_be_visible()
    page.get_by_label(he(app, "Platform"), exact=True).select_option("whatsapp_group")
    # The rate card offers only what a WhatsApp group has.
    expect(page.get_by_label(he(app, "Podcast read"))).to_be_hidden()
    expect(page.get_by_label(he(app, "Survey"))).to_be_visible()
    page.get_by_label(he(app, "Address (URL)")).fill("https://chat.whatsapp.com/KnitJlm")
    page.get_by_label(he(app, "Members / followers / subscribers")).fill("380")
    page.get_by_label(he(app, "Post"), exact=True).fill("300")
    page.get_by_role("button", name=he(app, "Save channel")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("סורגות בירושלים")
    page.get_by_role("button", name=he(app, "Submit for review")).click()
    expect(page.locator(".status").first).to_have_text(he(app, "Waiting for review"))
    screenshot("catalog-owner-submitted-he")
    log_out(page)

    # Staff verify the members figure and approve the listing.
    log_in(page, live_server, staff.email)
    page.get_by_role("link", name=he(app, "Review"), exact=True).click()
    page.get_by_role("link", name="סורגות בירושלים").click()
    page.locator("details.history summary").click()
    page.get_by_label(he(app, "Verify")).first.check()
    page.get_by_role("button", name=he(app, "Save review")).first.click()
    expect(page.locator(".badge.tier-verified").first).to_be_visible()
    page.get_by_role("button", name=he(app, "Approve and list")).click()
    expect(page.locator(".status").first).to_have_text(he(app, "Listed"))
    screenshot("catalog-staff-approved-he")
    log_out(page)

    # A brand finds it by a word from its description.
    log_in(page, live_server, brand.email)
    page.get_by_role("link", name=he(app, "Communities")).click()
    page.get_by_role("searchbox").fill("סריגה")
    page.get_by_role("button", name=he(app, "Search"), exact=True).click()
    result = page.locator(".result").first
    expect(result).to_contain_text("סורגות בירושלים")
    expect(result.locator(".badge.tier-verified")).to_be_visible()
    screenshot("catalog-brand-search-he")
    result.get_by_role("link", name="סורגות בירושלים").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    # The brand price: the owner's ₪300 plus the agency's 25% (never the owner's rate).
    expect(page.locator(".rates")).to_contain_text("375")
    expect(page.locator(".rates")).not_to_contain_text("300")
    screenshot("catalog-brand-listing-he")
