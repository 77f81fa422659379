"""One campaign in Chromium, in Hebrew, from agreed deals to the PDF report (#14 "Done when").

The owner proves every post of the agreed placement (a reused screenshot is refused), staff
verify them, people click the placement's short link through the live server's real redirect,
staff upload the figures as a CSV file, a member answers the pulse, and the report (page and
PDF) shows exactly those figures while the valuation's estimate for that channel × placement
has moved. The setup reuses the delivery, links and results journeys' factories.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from pdfminer.high_level import extract_text
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from marketplace.auth.models import User
from marketplace.delivery.models import Post
from marketplace.extensions import db
from tests.browser.test_journeys import hebrew, log_in, log_out
from tests.browser.test_results_journey import _p50
from tests.factories import make_deal, make_tracked_link, screenshot

#: People's browsers (three different visitors); a chat app's link preview counts as a bot.
PEOPLE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
)
#: The brand's landing page (this machine has no internet, so Kesher's own home page on the
#: live server stands in for it: the browser really follows the redirect and lands there).
LANDING = "/?landing=winter-shoes"


def test_a_campaign_runs_from_agreed_deals_to_the_pdf_report(
    page: Page, browser: Browser, live_server: str, app: Any, make_user: Any
) -> None:
    owner, staff = make_user("owner", locale="he"), make_user("staff", locale="he")
    brand = make_user("brand", locale="he")
    with app.app_context():
        people = {u.id: db.session.get_one(User, u.id) for u in (owner, staff, brand)}
        deal = make_deal(db.session, brand=people[brand.id], staff=people[staff.id],
                         owner=people[owner.id], stage="agreed")  # fmt: skip
        placement = deal.placements[0]
        placement.starts_on = dt.date.today() - dt.timedelta(days=3)
        link = make_tracked_link(
            db.session, placement, actor=people[brand.id], destination=live_server + LANDING
        )
        post_ids = list(
            db.session.scalars(
                select(Post.id).where(Post.deal_placement_id == placement.id).order_by(Post.id)
            )
        )
        ids = (deal.brief_id, placement.id, placement.asset_id, link.slug)
        db.session.commit()
    brief_id, placement_id, asset_id, slug = ids
    assert post_ids
    before = _p50(app, asset_id)
    reach, comments = max(1, before // 5), 17

    # --- proofs: the owner proves each post; the same picture, re-encoded, proves nothing else.
    log_in(page, live_server, owner.email)

    def prove(post_id: int, data: bytes, name: str, mime: str) -> None:
        page.goto(f"{live_server}/campaigns/posts/{post_id}")
        page.fill("#live_url", f"https://chat.whatsapp.com/live/{post_id}")
        page.set_input_files("#screenshot", {"name": name, "mimeType": mime, "buffer": data})
        page.get_by_role("button", name=hebrew(app, "Submit the proof")).click()

    for n, post_id in enumerate(post_ids):
        prove(post_id, screenshot(70 + n), f"shot{n}.png", "image/png")
        expect(page.locator(".post-status strong")).to_have_text(
            hebrew(app, "Posted, waiting for review")
        )
    # The first post's screenshot, resized and re-encoded, offered for a post of another deal.
    with app.app_context():
        other = make_deal(db.session, brand=db.session.get_one(User, brand.id),
                          staff=db.session.get_one(User, staff.id),
                          owner=db.session.get_one(User, owner.id), stage="agreed")  # fmt: skip
        other_post = db.session.scalars(
            select(Post.id).where(Post.deal_id == other.id).order_by(Post.id)
        ).first()
        db.session.commit()
    assert other_post is not None
    prove(other_post, screenshot(70, size=(360, 640), fmt="JPEG"), "again.jpg", "image/jpeg")
    expect(page.locator("#screenshot-error")).to_contain_text("כבר משמש הוכחה לפוסט אחר")

    log_out(page)
    log_in(page, live_server, staff.email)
    for post_id in post_ids:
        page.goto(f"{live_server}/campaigns/posts/{post_id}")
        page.get_by_role("button", name=hebrew(app, "Verify: the post ran as agreed")).click()
        expect(page.locator(".post-status strong")).to_have_text(hebrew(app, "Verified"))
    with app.app_context():
        assert db.session.get_one(Post, other_post).status.value == "scheduled"

    # --- clicks: three people follow the short link through the live redirect to the landing;
    # one of them clicks twice (a repeat), and a chat app fetches its preview (a bot).
    for n, agent in enumerate(PEOPLE):
        context = browser.new_context(user_agent=agent)
        visitor = context.new_page()
        for _ in range(2 if n == 0 else 1):
            visitor.goto(f"{live_server}/r/{slug}")
            assert visitor.url.startswith(f"{live_server}{LANDING}&")
            assert "utm_source=kesher" in visitor.url
        context.close()
    bot = browser.new_context(user_agent="WhatsApp/2.23.20.0 A")
    bot.new_page().goto(f"{live_server}/r/{slug}")
    bot.close()

    # --- figures: staff upload the campaign's metrics file through the report's form.
    page.goto(f"{live_server}/results/{brief_id}")
    csv = (
        "קמפיין,מיקום,תאריך מדידה,רמת ראיה,חשיפה,תגובות\n"
        f"{brief_id},{placement_id},{dt.date.today().isoformat()},verified,{reach},{comments}\n"
    )
    page.set_input_files(
        "#file", {"name": "figures.csv", "mimeType": "text/csv", "buffer": csv.encode()}
    )
    page.get_by_role("button", name=hebrew(app, "Upload figures")).click()
    expect(page.locator(".flash, [role=status]").first).to_contain_text(
        hebrew(app, "%(count)s figures saved from the file.") % {"count": 2}
    )
    with app.app_context():
        statuses = {p.status.value for p in db.session.scalars(
            select(Post).where(Post.id.in_(post_ids)))}  # fmt: skip
    assert statuses == {"measured"}

    # --- the pulse: staff open it, a member answers it once, anonymously.
    page.get_by_role("button", name=hebrew(app, "Open the member pulse")).click()
    survey_url = page.locator("a[href*='/results/pulse/']").first.get_attribute("href")
    assert survey_url
    member = browser.new_context(user_agent=PEOPLE[1])
    answer = member.new_page()
    answer.goto(survey_url)
    answer.check("#recall-0")
    answer.check("#sentiment-4")
    answer.check("#trust-3")
    answer.get_by_role("button", name=hebrew(app, "Send anonymously")).click()
    expect(answer.locator(".pulse-thanks")).to_have_text(
        hebrew(app, "Thank you! Your answer is anonymous.")
    )
    member.close()

    # --- the report: exactly the figures given above.
    page.goto(f"{live_server}/results/{brief_id}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    expect(page.locator('[data-figure="reach"]')).to_have_text(f"{reach:,}")
    expect(page.locator('[data-figure="clicks"]')).to_have_text("3")
    row = page.locator(f'tr[data-placement="{placement_id}"] td')
    expect(row.nth(2)).to_have_text(str(len(post_ids)))  # delivered
    expect(page.locator("svg.ranges rect.realised")).to_have_count(1)
    pulse = page.locator("#pulse-title ~ table tbody tr").first
    expect(pulse.locator("td").nth(1)).to_have_text("1")
    expect(pulse).to_contain_text(hebrew(app, "Too few answers to show."))

    # The PDF says the same, in Hebrew.
    pdf = page.request.get(f"{live_server}/results/{brief_id}/report.pdf?lang=he")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = extract_text(io.BytesIO(pdf.body()))
    assert f"{reach:,}" in text
    for word in ("חשיפה", "קמפיין"):
        assert word in text or word[::-1] in text

    # The valuation learnt from the result: this channel × placement's next estimate moved.
    assert _p50(app, asset_id) < before
