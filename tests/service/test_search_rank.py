"""Text searches in the static rank's order: best evidenced, then largest, read page by page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import event, text

from marketplace.auth.models import User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import ListingStatus
from marketplace.catalog.search import SearchParams, search, with_cursor
from marketplace.catalog.services import facet_token
from tests.factories import make_listing


@contextmanager
def statements(session: Any) -> Iterator[list[str]]:
    """The SQL the block sends, each statement with its parameters."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_args: Any) -> None:
        sent.append(f"{sql} {parameters!r}")

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def resize(session: Any, listing: Any, owner: User, size: int) -> None:
    data = {"platform": listing.asset.platform, "url": listing.asset.url, "size": size}
    catalog.save_asset(
        session, listing.community, data, actor=owner, asset=listing.asset,
        observed_on=date(2026, 11, 5),
    )  # fmt: skip


def test_a_text_search_lists_the_largest_matches_first_and_pages_through_all(
    ctx: Any, make_user: Any
) -> None:
    owner = ctx.get(User, make_user("owner").id)
    staff = ctx.get(User, make_user("staff").id)
    listings = [make_listing(ctx, owner) for _ in range(5)]
    for listing, size in zip(listings, (700, 900, 650, 800, 720), strict=True):
        resize(ctx, listing, owner, size)
    ctx.commit()
    by_size = [
        listing.community.id
        for listing in sorted(listings, key=lambda item: -item.community.total_size)
    ]

    params = SearchParams(q="ריצה", sort="relevance", per_page=2)
    seen: list[int] = []
    page = search(ctx, params, staff)
    while True:
        seen += [community.id for community in page.items]
        if page.next_cursor is None:
            break
        page = search(ctx, with_cursor(params, page.next_cursor), staff)
    assert seen == by_size

    # The index follows a change of size at once.
    resize(ctx, listings[2], owner, 1_000)
    ctx.commit()
    first = search(ctx, SearchParams(q="ריצה", sort="relevance", per_page=1), staff)
    assert [c.id for c in first.items] == [listings[2].community.id]


def test_the_static_rank_puts_evidence_before_size(ctx: Any, make_user: Any) -> None:
    owner = ctx.get(User, make_user("owner").id)
    staff = ctx.get(User, make_user("staff").id)
    large, small = make_listing(ctx, owner), make_listing(ctx, owner)  # small: the later id
    resize(ctx, large, owner, 900)
    ctx.flush()
    ctx.execute(
        text("UPDATE communities SET best_evidence = 4 WHERE id = :id"), {"id": small.community.id}
    )
    ctx.commit()
    found = search(ctx, SearchParams(q="מרתון", sort="relevance"), staff).items
    assert [c.id for c in found] == [small.community.id, large.community.id]


def test_a_prefix_finds_every_term_it_starts_even_one_added_after_a_search(
    ctx: Any, make_user: Any
) -> None:
    owner = ctx.get(User, make_user("owner").id)
    staff = ctx.get(User, make_user("staff").id)
    marathon = make_listing(ctx, owner).community  # its tags: "מרתון"
    ctx.commit()

    def found(q: str) -> list[int]:
        return sorted(c.id for c in search(ctx, SearchParams(q=q), staff).items)

    assert found("מרתו") == [marathon.id]
    later = catalog.save_community(
        ctx, {"name_he": "מרתונאים בחיפה", "description": "ריצות ארוכות"}, actor=owner
    )
    ctx.commit()
    assert found("מרתו") == sorted([marathon.id, later.id])
    assert found("מרתונא") == [later.id]


def test_filters_narrow_a_text_search_and_a_word_never_matches_a_facet(
    ctx: Any, make_user: Any
) -> None:
    """The filters live in the same index as the text (FTS5; PostgreSQL's search_vector).

    A user's word is matched in the text only: "f" or "fplatform" must not find every
    community through its facet words ("fplatform0whatsappgroup"), which the index also holds.
    """
    owner = ctx.get(User, make_user("owner").id)
    staff = ctx.get(User, make_user("staff").id)
    brand = ctx.get(User, make_user("brand").id)
    north = make_listing(ctx, owner, region="north").community
    center = make_listing(ctx, owner, region="center").community
    ctx.commit()

    def found(user: User, q: str, **filters: tuple[str, ...]) -> list[int]:
        params = SearchParams(q=q, filters=filters)
        return sorted(c.id for c in search(ctx, params, user).items)

    assert found(staff, "ריצה") == sorted([north.id, center.id])
    with statements(ctx) as sent:
        assert found(staff, "ריצה", region=("north",)) == [north.id]
    # The index answers the filter: its word goes into the full-text query, and the facet
    # table is not read (a correlated EXISTS per text match, which the index replaced).
    assert any(facet_token("region", "north") in sql for sql in sent), sent
    assert not [sql for sql in sent if "community_facets" in sql]
    assert found(staff, "ריצה", region=("north", "center")) == sorted([north.id, center.id])
    assert found(staff, "ריצה", region=("north",), platform=("facebook_group",)) == []
    for word in ("f", "fplatform", "fplatform0whatsappgroup", "fregion0north", "fstatus"):
        assert found(staff, word) == [], word
    # Brands see listed communities only; the filters change nothing about that.
    assert found(brand, "ריצה", region=("north",)) == []
    catalog.change_status(ctx, north, ListingStatus.SUBMITTED, actor=owner)
    catalog.change_status(ctx, north, ListingStatus.LISTED, actor=staff)
    ctx.commit()
    assert found(brand, "ריצה", region=("north", "center")) == [north.id]
