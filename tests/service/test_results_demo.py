"""The demo's running campaign has results: figures with their tiers, picks, a pulse shown."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from marketplace.auth.models import User
from marketplace.briefs.models import Brief
from marketplace.deals.demo import DESK_TITLE
from marketplace.extensions import db
from marketplace.reports import services
from marketplace.reports.models import PlacementMetric
from marketplace.valuation.models import RealisedReach


def test_seed_demo_measures_the_running_campaign_once(app: Flask, runner: Any) -> None:
    for _ in range(2):  # as `make run` seeds it
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    with app.test_request_context():
        session = db.session
        brief_id = session.scalar(select(Brief.id).where(Brief.title == DESK_TITLE))
        figures = session.scalar(select(func.count()).select_from(PlacementMetric))
        assert figures
        tiers = set(session.scalars(select(PlacementMetric.tier)))
        assert tiers == {1, 4}  # verified by the agency, and one owner's own count
        assert session.scalar(select(func.count()).select_from(RealisedReach))
        staff = session.scalar(select(User).where(User.email == "noa@kesher.demo"))
        results = services.campaign_results(
            session, services.get_campaign(session, brief_id, staff)
        )
        assert results.totals["reach"] > 0
        assert results.totals["self_reported"]
        assert len(services.picks(session, brief_id)) == 2
        pulse = services.pulse(session, brief_id)
        assert pulse["reported"].any()
