"""The deal desk's pages: who sees which deal and which price, and a negotiation through them.

Prices by role (issue 13, item 2): staff and admins see the brand price, the owner payout and
the margin; finance reads the same; the owner sees only the payout; the brand only its price.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaigns.deals import terms as T
from marketplace.auth.models import User
from marketplace.deals import services as deals
from marketplace.deals.models import Deal
from marketplace.deals.records import pure_offer
from marketplace.extensions import db
from tests.factories import make_deal
from tests.http.test_route_policy import sign_in


def amount(minor: int) -> str:
    """An amount as the pages print it (the digits, whatever the locale's currency sign)."""
    return f"{minor / 100:,.2f}"


@dataclass
class World:
    users: dict[str, User]
    deal_id: int


@pytest.fixture
def world(app: Flask, make_user: Any) -> World:
    brand = make_user("brand")
    users = {
        "brand": brand,
        "owner": make_user("owner"),
        "other_owner": make_user("owner"),
        "other_brand": make_user("brand"),
        "staff": make_user("staff"),
        "finance": make_user("finance"),
        "admin": make_user("admin"),
    }
    with app.test_request_context():
        get = lambda name: db.session.get(User, users[name].id)  # noqa: E731
        deal = make_deal(db.session, brand=get("brand"), staff=get("staff"), owner=get("owner"))
        db.session.commit()
        return World(users, deal.id)


def client_for(app: Flask, world: World, who: str) -> FlaskClient:
    client = app.test_client()
    sign_in(app, client, world.users[who])
    return client


def terms_of(app: Flask, deal_id: int) -> T.OfferTerms:
    with app.app_context():
        deal = db.session.get(Deal, deal_id)
        offer = deals.current_offer(deal)
        assert offer is not None
        return pure_offer(offer).terms


def state(app: Flask, deal_id: int) -> dict[str, Any]:
    with app.app_context():
        deal = db.session.get(Deal, deal_id)
        offer = deals.current_offer(deal)
        assert offer is not None
        return {"version": offer.current_version, "deal_version": deal.version,
                "offer": offer.status.value, "deal": deal.status.value}  # fmt: skip


def post(client: FlaskClient, url: str, **data: Any) -> Any:
    return client.post(url, data=data)


def send(app: Flask, world: World, staff: FlaskClient) -> None:
    s = state(app, world.deal_id)
    r = post(staff, f"/deals/{world.deal_id}/send", version=s["version"],
             deal_version=s["deal_version"])  # fmt: skip
    assert r.status_code == 302, r.text


def test_each_role_sees_its_own_price_and_no_other(app: Flask, world: World) -> None:
    staff = client_for(app, world, "staff")
    send(app, world, staff)
    terms = terms_of(app, world.deal_id)
    price, payout = amount(terms.brand_price_minor), amount(terms.owner_payout_minor)
    margin = amount(terms.brand_price_minor - terms.owner_payout_minor)
    assert price != payout
    for who, sees, hidden in [
        ("staff", [price, payout, margin], []),
        ("admin", [price, payout, margin], []),
        ("finance", [price, payout, margin], []),
        ("owner", [payout], [price, margin]),
        ("brand", [price], [payout, margin]),
    ]:
        client = client_for(app, world, who)
        for page in ("/deals/", f"/deals/{world.deal_id}"):
            text = client.get(page).text
            for value in sees:
                assert value in text, (who, page, value)
            for value in hidden:
                assert value not in text, (who, page, value)
            if who in ("owner", "brand"):
                assert "Margin" not in text and "מרווח" not in text, (who, page)


def test_others_deals_do_not_exist_for_them(app: Flask, world: World) -> None:
    for who in ("other_owner", "other_brand"):
        client = client_for(app, world, who)
        assert client.get(f"/deals/{world.deal_id}").status_code == 404, who
        assert f"/deals/{world.deal_id}" not in client.get("/deals/").text, who
    assert (
        client_for(app, world, "brand").get(f"/deals/{world.deal_id}/agreement").status_code == 403
    )
    assert client_for(app, world, "owner").get("/deals/board").status_code == 403
    assert (
        client_for(app, world, "finance").post(f"/deals/{world.deal_id}/cancel").status_code == 403
    )


def test_a_stale_round_gets_the_conflict_page(app: Flask, world: World) -> None:
    staff = client_for(app, world, "staff")
    s = state(app, world.deal_id)
    send(app, world, staff)
    again = post(staff, f"/deals/{world.deal_id}/send", version=s["version"],
                 deal_version=s["deal_version"])  # fmt: skip
    assert again.status_code == 409
    assert "<html" in again.text.lower()
    assert state(app, world.deal_id)["offer"] == "sent"
