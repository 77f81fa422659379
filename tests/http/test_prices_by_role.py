"""Who sees which price and which links, on every surface, for every role (issue 11, item 2).

The listing's rate card is ₪350.00 (35,000 agorot) for a post; with the default 25% margin a
brand pays ₪437.50. Brands, finance, other owners and API clients see ₪437.50 only; the
owner sees ₪350.00 only; agency staff and admins see both. The WhatsApp invite link reaches
the owner and the agency only.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from marketplace.auth.models import User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import ListingStatus
from marketplace.extensions import db
from pricing.margin import brand_price
from tests.factories import make_listing
from tests.http.test_api import token_for

OWNER_RATE = "350.00"
BRAND_PRICE = "437.50"
INVITE = "chat.whatsapp.com/"

#: role → (price shown, whether the owner's rate shows, whether the invite link shows)
EXPECTED = {
    "brand": (BRAND_PRICE, False, False),
    "finance": (BRAND_PRICE, False, False),
    "owner": (OWNER_RATE, True, True),
    "staff": (OWNER_RATE, True, True),
    "admin": (OWNER_RATE, True, True),
}


def test_the_brand_price_is_the_planners_price() -> None:
    assert brand_price(35_000, 2_500) == 43_750


@pytest.fixture
def world(app: Flask, make_user: Any) -> dict[str, Any]:
    """A listed community (₪350 a post, a WhatsApp invite link, one pasted in its story too)."""
    users = {
        "owner": make_user("owner"),
        "other_owner": make_user("owner"),
        "brand": make_user("brand"),
        "staff": make_user("staff"),
        "finance": make_user("finance"),
        "admin": make_user("admin"),
    }
    with app.test_request_context():
        owner = db.session.get(User, users["owner"].id)
        staff = db.session.get(User, users["staff"].id)
        listing = make_listing(
            db.session, owner,
            founding_story="התחלנו בקבוצה: https://chat.whatsapp.com/StoryLink42 והצטרפו עוד.",
        )  # fmt: skip
        catalog.change_status(db.session, listing.community, ListingStatus.SUBMITTED, actor=owner)
        catalog.change_status(db.session, listing.community, ListingStatus.LISTED, actor=staff)
        db.session.commit()
        return {"users": users, "community_id": listing.community.id}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_its_price_and_no_more_on_the_listing_and_search_pages(
    client: Any, auth: Any, world: dict[str, Any], role: str
) -> None:
    price, sees_owner_rate, sees_invite = EXPECTED[role]
    auth.login(world["users"][role].email)
    community_id = world["community_id"]
    for _ in range(2):  # the second read may come from the page cache: it must agree
        listing = client.get(f"/catalog/{community_id}").get_data(as_text=True)
        results = client.get("/catalog/?sort=cheapest").get_data(as_text=True)
        for page in (listing, results):
            assert price in page
            assert (OWNER_RATE in page) is sees_owner_rate
            assert (BRAND_PRICE in page) is (not sees_owner_rate or role != "owner")
        assert (INVITE in listing) is sees_invite
        assert ("StoryLink42" in listing) is sees_invite


def test_another_owner_sees_neither_the_listing_nor_a_price(
    client: Any, auth: Any, world: dict[str, Any]
) -> None:
    auth.login(world["users"]["other_owner"].email)
    assert client.get(f"/catalog/{world['community_id']}").status_code == 404
    results = client.get("/catalog/?sort=cheapest").get_data(as_text=True)
    assert OWNER_RATE not in results
    assert BRAND_PRICE not in results
    assert INVITE not in results


def test_anonymous_visitors_see_no_price_at_all(client: Any, world: dict[str, Any]) -> None:
    for url in (f"/catalog/{world['community_id']}", "/catalog/"):
        response = client.get(url)
        assert response.status_code == 302
        body = response.get_data(as_text=True)
        assert OWNER_RATE not in body
        assert BRAND_PRICE not in body
    assert client.get("/api/v1/communities").status_code == 401


@pytest.mark.parametrize("role", ["brand", "finance"])
def test_non_agency_readers_cannot_bracket_the_owners_rate_with_the_price_filter(
    client: Any, auth: Any, world: dict[str, Any], role: str
) -> None:
    """The price bands index the owner's rate: for readers outside the agency they are ignored."""
    auth.login(world["users"][role].email)
    for band in ("p1", "p2", "p3", "p4"):  # ₪350 is in p1 as an owner rate, not as a price
        page = client.get(f"/catalog/?price={band}").get_data(as_text=True)
        assert f'/catalog/{world["community_id"]}"' in page, band
    assert 'name="price"' not in client.get("/catalog/").get_data(as_text=True)


def test_staff_filter_by_bands_of_the_owners_rate(
    client: Any, auth: Any, world: dict[str, Any]
) -> None:
    auth.login(world["users"]["staff"].email)
    assert f'/catalog/{world["community_id"]}"' in client.get("/catalog/?price=p1").text
    assert f'/catalog/{world["community_id"]}"' not in client.get("/catalog/?price=p2").text


