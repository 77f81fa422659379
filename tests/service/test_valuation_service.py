"""Valuation services: the engine's input from a listing, stored estimates, recompute in bulk."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from marketplace.auth.models import User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Community, CommunityFacet, ListingStatus
from marketplace.extensions import db
from marketplace.valuation import services as valuation
from marketplace.valuation.models import PlacementEstimate
from marketplace.valuation.services import estimates
from pricing.taxonomy import EvidenceTier, MetricKind, PlacementType, Platform
from tests.factories import make_listing


def _estimates(community: Community) -> list[PlacementEstimate]:
    ids = [a.id for a in community.assets]
    return list(
        db.session.scalars(select(PlacementEstimate).where(PlacementEstimate.asset_id.in_(ids)))
    )


def test_the_input_is_built_from_the_listings_latest_figures(app: Flask, make_user: Any) -> None:
    owner = make_user("owner")
    with app.app_context():
        listing = make_listing(db.session, db.session.get(User, owner.id))
        rows = valuation.estimate_inputs(listing.community, today=date(2026, 11, 11))
        assert len(rows) == 1
        row = rows[0]
        assert row["platform"] == "whatsapp_group"
        assert row["placement"] == "post"
        assert row["currency"] == "ILS"
        assert row["rate_minor"] == 35_000
        assert row["members"] == 640
        assert row["members_tier"] == int(EvidenceTier.SELF_REPORTED)
        assert row["members_age_days"] == 41  # observed on 1 October
        assert row["active_share"] == 310 / 640
        assert row["active_share_tier"] == int(EvidenceTier.SCREENSHOT)
        assert row["active_share_age_days"] == 10
        assert row["vertical"] == "fitness"  # the first topic
        assert row["region"] == "tel_aviv"
        assert row["interaction_mode"] == "many_to_many"
        assert "open_rate" not in row  # not a newsletter


def test_an_asset_without_a_rate_card_is_estimated_for_its_platforms_default_placement(
    app: Flask, make_user: Any
) -> None:
    owner = make_user("owner")
    with app.app_context():
        me = db.session.get(User, owner.id)
        listing = make_listing(db.session, me)
        asset = catalog.save_asset(
            db.session, listing.community,
            {"platform": Platform.NEWSLETTER, "url": "https://runners.substack.com", "size": 4000},
            actor=me, observed_on=date(2026, 11, 1),
        )  # fmt: skip
        catalog.record_metric(
            db.session, asset, MetricKind.OPEN_RATE, 0.45, actor=me, observed_on=date(2026, 11, 1)
        )
        rows = valuation.estimate_inputs(listing.community, today=date(2026, 11, 11))
        newsletter = [r for r in rows if r["asset_id"] == asset.id]
        assert [(r["placement"], r["currency"]) for r in newsletter] == [
            ("newsletter_sponsorship", "ILS")
        ]
        assert newsletter[0]["open_rate"] == 0.45
        assert "rate_minor" not in newsletter[0]
        stored = {e.placement: e for e in _estimates(listing.community) if e.asset_id == asset.id}
        assert stored[PlacementType.NEWSLETTER_SPONSORSHIP].price_verdict is None


def test_a_new_figure_recomputes_the_stored_estimate(app: Flask, make_user: Any) -> None:
    owner = make_user("owner")
    with app.app_context():
        me = db.session.get(User, owner.id)
        listing = make_listing(db.session, me)
        db.session.commit()
        [before] = _estimates(listing.community)
        assert before.status in ("ok", "wide")
        assert before.value_p10_minor < before.value_p50_minor < before.value_p90_minor
        assert before.model_version
        assert before.price_verdict in ("under_priced", "fair", "over_priced")
        assert {f["key"] for f in before.factors} >= {"members", "active_share", "cpm"}
        assert listing.community.value_p50_ils == before.value_p50_minor
        assert listing.community.value_per_shekel_bp == before.value_p50_minor * 10_000 // 35_000
        old_value = before.value_p50_minor
        # 310 of 640 posting means every member reads (× 4.7 readers per poster, capped); a newer
        # count of 40 (6%) means about 29% read, so the stored value falls.
        catalog.record_metric(
            db.session, listing.asset, MetricKind.ACTIVE_MEMBERS, 40, actor=me,
            observed_on=date(2026, 11, 2),
        )  # fmt: skip
        db.session.commit()
        [after] = _estimates(listing.community)
        assert after.value_p50_minor < old_value
        assert listing.community.value_p50_ils == after.value_p50_minor


def test_a_community_with_zero_members_is_refused_with_a_reason_and_no_numbers(
    app: Flask, make_user: Any
) -> None:
    owner = make_user("owner")
    with app.app_context():
        me = db.session.get(User, owner.id)
        community = catalog.save_community(
            db.session, {"name_he": "קהילה ריקה", "topics": ["food"]}, actor=me
        )
        catalog.save_asset(
            db.session, community,
            {"platform": Platform.TELEGRAM_CHANNEL, "url": "https://t.me/empty_channel",
             "size": 0},
            actor=me,
        )  # fmt: skip
        db.session.commit()
        [estimate] = _estimates(community)
        assert estimate.status == "refused"
        assert "members_zero" in estimate.reasons
        assert estimate.value_p50_minor is None
        assert estimate.reach_p50 is None
        assert estimate.factors == []
        assert community.value_p50_ils is None


def test_an_engine_failure_refuses_the_estimate_but_saves_the_listing(
    app: Flask, make_user: Any, monkeypatch: Any
) -> None:
    owner = make_user("owner")

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom")

    with app.app_context():
        me = db.session.get(User, owner.id)
        listing = make_listing(db.session, me)
        monkeypatch.setattr(estimates, "estimate_frame", broken)
        catalog.set_rates(
            db.session, listing.asset, {PlacementType.POST: (40_000, "ILS")}, actor=me
        )
        db.session.commit()
        [estimate] = _estimates(listing.community)
        assert estimate.status == "refused"
        assert estimate.reasons == [valuation.ESTIMATE_FAILED]
        assert estimate.rate_minor == 40_000


def test_the_recompute_command_fills_the_demo_catalog_and_is_idempotent(
    app: Flask, runner: Any
) -> None:
    assert runner.invoke(args=["seed-demo", "--communities", "12"]).exit_code == 0
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(PlacementEstimate))
        assert count
        assert count > 0
        db.session.execute(PlacementEstimate.__table__.delete())
        db.session.execute(Community.__table__.update().values(value_p50_ils=None))
        db.session.commit()
    result = runner.invoke(args=["pricing", "recompute", "--all"])
    assert result.exit_code == 0, result.output
    assert "communities" in result.output

    def snapshot() -> list[tuple[Any, ...]]:
        with app.app_context():
            return [
                tuple(row)
                for row in db.session.execute(
                    select(
                        PlacementEstimate.asset_id, PlacementEstimate.placement,
                        PlacementEstimate.status, PlacementEstimate.value_p50_minor,
                        PlacementEstimate.price_verdict,
                    ).order_by(PlacementEstimate.asset_id, PlacementEstimate.placement)
                )
            ]  # fmt: skip

    first = snapshot()
    assert len(first) == count
    with app.app_context():
        listed = db.session.scalars(
            select(Community).where(Community.status == ListingStatus.LISTED)
        ).all()
        assert listed
        assert all(c.value_p50_ils for c in listed)
        valued = db.session.scalar(
            select(func.count()).select_from(Community).where(Community.value_p50_ils.is_not(None))
        )
        facets = db.session.scalar(select(func.count()).where(CommunityFacet.facet == "value"))
        assert facets == valued
    assert runner.invoke(args=["pricing", "recompute", "--all"]).exit_code == 0
    assert snapshot() == first
    one = runner.invoke(args=["pricing", "recompute", "--community", "999999"])
    assert one.exit_code != 0
