"""A payout follows delivery's verification of its deal's posts: the review window opens when
every live post is verified, a disputed post holds it, a missed post keeps it waiting."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import delete, select

from campaigns.delivery import PostStatus
from marketplace.auth.models import User
from marketplace.db import utcnow
from marketplace.deals.models import Deal
from marketplace.delivery import services as delivery
from marketplace.delivery.models import Post, PostEvent
from marketplace.extensions import db
from marketplace.payments import services
from marketplace.payments.models import Payout
from marketplace.payments.tasks import run_payouts
from pricing.payouts import POST_DISPUTED, PayoutStatus
from tests.factories import (
    amend_runs,
    live_posts,
    make_agreed_money,
    make_deal_with_posts,
    make_proof,
    verify_deal_posts,
)

UTC = dt.UTC


@pytest.fixture
def ctx(app: Flask) -> Any:
    with app.test_request_context(), force_locale("en"):
        yield db.session


@pytest.fixture
def people(ctx: Any, make_user: Any) -> dict[str, User]:
    return {role: ctx.get(User, make_user(role).id) for role in ("brand", "owner", "staff")}


def agreed(ctx: Any, people: dict[str, User], runs: int = 3) -> tuple[Deal, Payout, list[Post]]:
    """An agreed deal whose placements run ``runs`` times each, its payout and its posts."""
    deal, posts = make_deal_with_posts(
        ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"], runs=runs
    )
    payout = ctx.scalars(select(Payout).where(Payout.deal_id == deal.id)).one()
    return deal, payout, posts


def amend(ctx: Any, deal: Deal, people: dict[str, User], runs: int) -> None:
    amend_runs(ctx, deal, runs, staff=people["staff"], owner=people["owner"])


def verify(ctx: Any, post: Post, people: dict[str, User], *, at: dt.datetime | None = None) -> None:
    proof = make_proof(ctx, post, actor=people["owner"])
    delivery.decide_proof(ctx, proof.id, verify=True, actor=people["staff"], now=at)


def why(ctx: Any, people: dict[str, User], payout: Payout) -> services.MoneyLine:
    [line] = [
        line for line in services.owner_money(ctx, people["owner"]) if line.payout.id == payout.id
    ]
    return line


def test_the_payout_enters_the_review_window_when_the_last_post_is_verified(
    ctx: Any, people: dict[str, User]
) -> None:
    _deal, payout, posts = agreed(ctx, people)
    for post in posts[:-1]:
        verify(ctx, post, people)
    assert payout.status is PayoutStatus.AWAITING_DELIVERY
    line = why(ctx, people, payout)
    assert line.why == f"Waiting for 1 of {len(posts)} posts to be verified."
    # Expected: the last post's due date, then the brand's review window.
    last_due = dt.datetime.combine(posts[-1].due_on, dt.time(), UTC)
    assert line.when is not None
    assert last_due + dt.timedelta(days=3) <= line.when
    assert line.when <= max(last_due, utcnow()) + dt.timedelta(days=3)

    at = dt.datetime(2026, 12, 20, 9, 0, tzinfo=UTC)
    verify(ctx, posts[-1], people, at=at)
    assert payout.status is PayoutStatus.REVIEW_WINDOW
    assert (payout.verified_via, payout.verified_by_id) == ("delivery", None)
    assert (payout.verified_at, payout.release_at) == (at, at + dt.timedelta(days=3))
    assert why(ctx, people, payout).when == at + dt.timedelta(days=3)


def test_a_disputed_post_holds_the_payout_and_a_verified_new_proof_releases_it(
    ctx: Any, people: dict[str, User]
) -> None:
    _deal, payout, posts = agreed(ctx, people)
    first, *rest = posts
    proof = make_proof(ctx, first, actor=people["owner"])
    delivery.decide_proof(ctx, proof.id, verify=False, reason="text_differs",
                          text="the link is missing", actor=people["staff"])  # fmt: skip
    assert (payout.status, payout.reason) == (PayoutStatus.DISPUTED, POST_DISPUTED)
    line = why(ctx, people, payout)
    assert f"Post #{first.number}" in line.why
    assert "The text differs from the approved post: the link is missing" in line.why
    assert line.when is None
    # The owner resubmits (the same screenshot is allowed for the same post): still held.
    again = make_proof(ctx, first, actor=people["owner"])
    assert payout.status is PayoutStatus.DISPUTED
    delivery.decide_proof(ctx, again.id, verify=True, actor=people["staff"])
    # The hold is over; the other posts still wait.
    assert (payout.status, payout.reason) == (PayoutStatus.AWAITING_DELIVERY, "awaiting_delivery")
    for post in rest:
        verify(ctx, post, people)
    assert payout.status is PayoutStatus.REVIEW_WINDOW
    # A verified post disputed later holds the payout in its window; verified again, the
    # window starts afresh.
    delivery.decide_proof(ctx, again.id, verify=False, reason="not_live", actor=people["staff"])
    assert (payout.status, payout.reason, payout.release_at) == (
        PayoutStatus.DISPUTED, POST_DISPUTED, None,
    )  # fmt: skip
    third = make_proof(ctx, first, actor=people["owner"])
    delivery.decide_proof(ctx, third.id, verify=True, actor=people["staff"])
    assert payout.status is PayoutStatus.REVIEW_WINDOW
    assert payout.release_at is not None


def test_the_brands_own_dispute_is_not_lifted_by_a_verified_post(
    ctx: Any, people: dict[str, User]
) -> None:
    _deal, payout, posts = agreed(ctx, people)
    for post in posts:
        verify(ctx, post, people)
    services.dispute_payout(ctx, payout, actor=people["brand"])
    assert (payout.status, payout.reason) == (PayoutStatus.DISPUTED, "disputed")
    proof = posts[0].proofs[-1]
    delivery.decide_proof(ctx, proof.id, verify=False, reason="late", actor=people["staff"])
    again = make_proof(ctx, posts[0], actor=people["owner"])
    delivery.decide_proof(ctx, again.id, verify=True, actor=people["staff"])
    assert (payout.status, payout.reason) == (PayoutStatus.DISPUTED, "disputed")


def test_the_brand_cannot_hold_a_payout_before_its_posts_are_verified(
    ctx: Any, people: dict[str, User]
) -> None:
    _deal, payout, _posts = agreed(ctx, people)
    with pytest.raises(services.IllegalMoneyMove):
        services.dispute_payout(ctx, payout, actor=people["brand"])


def test_a_missed_post_keeps_the_payout_waiting_until_staff_decide(
    ctx: Any, people: dict[str, User]
) -> None:
    _deal, payout, posts = agreed(ctx, people)
    first, *rest = posts
    for post in rest:
        verify(ctx, post, people)
    # The calendar passes the first post's due date and the grace days without a proof.
    late = dt.datetime.combine(first.due_on + dt.timedelta(days=5), dt.time(9), UTC)
    delivery.monitor(ctx, late)
    assert first.status is PostStatus.MISSED
    assert payout.status is PayoutStatus.AWAITING_DELIVERY
    line = why(ctx, people, payout)
    assert line.why.startswith(f"Post #{first.number} (due ")
    assert line.why.endswith("was missed: the agency decides (a refund or a re-run).")
    assert line.when is None
    # Staff decide: re-run (the owner proves it late and it is verified) ...
    verify(ctx, first, people)
    assert payout.status is PayoutStatus.REVIEW_WINDOW


def test_staff_verify_by_hand_only_without_posts_or_after_a_miss(
    ctx: Any, people: dict[str, User]
) -> None:
    _deal, payout, posts = agreed(ctx, people)
    with pytest.raises(services.DeliveryVerifies):
        services.verify_payout(ctx, payout, actor=people["staff"])
    first, *rest = posts
    for post in rest:
        verify(ctx, post, people)
    with pytest.raises(services.DeliveryVerifies):  # one post still waits
        services.verify_payout(ctx, payout, actor=people["staff"])
    delivery.monitor(ctx, dt.datetime.combine(first.due_on + dt.timedelta(days=5), dt.time(9), UTC))
    # The post was missed: staff may decide to pay for what ran.
    services.verify_payout(ctx, payout, actor=people["staff"])
    assert (payout.status, payout.verified_via) == (PayoutStatus.REVIEW_WINDOW, "staff")
    assert payout.verified_by_id == people["staff"].id
    # A deal without any post (none scheduled) is verified by hand.
    _other, bare, bare_posts = agreed(ctx, people)
    ids = [p.id for p in bare_posts]
    ctx.execute(delete(PostEvent).where(PostEvent.post_id.in_(ids)))
    ctx.execute(delete(Post).where(Post.id.in_(ids)))
    ctx.expire_all()
    assert services.verifiable_by_hand(ctx, [bare]) == {bare.id}
    services.verify_payout(ctx, bare, actor=people["staff"])
    assert bare.status is PayoutStatus.REVIEW_WINDOW


def test_posts_an_amendment_drops_do_not_count(ctx: Any, people: dict[str, User]) -> None:
    deal, payout, _posts = agreed(ctx, people)
    amend(ctx, deal, people, 3)
    firsts = [p for p in live_posts(ctx, deal.id) if p.number == 1]
    for post in firsts:
        verify(ctx, post, people)
    assert len(live_posts(ctx, deal.id)) == 3 * len(firsts)
    assert payout.status is PayoutStatus.AWAITING_DELIVERY
    # Cut to one run each: the waiting runs are closed (count_reduced) and no longer owed.
    amend(ctx, deal, people, 1)
    assert live_posts(ctx, deal.id) == firsts
    assert (payout.status, payout.verified_via) == (PayoutStatus.REVIEW_WINDOW, "delivery")


def test_the_payout_run_catches_up_with_posts_verified_without_an_event(
    app: Flask, make_user: Any
) -> None:
    with app.app_context():
        people = {role: db.session.get(User, make_user(role).id)
                  for role in ("brand", "owner", "staff")}  # fmt: skip
        _deal, _payment, payout = make_agreed_money(
            db.session, brand=people["brand"], staff=people["staff"], owner=people["owner"]
        )
        # Verified before payments listened (an old database, a lost event): bare rows.
        for post in db.session.scalars(select(Post).where(Post.deal_id == payout.deal_id)):
            post.status = PostStatus.VERIFIED
        db.session.commit()
        payout_id = payout.id
        now = utcnow()
        counts = run_payouts(db.session, now)  # bank only (no Stripe key): still follows
        assert counts["verified"] == 1
        row = db.session.get_one(Payout, payout_id)
        assert (row.status, row.verified_via) == (PayoutStatus.REVIEW_WINDOW, "delivery")
        assert run_payouts(db.session, now)["verified"] == 0  # idempotent


def test_the_owners_money_page_says_how_many_posts_are_still_to_be_verified(
    stripe_app: Flask, make_user: Any
) -> None:
    app = stripe_app  # Stripe pays the owner: the page shows the payout's why and when
    owner = make_user("owner", locale="en")
    with app.app_context():
        people = {
            "owner": db.session.get_one(User, owner.id),
            **{r: db.session.get_one(User, make_user(r).id) for r in ("brand", "staff")},
        }
        deal, _payment, payout = make_agreed_money(
            db.session, brand=people["brand"], staff=people["staff"], owner=people["owner"]
        )  # fmt: skip
        total = len(live_posts(db.session, deal.id))
        verify_deal_posts(db.session, deal.id, owner=people["owner"], staff=people["staff"],
                          leave=1)  # fmt: skip
        db.session.commit()
        payout_id = payout.id
    client = app.test_client()
    client.post("/auth/login", data={"email": owner.email, "password": "correct-horse-battery"})
    page = client.get("/payments/mine").get_data(as_text=True)
    assert f'data-payout="{payout_id}" data-status="awaiting_delivery"' in page
    assert f"Waiting for 1 of {total} posts to be verified." in page
    assert "Expected by" in page
