"""A city brief's plan in Hebrew: staff shortlist a community from another city, the plan leaves
it out and says why, and a reach target the plan misses shows its shortfall and the budget."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from marketplace.auth.models import User
from marketplace.briefs import services as briefs
from marketplace.catalog import services as catalog
from marketplace.catalog.models import ListingStatus
from marketplace.extensions import db
from tests.browser.test_catalog_journey import he
from tests.browser.test_journeys import log_in
from tests.factories import brief_data, make_listing


def test_a_city_brief_s_plan_buys_only_in_the_city_and_warns_of_a_kpi_shortfall(
    page: Page, live_server: str, app: Any, make_user: Any, screenshot: Any
) -> None:
    maya, noa, owner = make_user("brand"), make_user("staff"), make_user("owner")
    places = [("רצים בתל אביב", "tel_aviv", "תל אביב"), ("רצות ביפו", "tel_aviv", "תל אביב"),
              ("רצים בנצרת", "north", "נצרת")]  # fmt: skip
    with app.test_request_context():
        me, agent = db.session.get(User, owner.id), db.session.get(User, noa.id)
        for name, region, city in places:
            listing = make_listing(db.session, me, name_he=name, region=region, city=city)
            catalog.change_status(db.session, listing.community, ListingStatus.SUBMITTED, actor=me)
            catalog.change_status(db.session, listing.community, ListingStatus.LISTED, actor=agent)
        # The shop opens in Tel Aviv (the title names it); 50,000 people is far beyond two
        # 640-member groups.
        data = brief_data(title="פתיחת חנות ריצה בתל אביב", kpis={"reach": 50_000})
        brief = briefs.save_brief(db.session, data, actor=db.session.get(User, maya.id))
        briefs.submit_brief(db.session, brief, actor=db.session.get(User, maya.id))
        db.session.commit()
        brief_id = brief.id

    log_in(page, live_server, noa.email)
    page.goto(f"{live_server}/briefs/{brief_id}/matches")
    results = page.locator("table.matches tbody tr")
    expect(results).to_have_count(3)  # ranking only prefers the city: Nazareth is listed
    for _ in places:
        page.locator("table.matches tbody tr form button").first.click()
    page.get_by_role("link", name=he(app, "Shortlist and plans")).first.click()
    expect(page.locator("table.table tbody tr")).to_have_count(3)

    page.get_by_role("button", name=he(app, "Build the optimal plan")).click()
    lines = page.locator("table.table").filter(has_text=he(app, "What the plan buys"))
    expect(lines.locator("tbody tr")).not_to_have_count(0)
    expect(lines).not_to_contain_text("נצרת")  # no community from elsewhere is bought
    expect(lines).to_contain_text("תל אביב")
    expect(page.locator("#plan-constraints")).to_contain_text("תל אביב")
    expect(page.locator("#plan-refused")).to_contain_text("רצים בנצרת")
    shortfall = page.locator("#plan-kpis .kpi-shortfall")
    expect(shortfall).to_have_count(1)
    expect(shortfall).to_contain_text("50,000")
    expect(shortfall).to_contain_text("חשיפה")
    screenshot("plan-keeps-to-brief-he")
    # A laptop screen: the plan's eleven columns squeezed "קבוצת וואטסאפ" into a letter or two
    # per line ("קבוצ / ת / וואט / סאפ"). Every word stays whole; the table scrolls instead.
    page.set_viewport_size({"width": 1366, "height": 768})
    broken = lines.evaluate(WORDS_BROKEN_ACROSS_LINES)
    assert broken == [], broken


#: The words of a table's body that the browser split across two lines or more.
WORDS_BROKEN_ACROSS_LINES = """(table) => {
  const broken = [];
  const walker = document.createTreeWalker(table.tBodies[0], NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      // One rectangle per bidi run: a word is broken when they sit on more than one line.
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0)
        .map((r) => Math.round(r.top)));
      if (tops.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""
