"""Approving a plan on its page opens its deals in the same request (the plan.approved event)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from campaigns.deals import DealStatus, OfferStatus
from marketplace.deals.models import Deal, DealEvent
from marketplace.extensions import db
from marketplace.matching.models import MediaPlan
from tests.http.test_matching import World, _shortlist_all, world  # noqa: F401  (fixture)


def test_the_brand_approving_a_plan_opens_one_deal_per_community_of_it(
    app: Flask,
    client: Any,
    auth: Any,
    world: World,  # noqa: F811
) -> None:
    auth.login(world.staff.email)
    _shortlist_all(app, client, world)
    plan_url = client.post(f"/briefs/{world.brief_id}/plans").headers["Location"]
    plan_id = int(plan_url.rsplit("/", 1)[1])
    assert client.post(f"{plan_url}/propose").status_code == 302
    auth.logout()
    with app.app_context():
        assert db.session.scalars(select(Deal)).all() == []
    auth.login(world.brand.email)
    answer = client.post(f"{plan_url}/decision", data={"decision": "approve", "comment": ""})
    assert answer.status_code == 302
    with app.app_context():
        plan = db.session.get(MediaPlan, plan_id)
        assert plan is not None
        opened = db.session.scalars(select(Deal).where(Deal.plan_id == plan_id)).all()
        wanted = {line["community_id"] for line in plan.result["lines"]}
        assert wanted
        assert {d.community_id for d in opened} == wanted
        for deal in opened:
            assert deal.status is DealStatus.NEGOTIATING
            assert [o.status for o in deal.offers] == [OfferStatus.DRAFT]
            opening = db.session.scalars(
                select(DealEvent).where(DealEvent.deal_id == deal.id)
            ).one()
            assert (opening.action, opening.party, opening.actor_id) == (
                "open",
                "brand",
                world.brand.id,
            )
