"""The demo data shows creative at every step of its approval chain, once."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from campaigns.deals import DealStatus
from campaigns.deals.creative import CreativeStatus
from marketplace.creative import services as creative
from marketplace.creative.models import Creative
from marketplace.deals.models import Deal, DealPlacement
from marketplace.extensions import db


def test_seed_demo_leaves_agreed_deals_with_creative_at_each_approval_stage(
    app: Flask, runner: Any
) -> None:
    for _ in range(2):  # as `make run` seeds it
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        posts = list(db.session.scalars(select(Creative).order_by(Creative.id)))
        assert sorted(p.status for p in posts) == sorted(
            [CreativeStatus.DRAFT, CreativeStatus.OWNER_APPROVED, CreativeStatus.AGENCY_APPROVED,
             CreativeStatus.BRAND_APPROVED]
        )  # fmt: skip
        placements = [db.session.get_one(DealPlacement, p.deal_placement_id) for p in posts]
        deals = {db.session.get_one(Deal, p.deal_id) for p in placements}
        assert len(deals) == len(posts)  # one deal per stage
        assert {d.status for d in deals} == {DealStatus.AGREED}
        # One post is ready to run.
        ready = [p for p in posts if creative.pure_creative(db.session, p).approved]
        assert [p.status for p in ready] == [CreativeStatus.BRAND_APPROVED]
