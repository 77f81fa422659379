"""The demo data gives the desk brief's agreed placements links, codes and clicks, once."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from marketplace.briefs.models import Brief
from marketplace.deals.demo import DESK_TITLE
from marketplace.deals.models import Deal, DealPlacement, PlacementStatus
from marketplace.extensions import db
from marketplace.links import services as links
from marketplace.links.demo import CLICKS
from marketplace.links.models import LinkClick, PromoCode, TrackedLink


def test_seed_demo_gives_every_agreed_desk_placement_a_link_with_clicks_once(
    app: Flask, runner: Any
) -> None:
    for _ in range(2):  # as `make run` seeds it
        result = runner.invoke(args=["seed-demo", "--communities", "30"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        # The desk brief's links (the finished campaign of the results demo has its own).
        made = list(
            db.session.scalars(
                select(TrackedLink)
                .join(DealPlacement, DealPlacement.id == TrackedLink.placement_id)
                .join(Deal, Deal.id == DealPlacement.deal_id)
                .join(Brief, Brief.id == Deal.brief_id)
                .where(Brief.title == DESK_TITLE)
                .order_by(TrackedLink.id)
            )
        )
        assert made, "the demo has agreed placements, so it has links"
        assert {db.session.get_one(DealPlacement, link.placement_id).status for link in made} == {
            PlacementStatus.AGREED
        }
        ids = [link.id for link in made]
        assert db.session.scalar(
            select(func.count(PromoCode.id)).where(
                PromoCode.placement_id.in_([link.placement_id for link in made])
            )
        ) == len(made)
        counts = links.click_counts(db.session, [link.id for link in made])
        first = counts[made[0].id]
        assert (first.total, first.unique) == (CLICKS[0] + 8, CLICKS[0])  # 8 repeats
        assert first.bots == 8
        assert db.session.scalar(
            select(func.count(LinkClick.id)).where(LinkClick.link_id.in_(ids))
        ) == sum(c.total + c.bots for c in counts.values())
