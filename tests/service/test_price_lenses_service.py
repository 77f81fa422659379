"""The market lens reads listed communities' rates in one query; lenses_for joins the three; every
caller passes the placement, whose own click rate the outcome lens counts where it has one."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from campaigns.brief import BriefSpec, Goal, Kpi, KpiKind
from campaigns.planning import Candidate
from marketplace.auth.models import User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import ListingStatus
from marketplace.extensions import db
from marketplace.matching import against_brief
from marketplace.valuation import services as valuation
from pricing.taxonomy import PlacementType, Platform
from pricing.valuation.lenses import default_lens_tables
from pricing.valuation.schema import Quantiles
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


def test_a_newsletter_sponsor_block_s_outcome_is_an_eighth_of_a_dedicated_send_s(
    app: Flask, make_user: Any
) -> None:
    # The listing page's lenses pass each stored estimate's placement: a sponsor block inside a
    # regular issue is clicked by 0.5-3% of the openers who see it, a send that is all the
    # brand's by 6-16% (lenses.csv), so per person reached its outcome value is an eighth. A
    # WhatsApp post keeps the group's 4-15%. Replacement cost counts reach alone.
    owner = make_user("owner")
    with app.app_context():
        me = db.session.get(User, owner.id)
        assert me is not None
        listing = make_listing(db.session, me)
        mail = catalog.save_asset(
            db.session,
            listing.community,
            {"platform": Platform.NEWSLETTER, "url": "https://runners.example/news", "size": 5_000},
            actor=me,
        )
        catalog.set_rates(
            db.session,
            mail,
            {
                PlacementType.NEWSLETTER_SPONSORSHIP: (40_000, "ILS"),
                PlacementType.DEDICATED_SEND: (90_000, "ILS"),
            },
            actor=me,
        )
        valuation.refresh_estimates(db.session, listing.community)
        db.session.flush()
        stored = valuation.estimates_by_asset(db.session, [listing.asset.id, mail.id])
        lenses = valuation.lenses_for(db.session, listing.community, stored)

        def per_reached(asset_id: int, placement: PlacementType) -> tuple[float, float]:
            """(clicks, outcome P50 in agorot) per person reached at P50."""
            reach = stored[asset_id][placement].reach_p50
            assert reach is not None
            assert reach > 0
            lens = lenses[(asset_id, placement)]
            assert lens["result_kind"] == "clicks"
            return lens["results"] / reach, lens["outcome"][1] / reach

        block = per_reached(mail.id, PlacementType.NEWSLETTER_SPONSORSHIP)
        send = per_reached(mail.id, PlacementType.DEDICATED_SEND)
        tables = default_lens_tables()
        assert block[0] == pytest.approx(
            tables.click_band("newsletter", "newsletter_sponsorship").median
        )
        assert send[0] == pytest.approx(tables.click_band("newsletter").median)
        assert block[0] / send[0] == pytest.approx(0.125)
        assert block[1] / send[1] == pytest.approx(0.125, rel=1e-3)  # worth per click the same
        post = per_reached(listing.asset.id, PlacementType.POST)
        assert post[0] == pytest.approx(tables.click_band("whatsapp_group").median)


def test_the_plan_counts_a_sponsor_block_s_clicks_at_its_own_click_rate(app: Flask) -> None:
    # The plan's KPI outlook (against_brief.with_outcomes) passes each candidate's placement:
    # 10,000 people reached click a dedicated send at 9.80%, a sponsor block at 1.22% and a
    # WhatsApp post at 7.75% (medians of lenses.csv's bands); 8.51% of clicks become leads.
    def candidate(platform: Platform, placement: PlacementType) -> Candidate:
        reach = Quantiles(10_000, 10_000, 10_000)
        return Candidate(1, "C1", platform, placement, 50_000, reach, Quantiles(1, 2, 3))

    rows = [
        candidate(Platform.NEWSLETTER, PlacementType.NEWSLETTER_SPONSORSHIP),
        candidate(Platform.NEWSLETTER, PlacementType.DEDICATED_SEND),
        candidate(Platform.WHATSAPP_GROUP, PlacementType.POST),
    ]
    spec = BriefSpec(
        goal=Goal.SALES_LEADS,
        kpis=(Kpi(KpiKind.CLICKS, 1_000), Kpi(KpiKind.LEADS, 50)),
    )
    with app.app_context():
        out = against_brief.with_outcomes(db.session, rows, spec)
    assert [c.outcomes["clicks"].p50 for c in out] == [122, 980, 775]
    assert [c.outcomes["leads"].p50 for c in out] == [10, 83, 66]
