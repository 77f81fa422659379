"""Layout in Chromium: long unbroken text wraps instead of stretching the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Page

from marketplace.auth.models import User
from marketplace.extensions import db
from tests.browser.test_journeys import log_in, log_out
from tests.factories import make_deal
from tests.http.test_route_policy import sign_in


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


#: Where the first occurrence of each needle inside the element is drawn (its left edge, px).
POSITIONS = """(element, needles) => needles.map((needle) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const i = n.textContent.indexOf(needle);
    if (i >= 0) {
      const range = document.createRange();
      range.setStart(n, i);
      range.setEnd(n, i + needle.length);
      return range.getBoundingClientRect().left;
    }
  }
  return null;
})"""


def test_a_range_on_a_hebrew_page_reads_from_low_to_high(
    page: Page, live_server: str, make_user: Any
) -> None:
    brand = make_user("brand", locale="he")
    log_in(page, live_server, brand.email)
    page.goto(f"{live_server}/catalog/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    for low, high in (("500", "2,000"), ("25", "34"), ("40", "69")):
        label = page.locator("label", has_text=f"{low}–{high}").first
        text = label.text_content() or ""
        left_low, left_high = label.evaluate(POSITIONS, [low, high])
        assert left_low is not None, text
        assert left_high is not None, text
        assert left_low < left_high, f"“{text.strip()}” reads {high}–{low} on the screen"


def test_more_opens_from_the_keyboard_and_its_pages_fit_the_window_right_to_left(
    page: Page, live_server: str, make_user: Any
) -> None:
    admin = make_user("admin", locale="he")
    log_in(page, live_server, admin.email)
    summary = page.locator(".main-nav .nav-more summary")
    summary.focus()
    page.keyboard.press("Enter")
    links = page.locator(".main-nav .nav-more ul a")
    assert links.count() >= 5
    width = page.evaluate("() => document.documentElement.clientWidth")
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None
        assert links.nth(i).is_visible()
        assert box["x"] >= 0, links.nth(i).inner_text()
        assert box["x"] + box["width"] <= width, links.nth(i).inner_text()
    # The menu covers the page's content instead of pushing the header down.
    header = page.locator(".site-header").bounding_box()
    assert header is not None
    assert header["height"] < 140
    links.last.click()
    page.wait_for_load_state()
    assert page.locator(".main-nav .nav-more summary.current").count() == 1


#: How far apart (px) the vertical middles of the header's logo, links and tools are.
HEADER_SPREAD = """() => {
  const items = document.querySelectorAll(
    '.site-header .brand-mark, .main-nav > ul > li, .tools > *');
  const middles = [...items].map((e) => {
    const box = e.getBoundingClientRect();
    return box.top + box.height / 2;
  });
  return Math.max(...middles) - Math.min(...middles);
}"""


@pytest.mark.parametrize(
    ("role", "locale", "name"),
    [
        ("staff", "he", "נועה כהן-לוי"),
        ("finance", "he", "יעל פיננסים"),
        ("owner", "en", "Sarah Katz"),
    ],
)
def test_the_header_is_one_row_on_a_laptop_screen(
    page: Page, live_server: str, app: Any, make_user: Any, role: str, locale: str, name: str
) -> None:
    """At 1366 px the staff header broke onto two rows in Hebrew: the bar, then the user's tools."""
    person = make_user(role, locale=locale)
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user is not None
        user.display_name = name
        db.session.commit()
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server, person.email)
    assert page.locator("html").get_attribute("lang") == locale
    assert page.evaluate(HEADER_SPREAD) < 20, "the header wraps onto a second row"


