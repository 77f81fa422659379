"""The creative page: who sees it, writing and approving through it, and channel previews."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaigns.deals.creative import CreativeStatus
from marketplace.auth.models import User
from marketplace.creative.models import Creative
from marketplace.deals.models import DealPlacement
from marketplace.extensions import db
from pricing.taxonomy import PlacementType, Platform
from tests.conftest import DEMO_PASSWORD
from tests.factories import PNG, make_creative, make_deal


@pytest.fixture
def world(app: Flask, make_user: Any) -> dict[str, Any]:
    people = {
        name: make_user(role, locale="en")
        for name, role in [("brand", "brand"), ("owner", "owner"), ("staff", "staff"),
                           ("staff2", "staff"), ("owner2", "owner"), ("brand2", "brand"),
                           ("finance", "finance")]
    }  # fmt: skip
    with app.test_request_context():
        users = {k: db.session.get_one(User, u.id) for k, u in people.items()}
        deal = make_deal(db.session, brand=users["brand"], staff=users["staff"],
                         owner=users["owner"], stage="agreed")  # fmt: skip
        placement_id = deal.placements[0].id
        db.session.commit()
    return {"people": people, "placement_id": placement_id}


def client_of(app: Flask, user: Any) -> FlaskClient:
    client = app.test_client()
    client.post("/auth/login", data={"email": user.email, "password": DEMO_PASSWORD})
    return client


def start(app: Flask, world: dict[str, Any], text: str = "Morning run! שיתוף פעולה בתשלום") -> None:
    with app.test_request_context():
        placement = db.session.get_one(DealPlacement, world["placement_id"])
        people = {k: db.session.get_one(User, u.id) for k, u in world["people"].items()}
        make_creative(db.session, placement, owner=people["owner"], staff=people["staff"],
                      text=text)  # fmt: skip
        db.session.commit()


def status_of(app: Flask, world: dict[str, Any]) -> CreativeStatus:
    with app.app_context():
        creative = db.session.scalars(
            db.select(Creative).where(Creative.deal_placement_id == world["placement_id"])
        ).one()
        return creative.status


def test_the_page_answers_each_role_as_the_deal_is_seen(app: Flask, world: dict[str, Any]) -> None:
    start(app, world)
    url = f"/creative/placement/{world['placement_id']}"
    for name in ("owner", "brand", "staff", "finance"):
        page = client_of(app, world["people"][name]).get(url)
        assert page.status_code == 200, name
        assert "Morning run!" in page.text
    for name in ("owner2", "brand2"):
        assert client_of(app, world["people"][name]).get(url).status_code == 404, name
    # Only the party whose turn it is sees the approve button.
    assert "Approve this version" in client_of(app, world["people"]["owner"]).get(url).text
    assert "Approve this version" not in client_of(app, world["people"]["brand"]).get(url).text


def test_owner_writes_with_an_image_and_the_chain_runs_through_the_page(
    app: Flask, world: dict[str, Any]
) -> None:
    url = f"/creative/placement/{world['placement_id']}"
    owner = client_of(app, world["people"]["owner"])
    assert "Write the post" in owner.get(url).text
    saved = owner.post(f"{url}/draft", data={
        "text": "ריצת בוקר עם הנעליים החדשות", "link_placeholder": "{{link}}",
        "images": (io.BytesIO(PNG), "shoe.png"),
    }, content_type="multipart/form-data")  # fmt: skip
    assert saved.status_code == 302
    page = owner.get(url).text
    [image_url] = re.findall(r'src="(/creative/image/\d+)"', page)
    image = client_of(app, world["people"]["brand"]).get(image_url)
    assert (image.status_code, image.mimetype, image.data) == (200, "image/png", PNG)
    assert client_of(app, world["people"]["owner2"]).get(image_url).status_code == 404
    # No disclosure yet: the approval is refused and the wording is shown.
    refused = owner.post(f"{url}/decide", data={"version": 1, "approve": "1"})
    assert refused.status_code == 422
    assert "must carry the community&#39;s disclosure wording" in refused.text
    assert "שיתוף פעולה בתשלום" in refused.text
    assert status_of(app, world) is CreativeStatus.DRAFT
    owner.post(f"{url}/draft", data={"text": "ריצת בוקר עם הנעליים החדשות. שיתוף פעולה בתשלום",
                                      "version": 1})  # fmt: skip
    assert owner.post(f"{url}/decide", data={"version": 2, "approve": "1"}).status_code == 302
    staff = client_of(app, world["people"]["staff"])
    assert staff.post(f"{url}/decide", data={"version": 2, "approve": "1"}).status_code == 302
    brand = client_of(app, world["people"]["brand"])
    brand.post(f"{url}/comment", data={"body": "Nice shoes"})
    assert brand.post(f"{url}/decide", data={"version": 2, "approve": "1"}).status_code == 302
    assert status_of(app, world) is CreativeStatus.BRAND_APPROVED
    page = brand.get(url).text
    assert "Ready to run" in page
    assert "Nice shoes" in page
    assert page.count('class="chain-step done"') == 3
    # The diff between the two versions marks the added words.
    diff = brand.get(f"{url}?from=1&to=2").text
    assert "<ins>" in diff


def test_a_stale_version_answer_is_a_conflict(app: Flask, world: dict[str, Any]) -> None:
    start(app, world)
    url = f"/creative/placement/{world['placement_id']}"
    owner = client_of(app, world["people"]["owner"])
    owner.post(f"{url}/draft", data={"text": "Changed. שיתוף פעולה בתשלום", "version": 1})
    answer = owner.post(f"{url}/decide", data={"version": 1, "approve": "1"})
    assert answer.status_code == 409


def test_a_file_that_is_not_an_image_is_refused_on_the_page(
    app: Flask, world: dict[str, Any]
) -> None:
    start(app, world)
    url = f"/creative/placement/{world['placement_id']}"
    owner = client_of(app, world["people"]["owner"])
    answer = owner.post(f"{url}/draft", data={
        "text": "x", "version": 1, "images": (io.BytesIO(b"hello, not a png"), "fake.png"),
    }, content_type="multipart/form-data")  # fmt: skip
    assert answer.status_code == 422
    assert "This file is not an image" in answer.text


def test_an_image_that_would_blow_up_in_the_browser_is_refused(
    app: Flask, world: dict[str, Any]
) -> None:
    # 48 megapixels in a few kilobytes: every reviewer's browser would decode it in full.
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")
    assert len(out.getvalue()) < 100_000
    start(app, world)
    url = f"/creative/placement/{world['placement_id']}"
    owner = client_of(app, world["people"]["owner"])
    answer = owner.post(f"{url}/draft", data={
        "text": "x", "version": 1, "images": (io.BytesIO(out.getvalue()), "bomb.png"),
    }, content_type="multipart/form-data")  # fmt: skip
    assert answer.status_code == 422
    assert "too many pixels" in answer.text


@pytest.mark.parametrize(
    ("platform", "placement_type", "style", "css"),
    [
        (Platform.WHATSAPP_GROUP, PlacementType.POST, "whatsapp", "wa-bubble"),
        (Platform.TELEGRAM_CHANNEL, PlacementType.POST, "telegram", "tg-message"),
        (Platform.FACEBOOK_GROUP, PlacementType.POST, "facebook", "fb-post"),
        (Platform.WHATSAPP_GROUP, PlacementType.NEWSLETTER_SPONSORSHIP, "newsletter", "nl-block"),
        (Platform.INSTAGRAM, PlacementType.POST, "generic", "generic-post"),
    ],
)
def test_the_preview_looks_like_the_channel(
    app: Flask,
    world: dict[str, Any],
    platform: Platform,
    placement_type: PlacementType,
    style: str,
    css: str,
) -> None:
    start(app, world, text="ריצת בוקר עם הנעליים החדשות! שיתוף פעולה בתשלום")
    with app.app_context():
        placement = db.session.get_one(DealPlacement, world["placement_id"])
        placement.asset.platform = platform
        placement.placement_type = placement_type
        db.session.commit()
    url = f"/creative/placement/{world['placement_id']}"
    page = client_of(app, world["people"]["owner"]).get(url).text
    assert f'data-preview="{style}"' in page
    # Hebrew first: the post reads right to left.
    assert f'class="{css}" dir="rtl"' in page
    assert 'class="preview-text" dir="rtl"' in page
    for other in {"wa-bubble", "tg-message", "fb-post", "nl-block", "generic-post"} - {css}:
        assert f'class="{other}"' not in page


def test_an_english_post_previews_left_to_right(app: Flask, world: dict[str, Any]) -> None:
    start(app, world, text="Morning run with the new shoes! שיתוף פעולה בתשלום")
    url = f"/creative/placement/{world['placement_id']}"
    page = client_of(app, world["people"]["owner"]).get(url).text
    assert 'class="wa-bubble" dir="ltr"' in page
    assert 'class="preview-text" dir="ltr"' in page


def test_a_hebrew_post_bubble_is_right_to_left(app: Flask, world: dict[str, Any]) -> None:
    start(app, world, text="“ריצת בוקר” עם הנעליים החדשות! שיתוף פעולה בתשלום")
    url = f"/creative/placement/{world['placement_id']}"
    page = client_of(app, world["people"]["owner"]).get(url).text
    assert 'class="wa-bubble" dir="rtl"' in page


def test_the_page_speaks_hebrew_and_names_the_missing_wording(
    app: Flask, world: dict[str, Any]
) -> None:
    start(app, world, text="ריצת בוקר בלי גילוי")
    with app.app_context():
        db.session.get_one(User, world["people"]["owner"].id).locale = "he"
        db.session.commit()
    url = f"/creative/placement/{world['placement_id']}"
    owner = client_of(app, world["people"]["owner"])
    page = owner.get(url).text
    assert "תצוגה מקדימה" in page
    refused = owner.post(f"{url}/decide", data={"version": 1, "approve": "1"})
    assert refused.status_code == 422
    assert "הטקסט חייב לכלול את נוסח הגילוי של הקהילה" in refused.text
    assert "שיתוף פעולה בתשלום" in refused.text


def test_notifications_link_to_the_page(app: Flask) -> None:
    from flask import url_for

    from marketplace.creative.services import placement_link

    with app.test_request_context():
        assert placement_link(42) == url_for("creative.placement", placement_id=42)


def test_latin_names_and_dates_are_isolated_on_the_hebrew_page(
    app: Flask, world: dict[str, Any], make_user: Any
) -> None:
    # "approved by Owner 2 · 7 בדצמ׳ 2026": unisolated, the Latin name and the Hebrew date swap
    # places in a right-to-left line.
    with app.test_request_context():
        placement = db.session.get_one(DealPlacement, world["placement_id"])
        people = {k: db.session.get_one(User, u.id) for k, u in world["people"].items()}
        make_creative(db.session, placement, "owner_approved", owner=people["owner"],
                      staff=people["staff"])  # fmt: skip
        db.session.commit()
        owner_name = people["owner"].display_name
    assert owner_name.isascii()
    reader = make_user("staff", locale="he")
    page = client_of(app, reader).get(f"/creative/placement/{world['placement_id']}").text
    chain = page[page.index('class="chain"') : page.index("</ol>", page.index('class="chain"'))]
    assert f"<bdi>{owner_name}</bdi>" in chain
    assert '<span class="meta"><bdi>' in chain  # the date as a unit of its own
    versions = page[page.index('class="versions"') :]
    versions = versions[: versions.index("</ol>")]
    assert f"<bdi>{owner_name}</bdi>" in versions
    assert '<span class="meta"><bdi>' in versions
    heading = page[page.index("<h1>") : page.index("</h1>")]
    assert f"<bdi>{placement_community(app, world)}</bdi>" in heading


def placement_community(app: Flask, world: dict[str, Any]) -> str:
    with app.app_context():
        placement = db.session.get_one(DealPlacement, world["placement_id"])
        return str(placement.deal.community.display_name)
