"""The results list's fixed-SQL relevance search returns what the general search returns."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from marketplace.auth.models import User
from marketplace.catalog import listing
from marketplace.catalog import search as search_module
from marketplace.catalog import services as catalog
from marketplace.catalog.fulltext import tsquery
from marketplace.catalog.models import ListingStatus
from marketplace.catalog.search import SearchParams, search, with_cursor
from pricing.taxonomy import Platform
from tests.factories import make_listing

SEARCHES = [
    {"q": "ריצה"},
    {"q": "ריצה מרתון"},
    {"q": "runners"},
    {"q": "ריצה", "filters": {"region": ("north",)}},
    {"q": "ריצה", "filters": {"region": ("north", "center"), "platform": ("whatsapp_group",)}},
    {"q": "ריצה", "filters": {"platform": ("facebook_group",)}},
    {"q": "ריצה", "filters": {"price": ("low",)}},  # staff only: dropped for everyone else
    {"q": "ריצה", "evidence": 2},
    {"q": "ריצה", "status": "submitted"},
    {"q": "nothing-matches-this"},
]


@pytest.fixture
def catalog_of_seven(ctx: Any, make_user: Any) -> dict[str, User]:
    """Seven listings of different sizes, regions, channels and statuses."""
    owner = ctx.get(User, make_user("owner").id)
    staff = ctx.get(User, make_user("staff").id)
    regions = ["north", "center", "tel_aviv", "north", "center", "north", "south"]
    sizes = [700, 900, 650, 800, 720, 300, 1000]
    for number, (region, size) in enumerate(zip(regions, sizes, strict=True)):
        made = make_listing(ctx, owner, region=region)
        data = {"platform": made.asset.platform, "url": made.asset.url, "size": size}
        catalog.save_asset(
            ctx, made.community, data, actor=owner, asset=made.asset,
            observed_on=date(2026, 11, 5),
        )  # fmt: skip
        if number % 2:
            second = {"platform": Platform.FACEBOOK_GROUP, "url": f"https://facebook.com/groups/r{number}",
                      "size": 100 + number}  # fmt: skip
            catalog.save_asset(
                ctx, made.community, second, actor=owner, observed_on=date(2026, 11, 5)
            )
        if number < 5:
            catalog.change_status(ctx, made.community, ListingStatus.SUBMITTED, actor=owner)
        if number < 4:
            catalog.change_status(ctx, made.community, ListingStatus.LISTED, actor=staff)
    ctx.commit()
    return {
        "owner": owner,
        "staff": staff,
        "brand": ctx.get(User, make_user("brand").id),
        "finance": ctx.get(User, make_user("finance").id),
    }


def pages(ctx: Any, params: SearchParams, user: User) -> list[tuple[Any, Any]]:
    """Every page of a search, each as (fixed-SQL page, general page), following the cursors."""
    found = []
    while True:
        fast = listing.list_page(ctx, params, user, None)
        general = search(ctx, params, user, for_list=True)
        found.append((fast, general))
        if general.next_cursor is None or len(found) > 10:
            return found
        params = with_cursor(params, general.next_cursor)


@pytest.mark.parametrize(
    ("few", "walk_rows"),
    [(True, listing.WALK_ROWS), (False, listing.WALK_ROWS), (False, 3), (False, 0)],
    ids=["few-matches-plan", "many-matches-plan", "walk-three-then-gin", "walk-none-then-gin"],
)
def test_the_fixed_sql_results_list_matches_the_general_search(
    ctx: Any,
    catalog_of_seven: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    few: bool,
    walk_rows: int,
) -> None:
    # PostgreSQL picks a plan by the planner's estimate: both plans must give the same rows,
    # and so must the many-matches plan whichever of its two parts (the bounded walk of the
    # best ranked, the GIN index after them) a page's rows come from.
    monkeypatch.setattr(search_module, "FEW_MATCHES", 10**9 if few else 0)
    monkeypatch.setattr(listing, "WALK_ROWS", walk_rows)
    listing._postgresql_sql.cache_clear()  # noqa: SLF001 - the texts hold WALK_ROWS
    request.addfinalizer(listing._postgresql_sql.cache_clear)  # noqa: SLF001
    fast_pages = 0
    for role, user in catalog_of_seven.items():
        for spec in SEARCHES:
            params = SearchParams(**spec, per_page=2)  # type: ignore[arg-type]
            for fast, general in pages(ctx, params, user):
                assert fast.items == general.items, (role, spec)
                assert fast.next_cursor == general.next_cursor, (role, spec)
                if role != "owner":
                    assert listing._relevance_page(ctx, fast.params, user, None) is not None  # noqa: SLF001
                    fast_pages += 1
    assert fast_pages > 40


def test_the_fixed_sql_results_list_shows_each_listings_channels_and_topics(
    ctx: Any, catalog_of_seven: dict[str, User]
) -> None:
    staff = catalog_of_seven["staff"]
    page = listing.list_page(ctx, SearchParams(q="ריצה", per_page=7), staff, None)
    assert [community.total_size for community in page.items] == [
        900 + 101, 1000, 800 + 103, 720, 700, 650, 300 + 105,
    ]  # fmt: skip
    two = page.items[0]
    assert [(a.platform, a.size) for a in two.assets] == [
        (Platform.WHATSAPP_GROUP, 900),
        (Platform.FACEBOOK_GROUP, 101),
    ]
    assert two.topics == ["fitness", "local"]
    assert two.status is ListingStatus.LISTED
    assert page.next_cursor is None


def test_a_damaged_cursor_is_refused_as_before(ctx: Any, catalog_of_seven: dict[str, User]) -> None:
    for cursor in ("not-a-cursor", "WyJhIiwgMV0"):  # the second: ["a", 1]
        with pytest.raises(search_module.BadSearch):
            listing.list_page(
                ctx, SearchParams(q="ריצה", cursor=cursor), catalog_of_seven["brand"], None
            )


def test_the_kept_estimate_is_the_planners_own(
    ctx: Any, catalog_of_seven: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan is chosen by words × filters / catalog from kept parts: the planner's own
    estimate of the whole search, as it multiplies the two itself. SQLite has no planner's
    estimate (FTS5 reads the matches in rank order), so there it is never asked for."""
    if ctx.get_bind().dialect.name != "postgresql":

        def no_estimate(*_: object) -> float:
            raise AssertionError("SQLite's results list asked for a planner's estimate")

        monkeypatch.setattr(listing, "estimated_matches", no_estimate)
        page = listing.list_page(
            ctx, SearchParams(q="ריצה", per_page=7), catalog_of_seven["brand"], None
        )
        assert len(page.items) == 4  # the four listed of the seven
        return
    listing._estimates.clear()  # noqa: SLF001
    brand = catalog_of_seven["brand"]
    for spec in SEARCHES:
        params = SearchParams(**spec)  # type: ignore[arg-type]
        words = tsquery(params.q)
        facets = search_module.facet_tsquery(params, brand)
        assert words is not None
        where = search_module.vector_match("search_vector", "%(words)s", "%(facets)s")
        plan: Any = (
            ctx.connection()
            .exec_driver_sql(
                f"EXPLAIN (FORMAT JSON) SELECT 1 FROM communities WHERE {where}",  # noqa: S608
                {"words": words, "facets": facets},
            )
            .scalar()
        )
        whole = plan[0]["Plan"]["Plan Rows"]
        assert listing.estimated_matches(ctx, words, facets) == pytest.approx(whole, abs=1), spec
