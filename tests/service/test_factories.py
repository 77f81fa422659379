"""The test factories build what they say, through the services (so the data obeys the rules)."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.auth.models import User
from marketplace.briefs.models import BriefStatus
from marketplace.jobs.models import JobStatus
from marketplace.matching.models import PlanStatus
from tests.factories import list_community, make_brief, make_job, make_listing, make_plan


def test_a_brief_is_built_as_a_draft_submitted_or_in_planning(ctx: Any, make_user: Any) -> None:
    brand = ctx.get(User, make_user("brand").id)
    staff = ctx.get(User, make_user("staff").id)
    assert make_brief(ctx, brand).status is BriefStatus.DRAFT
    assert make_brief(ctx, brand, status=BriefStatus.SUBMITTED).submitted_at is not None
    planned = make_brief(ctx, brand, status=BriefStatus.IN_PLANNING, staff=staff, title="x")
    assert (planned.status, planned.planner_id, planned.title) == (
        BriefStatus.IN_PLANNING,
        staff.id,
        "x",
    )
    with pytest.raises(ValueError, match="make_plan"):
        make_brief(ctx, brand, status=BriefStatus.APPROVED)


def test_a_plan_is_optimised_over_listed_communities_and_can_be_proposed(
    ctx: Any, make_user: Any
) -> None:
    brand = ctx.get(User, make_user("brand").id)
    staff = ctx.get(User, make_user("staff").id)
    owner = ctx.get(User, make_user("owner").id)
    communities = [
        list_community(ctx, make_listing(ctx, owner), owner=owner, staff=staff) for _ in range(2)
    ]
    brief = make_brief(ctx, brand, status=BriefStatus.SUBMITTED)
    draft = make_plan(ctx, brief, staff, communities)
    assert draft.status is PlanStatus.DRAFT
    assert {line["community_id"] for line in draft.result["lines"]} <= {c.id for c in communities}
    proposed = make_plan(ctx, brief, staff, communities, propose=True)
    assert proposed.status is PlanStatus.PROPOSED
    assert brief.status is BriefStatus.PLAN_PROPOSED


def test_a_job_stays_queued_or_takes_the_state_asked_for(ctx: Any, make_user: Any) -> None:
    owner = make_user("owner")
    queued = make_job(ctx, user=owner.id)
    assert (queued.kind, queued.status, queued.created_by_id) == (
        "jobs.noop",
        JobStatus.QUEUED,
        owner.id,
    )
    failed = make_job(ctx, "pricing.recompute", {"all": True}, status=JobStatus.FAILED)
    assert (failed.status, failed.params) == (JobStatus.FAILED, {"all": True})


@pytest.mark.parametrize("stage", ["draft", "sent", "countered", "accepted", "agreed"])
def test_a_deal_is_opened_by_approving_a_plan_and_its_offer_driven_to_a_stage(
    ctx: Any, make_user: Any, stage: str
) -> None:
    from campaigns.deals import DealStatus, OfferStatus
    from marketplace.deals import services as deals
    from tests.factories import make_deal

    people = {r: ctx.get(User, make_user(r).id) for r in ("brand", "owner", "staff")}
    deal = make_deal(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"],
                     stage=stage)  # fmt: skip
    offer = deals.current_offer(deal)
    assert offer is not None
    expected = {
        "draft": OfferStatus.DRAFT,
        "sent": OfferStatus.SENT,
        "countered": OfferStatus.COUNTERED,
        "accepted": OfferStatus.ACCEPTED,
        "agreed": OfferStatus.ACCEPTED,
    }[stage]
    assert offer.status is expected
    assert deal.status is (DealStatus.AGREED if stage == "agreed" else DealStatus.NEGOTIATING)
    assert (deal.owner_id, deal.organisation_id) == (
        people["owner"].id,
        people["brand"].organisation_id,
    )
