"""A brand writes a brief in Hebrew, saves a draft, comes back and submits it; staff plan it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.test_catalog_journey import he
from tests.browser.test_journeys import log_in, log_out


def test_a_brand_drafts_and_submits_a_brief_and_staff_take_it_into_planning(
    page: Page, live_server: str, app: Any, make_user: Any, screenshot: Any
) -> None:
    maya, noa = make_user("brand"), make_user("staff")
    title = "חטיף חלבון לרצים — השקה"

    # A first draft: a title, a goal and the message; nothing else yet.
    log_in(page, live_server, maya.email)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.get_by_role("link", name=he(app, "Briefs"), exact=True).click()
    page.get_by_role("link", name=he(app, "New brief")).click()
    page.get_by_label(he(app, "Brief title")).fill(title)
    page.get_by_label(he(app, "What is the campaign for?")).select_option("market_education")
    page.get_by_label(he(app, "The message, in a few sentences")).fill(
        "להסביר לרצים למה חלבון צמחי מקמח חומוס מספיק להתאוששות אחרי אימון."
    )
    page.get_by_role("button", name=he(app, "Save draft")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".brief-status")).to_have_text(he(app, "Draft"))
    expect(page.locator("#missing-title")).to_be_visible()
    screenshot("brief-draft-he")

    # Later: back from the dashboard, the draft is completed and submitted.
    page.get_by_role("link", name=he(app, "Dashboard")).click()
    page.get_by_role("link", name=he(app, "Briefs"), exact=True).click()
    page.get_by_role("link", name=title).click()
    page.get_by_role("link", name=he(app, "Edit brief")).click()
    page.get_by_role("group", name=he(app, "Gender")).get_by_label(he(app, "Women")).check()
    page.get_by_role("group", name=he(app, "Age")).get_by_label("25–34").check()
    topics = page.get_by_role("group", name=he(app, "Topics"), exact=True)
    topics.get_by_label(he(app, "Sport and fitness")).check()
    page.get_by_label(he(app, "Budget"), exact=True).fill("18000")
    page.get_by_label(he(app, "Campaign starts")).fill((date.today() + timedelta(10)).isoformat())
    page.get_by_label(he(app, "Campaign ends")).fill((date.today() + timedelta(40)).isoformat())
    page.get_by_label(he(app, "Reach (people)")).fill("40000")
    page.get_by_label(he(app, "Sales"), exact=True).fill("300")
    screenshot("brief-form-he")
    page.get_by_role("button", name=he(app, "Submit brief")).click()
    expect(page.locator(".brief-status")).to_have_text(he(app, "Submitted"))
    # A sales target for market education is allowed, with the reason it is unrealistic.
    warning = page.locator("[data-kpi-warning='kpis.sales']")
    expect(warning).to_contain_text(
        he(
            app,
            "A market-education campaign builds understanding; direct sales are not what it "
            "delivers. Measure reach, engagement and questions instead.",
        )
    )
    screenshot("brief-submitted-he")
    log_out(page)

    # Agency staff find it in their queue and take it into planning.
    log_in(page, live_server, noa.email)
    page.get_by_role("link", name=he(app, "Briefs"), exact=True).click()
    expect(page.locator("table.queue")).to_contain_text(title)
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name=he(app, "Take into planning")).click()
    expect(page.locator(".brief-status")).to_have_text(he(app, "In planning"))
    expect(page.locator("table.history")).to_contain_text(noa.display_name)
    screenshot("brief-in-planning-he")