def test_the_api_gives_brand_prices_and_no_invite_links(
    app: Flask, client: Any, world: dict[str, Any]
) -> None:
    headers = {"Authorization": f"Bearer {token_for(app, world['users']['brand'])}"}
    listing = client.get("/api/v1/communities", headers=headers)
    assert listing.status_code == 200
    (item,) = listing.json["items"]
    assert item["min_rate"] == {"amount_minor": 43_750, "currency": "ILS", "basis": "brand_price"}
    detail = client.get(f"/api/v1/communities/{world['community_id']}", headers=headers)
    assert detail.status_code == 200
    (asset,) = detail.json["assets"]
    assert [r["amount_minor"] for r in asset["rates"]] == [43_750]
    assert asset["url"] is None
    for response in (listing, detail):
        text = response.get_data(as_text=True)
        assert "35000" not in text
        assert INVITE not in text
        assert "StoryLink42" not in text
    # Filtering by a band of the owner's rate does not narrow an API client's results either.
    for band in ("p1", "p2"):
        banded = client.get(f"/api/v1/communities?price={band}", headers=headers)
        assert [c["id"] for c in banded.json["items"]] == [world["community_id"]]


def test_the_plan_and_the_listing_agree_on_the_brand_price_to_the_agora(
    app: Flask, client: Any, auth: Any, world: dict[str, Any]
) -> None:
    """A brand sees the same ₪437.50 in its plan (page and API) as on the listing page."""
    from marketplace.briefs import services as briefs
    from tests.factories import brief_data

    users = world["users"]
    with app.test_request_context():
        author = db.session.get(User, users["brand"].id)
        brief = briefs.save_brief(db.session, brief_data(kpis={}), actor=author)
        briefs.submit_brief(db.session, brief, actor=author)
        db.session.commit()
        brief_id = brief.id
    auth.login(users["staff"].email)
    shortlisted = client.post(
        f"/briefs/{brief_id}/shortlist", data={"community_id": world["community_id"]}
    )
    assert shortlisted.status_code == 302
    plan_url = client.post(f"/briefs/{brief_id}/plans").headers["Location"]
    staff_page = client.get(plan_url).get_data(as_text=True)
    assert BRAND_PRICE in staff_page
    assert OWNER_RATE in staff_page  # the agency sees the owner's rate and its margin
    assert client.post(f"{plan_url}/propose").status_code == 302
    auth.logout()

    auth.login(users["brand"].email)
    plan_page = client.get(plan_url).get_data(as_text=True)
    assert BRAND_PRICE in plan_page
    assert OWNER_RATE not in plan_page
    assert "87.50" not in plan_page  # nor the margin
    assert BRAND_PRICE in client.get(f"/catalog/{world['community_id']}").text
    auth.logout()
    for role in ("owner", "finance"):
        auth.login(users[role].email)
        assert client.get(plan_url).status_code in (403, 404)
        auth.logout()

    api = client.get(
        f"/api/v1/briefs/{brief_id}/plan",
        headers={"Authorization": f"Bearer {token_for(app, users['brand'])}"},
    )
    (line,) = api.json["lines"]
    assert line["brand_price_minor"] == 43_750
    assert "owner_rate_minor" not in line
    assert "35000" not in api.get_data(as_text=True)
    assert INVITE not in api.get_data(as_text=True)


@pytest.mark.parametrize("role", ["brand", "owner", "finance"])
def test_the_catalog_export_is_out_of_reach_outside_the_agency(
    client: Any, auth: Any, world: dict[str, Any], role: str
) -> None:
    auth.login(world["users"][role].email)
    for fmt in ("csv", "xlsx", "json"):
        assert client.get(f"/catalog/export?format={fmt}").status_code == 403


def test_a_brands_matches_speak_of_brand_prices_only(
    app: Flask, client: Any, world: dict[str, Any]
) -> None:
    """Value for money and the budget in the ranked list use what the brand would pay."""
    from marketplace.briefs import services as briefs
    from tests.factories import brief_data

    with app.test_request_context():
        author = db.session.get(User, world["users"]["brand"].id)
        brief = briefs.save_brief(db.session, brief_data(kpis={}), actor=author)
        briefs.submit_brief(db.session, brief, actor=author)
        db.session.commit()
        brief_id = brief.id
    headers = {"Authorization": f"Bearer {token_for(app, world['users']['brand'])}"}
    response = client.get(f"/api/v1/briefs/{brief_id}/matches", headers=headers)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "35000" not in text
    assert "₪350" not in text
    params = [
        e["params"] for row in response.json["rows"] for e in row["explanations"] if e["params"]
    ]
    rates = [p["rate_minor"] for p in params if "rate_minor" in p]
    assert rates == [43_750]
