"""The one scoped loader of the transaction half: a row is seen exactly when its deal is."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from marketplace.auth.models import User
from marketplace.creative import services as creative
from marketplace.creative.models import Creative, CreativeImage, CreativeVersion
from marketplace.deals import services as deals
from marketplace.deals.models import Deal, DealPlacement, PlacementStatus
from marketplace.delivery.models import Post, Proof
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.links.models import TrackedLink
from tests.factories import PNG, make_creative, make_deal, make_proof, make_tracked_link

SEE = ("brand", "owner", "staff", "admin", "finance")
BLIND = ("brand2", "owner2")


class ThingNotFound(NotFound):
    code = "thing_not_found"


@pytest.fixture
def ctx(app: Flask) -> Any:
    with app.test_request_context():
        yield db.session


@pytest.fixture
def people(ctx: Any, make_user: Any) -> dict[str, User]:
    roles = [(r, r) for r in SEE] + [("brand2", "brand"), ("owner2", "owner")]
    return {name: ctx.get(User, make_user(role).id) for name, role in roles}


@pytest.fixture
def rows(ctx: Any, people: dict[str, User]) -> dict[str, Any]:
    """An agreed deal of brand and owner with a row of every kind that hangs off it."""
    p = people
    deal = make_deal(ctx, brand=p["brand"], staff=p["staff"], owner=p["owner"], stage="agreed")
    other = make_deal(ctx, brand=p["brand2"], staff=p["staff"], owner=p["owner2"])
    placement = deal.placements[0]
    post = ctx.scalars(select(Post).where(Post.deal_id == deal.id).order_by(Post.id)).first()
    made = make_creative(ctx, placement, owner=p["owner"], staff=p["staff"])
    image = creative.Upload("a.png", PNG)
    made = creative.save_draft(ctx, placement.id, text=made.versions[0].text, version=1,
                               actor=p["owner"], images=[image])  # fmt: skip
    return {
        "deal": deal,
        "other": other,
        "placement": placement,
        "post": post,
        "proof": make_proof(ctx, post, actor=p["owner"]),
        "link": make_tracked_link(ctx, placement, actor=p["brand"]),
        "image": made.versions[-1].images[0],
    }


#: Each kind of row and its chain of foreign keys up to the deal (() is the default).
CHAINS = {
    "deal": (Deal, ()),
    "placement": (DealPlacement, ()),
    "post": (Post, ()),
    "proof": (Proof, (Proof.post_id, Post.deal_id)),
    "link": (TrackedLink, (TrackedLink.placement_id, DealPlacement.deal_id)),
    "image": (
        CreativeImage,
        (
            CreativeImage.version_id,
            CreativeVersion.creative_id,
            Creative.deal_placement_id,
            DealPlacement.deal_id,
        ),
    ),  # fmt: skip
}


@pytest.mark.parametrize("kind", CHAINS)
def test_a_row_is_seen_by_exactly_those_who_see_its_deal(
    ctx: Any, people: dict[str, User], rows: dict[str, Any], kind: str
) -> None:
    model, via = CHAINS[kind]
    row = rows[kind]
    for name in SEE:
        found = deals.get_visible(ctx, model, row.id, people[name], via=via, missing=ThingNotFound)
        assert found is row, name
        assert row in ctx.scalars(deals.scoped(people[name], model, via=via)).all(), name
    for name in BLIND:
        with pytest.raises(ThingNotFound):
            deals.get_visible(ctx, model, row.id, people[name], via=via, missing=ThingNotFound)
        assert row not in ctx.scalars(deals.scoped(people[name], model, via=via)).all(), name


def test_a_missing_row_raises_the_callers_own_not_found(
    ctx: Any, people: dict[str, User], rows: dict[str, Any]
) -> None:
    with pytest.raises(ThingNotFound) as raised:
        deals.get_visible(ctx, Post, 10**9, people["staff"], missing=ThingNotFound)
    assert raised.value.status_code == 404


def test_the_deals_seen_are_those_of_the_deal_desk(
    ctx: Any, people: dict[str, User], rows: dict[str, Any]
) -> None:
    for name in (*SEE, *BLIND):
        user = people[name]
        expected = ctx.scalars(deals.visible_deals_query(user)).all()
        assert ctx.scalars(deals.scoped(user, Deal)).all() == expected, name
    staff_sees = {p.deal_id for p in ctx.scalars(deals.scoped(people["staff"], DealPlacement))}
    assert staff_sees == {rows["deal"].id, rows["other"].id}
    brand2_sees = {p.deal_id for p in ctx.scalars(deals.scoped(people["brand2"], DealPlacement))}
    assert brand2_sees == {rows["other"].id}


def test_deal_filters_narrow_the_deals_and_where_narrows_the_rows(
    ctx: Any, people: dict[str, User], rows: dict[str, Any]
) -> None:
    placement, staff = rows["placement"], people["staff"]
    brief_id, other_brief = rows["deal"].brief_id, rows["other"].brief_id

    def get(*deal_filters: Any, where: Any = ()) -> Any:
        return deals.get_visible(ctx, DealPlacement, placement.id, staff, *deal_filters,
                                 where=where, missing=ThingNotFound)  # fmt: skip

    assert get(Deal.brief_id == brief_id) is placement
    assert get(where=(DealPlacement.status == PlacementStatus.AGREED,)) is placement
    with pytest.raises(ThingNotFound):
        get(Deal.brief_id == other_brief)
    with pytest.raises(ThingNotFound):
        get(where=(DealPlacement.status == PlacementStatus.CANCELLED,))
    listed = ctx.scalars(deals.scoped(staff, DealPlacement, Deal.brief_id == other_brief)).all()
    assert {p.deal_id for p in listed} == {rows["other"].id}


def test_a_locked_read_is_fresh_from_the_database(
    ctx: Any, people: dict[str, User], rows: dict[str, Any]
) -> None:
    placement, owner = rows["placement"], people["owner"]
    ctx.flush()
    ctx.execute(text("UPDATE deal_placements SET count = 9 WHERE id = :id"), {"id": placement.id})
    stale = deals.get_visible(ctx, DealPlacement, placement.id, owner, missing=ThingNotFound)
    assert stale.count != 9  # an ordinary read keeps what the session already holds
    fresh = deals.get_visible(ctx, DealPlacement, placement.id, owner, missing=ThingNotFound,
                              lock=True)  # fmt: skip
    assert fresh is placement
    assert fresh.count == 9
