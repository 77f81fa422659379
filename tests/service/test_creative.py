"""Creative on a real database: the approval chain, the disclosure, versions, images, scoping."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from campaigns.deals import IllegalTransition, SameReviewer, StaleVersion
from campaigns.deals.creative import CreativeStatus
from marketplace.auth.models import User
from marketplace.briefs.models import Brief
from marketplace.creative import services as creative
from marketplace.creative.models import CreativeVersion
from marketplace.creative.services import Upload
from marketplace.deals.models import Deal, DealEvent, DealPlacement
from marketplace.inbox.models import Notification
from tests.factories import PNG, make_creative, make_deal, make_people


@pytest.fixture
def people(ctx: Any, make_user: Any) -> dict[str, User]:
    """The deal desk's cast and a second staff member (the compliance reviewer)."""
    return make_people(
        ctx,
        make_user,
        ("brand", "owner", "staff", "admin", "finance", "staff2", "owner2", "brand2"),
    )


def agreed_placement(ctx: Any, people: dict[str, User], *, regulated: bool = False) -> Any:
    deal = make_deal(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"],
                     stage="agreed")  # fmt: skip
    if regulated:
        ctx.get(Brief, deal.brief_id).regulated = ["alcohol"]
        ctx.flush()
    return deal.placements[0]


def notified(ctx: Any, user: User, kind: str) -> int:
    return len(
        list(
            ctx.scalars(
                select(Notification).where(
                    Notification.recipient_id == user.id, Notification.kind == kind
                )
            )
        )
    )


def test_the_chain_of_a_plain_brief_ends_with_the_brand(ctx: Any, people: dict[str, User]) -> None:
    placement = agreed_placement(ctx, people)
    post = make_creative(ctx, placement, owner=people["owner"], staff=people["staff"])
    assert post.status is CreativeStatus.DRAFT
    steps = [
        (people["owner"], CreativeStatus.OWNER_APPROVED, people["staff"]),
        (people["staff"], CreativeStatus.AGENCY_APPROVED, people["brand"]),
    ]
    for actor, reached, next_one in steps:
        post = creative.approve_creative(ctx, placement.id, version=1, actor=actor)
        assert post.status is reached
        assert notified(ctx, next_one, "creative_to_review") == 1
    # The brand cannot skip ahead, and the owner cannot approve for the brand.
    with pytest.raises(IllegalTransition):
        creative.approve_creative(ctx, placement.id, version=1, actor=people["owner"])
    post = creative.approve_creative(ctx, placement.id, version=1, actor=people["brand"])
    assert post.status is CreativeStatus.BRAND_APPROVED
    assert creative.pure_creative(ctx, post).approved
    assert notified(ctx, people["owner"], "creative_approved") == 1
    # No compliance step on a brief that is not regulated.
    with pytest.raises(IllegalTransition):
        creative.approve_creative(ctx, placement.id, version=1, actor=people["staff2"])
    assert [a.party for a in creative.current_approvals(post)] == ["owner", "staff", "brand"]
    # Every step is on the deal's timeline, with who and the state before and after.
    timeline = list(ctx.scalars(select(DealEvent).where(DealEvent.deal_id == placement.deal_id,
                                                       DealEvent.action.like("creative_%"))
                                .order_by(DealEvent.id)))  # fmt: skip
    assert [(e.action, e.party, e.after.get("creative")) for e in timeline] == [
        ("creative_start", "owner", "draft"),
        ("creative_approve", "owner", "owner_approved"),
        ("creative_approve", "staff", "agency_approved"),
        ("creative_approve", "brand", "brand_approved"),
    ]
    assert timeline[1].before == {"placement": placement.id, "creative": "draft", "version": 1}


def test_a_regulated_brief_needs_a_compliance_reviewer_other_than_the_agency_approver(
    ctx: Any, people: dict[str, User]
) -> None:
    placement = agreed_placement(ctx, people, regulated=True)
    post = make_creative(ctx, placement, "brand_approved", owner=people["owner"],
                         staff=people["staff"], brand=people["brand"])  # fmt: skip
    assert not creative.pure_creative(ctx, post).approved
    # Both staff heard of the owner's approval; only the other one of the brand's.
    assert notified(ctx, people["staff2"], "creative_to_review") == 2
    assert notified(ctx, people["staff"], "creative_to_review") == 1
    # The agency approver is offered no approve button, and is refused if they try.
    assert "approve" not in creative.allowed_actions(ctx, post, people["staff"])
    assert "approve" in creative.allowed_actions(ctx, post, people["staff2"])
    with pytest.raises(SameReviewer):
        creative.approve_creative(ctx, placement.id, version=1, actor=people["staff"])
    post = creative.approve_creative(ctx, placement.id, version=1, actor=people["staff2"])
    assert post.status is CreativeStatus.COMPLIANCE_APPROVED
    assert creative.pure_creative(ctx, post).approved


