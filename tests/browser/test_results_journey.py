"""Results in Chromium, in Hebrew: staff upload a campaign's figures (a bad file first, refused
whole, with its rows named), read the report, and the channel's next estimate has moved."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from pdfminer.high_level import extract_text
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from marketplace.auth.models import User
from marketplace.extensions import db
from marketplace.reports.models import PlacementMetric
from marketplace.valuation.models import PlacementEstimate
from tests.browser.test_journeys import hebrew, log_in
from tests.factories import make_deal


def _p50(app: Any, asset_id: int) -> int:
    with app.app_context():
        return int(
            db.session.scalars(
                select(PlacementEstimate.reach_p50).where(PlacementEstimate.asset_id == asset_id)
            ).first()
            or 0
        )


def test_staff_upload_figures_and_the_report_and_estimate_follow(
    page: Page, live_server: str, app: Any, make_user: Any
) -> None:
    owner, staff = make_user("owner", locale="he"), make_user("staff", locale="he")
    brand = make_user("brand", locale="he")
    with app.app_context():
        people = {u.id: db.session.get_one(User, u.id) for u in (owner, staff, brand)}
        deal = make_deal(db.session, brand=people[brand.id], staff=people[staff.id],
                         owner=people[owner.id], stage="agreed")  # fmt: skip
        placement = deal.placements[0]
        placement.starts_on = dt.date.today() - dt.timedelta(days=3)
        ids = (deal.brief_id, placement.id, placement.asset_id)
        db.session.commit()
    brief_id, placement_id, asset_id = ids
    before = _p50(app, asset_id)
    reach = max(1, before // 5)
    day = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    header = "קמפיין,מיקום,תאריך מדידה,רמת ראיה,חשיפה,תגובות\n"
    log_in(page, live_server, staff.email)
    page.goto(f"{live_server}/results/{brief_id}")

    def upload(body: str) -> None:
        page.set_input_files(
            "#file", {"name": "figures.csv", "mimeType": "text/csv", "buffer": body.encode()}
        )
        page.get_by_role("button", name=hebrew(app, "Upload figures")).click()

    upload(header + f"{brief_id},{placement_id},{day},verified,{reach},12\n"
           f"{brief_id + 1},{placement_id},{day},verified,{reach},12\n")  # fmt: skip
    expect(page.locator(".import-problems")).to_contain_text(
        hebrew(app, "Row %(row)s") % {"row": 3}
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PlacementMetric)) == 0

    upload(header + f"{brief_id},{placement_id},{day},verified,{reach},12\n")
    expect(page.locator(".flash, [role=status]").first).to_contain_text(
        hebrew(app, "%(count)s figures saved from the file.") % {"count": 2}
    )
    expect(page.locator('[data-figure="reach"]')).to_have_text(f"{reach:,}")
    expect(page.locator("svg.ranges rect.realised")).to_have_count(1)
    assert page.locator("html").get_attribute("dir") == "rtl"
    # The valuation learnt from it: this channel's next estimate came down towards the result.
    assert _p50(app, asset_id) < before

    pdf = page.request.get(f"{live_server}/results/{brief_id}/report.pdf?lang=he")
    assert pdf.status == 200
    text = extract_text(io.BytesIO(pdf.body()))
    assert f"{reach:,}" in text
    for word in ("חשיפה", "קמפיין"):
        assert word in text or word[::-1] in text
