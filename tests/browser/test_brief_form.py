"""The long brief form in a browser: a failed submit leads to the first problem, and the
KPI-realism warning appears while the brand is still typing."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.test_catalog_journey import he
from tests.browser.test_journeys import log_in


def test_a_failed_submit_focuses_the_first_invalid_field_and_warnings_come_while_typing(
    page: Page, live_server: str, app: Any, make_user: Any, screenshot: Any
) -> None:
    maya = make_user("brand")
    log_in(page, live_server, maya.email)
    page.goto(f"{live_server}/briefs/new")

    # While writing: a leads target for an awareness goal is questioned before any submit.
    page.get_by_label(he(app, "What is the campaign for?")).select_option("awareness")
    page.get_by_label(he(app, "Leads"), exact=True).press_sequentially("500")
    warning = page.locator("[data-kpi-warning='kpi_leads']")
    expect(warning).to_contain_text(
        he(
            app,
            "An awareness campaign is measured by reach and recall; leads need a sales/leads goal.",
        )
    )
    page.get_by_label(he(app, "Leads"), exact=True).fill("")
    expect(warning).to_have_count(0)

    # A submit with a title and a goal only: the summary lists every problem and the first
    # invalid field (the audience, first on the page) has the focus.
    page.get_by_label(he(app, "Brief title")).fill("קמפיין מודעות לאביב")
    page.get_by_label(he(app, "Budget"), exact=True).fill("99999999999999")
    page.get_by_role("button", name=he(app, "Submit brief")).click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(he(app, "Nothing was saved. Please fix:"))
    expect(summary).to_contain_text(
        he(app, "A budget is at most 20,000,000; check the number of zeros.")
    )
    first_link = summary.locator("a").first
    expect(first_link).to_have_attribute("href", "#audience")
    focused_name = page.evaluate("document.activeElement.name")
    assert focused_name.startswith("audience_"), focused_name
    screenshot("brief-form-errors-he")

    # Following a link in the summary puts the cursor in that field.
    summary.get_by_role("link", name=he(app, "Budget"), exact=True).click()
    expect(page.get_by_label(he(app, "Budget"), exact=True)).to_be_focused()
