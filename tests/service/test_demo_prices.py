"""The demo a new agency user walks: owners' prices spread around what the value lenses support.

Before the demo drew its prices from the market (and before a measured active share was read as
readers), the three-lens meter called 403 of the 472 listed placements it judged over-priced
(85%) and none under-priced: the issue's "the fair-price meter calls almost every owner
over-priced". docs/pricing.md ("The demo's prices") has the table per platform and size band.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Flask
from sqlalchemy import select

from marketplace.catalog.models import ChannelAsset, Community, ListingStatus
from marketplace.extensions import db
from marketplace.matching.models import MediaPlan
from marketplace.valuation.models import PlacementEstimate
from pricing.taxonomy import Platform


def test_most_demo_owners_are_fairly_priced_some_over_some_under(app: Flask, runner: Any) -> None:
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        verdicts = Counter(
            db.session.scalars(
                select(PlacementEstimate.price_verdict)
                .join(ChannelAsset, PlacementEstimate.asset_id == ChannelAsset.id)
                .join(Community, ChannelAsset.community_id == Community.id)
                .where(
                    Community.status == ListingStatus.LISTED,
                    PlacementEstimate.rate_minor.is_not(None),
                    # Seats at an event are judged by the estimate alone (docs/pricing.md).
                    ChannelAsset.platform != Platform.OFFLINE_EVENTS,
                )
            )
        )
        lines = [
            line
            for plan in db.session.scalars(select(MediaPlan))
            for line in plan.result.get("lines", [])
        ]
    judged = sum(verdicts[v] for v in ("fair", "over_priced", "under_priced"))
    assert judged == sum(verdicts.values()) > 400  # every listed online rate is judged
    share = {v: verdicts[v] / judged for v in ("fair", "over_priced", "under_priced")}
    # Owners ask the market's price times a lognormal spread (log-sd 0.5: one in ten asks 1.9x
    # the market or more, one in ten 0.53x or less). The meter calls a rate over-priced above
    # the more generous lens's P90 when the market calls it high too, or above twice that P90:
    # the top of the spread, not the bulk. 22% today; at most a third, never the 85%.
    assert 0.05 <= share["over_priced"] <= 0.35
    # Cheap asks sit mostly within the lenses' wide lower range (P10 is about a third of P50)
    # or are typical of their market: a few, not none (1% today, 4 TikTok and Instagram rates;
    # 11 before a newsletter sponsorship had a click rate of its own, docs/pricing.md).
    assert 0.005 <= share["under_priced"] <= 0.10
    assert share["fair"] >= 0.60  # most owners (78% today)
    # A plan line is flagged poor exactly when its owner's rate is above what the more generous
    # lens defends at P90, for the brief's own reach (its places and audience).
    assert lines
    for line in lines:
        value = line["value"]
        if value["defensible"] is not None:
            above = line["owner_rate_minor"] > value["defensible"]["p90"]
            assert value["poor"] is above, line