def test_the_disclosure_must_be_in_the_text_before_any_approval(
    ctx: Any, people: dict[str, User]
) -> None:
    placement = agreed_placement(ctx, people)
    make_creative(ctx, placement, owner=people["owner"], staff=people["staff"],
                  text="ריצת בוקר עם הנעליים החדשות!")  # fmt: skip
    with pytest.raises(creative.CreativeDisclosureMissing) as refused:
        creative.approve_creative(ctx, placement.id, version=1, actor=people["owner"])
    assert refused.value.wording == "שיתוף פעולה בתשלום"
    # Pointed, spaced differently and with a prefix letter: still the wording.
    creative.save_draft(ctx, placement.id, text="ריצת בוקר! בְּשִׁתּוּף   פְּעֻלָּה בתשלום",
                        version=1, actor=people["owner"])  # fmt: skip
    post = creative.approve_creative(ctx, placement.id, version=2, actor=people["owner"])
    assert post.status is CreativeStatus.OWNER_APPROVED


def test_a_changed_draft_needs_every_approval_again(ctx: Any, people: dict[str, User]) -> None:
    placement = agreed_placement(ctx, people)
    post = make_creative(ctx, placement, "agency_approved", owner=people["owner"],
                         staff=people["staff"])  # fmt: skip
    assert len(creative.current_approvals(post)) == 2
    post = creative.save_draft(ctx, placement.id, text=post.versions[0].text + " 🏃",
                               version=1, actor=people["staff"])  # fmt: skip
    assert post.status is CreativeStatus.DRAFT
    assert post.current_version == 2
    assert creative.current_approvals(post) == []
    # An answer to the old version is refused as stale.
    with pytest.raises(StaleVersion):
        creative.approve_creative(ctx, placement.id, version=1, actor=people["owner"])
    assert notified(ctx, people["owner"], "creative_to_review") == 1


def test_changes_requested_void_the_chain_until_a_new_version(
    ctx: Any, people: dict[str, User]
) -> None:
    placement = agreed_placement(ctx, people)
    make_creative(ctx, placement, "owner_approved", owner=people["owner"], staff=people["staff"])
    post = creative.request_changes(ctx, placement.id, "Shorter, please", version=1,
                                    actor=people["staff"])  # fmt: skip
    assert post.status is CreativeStatus.CHANGES_REQUESTED
    assert post.changes_note == "Shorter, please"
    assert creative.current_approvals(post) == []
    with pytest.raises(IllegalTransition):
        creative.approve_creative(ctx, placement.id, version=1, actor=people["owner"])


def test_versions_are_immutable_in_the_database(ctx: Any, people: dict[str, User]) -> None:
    placement = agreed_placement(ctx, people)
    make_creative(ctx, placement, owner=people["owner"], staff=people["staff"])
    ctx.commit()
    row = ctx.scalars(select(CreativeVersion)).one()
    for statement in (
        "UPDATE creative_versions SET text = 'rewritten' WHERE id = :id",
        "DELETE FROM creative_versions WHERE id = :id",
    ):
        with pytest.raises(DBAPIError):
            ctx.execute(text(statement), {"id": row.id})
        ctx.rollback()
    assert ctx.get(CreativeVersion, row.id).text.startswith("ריצת בוקר")


