"""The planning feature moves a brief, whichever page asks, and its proposed plan follows."""

from __future__ import annotations

from typing import Any

from flask import Flask

from marketplace.briefs.models import Brief, BriefStatus
from marketplace.extensions import db
from marketplace.matching.models import MediaPlan, PlanStatus
from tests.http.test_matching import World, _shortlist_all, world  # noqa: F401  (fixture)


def _state(app: Flask, brief_id: int, plan_id: int) -> tuple[BriefStatus, PlanStatus]:
    with app.app_context():
        brief = db.session.get(Brief, brief_id)
        plan = db.session.get(MediaPlan, plan_id)
        assert brief is not None
        assert plan is not None
        return brief.status, plan.status


def test_moves_from_the_brief_page_carry_the_proposed_plan(
    app: Flask,
    client: Any,
    auth: Any,
    world: World,  # noqa: F811
) -> None:
    auth.login(world.staff.email)
    _shortlist_all(app, client, world)
    plan_url = client.post(f"/briefs/{world.brief_id}/plans").headers["Location"]
    plan_id = int(plan_url.rsplit("/", 1)[1])
    status_url = f"/briefs/{world.brief_id}/status"
    # Without a sent plan the brief cannot be "plan proposed", even by posting the move.
    assert client.post(status_url, data={"to": "in_planning"}).status_code == 302
    assert client.post(status_url, data={"to": "plan_proposed"}).status_code == 409
    assert client.post(f"{plan_url}/propose").status_code == 302
    assert _state(app, world.brief_id, plan_id) == (BriefStatus.PLAN_PROPOSED, PlanStatus.PROPOSED)
    # The agency withdraws the proposal from the brief page: the plan is a draft again.
    assert client.post(status_url, data={"to": "in_planning"}).status_code == 302
    assert _state(app, world.brief_id, plan_id) == (BriefStatus.IN_PLANNING, PlanStatus.DRAFT)
    assert client.post(f"{plan_url}/propose").status_code == 302
    auth.logout()
    # The brand approves from the brief page rather than the plan page: the plan is approved.
    auth.login(world.brand.email)
    assert client.post(status_url, data={"to": "approved"}).status_code == 302
    assert _state(app, world.brief_id, plan_id) == (BriefStatus.APPROVED, PlanStatus.APPROVED)
