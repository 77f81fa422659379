"""Value estimates on the listing page, in the catalog's sort and filter, and in the API."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask

from marketplace.auth.models import User
from marketplace.catalog import services as catalog
from marketplace.catalog import vocab
from marketplace.catalog.models import Community
from marketplace.extensions import db
from pricing.taxonomy import MetricKind, Platform
from tests.http.test_api import token_for
from tests.http.test_catalog import listed

VERDICTS_HE = ("מתומחר בחסר", "מחיר הוגן", "מתומחר ביתר")


def test_staff_see_the_verdict_and_why_this_number_in_hebrew(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    """The analyst's detail is for agency staff; owners read it in words (test_owner_pricing)."""
    _owner, community_id = listed(app, make_user)
    auth.login(make_user("staff").email)
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert "שווי מוערך" in page
    assert "למה המספר הזה" in page
    assert any(verdict in page for verdict in VERDICTS_HE)
    assert "CPM בפועל" in page
    assert "שיעור החברים הפעילים" in page  # a factor label from the engine, in Hebrew
    assert "צילום מסך" in page  # its basis: the screenshot


def test_a_brand_sees_the_range_but_not_the_verdict(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    _owner, community_id = listed(app, make_user)
    auth.login(make_user("brand", locale="en").email)
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert "Estimated value" in page
    assert "Why this number" in page
    assert "Share of members active" in page
    for verdict in ("Under-priced", "Fair price", "Over-priced", "Effective CPM", "verdict-"):
        assert verdict not in page


def test_a_refused_estimate_shows_its_reason_instead_of_a_number(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="en")
    with app.app_context():
        me = db.session.get(User, owner.id)
        community = catalog.save_community(db.session, {"name_en": "Empty"}, actor=me)
        catalog.save_asset(
            db.session, community,
            {"platform": Platform.TELEGRAM_CHANNEL, "url": "https://t.me/nobody_here", "size": 0},
            actor=me,
        )  # fmt: skip
        db.session.commit()
        community_id = community.id
    auth.login(owner.email)
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert "No estimate" in page
    assert "Zero members" in page
    assert "Why this number" not in page


def test_sorting_by_value_returns_communities_in_value_order(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    _owner, small = listed(app, make_user)
    owner2, large = listed(app, make_user, topics=["finance"])
    with app.app_context():
        community = db.session.get(Community, large)
        catalog.record_metric(
            db.session, community.assets[0], MetricKind.ACTIVE_MEMBERS, 600,
            actor=db.session.get(User, owner2.id), observed_on=date(2026, 11, 5),
        )  # fmt: skip
        db.session.commit()
        values = {c.id: c.value_p50_ils for c in db.session.query(Community).all()}
    assert values[large] > values[small]
    auth.login(make_user("brand").email)
    for sort in ("value", "value_per_shekel"):
        page = client.get(f"/catalog/?sort={sort}").get_data(as_text=True)
        assert page.index(f'/catalog/{large}"') < page.index(f'/catalog/{small}"')
    band = next(
        slug for slug, low, high in vocab.VALUE_BANDS
        if values[small] >= low and (high is None or values[small] < high)
    )  # fmt: skip
    page = client.get(f"/catalog/?value={band}").get_data(as_text=True)
    assert f'/catalog/{small}"' in page


def test_the_api_returns_estimates_without_verdicts(
    app: Flask, client: Any, make_user: Any
) -> None:
    _owner, community_id = listed(app, make_user)
    headers = {"Authorization": f"Bearer {token_for(app, make_user('brand'))}"}
    detail = client.get(f"/api/v1/communities/{community_id}", headers=headers).json
    [estimate] = detail["assets"][0]["estimates"]
    assert estimate["placement"] == "post"
    assert estimate["status"] in ("ok", "wide")
    assert estimate["currency"] == "ILS"
    value = estimate["value_minor"]
    assert value["p10"] < value["p50"] < value["p90"]
    assert estimate["reach"]["p50"] > 0
    assert estimate["model_version"]
    assert {f["key"] for f in estimate["factors"]} >= {"members", "cpm"}
    text = str(detail)
    assert "verdict" not in text
    assert "effective_cpm" not in text
    by_value = client.get("/api/v1/communities?sort=value", headers=headers)
    assert by_value.status_code == 200
