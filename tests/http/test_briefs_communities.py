"""The regulated categories a community's rules allow: form, listing page, API and demo data."""

from __future__ import annotations

import random
from html import unescape
from typing import Any

from flask import Flask
from flask_babel import force_locale, gettext

from marketplace.auth.models import User
from marketplace.catalog import demo
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Community, ListingStatus
from marketplace.extensions import db
from tests.http.test_api import token_for
from tests.http.test_catalog import listed

FORM = {
    "name_he": "חוסכים חכם",
    "topics": ["finance"],
    "languages": ["he"],
    "region": "nationwide",
    "audience_kind": "b2c",
    "admission": "open",
    "monetisation_experience": "some",
}


def test_an_owner_says_which_regulated_brands_the_rules_allow(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner, community_id = listed(app, make_user)
    auth.login(owner.email)
    form = client.get(f"/catalog/{community_id}/edit").get_data(as_text=True)
    assert 'name="regulated_allowed" type="checkbox" value="finance"' in form
    response = client.post(
        f"/catalog/{community_id}/edit", data={**FORM, "regulated_allowed": ["finance", "health"]}
    )
    assert response.status_code == 302
    with app.app_context():
        community = db.session.get_one(Community, community_id)
        assert community.regulated_allowed == ["finance", "health"]
        # A change to the categories is a reviewed field: the listing waits for staff again.
        assert community.status == ListingStatus.SUBMITTED
        catalog.change_status(
            db.session,
            community,
            ListingStatus.LISTED,
            actor=db.session.get(User, make_user("staff").id),
        )
        db.session.commit()
    page = unescape(client.get(f"/catalog/{community_id}").get_data(as_text=True))
    allowed = page[page.index('class="regulated-allowed"') :].split("</dd>")[0]
    assert allowed.count('class="tag"') == 2
    # Brands read it through the API, where matching will gate on it.
    brand = make_user("brand")
    headers = {"Authorization": f"Bearer {token_for(app, brand)}"}
    one = client.get(f"/api/v1/communities/{community_id}", headers=headers).json
    assert one["regulated_allowed"] == ["finance", "health"]
    page_of = client.get("/api/v1/communities", headers=headers).json["items"]
    assert page_of[0]["regulated_allowed"] == ["finance", "health"]


def test_a_community_of_minors_accepts_no_regulated_brand(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner, community_id = listed(app, make_user)
    auth.login(owner.email)
    refused = client.post(
        f"/catalog/{community_id}/edit",
        data={**FORM, "sensitive_flags": ["minors"], "regulated_allowed": ["alcohol"]},
    )
    assert refused.status_code == 400
    with app.test_request_context(), force_locale("he"):  # the owner reads Hebrew
        expected = gettext("A community with minors accepts no regulated brands.")
    assert expected in unescape(refused.get_data(as_text=True))
    unknown = client.post(
        f"/catalog/{community_id}/edit", data={**FORM, "regulated_allowed": ["x"]}
    )
    assert unknown.status_code == 400
    with app.app_context():
        community = db.session.get(Community, community_id)
        assert community.regulated_allowed == []
        assert community.sensitive_flags == []


def test_the_demo_catalog_allows_regulated_brands_in_a_believable_minority() -> None:
    generated = [spec.community for spec in demo.generate(200)]
    allowing = [c for c in generated if c.regulated_allowed]
    assert 0.03 * len(generated) < len(allowing) < 0.25 * len(generated)
    assert all("minors" not in c.sensitive_flags for c in allowing)
    assert {"finance"} <= {r for c in allowing for r in c.regulated_allowed}
    # Savings and investment groups are the ones that take finance brands.
    finance = [c for c in generated if "finance" in c.topics]
    assert sum("finance" in c.regulated_allowed for c in finance) >= len(finance) // 5
    assert demo.regulated_allowed("finance", ["minors"], random.Random(1)) == []
