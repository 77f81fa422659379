"""Results on a real database: figures checked and scoped, calibration moved, pulse once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from campaigns.delivery import PostStatus
from campaigns.results import ResultMetric
from marketplace.auth.models import User
from marketplace.reports import imports as reports_imports
from marketplace.reports import services as reports
from marketplace.reports.models import PlacementMetric
from marketplace.valuation import services as valuation
from marketplace.valuation.models import PlacementEstimate, RealisedReach
from pricing.taxonomy import EvidenceTier
from tests.factories import make_deal


def agreed(ctx: Any, people: dict[str, User], owner: str = "owner") -> Any:
    return make_deal(ctx, brand=people["brand"], staff=people["staff"], owner=people[owner],
                     stage="agreed")  # fmt: skip


def estimate_of(ctx: Any, placement: Any) -> PlacementEstimate:
    return ctx.scalars(
        select(PlacementEstimate).where(
            PlacementEstimate.asset_id == placement.asset_id,
            PlacementEstimate.placement == placement.placement_type,
        )
    ).one()


def record(ctx: Any, placement: Any, actor: User, **figures: int) -> Any:
    return reports.record_figures(
        ctx, placement, {ResultMetric(k): v for k, v in figures.items()},
        tier=EvidenceTier.SELF_REPORTED, observed_on=placement.starts_on, actor=actor,
        today=placement.starts_on + dt.timedelta(days=3),
    )  # fmt: skip


def test_realised_reach_moves_the_next_estimate_of_that_channel(ctx: Any, people: Any) -> None:
    deal = agreed(ctx, people)
    placement = deal.placements[0]
    before = estimate_of(ctx, placement)
    p10, p50, p90 = before.reach_p10, before.reach_p50, before.reach_p90
    assert p50 is not None
    assert p50 > 20
    assert valuation.current_calibration(ctx, valuation.active_priors(ctx)) is None
    # Far fewer people than the estimate said: the channel's next estimate must come down.
    record(ctx, placement, people["owner"], reach=max(1, p50 // 10))
    after = estimate_of(ctx, placement)
    assert after.reach_p50 is not None
    assert after.reach_p50 < p50
    realised = ctx.scalars(select(RealisedReach)).one()
    assert (realised.reach_p10, realised.reach_p50, realised.reach_p90) == (p10, p50, p90)
    coverage = valuation.reach_coverage(ctx)
    assert (coverage.n, coverage.inside, coverage.below) == (1, 0, 1)


def test_an_impossible_figure_is_refused_and_nothing_is_written(ctx: Any, people: Any) -> None:
    placement = agreed(ctx, people).placements[0]
    members = int(placement.asset.members.value)
    with pytest.raises(reports.FiguresRefused) as refused:
        record(ctx, placement, people["owner"], reach=members * 1000, views=10)
    assert [column for column, _message in refused.value.problems] == ["reach"]
    with pytest.raises(reports.FiguresRefused):
        reports.record_figures(
            ctx, placement, {ResultMetric.REACH: 5}, tier=EvidenceTier.SELF_REPORTED,
            observed_on=placement.starts_on - dt.timedelta(days=1), actor=people["owner"],
        )  # fmt: skip
    with pytest.raises(reports.FiguresRefused):  # an owner cannot verify their own figures
        reports.record_figures(
            ctx, placement, {ResultMetric.REACH: 5}, tier=EvidenceTier.VERIFIED,
            observed_on=placement.starts_on, actor=people["owner"],
            today=placement.starts_on,
        )  # fmt: skip
    assert ctx.scalar(select(func.count()).select_from(PlacementMetric)) == 0


def test_each_reader_sees_the_campaign_as_their_role_allows(ctx: Any, people: Any) -> None:
    deal = agreed(ctx, people)
    placement = deal.placements[0]
    record(ctx, placement, people["staff"], reach=5, reactions=2)
    staff = reports.campaign_results(ctx, reports.get_campaign(ctx, deal.brief_id, people["staff"]))
    brand = reports.campaign_results(ctx, reports.get_campaign(ctx, deal.brief_id, people["brand"]))
    owner = reports.campaign_results(ctx, reports.get_campaign(ctx, deal.brief_id, people["owner"]))
    assert "realised_margin_minor" in staff.totals
    assert "margin_minor" not in brand.totals
    assert "owner_payout_minor" not in brand.per_placement.columns
    assert "cost_minor" not in owner.per_placement.columns
    assert "owner_payout_minor" in owner.per_placement.columns
    assert staff.totals["reach"] == brand.totals["reach"] == 5
    for stranger in ("owner2", "brand2"):
        with pytest.raises(reports.CampaignNotFound):
            reports.get_campaign(ctx, deal.brief_id, people[stranger])


def test_a_pulse_survey_takes_one_answer_per_visitor(ctx: Any, people: Any) -> None:
    deal = agreed(ctx, people)
    (survey,) = reports.open_pulse(ctx, deal.brief_id, actor=people["staff"])
    assert reports.open_pulse(ctx, deal.brief_id, actor=people["staff"]) == [survey]
    reports.answer_pulse(ctx, survey, visitor="cookie-1", recall=True, sentiment=4, trust=5)
    with pytest.raises(reports.AlreadyAnswered):
        reports.answer_pulse(ctx, survey, visitor="cookie-1", recall=False, sentiment=1, trust=1)
    summary = reports.pulse(ctx, deal.brief_id)
    assert summary.iloc[0]["answers"] == 1
    assert not summary.iloc[0]["reported"]  # below the minimum: no figures shown


def _csv(*rows: str) -> bytes:
    header = "campaign,placement,observed_on,evidence,reach,reactions,comments"
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def test_a_metrics_file_is_written_whole_or_not_at_all(ctx: Any, people: Any) -> None:
    deal = agreed(ctx, people)
    placement = deal.placements[0]
    members = int(placement.asset.members.value)
    day = placement.starts_on.isoformat()
    today = placement.starts_on + dt.timedelta(days=5)
    bad = _csv(
        f"{deal.brief_id},{placement.id},{day},self_reported,40,3,2",
        f"{deal.brief_id + 999},{placement.id},{day},self_reported,40,3,2",
        f"{deal.brief_id},999999,{day},self_reported,40,3,2",
        f"{deal.brief_id},{placement.id},{day},self_reported,{members * 1000},,",
        f"{deal.brief_id},{placement.id},2001-01-01,self_reported,-4,,",
    )
    plan = reports_imports.plan_upload(ctx, deal.brief_id, bad, "m.csv", actor=people["owner"],
                                       today=today)  # fmt: skip
    where = [(p.row, p.column) for p in plan.problems]
    assert (3, "Campaign") in where  # a row for another campaign
    assert (4, "Placement") in where  # no such placement here
    assert (5, "Placement") in where  # the same placement twice
    with pytest.raises(reports.FiguresRefused):
        reports_imports.apply_upload(ctx, deal.brief_id, plan, actor=people["owner"])
    assert ctx.scalar(select(func.count()).select_from(PlacementMetric)) == 0
    # Each problem is named: impossible reach, a date before the window, a negative figure.
    lone = _csv(f"{deal.brief_id},{placement.id},2001-01-01,self_reported,-4,,")
    plan = reports_imports.plan_upload(ctx, deal.brief_id, lone, "m.csv", actor=people["owner"],
                                       today=today)  # fmt: skip
    assert {p.column for p in plan.problems} == {"Observed on", "Reach"}
    huge = _csv(f"{deal.brief_id},{placement.id},{day},self_reported,{members * 1000},,")
    plan = reports_imports.plan_upload(ctx, deal.brief_id, huge, "m.csv", actor=people["owner"],
                                       today=today)  # fmt: skip
    assert "impossible" in plan.problems[0].message
    good = _csv(f"{deal.brief_id},{placement.id},{day},self_reported,40,3,2")
    plan = reports_imports.plan_upload(ctx, deal.brief_id, good, "m.csv", actor=people["owner"],
                                       today=today)  # fmt: skip
    assert plan.ok, plan.problems
    reports_imports.apply_upload(ctx, deal.brief_id, plan, actor=people["owner"], today=today)
    assert ctx.scalar(select(func.count()).select_from(PlacementMetric)) == 3
    again = reports_imports.plan_upload(ctx, deal.brief_id, good, "m.csv", actor=people["owner"],
                                        today=today)  # fmt: skip
    assert "already uploaded" in again.problems[0].message


def test_a_digit_that_is_no_number_is_a_named_problem_not_a_crash(ctx: Any, people: Any) -> None:
    """ "²" passed str.isdigit and then failed int(): a 500 instead of the cell named. The
    same held for a date written "²/11/2026" in every upload that reads day/month/year."""
    deal = agreed(ctx, people)
    placement = deal.placements[0]
    day = placement.starts_on.isoformat()
    today = placement.starts_on + dt.timedelta(days=5)
    data = _csv(
        f"{deal.brief_id},²,{day},self_reported,40,,",
        f"{deal.brief_id},{placement.id},{day},self_reported,4²,,",
    )
    plan = reports_imports.plan_upload(ctx, deal.brief_id, data, "m.csv", actor=people["owner"],
                                       today=today)  # fmt: skip
    where = [(p.row, p.column) for p in plan.problems]
    assert (2, "Placement") in where
    assert (3, "Reach") in where
    dated = _csv(f"{deal.brief_id},{placement.id},²/1/2026,self_reported,40,,")
    plan = reports_imports.plan_upload(ctx, deal.brief_id, dated, "m.csv",
                                       actor=people["owner"], today=today)  # fmt: skip
    assert [(p.row, p.column) for p in plan.problems] == [(2, "Observed on")]


def test_an_owner_cannot_upload_figures_of_another_owners_placement(ctx: Any, people: Any) -> None:
    deal = agreed(ctx, people)
    placement = deal.placements[0]
    data = _csv(f"{deal.brief_id},{placement.id},{placement.starts_on},self_reported,5,,")
    plan = reports_imports.plan_upload(ctx, deal.brief_id, data, "m.csv", actor=people["owner2"],
                                       today=placement.starts_on)  # fmt: skip
    assert [(p.row, p.column) for p in plan.problems] == [(2, "Placement")]


def test_clicks_and_verified_posts_flow_into_the_results(ctx: Any, people: Any) -> None:
    from marketplace.delivery.models import Post
    from tests.factories import make_link_click, make_tracked_link

    deal = agreed(ctx, people)
    placement = deal.placements[0]
    link = make_tracked_link(ctx, placement, actor=people["staff"])
    make_link_click(ctx, link, visitor="a" * 32)
    make_link_click(ctx, link, visitor="b" * 32)
    make_link_click(ctx, link, visitor="c" * 32, bot=True)
    posts = ctx.scalars(select(Post).where(Post.deal_placement_id == placement.id)).all()
    assert posts  # delivery scheduled them when the deal was agreed
    posts[0].status = PostStatus.VERIFIED
    posts[0].posted_at = dt.datetime.now(dt.UTC)
    ctx.flush()
    campaign = reports.get_campaign(ctx, deal.brief_id, people["brand"])
    results = reports.campaign_results(ctx, campaign)
    row = results.per_placement.set_index("placement_id").loc[placement.id]
    assert (row["clicks"], row["unique_clicks"], row["flagged_clicks"]) == (2, 2, 1)
    assert row["delivered"] == 1
    assert results.totals["clicks"] == 2
    assert len(results.posted_at) == 1
    # Figures in: delivery marks the verified post measured, and it still counts as delivered.
    record(ctx, placement, people["staff"], reach=5)
    status = ctx.scalar(select(Post.status).where(Post.id == posts[0].id))
    assert status is PostStatus.MEASURED
    again = reports.campaign_results(ctx, reports.get_campaign(ctx, deal.brief_id, people["staff"]))
    assert again.totals["delivered"] == 1


def test_the_results_factories_build_through_the_services(ctx: Any, people: Any) -> None:
    from marketplace.reports.models import MetricUpload, PulseAnswer, ReportPick
    from tests.factories import (
        make_metric_upload,
        make_placement_metrics,
        make_pulse_answer,
        make_pulse_survey,
        make_realised_reach,
        make_report_pick,
    )

    deal = agreed(ctx, people)
    placement = deal.placements[0]
    rows = make_placement_metrics(ctx, placement, actor=people["owner"], reach=12, comments=2)
    assert {r.metric.value for r in rows} == {"reach", "comments"}
    assert isinstance(make_metric_upload(ctx, placement, actor=people["staff"]), MetricUpload)
    assert isinstance(make_report_pick(ctx, deal.brief_id, staff=people["staff"]), ReportPick)
    survey = make_pulse_survey(ctx, deal.brief_id, staff=people["staff"])
    assert isinstance(make_pulse_answer(ctx, survey), PulseAnswer)
    assert make_realised_reach(ctx, placement, reach=7).realised_reach == 7


def test_the_results_count_clicks_in_the_database_and_never_read_them_one_by_one(
    ctx: Any, people: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from marketplace.reports.services import results as results_module
    from tests.factories import make_link_click, make_tracked_link

    def no_rows(*_args: Any) -> Any:
        raise AssertionError("the results read the clicks one by one")

    monkeypatch.setattr(results_module, "clicks_frame", no_rows)
    first = agreed(ctx, people)
    second = make_deal(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner2"],
                       stage="agreed")  # fmt: skip
    second.brief_id = first.brief_id  # two communities of one campaign
    ctx.flush()
    one, two = first.placements[0], second.placements[0]
    link_one = make_tracked_link(ctx, one, actor=people["staff"])
    link_two = make_tracked_link(ctx, two, actor=people["staff"])
    t0 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
    for minute, visitor in ((0, "a"), (1, "b"), (40, "a"), (41, "a")):  # 41: a repeat of 40
        make_link_click(ctx, link_one, visitor=visitor * 32, at=t0 + dt.timedelta(minutes=minute))
    make_link_click(ctx, link_one, visitor="c" * 32, bot=True, at=t0)
    make_link_click(ctx, link_two, visitor="a" * 32, at=t0)  # "a" clicked both placements
    counts = results_module.click_counts_frame(ctx, [one.id, two.id]).set_index("placement_id")
    assert counts.loc[one.id].tolist() == [3, 2, 2]  # clicks, flagged, distinct visitors
    assert counts.loc[two.id].tolist() == [1, 0, 1]
    results = reports.campaign_results(ctx, reports.get_campaign(ctx, first.brief_id,
                                                                 people["staff"]))  # fmt: skip
    per = results.per_placement.set_index("placement_id")
    assert (per.loc[one.id, "clicks"], per.loc[one.id, "unique_clicks"]) == (3, 2)
    assert (per.loc[two.id, "clicks"], per.loc[two.id, "unique_clicks"]) == (1, 1)
    # Counted per placement, a visitor of two placements counts in each.
    assert (results.totals["clicks"], results.totals["unique_clicks"]) == (4, 3)
    assert results.totals["flagged_clicks"] == 2
