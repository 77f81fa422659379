"""The whole negotiation in Hebrew (issue 13, "Done when"): from the brand's approval of the
plan to offers, a counter, a decline and its replacement, confirmed agreements with their PDF,
creative approved by everyone a regulated brief needs, and the board showing every deal ready.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.auth.models import User
from marketplace.briefs import services as briefs
from marketplace.briefs.models import BriefStatus
from marketplace.deals import services as deal_services
from marketplace.deals.models import Deal
from marketplace.deals.records import pure_offer
from marketplace.extensions import db
from tests.browser.test_catalog_journey import he
from tests.browser.test_journeys import log_in, log_out
from tests.factories import list_community, make_brief, make_listing, make_plan

#: A post that carries the default disclosure wording (every community's, by default).
POST = "חיסכון לפנסיה מתחיל בריצה קטנה כל חודש. שיתוף פעולה בתשלום"
UNDISCLOSED = "חיסכון לפנסיה מתחיל בריצה קטנה כל חודש."
DISCLOSURE_NEEDED = (
    "The text must carry the community's disclosure wording before it can be approved: %(wording)s"
)


def test_the_whole_negotiation_in_hebrew(
    page: Page, live_server: str, app: Any, make_user: Any, screenshot: Any
) -> None:
    maya, noa, dana = make_user("brand"), make_user("staff"), make_user("staff")
    avi, rina = make_user("owner"), make_user("owner")
    with app.test_request_context():
        get = lambda u: db.session.get_one(User, u.id)  # noqa: E731
        agency = get(noa)

        def listed(owner: Any, name: str) -> Any:
            listing = make_listing(db.session, get(owner), name_he=name,
                                   regulated_allowed=["finance"])  # fmt: skip
            return list_community(db.session, listing, owner=get(owner), staff=agency)

        planned = [listed(avi, "רצים בפארק הירקון"), listed(avi, "רצות בבוקר בחיפה"),
                   listed(rina, "מועדון הריצה של באר שבע")]  # fmt: skip
        spare = listed(rina, "רצי הנגב")  # listed, not in the plan: the replacement
        brief = make_brief(db.session, get(maya), status=BriefStatus.SUBMITTED,
                           title="חיסכון לפנסיה לרצים", regulated=["finance"])  # fmt: skip
        briefs.decide_compliance(db.session, brief, approved=True, note="", actor=agency)
        plan = make_plan(db.session, brief, agency, planned, propose=True)
        assert len(plan.result["lines"]) == 3, plan.result
        db.session.commit()
        brief_id, spare_name = brief.id, spare.display_name
        names = [c.display_name for c in planned]

    # The brand approves the plan: the desk opens one deal per community.
    log_in(page, live_server, maya.email)
    page.goto(f"{live_server}/briefs/{brief_id}")
    page.get_by_role("link", name=he(app, "See the plan")).click()
    page.get_by_role("button", name=he(app, "Approve the plan")).click()
    expect(page.locator(".meta .badge").first).to_have_text(he(app, "Approved by the brand"))
    log_out(page)
    with app.app_context():
        opened = db.session.scalars(select(Deal).where(Deal.brief_id == brief_id)).all()
        by_name = {d.community.display_name: d.id for d in opened}
    assert sorted(by_name) == sorted(names)
    counter, plain, declined = (f"{live_server}/deals/{by_name[n]}" for n in names)

    def click(name: str, **values: Any) -> None:
        page.get_by_role("button", name=he(app, name, **values), exact=True).click()

    def flash(message: str) -> None:
        expect(page.locator(".flash").last).to_contain_text(he(app, message))

    def confirm_agreement(url: str, message: str) -> None:
        page.goto(url)
        page.get_by_role("link", name=he(app, "Read and confirm the agreement")).click()
        expect(page.locator("pre.agreement")).to_contain_text("סיכום הסכם")
        click("I confirm this agreement")
        flash(message)

    # Staff send the three offers from the brief's deals.
    log_in(page, live_server, noa.email)
    page.goto(f"{live_server}/deals/?brief={brief_id}")
    for name in names:
        expect(page.locator("main")).to_contain_text(name)
    # The live desk figures read what staff type, in shekels: a third decimal is refused there
    # and then, "707.50" gives a margin (nothing is saved: the figures are a GET).
    page.goto(counter)
    staff_payout = page.get_by_label(he(app, "Owner payout (%(currency)s)", currency="₪")).first
    live = page.locator(".live-figures")
    staff_payout.fill("707.505")
    expect(live).to_have_text(he(app, "At most two decimal places."))
    staff_payout.fill("707.50")
    expect(live).to_contain_text("%")
    expect(live).not_to_contain_text(he(app, "At most two decimal places."))
    for url in (counter, plain, declined):
        page.goto(url)
        click("Send the offer")
        flash("The offer was sent to the community owner.")
        expect(page.locator(".offer-status")).to_have_text(he(app, "Sent to the owner"))
    log_out(page)

    # Owner A counters on one deal (more payout) and accepts the other as it is.
    log_in(page, live_server, avi.email)
    page.goto(counter)
    expect(page.locator("#desk-figures")).to_have_count(0)  # no brand price, no margin
    expect(page.get_by_label(he(app, "Brand price (%(currency)s)", currency="₪"))).to_have_count(0)
    payout = page.get_by_label(he(app, "Owner payout (%(currency)s)", currency="₪")).first
    assert re.fullmatch(r"[1-9]\d*\.\d\d", payout.input_value())  # major units: "516.25"
    shown = Decimal(payout.input_value())
    asked = (shown * 12 / 10).quantize(Decimal("0.01"))
    payout.fill(str(asked))
    page.get_by_label(he(app, "Note")).fill("קצת יותר, הקהילה פעילה מאוד")
    click("Send the counter-offer")
    flash("Your counter-offer was sent.")
    with app.app_context():  # what was typed in shekels is stored in agorot
        offer = deal_services.current_offer(db.session.get_one(Deal, by_name[names[0]]))
        assert offer is not None
        placements = pure_offer(offer).terms.placements
        first = min(placements, key=lambda p: (p.asset_id, p.placement_type.value))
        assert first.owner_payout_minor == int(asked * 100)
    expect(page.locator(".offer-status")).to_have_text(he(app, "Countered by the owner"))
    page.goto(plain)
    click("Accept these terms")
    flash("The terms are accepted; both sides now confirm the agreement.")
    confirm_agreement(plain, "Your confirmation is recorded; the other side confirms next.")
    log_out(page)

    # Owner B declines: not our community's DNA.
    log_in(page, live_server, rina.email)
    page.goto(declined)
    page.get_by_label(he(app, "Why")).select_option("not_our_dna")
    page.get_by_label(he(app, "In your words")).fill("הקהל שלנו לא מתחבר לפיננסים")
    click("Decline")
    flash("The offer was declined.")
    expect(page.locator("#thread")).to_contain_text(he(app, "Does not fit our community's DNA"))
    log_out(page)

    # Staff accept the counter, confirm both agreements, and replace the declined community.
    log_in(page, live_server, noa.email)
    page.goto(counter)
    expect(page.locator("table.diff")).to_contain_text(he(app, "Owner payout"))
    click("Accept these terms")
    flash("The terms are accepted; both sides now confirm the agreement.")
    confirm_agreement(counter, "Your confirmation is recorded; the other side confirms next.")
    confirm_agreement(plain, "Both sides confirmed: the deal is agreed.")
    page.goto(declined)
    page.get_by_role("link", name=he(app, "Find a replacement community")).click()
    candidates = page.locator("ul.candidates li")
    expect(candidates.first).to_contain_text(spare_name)
    screenshot("deals-replacements-he")
    candidates.first.get_by_role("button", name=he(app, "Offer in its place")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(spare_name)
    replacement = page.url.split("#")[0].split("?")[0]
    click("Send the offer")
    flash("The offer was sent to the community owner.")
    page.goto(declined)
    expect(page.locator("p.meta").first).to_contain_text(he(app, "Cancelled"))
    log_out(page)

    # Owner B accepts the replacement and confirms; owner A confirms the countered deal.
    log_in(page, live_server, rina.email)
    page.goto(replacement)
    click("Accept these terms")
    confirm_agreement(replacement, "Your confirmation is recorded; the other side confirms next.")
    log_out(page)
    log_in(page, live_server, avi.email)
    confirm_agreement(counter, "Both sides confirmed: the deal is agreed.")
    # The agreement's PDF opens.
    page.get_by_role("link", name=he(app, "The agreement")).click()
    href = page.get_by_role("link", name=he(app, "Download PDF")).get_attribute("href")
    assert href is not None
    pdf = page.request.get(f"{live_server}{href}")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    screenshot("deals-agreement-he")
    log_out(page)
    log_in(page, live_server, noa.email)
    confirm_agreement(replacement, "Both sides confirmed: the deal is agreed.")
    log_out(page)
    deals = {avi: [counter, plain], rina: [replacement]}

    # Each owner writes the post of each placement and approves it.
    posts: list[str] = []
    for owner, urls in deals.items():
        log_in(page, live_server, owner.email)
        for url in urls:
            page.goto(url)
            page.locator("ul.creative-links a").first.click()
            posts.append(page.url)
            if not posts[1:]:  # the first post: without the disclosure, no approval
                page.get_by_label(he(app, "Post text")).fill(UNDISCLOSED)
                click("Save as a new version")
                click("Approve this version")
                expect(page.locator(".flash").last).to_contain_text(he(app, DISCLOSURE_NEEDED,
                                                        wording="שיתוף פעולה בתשלום"))  # fmt: skip
            page.get_by_label(he(app, "Post text")).fill(POST)
            click("Save as a new version")
            expect(page.locator(".preview-text")).to_have_text(POST)
            expect(page.locator(".creative-status")).to_contain_text(he(app, "Draft"))
            expect(page.locator("ol.versions li")).to_have_count(1 if posts[1:] else 2)
            click("Approve this version")
            expect(page.locator(".creative-status")).to_contain_text(
                he(app, "Approved by the owner")
            )
        log_out(page)
    screenshot("deals-creative-owner-he")

    # The agency, then the brand, then the compliance reviewer (another staff member) approve.
    for user, reached in [(noa, "Approved by the agency"), (maya, "Approved by the brand"),
                          (dana, "Approved by compliance")]:  # fmt: skip
        log_in(page, live_server, user.email)
        for url in posts:
            page.goto(url)
            expect(page.locator(".listing-head")).to_contain_text(he(app, "Regulated category"))
            if user is maya and url == posts[0]:
                page.get_by_label(he(app, "Comment")).fill("מעולה, בדיוק הטון שרצינו")
                click("Add comment")
                expect(page.locator("ul.creative-comments")).to_contain_text("בדיוק הטון")
            click("Approve this version")
            expect(page.locator(".creative-status")).to_contain_text(he(app, reached))
        if user is not dana:
            log_out(page)
    expect(page.locator(".creative-status .badge")).to_have_text(he(app, "Ready to run"))
    screenshot("deals-creative-approved-he")

    # The board: every deal of the brief is ready to run; the declined one is cancelled.
    page.goto(f"{live_server}/deals/board?brief={brief_id}")
    ready = page.locator('section[data-stage="ready_to_run"]')
    expect(ready.locator("h2")).to_contain_text(he(app, "Ready to run"))
    expect(ready.locator("article.card")).to_have_count(3)
    for url in (counter, plain, replacement):
        path = url.removeprefix(live_server)
        expect(ready.locator(f'a[href="{path}"]')).to_have_count(1)
    gone = page.locator('section[data-stage="cancelled"]')
    expect(gone.locator(f'a[href="{declined.removeprefix(live_server)}"]')).to_have_count(1)
    screenshot("deals-board-he")