def test_images_are_checked_by_their_bytes_and_size(ctx: Any, people: dict[str, User]) -> None:
    placement = agreed_placement(ctx, people)
    post = make_creative(ctx, placement, owner=people["owner"], staff=people["staff"])
    renamed = Upload("notes.png", b"just some text, not an image")
    big = Upload("big.png", PNG + b"\0" * creative.MAX_IMAGE_BYTES)
    for refused in (renamed, big):
        with pytest.raises(creative.ImageRefused):
            creative.save_draft(ctx, placement.id, text="x", version=1, actor=people["owner"],
                                images=[refused])  # fmt: skip
    post = creative.save_draft(ctx, placement.id, text=post.versions[0].text, version=1,
                               actor=people["owner"], images=[Upload("shoe.png", PNG)])  # fmt: skip
    [image] = post.versions[-1].images
    assert (image.content_type, image.data) == ("image/png", PNG)
    # The next version keeps the image unless asked to drop it.
    post = creative.save_draft(ctx, placement.id, text="שיתוף פעולה בתשלום", version=2,
                               actor=people["owner"])  # fmt: skip
    assert [i.sha256 for i in post.versions[-1].images] == [image.sha256]
    assert creative.get_image(ctx, image.id, people["brand"]).data == PNG
    with pytest.raises(creative.CreativeImageNotFound):
        creative.get_image(ctx, image.id, people["owner2"])


def test_creative_is_seen_as_the_deal_is(ctx: Any, people: dict[str, User]) -> None:
    placement = agreed_placement(ctx, people)
    for role in ("owner", "brand", "staff", "admin", "finance"):
        assert creative.get_placement(ctx, placement.id, people[role]).id == placement.id
    for role in ("owner2", "brand2"):
        with pytest.raises(creative.PlacementNotFound):
            creative.get_placement(ctx, placement.id, people[role])
        with pytest.raises(creative.PlacementNotFound):
            creative.start_creative(ctx, placement.id, text="x", actor=people[role])


def test_creative_waits_for_an_agreed_deal(ctx: Any, people: dict[str, User]) -> None:
    deal = make_deal(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"],
                     stage="sent")  # fmt: skip
    with pytest.raises(creative.DealNotAgreed):
        creative.start_creative(ctx, deal.placements[0].id, text="x", actor=people["owner"])
    assert ctx.scalar(select(DealPlacement).where(DealPlacement.deal_id == deal.id)) is not None
    assert ctx.get(Deal, deal.id) is not None


def test_the_diff_marks_changed_words_and_keeps_line_breaks() -> None:
    old, new = "ריצת בוקר\nעם הנעליים", "ריצת ערב\nעם הנעליים החדשות"
    pieces = creative.word_diff(old, new)
    assert ("del", "בוקר") in pieces
    assert ("ins", "ערב") in pieces
    assert "".join(t for kind, t in pieces if kind != "del") == new
    assert "".join(t for kind, t in pieces if kind != "ins") == old


@pytest.mark.parametrize(
    ("text", "direction"),
    [("שלום", "rtl"), ("“123” שלום", "rtl"), ("Hello שלום", "ltr"), ("123 !", "ltr"),
     ("\u200fHello", "rtl"), ("مرحبا", "rtl")],
)  # fmt: skip
def test_the_direction_follows_the_first_strong_character(text: str, direction: str) -> None:
    assert creative.text_direction(text) == direction


def test_a_cancelled_deal_s_post_is_frozen(ctx: Any, people: dict[str, User]) -> None:
    """After a cancellation the owner could still approve, revise and comment on the post (its
    placement stays AGREED as a record), walking a dead deal's creative to brand approval."""
    from campaigns.deals import StopReason
    from marketplace.creative.models import CreativeComment
    from marketplace.deals import services as deals

    placement = agreed_placement(ctx, people)
    post = make_creative(ctx, placement, owner=people["owner"], staff=people["staff"])
    deals.cancel_deal(ctx, placement.deal_id, StopReason.BRAND_WITHDREW, actor=people["staff"])
    with pytest.raises(creative.CreativeClosed):
        creative.approve_creative(ctx, placement.id, version=1, actor=people["owner"])
    with pytest.raises(creative.CreativeClosed):
        creative.request_changes(ctx, placement.id, "shorter", version=1, actor=people["staff"])
    with pytest.raises(creative.CreativeClosed):
        creative.save_draft(ctx, placement.id, text=post.versions[0].text + " !", version=1,
                            actor=people["owner"])  # fmt: skip
    with pytest.raises(creative.CreativeClosed):
        creative.add_comment(ctx, placement.id, "still on?", actor=people["owner"])
    ctx.refresh(post)
    assert post.status is CreativeStatus.DRAFT
    assert post.current_version == 1
    assert ctx.scalar(select(CreativeComment.id).limit(1)) is None
    assert creative.allowed_actions(ctx, post, people["owner"]) == set()
    assert creative.allowed_actions(ctx, post, people["staff"]) == set()