def test_wide_tables_scroll_inside_themselves_on_a_phone(
    page: Page, live_server: str, app: Any, make_user: Any
) -> None:
    """On a 390 px phone the finance desk, payouts, deal and agreement pages were 450-950 px
    wide: the whole page slid sideways under the thumb. A wide table now scrolls within its
    own box, and the agreement's text wraps."""
    finance, staff = make_user("finance", locale="he"), make_user("staff", locale="he")
    owner, brand = make_user("owner", locale="he"), make_user("brand", locale="he")
    with app.app_context():
        people = {u.id: db.session.get_one(User, u.id) for u in (owner, staff, brand)}
        deal = make_deal(db.session, brand=people[brand.id], staff=people[staff.id],
                         owner=people[owner.id], stage="agreed")  # fmt: skip
        db.session.commit()
        deal_id, brief_id, community_id = deal.id, deal.brief_id, deal.community_id
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, finance.email)
    for path in ("/finance/desk", f"/deals/{deal_id}"):
        page.goto(f"{live_server}{path}")
        assert page.locator("table.table").count() > 0, path
        # A word in a cell is never split letter by letter ("במחלוק|ת"): the table scrolls.
        wrap = page.locator("table.table td").first.evaluate(
            "(td) => getComputedStyle(td).overflowWrap"
        )
        assert wrap == "break-word", path
        width = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert width[0] <= width[1], f"{path} is {width[0]} px wide on a {width[1]} px phone"
    # The agreement's text (a <pre>, with its long SHA-256 line) was 734 px wide.
    log_out(page)
    log_in(page, live_server, staff.email)
    page.goto(f"{live_server}/deals/{deal_id}/agreement")
    assert page.locator("pre.agreement").count() == 1
    width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], f"the agreement is {width[0]} px wide on a {width[1]} px phone"
    # The ranked matches: the hidden labels of its row forms stretched the page to 1182 px.
    page.goto(f"{live_server}/briefs/{brief_id}/matches")
    assert page.locator("table.matches .visually-hidden").count() > 0
    # Absolute, they are placed against the nearest positioned box: it must be one that
    # scrolls with the table (the demo's wide table put them 800 px off the screen).
    escaped = page.evaluate(
        """() => [...document.querySelectorAll('table.matches .visually-hidden')]
          .filter((e) => !e.offsetParent || !e.offsetParent.closest('.table-scroll')).length"""
    )
    assert escaped == 0
    width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], f"the matches are {width[0]} px wide on a {width[1]} px phone"
    # A community's rates, each with its price and estimate, were a row wider than the card.
    page.goto(f"{live_server}/catalog/{community_id}")
    assert page.locator(".rates > li").count() > 0
    width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], f"the listing is {width[0]} px wide on a {width[1]} px phone"


def test_more_opens_inside_a_phone_screen_right_to_left(
    page: Page, live_server: str, make_user: Any
) -> None:
    """On a 390 px phone in Hebrew, staff's "More" sits at the row's far (left) end and its
    menu opened past the screen's left edge, cutting the links' first letters."""
    staff = make_user("staff", locale="he")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, staff.email)
    page.locator(".main-nav .nav-more summary").click()
    links = page.locator(".main-nav .nav-more ul a")
    assert links.count() >= 3
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None
        assert box["x"] >= 0, links.nth(i).inner_text()
        assert box["x"] + box["width"] <= 390, links.nth(i).inner_text()


def test_a_panel_s_heading_sits_at_its_top_edge(
    page: Page, live_server: str, make_user: Any
) -> None:
    """Every panel ("What to do next" first of all) opened on a blank band: the heading's own
    top margin added to the panel's padding, twice the gap of the cards beside it."""
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server, make_user("brand").email)
    gap = page.evaluate(
        """() => {
          const panel = document.querySelector('.next-steps');
          const heading = panel.querySelector('h2');
          return heading.getBoundingClientRect().top - panel.getBoundingClientRect().top;
        }"""
    )
    assert gap < 30, gap


def test_the_results_key_figures_stay_whole_on_a_phone(
    page: Page, live_server: str, app: Any, make_user: Any
) -> None:
    """At 390 px "₪15,721.25" stood one character a line: its label took the whole row."""
    brand, staff, owner = (make_user(role, locale="en") for role in ("brand", "staff", "owner"))
    with app.app_context():
        people = {u.id: db.session.get_one(User, u.id) for u in (owner, staff, brand)}
        deal = make_deal(db.session, brand=people[brand.id], staff=people[staff.id],
                         owner=people[owner.id], stage="agreed")  # fmt: skip
        placement = deal.placements[0]
        placement.starts_on = dt.date.today() - dt.timedelta(days=3)  # it ran: figures count
        db.session.commit()
        brief_id, placement_id, community_id = deal.brief_id, placement.id, deal.community_id
        starts_on = placement.starts_on.isoformat()
    # The owner's reach makes the longest label of all: "Estimates whose P10–P90 range held".
    owner_client = app.test_client()
    sign_in(app, owner_client, owner)
    figures = {"tier": "1", "observed_on": starts_on, "reach": "40"}
    entered = owner_client.post(f"/results/{brief_id}/placements/{placement_id}", data=figures)
    assert entered.status_code == 302
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, brand.email)
    page.goto(f"{live_server}/results/{brief_id}")
    assert page.locator('.key-figures dd[data-figure="coverage"]').count() == 1
    shown = page.locator(".key-figures dd")
    assert shown.count() >= 5
    lines = shown.evaluate_all(
        """(dds) => dds.map((dd) => dd.getBoundingClientRect().height
                             / parseFloat(getComputedStyle(dd).lineHeight))"""
    )
    assert max(lines) < 1.5, f"a figure wraps onto {max(lines):.1f} lines"
    # The listing's facts: a long label left its value a letter a line.
    page.goto(f"{live_server}/catalog/{community_id}")
    widths = page.locator(".facts dd").evaluate_all(
        "(dds) => dds.map((dd) => dd.getBoundingClientRect().width)"
    )
    assert widths
    assert min(widths) > 150, f"a listing fact is squeezed to {min(widths):.0f} px"
