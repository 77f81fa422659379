"""The demo data shows the deal desk populated: one brief's deals at every stage."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from campaigns.deals import DealStatus, OfferStatus
from campaigns.delivery import PostStatus
from marketplace.auth.models import User
from marketplace.briefs.models import Brief, BriefStatus
from marketplace.deals import services as deals
from marketplace.deals.demo import DESK_TITLE
from marketplace.deals.models import Deal
from marketplace.delivery.models import Post
from marketplace.extensions import db
from marketplace.inbox import services as inbox
from marketplace.inbox.models import Notification
from marketplace.matching.models import MediaPlan, PlanStatus


def test_seed_demo_leaves_a_brief_with_deals_at_every_stage_once(app: Flask, runner: Any) -> None:
    for _ in range(2):
        result = runner.invoke(args=["seed-demo", "--communities", "80"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        # The desk brief's deals (the results demo's finished campaign has its own, agreed).
        desk = db.session.scalar(select(Brief.id).where(Brief.title == DESK_TITLE))
        opened = list(
            db.session.scalars(select(Deal).where(Deal.brief_id == desk).order_by(Deal.id))
        )
        assert len(opened) >= 5, result.output
        offers = [deals.current_offer(d) for d in opened]
        statuses = [o.status for o in offers if o is not None]
        for stage in (OfferStatus.SENT, OfferStatus.COUNTERED, OfferStatus.ACCEPTED,
                      OfferStatus.DECLINED):  # fmt: skip
            assert stage in statuses
        assert DealStatus.AGREED in {d.status for d in opened}
        assert any(a.complete is False for d in opened for a in d.agreements)  # confirming
        staff = db.session.scalar(select(User).where(User.email == "noa@kesher.demo"))
        assert staff is not None
        visible = deals.deals_visible_to(db.session, staff)
        assert [d.id for d in visible if d.brief_id == desk] == [d.id for d in reversed(opened)]
        assert db.session.scalar(
            select(func.count()).select_from(Deal).where(Deal.brief_id == desk)
        ) == len(opened)


def test_the_readme_owner_logins_each_have_an_offer_to_answer_and_a_post_to_prove(
    app: Flask, runner: Any
) -> None:
    # A new user logs in as the owners the README names; the generated managers are in no
    # README, so the desk's deals must not all land on them.
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        for email, waiting in (
            ("rivka@community.demo", OfferStatus.SENT),
            ("sarah@community.demo", OfferStatus.COUNTERED),
        ):
            owner = db.session.scalar(select(User).where(User.email == email))
            assert owner is not None
            mine = deals.deals_visible_to(db.session, owner)
            offers = [deals.current_offer(d) for d in mine]
            assert waiting in {o.status for o in offers if o is not None}, email
            assert all(d.community.owner_id == owner.id for d in mine)
            assert DealStatus.AGREED in {d.status for d in mine}, email
        # Rivka's agreed deal has a post due: she can submit its proof.
        rivka = db.session.scalar(select(User.id).where(User.email == "rivka@community.demo"))
        due = db.session.scalars(
            select(Post.status).join(Deal, Deal.id == Post.deal_id).where(Deal.owner_id == rivka)
        )
        assert PostStatus.DUE in set(due)


def test_the_readme_owner_logins_each_have_an_unread_notice_about_their_waiting_offer(
    app: Flask, runner: Any
) -> None:
    # The seed moves its deals through the services, not the pages: Rivka had an offer
    # waiting and an empty inbox, because only the pages told anyone.
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        for email, waiting in (
            ("rivka@community.demo", OfferStatus.SENT),
            ("sarah@community.demo", OfferStatus.COUNTERED),
        ):
            owner = db.session.scalar(select(User).where(User.email == email))
            assert owner is not None
            deal = next(
                d
                for d in deals.deals_visible_to(db.session, owner)
                if (offer := deals.current_offer(d)) is not None and offer.status is waiting
            )
            unread = db.session.scalars(
                select(Notification.kind).where(
                    Notification.recipient_id == owner.id,
                    Notification.read_at.is_(None),
                    Notification.link == f"/deals/{deal.id}",
                )
            ).all()
            assert "offer_sent" in unread, email
            assert inbox.unread_count(db.session, owner) >= 1, email


def test_the_readme_brand_login_has_a_media_plan_to_approve(app: Flask, runner: Any) -> None:
    # Every demo plan was a staff draft or already approved: the brand had none to decide on.
    result = runner.invoke(args=["seed-demo", "--communities", "80"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        maya = db.session.scalar(select(User).where(User.email == "maya@shorashim-foods.demo"))
        assert maya is not None
        proposed = db.session.scalars(
            select(MediaPlan)
            .join(Brief, Brief.id == MediaPlan.brief_id)
            .where(
                Brief.organisation_id == maya.organisation_id,
                MediaPlan.status == PlanStatus.PROPOSED,
                Brief.status == BriefStatus.PLAN_PROPOSED,
            )
        ).all()
        assert proposed


def test_the_readme_brands_health_plan_finds_the_communities_it_asks_for(
    app: Flask, runner: Any
) -> None:
    # A health brief may run only where a community's rules allow health products; the demo
    # allowed them almost nowhere, so the vitamin D plan bought one fathers' group.
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        brief = db.session.scalar(select(Brief).where(Brief.title.like("ויטמין D%")))
        assert brief is not None
        assert brief.regulated == ["health"]
        plan = db.session.scalar(select(MediaPlan).where(MediaPlan.brief_id == brief.id))
        assert plan is not None
        communities = {line["community_id"] for line in plan.result["lines"]}
        assert len(communities) >= 3  # the brief's own diversity rule
        assert "diversity_relaxed" not in {note["code"] for note in plan.result["notes"]}
