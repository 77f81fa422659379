"""Rate cards offer only the placements a platform has: one table, for the form, the save and
the import (issue 11, item 14)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale

from marketplace.auth.models import User
from marketplace.catalog import imports
from marketplace.catalog import services as catalog
from marketplace.catalog.services import CatalogValidationError
from marketplace.extensions import db
from pricing.taxonomy import PlacementType, Platform
from pricing.valuation.priors import default_priors, offered_placements
from tests.conftest import DEMO_PASSWORD
from tests.factories import make_listing

HEADER = (
    "community_key,owner_email,name_he,name_en,topics,languages,region,city,platform,url,size,"
    "interaction_mode,currency,rate_post,rate_podcast_read,as_of,evidence\n"
)


def test_every_platform_offers_something_and_a_whatsapp_group_no_podcast_read() -> None:
    offered = offered_placements()
    assert all(offered[p] for p in Platform)
    assert PlacementType.PODCAST_READ not in offered[Platform.WHATSAPP_GROUP]
    assert offered[Platform.PODCAST] == (PlacementType.PODCAST_READ,)
    assert PlacementType.POST in offered[Platform.WHATSAPP_GROUP]


def test_the_valuation_prices_exactly_the_offered_placements() -> None:
    """The same table: what the form offers, the valuation does not refuse as not offered."""
    priors = default_priors()
    for platform, placements in offered_placements().items():
        for placement in PlacementType:
            assert ((platform, placement) in priors.placements) is (placement in placements)


@pytest.fixture
def owner_session(app: Flask, make_user: Any) -> Any:
    owner = make_user("owner", email="owner@example.com")
    staff = make_user("staff")
    with app.test_request_context(), force_locale("en"):
        yield db.session, db.session.get(User, owner.id), db.session.get(User, staff.id)


def test_saving_a_placement_the_platform_lacks_is_refused_on_its_field(owner_session: Any) -> None:
    session, owner, _staff = owner_session
    listing = make_listing(session, owner)  # a WhatsApp group
    with pytest.raises(CatalogValidationError) as refused:
        catalog.set_rates(
            session, listing.asset, {PlacementType.PODCAST_READ: (90_000, "ILS")}, actor=owner
        )
    ((field, message),) = refused.value.problems
    assert field == "rate_podcast_read"
    assert "WhatsApp group" in message
    assert "Podcast read" in message
    assert "Post" in message  # what it does offer
    assert [r.placement for r in listing.asset.rates] == [PlacementType.POST]


def test_the_import_refuses_a_placement_the_platform_lacks_with_row_and_column(
    owner_session: Any,
) -> None:
    session, _owner, staff = owner_session
    body = HEADER + (
        "k1,owner@example.com,רצים,Runners,fitness,he,tel_aviv,,whatsapp_group,"
        "https://chat.whatsapp.com/Ab1,640,many_to_many,ILS,350,900,2026-10-01,self_reported\n"
        "k2,owner@example.com,פודקאסט,Pod,fitness,he,tel_aviv,,podcast,"
        "https://example.org/pod,900,one_to_many,ILS,,900,2026-10-01,self_reported\n"
    )
    plan = imports.plan_import(session, body.encode(), "rates.csv", actor=staff)
    assert not plan.ok
    problems = [(p.row, p.column) for p in plan.problems]
    assert (2, "rate_podcast_read") in problems
    assert all(row != 3 for row, _c in problems), list(map(str, plan.problems))


def test_the_rate_card_form_offers_the_platforms_placements_and_explains_a_wrong_one(
    app: Flask, client: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="en")
    with app.app_context():
        community = catalog.save_community(
            db.session, {"name_en": "Knitters"}, actor=db.session.get(User, owner.id)
        )
        db.session.commit()
        url = f"/catalog/{community.id}/assets/new"
    client.post("/auth/login", data={"email": owner.email, "password": DEMO_PASSWORD})
    form = client.get(url).get_data(as_text=True)
    podcast_read = form.split('id="rate_podcast_read"')[0].rsplit("<div data-platforms=", 1)[1]
    assert podcast_read.startswith('"podcast"')
    response = client.post(
        url,
        data={"platform": "whatsapp_group", "url": "https://chat.whatsapp.com/Knit01",
              "size": "240", "interaction_mode": "many_to_many", "currency": "ILS",
              "rate_post": "250", "rate_podcast_read": "900"},
    )  # fmt: skip
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="rate_podcast_read-error"' in page
    assert "is not offered there" in page
    assert 'value="900"' in page  # kept, and shown (not hidden) beside its error
    with app.app_context():
        assert db.session.get(type(community), community.id).assets == []


def test_a_channel_without_a_rate_card_is_valued_for_a_placement_it_has() -> None:
    from marketplace.valuation.services import default_placement

    for platform, placements in offered_placements().items():
        assert default_placement(platform) in placements, platform
