"""An owner uploads a Hebrew WhatsApp export, checks what is kept, and sees the score."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from marketplace.auth.models import User
from marketplace.extensions import db
from tests.browser.test_catalog_journey import he
from tests.browser.test_journeys import log_in
from tests.factories import make_listing

CHAT = Path(__file__).resolve().parents[1] / "data" / "exports" / "whatsapp_android_he_24h.txt"


def test_owner_uploads_a_chat_export_confirms_and_sees_the_health_score(
    page: Page, live_server: str, app: Any, make_user: Any, screenshot: Any
) -> None:
    owner = make_user("owner")
    with app.app_context():
        listing = make_listing(db.session, db.session.get(User, owner.id))
        db.session.commit()
        community_id, asset_id = listing.community.id, listing.asset.id

    log_in(page, live_server, owner.email)
    page.goto(f"{live_server}/catalog/{community_id}")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.get_by_role("link", name=he(app, "Upload a chat export")).click()
    page.locator("input[type=file]").set_input_files(str(CHAT))
    page.get_by_role("button", name=he(app, "Check the export")).click()

    # The preview promises, in Hebrew, that no text was kept, and shows only hashed rows.
    expect(page.locator(".privacy-promise")).to_contain_text(
        he(app, "Message text was never read into storage.")
    )
    expect(page.get_by_role("heading", name=he(app, "Exactly what is kept"))).to_be_visible()
    body = page.locator("main").inner_text()
    for secret in ("דנה לוי", "bring water", "+972"):
        assert secret not in body
    screenshot("health-preview-he")

    page.get_by_role("button", name=he(app, "Keep these figures")).click()
    expect(page).to_have_url(f"{live_server}/catalog/{community_id}#asset-{asset_id}")
    figures = page.locator(f"#asset-{asset_id}")
    expect(figures).to_contain_text(he(app, "Health score"))
    expect(figures.locator(".badge.tier-export").first).to_be_visible()
    screenshot("health-listing-he")
