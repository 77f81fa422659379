"""Delivery on a real database: scheduling from the deal desk, proofs, checks, the monitor."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from PIL import Image
from sqlalchemy import func, select

from campaigns.deals import StopReason
from campaigns.delivery import DisputeReasonRequired, IllegalPostMove, PostStatus
from marketplace.auth.models import User
from marketplace.deals import services as deals
from marketplace.deals.models import Deal
from marketplace.delivery import services as delivery
from marketplace.delivery.models import Post, PostEvent, Proof
from marketplace.delivery.services import (
    DuplicateScreenshot,
    PostNotFound,
    ProofRefused,
    Upload,
    post_link,
)
from marketplace.extensions import db
from marketplace.inbox.models import Notification
from tests.factories import (
    CREATIVE_TEXT,
    amend_runs,
    make_creative,
    make_deal,
    make_post,
    make_proof,
    screenshot,
)

UTC = dt.UTC


@pytest.fixture
def ctx(app: Flask) -> Any:
    # The refusals are matched in English (Hebrew is the default language).
    with app.test_request_context(), force_locale("en"):
        yield db.session


def post_for(ctx: Any, people: dict[str, User], owner: str = "owner") -> Post:
    return make_post(ctx, brand=people["brand"], staff=people["staff"], owner=people[owner])


def count(ctx: Any, model: Any) -> int:
    return int(ctx.scalar(select(func.count()).select_from(model)) or 0)


def notified(ctx: Any, user: User, kind: str) -> int:
    return int(
        ctx.scalar(
            select(func.count()).where(
                Notification.recipient_id == user.id, Notification.kind == kind
            )
        )
        or 0
    )


# --- scheduling --------------------------------------------------------------------------


def test_an_agreed_deal_schedules_one_post_per_bought_run_over_its_window(ctx, people) -> None:
    post = post_for(ctx, people)
    placement = post.placement
    posts = list(ctx.scalars(select(Post).where(Post.deal_placement_id == placement.id)))
    assert len(posts) == placement.count
    assert posts[-1].due_on == placement.ends_on
    assert posts[0].opens_on == placement.starts_on
    assert all(p.status is PostStatus.SCHEDULED for p in posts)
    assert post.brief_id == placement.deal.brief_id
    assert ctx.scalar(select(PostEvent.action).where(PostEvent.post_id == post.id)) == "schedule"


def _amend(ctx: Any, deal: Deal, people: dict[str, User], new_count: int) -> None:
    amend_runs(ctx, deal, new_count, staff=people["staff"], owner=people["owner"])


def _live(ctx: Any, placement_id: int) -> list[Post]:
    return list(
        ctx.scalars(
            select(Post)
            .where(Post.deal_placement_id == placement_id, Post.status != PostStatus.CLOSED)
            .order_by(Post.number)
        )
    )


def test_an_amendment_adds_posts_and_a_cut_closes_waiting_ones_never_the_posted(
    ctx, people
) -> None:
    post = post_for(ctx, people)
    deal, placement_id = post.deal, post.deal_placement_id
    _amend(ctx, deal, people, 3)
    assert [p.number for p in _live(ctx, placement_id)] == [1, 2, 3]
    make_proof(ctx, _live(ctx, placement_id)[0], actor=people["owner"])
    _amend(ctx, deal, people, 1)
    live = _live(ctx, placement_id)
    assert [(p.number, p.status) for p in live] == [(1, PostStatus.POSTED)]
    closed = ctx.scalars(select(Post).where(Post.deal_placement_id == placement_id,
                                            Post.status == PostStatus.CLOSED)).all()  # fmt: skip
    assert sorted(p.closed_reason for p in closed) == ["count_reduced", "count_reduced"]


def test_a_cancelled_deal_closes_its_waiting_posts(ctx, people) -> None:
    post = post_for(ctx, people)
    deals.cancel_deal(ctx, post.deal_id, StopReason.BRAND_WITHDREW, actor=people["staff"])
    ctx.refresh(post)
    assert post.status is PostStatus.CLOSED
    assert post.closed_reason == "deal_cancelled"


# --- proofs -------------------------------------------------------------------------------


def test_the_owner_proves_a_post_and_staff_hear_of_it(ctx, people) -> None:
    post = post_for(ctx, people)
    proof = make_proof(ctx, post, actor=people["owner"], text=CREATIVE_TEXT)
    assert post.status is PostStatus.POSTED
    assert post.live_url == proof.live_url
    assert post.posted_at is not None
    assert proof.content_type == "image/png"
    assert (proof.width, proof.height) == (720, 1280)
    assert len(proof.phash) == 16
    assert notified(ctx, people["staff"], "proof_to_review") == 1


@pytest.mark.parametrize(
    ("disguise", "fmt"),
    [
        ("jpeg", "JPEG"),  # re-encoded
        ("half", "PNG"),  # resized to half
        ("half-webp", "WEBP"),  # both
    ],
)
def test_one_screenshot_cannot_prove_two_posts_even_disguised(ctx, people, disguise, fmt) -> None:
    first = post_for(ctx, people)
    second = post_for(ctx, people)
    make_proof(ctx, first, actor=people["owner"], seed=7)
    size = (720, 1280) if disguise == "jpeg" else (360, 640)
    disguised = screenshot(7, size=size, fmt=fmt)
    assert Image.open(io.BytesIO(disguised)).format == fmt
    before = (count(ctx, Proof), second.status)
    with pytest.raises(DuplicateScreenshot):
        delivery.submit_proof(ctx, second.id, live_url="https://chat.example/2",
                              screenshot=Upload("x", disguised), actor=people["owner"])  # fmt: skip
    ctx.refresh(second)
    assert (count(ctx, Proof), second.status) == before


def test_two_different_screenshots_are_not_flagged(ctx, people) -> None:
    shots = [screenshot(seed) for seed in (11, 12, 13)]
    hashes = [delivery.check_screenshot(Upload("s", s)).phash for s in shots]
    distances = [delivery.hamming(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    assert min(distances) > delivery.PHASH_THRESHOLD
    for seed in (11, 12):
        make_proof(ctx, post_for(ctx, people), actor=people["owner"], seed=seed)
    assert count(ctx, Proof) == 2


def test_the_disguises_stay_well_within_the_threshold() -> None:
    original = delivery.check_screenshot(Upload("s", screenshot(5))).phash
    for size, fmt in [((720, 1280), "JPEG"), ((360, 640), "PNG"), ((360, 640), "WEBP")]:
        disguised = delivery.check_screenshot(Upload("s", screenshot(5, size=size, fmt=fmt)))
        assert delivery.hamming(original, disguised.phash) <= delivery.PHASH_THRESHOLD // 2


def _bytes(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n" + b"0" * 5000, "not a PNG, JPEG or WebP"),
        (_bytes(Image.new("RGB", (300, 300)), "GIF"), "not a PNG, JPEG or WebP"),
        (_bytes(Image.new("RGB", (300, 300)), "BMP"), "not a PNG, JPEG or WebP"),
        (_bytes(Image.new("RGB", (100, 400)), "PNG"), "too small"),
        (_bytes(Image.new("1", (10_001, 300)), "PNG"), "too many pixels"),
        # 90.25 megapixels: Pillow's decompression-bomb warning fires while opening it.
        (_bytes(Image.new("1", (9_500, 9_500)), "PNG"), "too many pixels"),
        (screenshot(3)[:4000], "damaged"),
        (b"\x89PNG\r\n\x1a\n" + b"x" * (8 * 1024 * 1024), "larger than 8 MB"),
    ],
    ids=["empty", "pdf", "gif", "bmp", "small", "wide", "bomb", "truncated", "oversize"],
)
def test_a_bad_screenshot_is_refused_with_its_reason_and_nothing_written(
    ctx, people, data, message
) -> None:
    post = post_for(ctx, people)
    with pytest.raises(ProofRefused, match=message):
        delivery.submit_proof(ctx, post.id, live_url="https://chat.example/1",
                              screenshot=Upload("s.png", data), actor=people["owner"])  # fmt: skip
    ctx.refresh(post)
    assert post.status is PostStatus.SCHEDULED
    assert count(ctx, Proof) == 0


def test_a_link_that_is_not_a_web_address_is_refused(ctx, people) -> None:
    post = post_for(ctx, people)
    with pytest.raises(ProofRefused, match="https://"):
        delivery.submit_proof(
            ctx, post.id, live_url="javascript:alert(1)",
            screenshot=Upload("s", screenshot(1)), actor=people["owner"],
        )  # fmt: skip


def test_another_owners_post_does_not_exist_for_them(ctx, people) -> None:
    post = post_for(ctx, people)
    for who in ("owner2", "brand2"):
        with pytest.raises(PostNotFound):
            make_proof(ctx, post, actor=people[who])
    with pytest.raises(IllegalPostMove):  # the brand sees the post, but proves nothing
        make_proof(ctx, post, actor=people["brand"])
    with pytest.raises(PostNotFound):
        delivery.get_post(ctx, 999_999, people["staff"])
    assert count(ctx, Proof) == 0


def test_a_verified_post_takes_no_second_proof(ctx, people) -> None:
    post = post_for(ctx, people)
    proof = make_proof(ctx, post, actor=people["owner"])
    delivery.decide_proof(ctx, proof.id, verify=True, actor=people["staff"])
    assert post.status is PostStatus.VERIFIED
    with pytest.raises(IllegalPostMove):
        make_proof(ctx, post, actor=people["owner"], seed=99)


def test_staff_dispute_with_a_reason_the_owner_hears_and_proves_again(ctx, people) -> None:
    post = post_for(ctx, people)
    proof = make_proof(ctx, post, actor=people["owner"])
    with pytest.raises(DisputeReasonRequired):
        delivery.decide_proof(ctx, proof.id, verify=False, actor=people["staff"])
    with pytest.raises(IllegalPostMove):
        delivery.decide_proof(ctx, proof.id, verify=True, actor=people["owner"])
    delivery.decide_proof(ctx, proof.id, verify=False, reason="not_live", actor=people["staff"])
    assert post.status is PostStatus.DISPUTED
    assert (proof.decision, proof.reason) == ("disputed", "not_live")
    assert notified(ctx, people["owner"], "proof_disputed") == 1
    # The same screenshot again, for the same post, is allowed: it is this post's.
    again = make_proof(ctx, post, actor=people["owner"])
    assert post.status is PostStatus.POSTED
    assert again.id != proof.id
    actions = [e.action for e in post.events]
    assert actions == ["schedule", "submit_proof", "dispute", "submit_proof"]


def test_the_pasted_text_is_checked_for_disclosure_and_against_the_approved_post(
    ctx, people
) -> None:
    post = post_for(ctx, people)
    make_creative(ctx, post.placement, "brand_approved", owner=people["owner"],
                  staff=people["staff"], brand=people["brand"])  # fmt: skip
    proof = make_proof(ctx, post, actor=people["owner"], text="ריצת ערב עם הנעליים החדשות!")
    got = delivery.proof_check(ctx, proof)
    assert got.approved_text == CREATIVE_TEXT
    assert got.check is not None
    assert not got.check.disclosure_ok
    assert not got.check.same_as_creative
    assert ("ins", "ערב") in got.check.diff


# --- the monitor ------------------------------------------------------------------------


def test_the_monitor_opens_misses_and_alerts_once_with_the_playbook(ctx, people) -> None:
    post = post_for(ctx, people)
    opens = dt.datetime.combine(post.opens_on, dt.time(9), UTC)
    run = delivery.monitor(ctx, opens)
    assert (run.opened, run.missed, run.owner_alerts, run.staff_alerts) == (1, 0, 0, 0)
    assert post.status is PostStatus.DUE
    late = dt.datetime.combine(post.due_on + dt.timedelta(days=1), dt.time(9), UTC)
    run = delivery.monitor(ctx, late)
    assert (run.owner_alerts, run.staff_alerts) == (1, 1)
    assert notified(ctx, people["owner"], "post_late") == 1
    # And by e-mail (the outbox, sent after the commit), in the owner's language.
    from marketplace.outbox import OutboundEmail

    mails = ctx.scalars(
        select(OutboundEmail).where(OutboundEmail.to_address == people["owner"].email)
    )
    assert any(post_link(post.id) in m.body for m in mails)
    # The listing has one asset and the brief's shortlist only this community: nothing free.
    assert notified(ctx, people["staff"], "delivery_behind") == 1
    again = delivery.monitor(ctx, late + dt.timedelta(hours=1))
    assert again.as_dict() == {"opened": 0, "missed": 0, "owner_alerts": 0, "staff_alerts": 0}
    missed = dt.datetime.combine(post.due_on + dt.timedelta(days=3), dt.time(9), UTC)
    run = delivery.monitor(ctx, missed)
    assert (run.missed, run.staff_alerts) == (1, 1)
    assert post.status is PostStatus.MISSED
    assert notified(ctx, people["staff"], "delivery_behind") == 2


def test_the_playbook_suggests_another_asset_of_the_same_community(ctx, people) -> None:
    from marketplace.catalog import services as catalog
    from pricing.taxonomy import PlacementType, Platform

    post = post_for(ctx, people)
    community = post.deal.community
    other = catalog.save_asset(
        ctx, community,
        {"platform": Platform.TELEGRAM_CHANNEL, "url": "https://t.me/runners_extra", "size": 900,
         "interaction_mode": "one_to_many", "handle": "runners_extra"},
        actor=people["owner"], observed_on=dt.date(2026, 10, 1),
    )  # fmt: skip
    catalog.set_rates(ctx, other, {PlacementType.POST: (20_000, "ILS")}, actor=people["owner"])
    ctx.flush()
    ctx.refresh(community)
    got = delivery.suggestion_for(ctx, post.placement)
    assert got.kind.value == "move_to_asset"
    assert got.target_id == other.id


def test_each_role_sees_the_campaigns_it_may(ctx, people) -> None:
    post = post_for(ctx, people)
    brief_id = post.brief_id
    for who in ("brand", "owner", "staff", "admin", "finance"):
        assert [p.id for p in delivery.campaign_posts(ctx, brief_id, people[who])] == [post.id]
    for who in ("brand2", "owner2"):
        with pytest.raises(delivery.CampaignNotFound):
            delivery.campaign_posts(ctx, brief_id, people[who])
        assert delivery.campaigns_visible_to(ctx, people[who]) == []
    other = make_deal(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner2"],
                      stage="agreed")  # fmt: skip
    mine = delivery.campaigns_visible_to(ctx, people["owner"])
    assert [c.brief.id for c in mine] == [brief_id]
    assert other.brief_id != brief_id


def test_a_paused_deals_posts_are_not_moved_or_chased(ctx, people) -> None:
    post = post_for(ctx, people)
    deals.pause_brief_deals(ctx, post.brief_id, "מצב חירום", actor=people["staff"])
    much_later = dt.datetime.combine(post.due_on + dt.timedelta(days=10), dt.time(9), UTC)
    run = delivery.monitor(ctx, much_later)
    assert run.as_dict() == {"opened": 0, "missed": 0, "owner_alerts": 0, "staff_alerts": 0}
    assert post.status is PostStatus.SCHEDULED


def test_the_monitor_job_is_scheduled_and_runs_through_the_job_runner(
    app: Flask, people: dict[str, User], ctx: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from marketplace.jobs import enqueue
    from marketplace.jobs.scheduler import default_schedule

    entry = next(e for e in default_schedule().entries if e.kind == "delivery.monitor")
    assert entry.cron == "5 * * * *"
    post = post_for(ctx, people)
    later = dt.datetime.combine(post.due_on + dt.timedelta(days=1), dt.time(9), UTC)
    monkeypatch.setattr("marketplace.delivery.tasks.utcnow", lambda: later)
    ctx.commit()
    enqueue(ctx, "delivery.monitor")  # eager in tests: runs right after the commit
    ctx.commit()
    ctx.expire_all()
    assert ctx.get(Post, post.id).status is PostStatus.DUE
    assert notified(ctx, people["owner"], "post_late") == 1


def test_the_alert_links_to_the_post_page(app: Flask) -> None:
    from flask import url_for

    with app.test_request_context():
        assert delivery.post_link(7) == url_for("delivery.post", post_id=7)


def test_a_verified_post_is_measured_then_closed_and_nothing_else_is(ctx, people) -> None:
    post = post_for(ctx, people)
    with pytest.raises(IllegalPostMove):  # not verified yet
        delivery.measure_post(ctx, post.id, actor=None)
    proof = make_proof(ctx, post, actor=people["owner"])
    delivery.decide_proof(ctx, proof.id, verify=True, actor=people["staff"])
    with pytest.raises(IllegalPostMove):  # an owner does not measure
        delivery.measure_post(ctx, post.id, actor=people["owner"])
    delivery.measure_post(ctx, post.id, actor=None)
    assert post.status is PostStatus.MEASURED
    delivery.close_post(ctx, post.id, actor=people["staff"])
    assert (post.status, post.closed_reason) == (PostStatus.CLOSED, "measured")
    progress = delivery.placement_progress([post], post.due_on + dt.timedelta(days=1))
    assert int(progress.loc[post.deal_placement_id, "delivered"]) == 1
