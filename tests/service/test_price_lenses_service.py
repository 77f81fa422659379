"""The market lens reads listed communities' rates in one query; lenses_for joins the three."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event

from marketplace.auth.models import User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import ListingStatus
from marketplace.extensions import db
from marketplace.valuation import services as valuation
from pricing.taxonomy import PlacementType, Platform
from tests.factories import make_listing


def _list(community: Any, owner: User, staff: User) -> None:
    catalog.change_status(db.session, community, ListingStatus.SUBMITTED, actor=owner)
    catalog.change_status(db.session, community, ListingStatus.LISTED, actor=staff)


def test_the_market_is_the_listed_communities_rates_in_one_query(
    app: Flask, make_user: Any
) -> None:
    owner, staff = make_user("owner"), make_user("staff")
    with app.app_context():
        me = db.session.get(User, owner.id)
        agent = db.session.get(User, staff.id)
        assert me is not None
        assert agent is not None
        shown = make_listing(db.session, me)
        _list(shown.community, me, agent)
        draft = make_listing(db.session, me)  # a draft's rates are nobody's market yet
        catalog.set_rates(db.session, draft.asset, {PlacementType.POST: (99_900, "ILS")}, actor=me)
        db.session.flush()

        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(str(args[2]))

        engine = db.session.get_bind()
        event.listen(engine, "before_cursor_execute", count)
        try:
            market = valuation.market_frame(db.session)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert len(statements) == 1
        assert market.to_dict("records") == [
            {
                "asset_id": shown.asset.id,
                "platform": "whatsapp_group",
                "placement": "post",
                "currency": "ILS",
                "members": 640.0,
                "vertical": "fitness",
                "rate_minor": 35_000.0,
            }
        ]
        assert valuation.market_frame(db.session, [Platform.NEWSLETTER]).empty


def test_lenses_for_gives_each_estimate_its_lenses_and_the_meter(
    app: Flask, make_user: Any
) -> None:
    owner = make_user("owner")
    with app.app_context():
        me = db.session.get(User, owner.id)
        assert me is not None
        listing = make_listing(db.session, me)
        db.session.flush()
        stored = valuation.estimates_by_asset(db.session, [listing.asset.id])
        lenses = valuation.lenses_for(db.session, listing.community, stored)
        lens = lenses[(listing.asset.id, PlacementType.POST)]
        low, mid, high = lens["replacement"]
        assert 0 < low < mid < high
        low, mid, high = lens["outcome"]
        assert 0 < low < mid < high
        assert lens["result_kind"] == "clicks"
        assert lens["uplift"] > 1.0  # a many-to-many WhatsApp group
        assert lens["percentile"] is None  # no comparable listed rates
        assert lens["market_level"] == "none"
        assert lens["verdict"] in ("fair", "over_priced", "under_priced")
        assert lens["suggested"] is not None

        leads = valuation.lenses_for(
            db.session, listing.community, stored, goal="sales_leads", result_value_minor=20_000
        )[(listing.asset.id, PlacementType.POST)]
        assert leads["result_kind"] == "leads"
        assert leads["from_brand"] is True
