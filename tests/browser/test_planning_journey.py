"""Staff shortlist communities for a brief, build the optimal plan, send it; the brand approves."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from marketplace.auth.models import User
from marketplace.briefs import services as briefs
from marketplace.catalog import services as catalog
from marketplace.catalog.models import ListingStatus
from marketplace.extensions import db
from tests.browser.test_catalog_journey import he
from tests.browser.test_journeys import log_in, log_out
from tests.factories import brief_data, make_listing


def test_staff_plan_a_brief_and_the_brand_approves_the_plan(
    page: Page, live_server: str, app: Any, make_user: Any, screenshot: Any
) -> None:
    maya, noa, owner = make_user("brand"), make_user("staff"), make_user("owner")
    names = ["רצים בפארק הירקון", "רצות בבוקר בחיפה", "מועדון הריצה של באר שבע"]
    with app.test_request_context():
        me, agent = db.session.get(User, owner.id), db.session.get(User, noa.id)
        for name in names:
            listing = make_listing(db.session, me, name_he=name)
            catalog.change_status(db.session, listing.community, ListingStatus.SUBMITTED, actor=me)
            catalog.change_status(db.session, listing.community, ListingStatus.LISTED, actor=agent)
        author = db.session.get(User, maya.id)
        brief = briefs.save_brief(db.session, brief_data(kpis={}), actor=author)
        briefs.submit_brief(db.session, brief, actor=db.session.get(User, maya.id))
        db.session.commit()
        brief_id, title = brief.id, brief.title

    # Staff: from the brief to the ranked list, each community with its reasons.
    log_in(page, live_server, noa.email)
    page.goto(f"{live_server}/briefs/{brief_id}")
    page.get_by_role("link", name=he(app, "Ranked communities")).first.click()
    results = page.locator("table.matches tbody tr")
    expect(results).to_have_count(3)
    results.first.locator("details.why summary").click()  # the reasons open on demand
    expect(results.first.locator("ul.reasons li")).to_have_count(7)
    expect(results.first.locator("ul.reasons li").first).to_be_visible()
    screenshot("planning-ranked-he")
    for _ in names:
        page.locator("table.matches tbody tr form button").first.click()
    page.get_by_role("link", name=he(app, "Shortlist and plans")).first.click()
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(3)
    first = rows.first
    first.locator("select[name=state]").select_option("locked")
    first.get_by_role("button", name=he(app, "Save")).click()
    expect(page.locator("table.table tbody tr").first).to_contain_text(he(app, "Locked in"))

    # The optimiser's plan: totals with P10–P90, the margin (agency only), the lines.
    page.get_by_role("button", name=he(app, "Build the optimal plan")).click()
    expect(page.get_by_role("heading", level=2, name=he(app, "Agency margin"))).to_be_visible()
    expect(page.locator("table.table tbody tr")).not_to_have_count(0)
    screenshot("planning-plan-he")
    page.get_by_role("button", name=he(app, "What if the budget were %(share)s higher?",
                                        share="20%")).click()  # fmt: skip
    expect(page.get_by_role("heading", name=he(app, "What if the budget were %(share)s higher",
                                                share="20%"))).to_be_visible()  # fmt: skip
    page.get_by_role("button", name=he(app, "Send this plan to the brand")).click()
    expect(page.locator(".meta .badge").first).to_have_text(he(app, "Proposed to the brand"))
    log_out(page)

    # The brand: the plan without the agency's margin; approving hands it to the deal desk.
    log_in(page, live_server, maya.email)
    page.goto(f"{live_server}/briefs/{brief_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_role("link", name=he(app, "See the plan")).click()
    expect(page.get_by_role("heading", level=2, name=he(app, "Agency margin"))).to_have_count(0)
    # Amounts are written right to left ("‏215.53 ‏₪"); the value's range isolated them as
    # left to right, and its shekel signs jumped ends ("₪215.53 ל־₪2,150.83").
    ranges = page.locator("p.meta", has_text=he(app, "likely between %(low)s and %(high)s %(band)s",
                                                low="", high="", band="").split()[0])  # fmt: skip
    expect(ranges.first).to_be_visible()
    backwards = page.evaluate(
        """() => [...document.querySelectorAll('bdi[dir=ltr]')]
          .filter((b) => b.textContent.includes('\u200f')).map((b) => b.textContent)"""
    )
    assert backwards == []
    page.get_by_label(he(app, "Your comments")).fill("נראה מצוין, מאשרים.")
    screenshot("planning-brand-review-he")
    page.get_by_role("button", name=he(app, "Approve the plan")).click()
    expect(page.locator(".meta .badge").first).to_have_text(he(app, "Approved by the brand"))
    expect(page.locator("ul.comments")).to_contain_text("נראה מצוין, מאשרים.")
