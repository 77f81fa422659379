"""One member count: valuation and matching read the same current size of a channel."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask

from marketplace.auth.models import User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import ChannelAsset, Community, ListingStatus
from marketplace.extensions import db
from marketplace.health import services as health
from marketplace.matching.records import load_records
from marketplace.valuation import services as valuation
from pricing.taxonomy import EvidenceTier, MetricKind, Platform
from tests.factories import make_listing

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"
DAY = date(2026, 11, 5)


def sizes(community: Community) -> tuple[dict[int, float], float, float | None]:
    """Valuation's size per channel, and matching's total size and active share."""
    db.session.expire_all()
    community = db.session.get_one(Community, community.id)
    by_asset = {row["asset_id"]: row["members"] for row in valuation.estimate_inputs(community)}
    record = {r.id: r for r in load_records(db.session)}[community.id]
    return by_asset, float(record.total_size), record.active_share


def listed(owner: User, staff: User) -> Any:
    listing = make_listing(db.session, owner)
    catalog.change_status(db.session, listing.community, ListingStatus.SUBMITTED, actor=owner)
    catalog.change_status(db.session, listing.community, ListingStatus.LISTED, actor=staff)
    return listing


def test_valuation_and_matching_read_the_owners_new_size(app: Flask, make_user: Any) -> None:
    owner, agency = make_user("owner"), make_user("staff")
    with app.app_context():
        me, staff = db.session.get_one(User, owner.id), db.session.get_one(User, agency.id)
        listing = listed(me, staff)
        catalog.save_asset(
            db.session, listing.community, {"size": 700}, actor=me, asset=listing.asset
        )
        db.session.commit()
        by_asset, total, active_share = sizes(listing.community)
    assert by_asset == {listing.asset.id: 700.0}
    assert total == 700.0
    assert active_share is not None
    assert abs(active_share - 310 / 700) < 1e-9  # make_listing's 310 active members


def test_a_verification_entered_after_the_owners_edit_of_the_same_day_is_the_size_for_both(
    app: Flask, make_user: Any
) -> None:
    owner, agency = make_user("owner"), make_user("staff")
    with app.app_context():
        me, staff = db.session.get_one(User, owner.id), db.session.get_one(User, agency.id)
        listing = listed(me, staff)
        asset = listing.asset
        catalog.save_asset(
            db.session, listing.community, {"size": 800}, actor=me, asset=asset, observed_on=DAY
        )
        screenshot = catalog.latest_metric(asset, MetricKind.MEMBERS)
        assert screenshot is not None
        catalog.save_asset(
            db.session, listing.community, {"size": 900}, actor=me, asset=asset, observed_on=DAY
        )
        # Staff verify the 800 of that day after the owner typed 900: the later entry wins.
        catalog.review_metric(db.session, screenshot, verified=True, note="", actor=staff)
        db.session.commit()
        newest = catalog.latest_metric(asset, MetricKind.MEMBERS)
        assert newest is not None
        assert (newest.value, newest.tier) == (800, EvidenceTier.VERIFIED)
        assert asset.members.value == 800
        assert asset.members.tier == EvidenceTier.VERIFIED
        by_asset, total, active_share = sizes(listing.community)
    assert by_asset == {asset.id: 800.0}
    assert total == 800.0
    assert active_share is not None
    assert abs(active_share - 310 / 800) < 1e-9


def test_a_back_dated_figure_joins_the_history_and_leaves_the_size_alone(
    app: Flask, make_user: Any
) -> None:
    owner, agency = make_user("owner"), make_user("staff")
    with app.app_context():
        me, staff = db.session.get_one(User, owner.id), db.session.get_one(User, agency.id)
        listing = listed(me, staff)
        catalog.record_metric(
            db.session, listing.asset, MetricKind.MEMBERS, 600, actor=me,
            observed_on=date(2026, 9, 1),
        )  # fmt: skip
        db.session.commit()
        assert listing.asset.members.value == 640
        assert listing.asset.members.observed_on == date(2026, 10, 1)
        by_asset, total, _share = sizes(listing.community)
    assert by_asset == {listing.asset.id: 640.0}
    assert total == 640.0


def test_valuation_and_matching_read_the_member_count_an_export_proves(
    app: Flask, make_user: Any
) -> None:
    owner, agency = make_user("owner"), make_user("staff")
    with app.app_context():
        me, staff = db.session.get_one(User, owner.id), db.session.get_one(User, agency.id)
        listing = listed(me, staff)
        group = catalog.save_asset(
            db.session, listing.community,
            {"platform": Platform.FACEBOOK_GROUP,
             "url": "https://facebook.com/groups/runners", "size": 1100},
            # Staff add the channel: an owner's new channel would send the listing to review.
            actor=staff, observed_on=date(2024, 1, 1),
        )  # fmt: skip
        data = (EXPORTS / "facebook_insights.csv").read_bytes()
        pending = health.preview_export(db.session, group, data, "insights.csv", actor=me)
        health.confirm_export(db.session, pending, actor=me)
        db.session.commit()
        assert db.session.get_one(ChannelAsset, group.id).members.tier == EvidenceTier.EXPORT
        by_asset, total, _share = sizes(listing.community)
    assert by_asset == {listing.asset.id: 640.0, group.id: 1191.0}  # the export counts 1,191
    assert total == 640.0 + 1191.0
