"""The browse page's cache: never staler than the database, never shared across audiences."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from unittest import mock

import pytest
from flask import Flask
from sqlalchemy import select, text

from marketplace.auth.models import User
from marketplace.catalog import listing
from marketplace.catalog import services as catalog
from marketplace.catalog.cache import catalog_version
from marketplace.catalog.models import Community, ListingStatus
from marketplace.extensions import db
from pricing.taxonomy import MetricKind
from tests.conftest import DEMO_PASSWORD
from tests.factories import make_listing, make_notification
from tests.http.test_auth import sign_up
from tests.http.test_catalog import listed
from tests.http.test_inbox import badge
from tests.http.test_security import latest_mail_body, links
from tests.queries import counted_queries


def _version(app: Flask) -> int:
    with app.app_context():
        version = catalog_version(db.session)
        assert version is not None
        return version


def test_every_catalog_write_advances_the_version(app: Flask, make_user: Any) -> None:
    owner = make_user("owner")
    before = _version(app)
    with app.app_context():
        listing = make_listing(db.session, db.session.get(User, owner.id))
        db.session.commit()
        community_id = listing.community.id
    after_insert = _version(app)
    assert after_insert > before
    with app.app_context():
        db.session.get(Community, community_id).city = "יפו"  # type: ignore[union-attr]
        db.session.commit()
    after_update = _version(app)
    assert after_update > after_insert
    with app.app_context():
        # Raw SQL is covered too: the database keeps the counter, not the ORM.
        db.session.execute(text("UPDATE channel_assets SET size = size + 1"))
        db.session.commit()
    assert _version(app) > after_update


def test_a_rolled_back_write_leaves_the_version(app: Flask, make_user: Any) -> None:
    owner = make_user("owner")
    with app.app_context():
        make_listing(db.session, db.session.get(User, owner.id))
        db.session.commit()
    before = _version(app)
    with app.app_context():
        db.session.execute(text("UPDATE communities SET city = 'x'"))
        db.session.rollback()
    assert _version(app) == before


def test_a_change_shows_at_once_on_a_cached_search(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    _owner, community_id = listed(app, make_user)
    brand = make_user("brand")
    auth.login(brand.email)
    first = client.get("/catalog/?q=ריצה").get_data(as_text=True)
    assert "רצים בתל אביב" in first
    again = client.get("/catalog/?q=ריצה").get_data(as_text=True)
    with app.app_context():
        _panels, results = app.extensions["kesher_search_cache"]
    assert results.hits >= 1, "the second identical search is served from the cache"
    assert again == first

    with app.app_context():
        community = db.session.get(Community, community_id)
        assert community is not None
        # Staff rename it (an owner's rename would send the listing back to review first).
        staff = db.session.get_one(User, make_user("staff").id)
        catalog.save_community(
            db.session, {"name_he": "מועדון הריצה של יפו"}, actor=staff, community=community,
        )  # fmt: skip
        db.session.commit()
    after = client.get("/catalog/?q=ריצה").get_data(as_text=True)
    assert "מועדון הריצה של יפו" in after
    assert "רצים בתל אביב" not in after


def test_paused_listing_leaves_the_brands_cached_results(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner, community_id = listed(app, make_user)
    brand = make_user("brand")
    auth.login(brand.email)
    assert "רצים בתל אביב" in client.get("/catalog/?q=ריצה").get_data(as_text=True)
    with app.app_context():
        community = db.session.get(Community, community_id)
        catalog.change_status(
            db.session, community, ListingStatus.PAUSED, actor=db.session.get(User, owner.id)
        )
        db.session.commit()
    assert "רצים בתל אביב" not in client.get("/catalog/?q=ריצה").get_data(as_text=True)


def test_audiences_never_share_cached_results(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner")
    with app.app_context():
        make_listing(db.session, db.session.get(User, owner.id))  # a draft: the owner's only
        db.session.commit()
    staff = make_user("staff")
    brand = make_user("brand")
    other_owner = make_user("owner")
    # Each audience fills the cache in turn with the same URL; none may see another's page.
    auth.login(staff.email)
    assert "רצים בתל אביב" in client.get("/catalog/?q=ריצה").get_data(as_text=True)
    auth.logout()
    auth.login(owner.email)
    assert "רצים בתל אביב" in client.get("/catalog/?q=ריצה").get_data(as_text=True)
    auth.logout()
    auth.login(brand.email)
    assert "רצים בתל אביב" not in client.get("/catalog/?q=ריצה").get_data(as_text=True)
    auth.logout()
    auth.login(other_owner.email)
    assert "רצים בתל אביב" not in client.get("/catalog/?q=ריצה").get_data(as_text=True)


def test_the_cache_can_be_turned_off(app_factory: Any, make_user: Any) -> None:
    app = app_factory(SEARCH_CACHE_SIZE=0)
    client = app.test_client()
    brand = make_user("brand")
    client.post("/auth/login", data={"email": brand.email, "password": "correct-horse-battery"})
    client.get("/catalog/?q=ריצה")
    client.get("/catalog/?q=ריצה")
    panels, results = app.extensions["kesher_search_cache"]
    assert (panels.hits, results.hits) == (0, 0)


def test_a_cached_listing_page_shows_a_new_figure_at_once(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner, community_id = listed(app, make_user)
    brand = make_user("brand")
    auth.login(brand.email)
    first = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert client.get(f"/catalog/{community_id}").get_data(as_text=True) == first
    with app.app_context():
        _panels, results = app.extensions["kesher_search_cache"]
        assert results.hits >= 1, "the second view of the listing came from the cache"
        community = db.session.get(Community, community_id)
        assert community is not None
        catalog.record_metric(
            db.session, community.assets[0], MetricKind.POSTS_PER_WEEK, 4321,
            actor=db.session.get(User, owner.id), observed_on=date(2026, 11, 20),
            source="ספירה ידנית",
        )  # fmt: skip
        db.session.commit()
    after = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert "4,321" in after
    assert "4,321" not in first
    assert "050-1234567" not in after, "a cached page never carries private contact details"


def test_managers_always_get_their_listing_fresh_with_its_forms(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner, community_id = listed(app, make_user)
    auth.login(owner.email)
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert "050-1234567" in page  # the owner's own private details
    assert 'name="csrf_token"' in page


def test_an_uncached_search_page_sends_three_statements(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    """Each statement of a page every searcher sends differently is a round trip to PostgreSQL.

    The login session with its user, the unread count and the catalog version (one statement),
    the terms a word stands for (SQLite) or the planner's estimate of the matches (PostgreSQL),
    and the page.
    """
    listed(app, make_user)
    auth.login(make_user("brand").email)
    listing._estimates.clear()  # noqa: SLF001 - earlier tests' searches on this database
    # Another word with the same filter first: the planner's estimates of the filter and of
    # the catalog (PostgreSQL) are kept from it, as in a process that has served a while.
    client.get("/catalog/?q=מרתון&region=tel_aviv")
    with counted_queries(app) as statements:
        page = client.get("/catalog/?q=ריצה&region=tel_aviv").get_data(as_text=True)
    assert "רצים בתל אביב" in page
    assert len(statements) == 3, statements
    assert "JOIN users" in statements[0]
    assert "notifications" in statements[0]
    assert "catalog_state" in statements[0]
    # The same search in pages of another size (not a kept page): the word's terms (SQLite)
    # and the planner's estimates of the word and of the filter (PostgreSQL) are kept, so
    # only the page itself is asked for.
    with counted_queries(app) as statements:
        page = client.get("/catalog/?q=ריצה&region=tel_aviv&per_page=5").get_data(as_text=True)
    assert "רצים בתל אביב" in page
    assert len(statements) == 2, statements
    # A new word with the same filter: its terms, or the estimate of the word alone (the
    # filter's is kept), in one statement.
    with counted_queries(app) as statements:
        client.get("/catalog/?q=צפון&region=tel_aviv")
    assert len(statements) == 3, statements


def test_a_form_post_reads_the_badge_and_the_version_when_it_renders(
    app: Flask, make_user: Any
) -> None:
    """A GET page takes the unread count and the catalog version read with its login session;
    a POST may change them before it renders, so it reads them again (they are not kept), and
    /healthz, which prints neither, does not read them at all."""
    brand = make_user("brand")
    with app.app_context():
        make_notification(db.session, db.session.get_one(User, brand.id))
        db.session.commit()
    client = app.test_client()
    client.post("/auth/login", data={"email": brand.email, "password": DEMO_PASSWORD})
    with app.app_context():
        from marketplace.auth.models import LoginSession

        token_hash = db.session.scalars(
            select(LoginSession.token_hash).where(LoginSession.user_id == brand.id)
        ).first()
    assert token_hash is not None
    loader = app.login_manager._user_callback  # type: ignore[attr-defined]  # noqa: SLF001
    for url, method, expected in (
        ("/catalog/", "GET", True),
        ("/catalog/", "HEAD", True),
        ("/catalog/new", "POST", False),
        ("/healthz", "GET", False),
    ):
        with app.test_request_context(url, method=method):
            with mock.patch("marketplace.auth.passwords.token_digest", return_value=token_hash):
                user = loader("any")
            assert user is not None
            got = user.login_values
            assert (got is not None) is expected, (url, method)
            if expected:
                assert got["unread_notifications"] == 1
                assert got["catalog_version"] == catalog_version(db.session)


CSRF = re.compile(r'name="csrf_token" type="hidden" value="[^"]*"|name="csrf_token" value="[^"]*"')
SHELL_URLS = [
    "/catalog/?q=ריצה",
    "/catalog/?q=ריצה&region=tel_aviv&sort=largest",
    '/catalog/?q="><b>x</b>&platform=whatsapp_group',
    "/catalog/?q=kesherslotresultsx7q kesherslotcsrfx7q",  # a slot's own name, typed as words
    "/catalog/?sort=newest",
]


def _page_both_ways(app: Flask, client: Any, url: str) -> tuple[str, str]:
    """The page as the kept shell gives it (its second use), and as rendered whole."""
    client.get(url.replace("q=", "q=warm"))  # the same shell, filled for another search
    kept = client.get(url).get_data(as_text=True)
    app.config["SEARCH_CACHE_SIZE"] = 0
    try:
        whole = client.get(url).get_data(as_text=True)
    finally:
        app.config["SEARCH_CACHE_SIZE"] = 512
    return CSRF.sub("csrf", kept), CSRF.sub("csrf", whole)


@pytest.mark.parametrize("locale", ["he", "en"])
def test_a_kept_page_shell_gives_the_page_a_whole_rendering_gives(
    app: Flask, client: Any, auth: Any, make_user: Any, locale: str
) -> None:
    listed(app, make_user)
    for role in ("brand", "owner", "staff", "finance", "admin"):
        auth.login(make_user(role, locale=locale).email)
        for url in SHELL_URLS:
            kept, whole = _page_both_ways(app, client, url)
            assert kept == whole, (role, url)
        assert ('dir="rtl"' if locale == "he" else 'dir="ltr"') in kept
        assert "kesherslot" not in kept.replace("kesherslotresultsx7q kesherslotcsrfx7q", "")
        auth.logout()


def test_the_kept_shell_follows_the_unread_count_and_the_language(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    brand = make_user("brand", locale="he")
    auth.login(brand.email)
    assert badge(client.get("/catalog/?q=ריצה").get_data(as_text=True)) is None
    with app.app_context():
        make_notification(db.session, db.session.get_one(User, brand.id))
        db.session.commit()
    assert badge(client.get("/catalog/?q=מרתון").get_data(as_text=True)) == "1"
    client.post("/auth/language", data={"lang": "en", "next": "/catalog/"})
    page = client.get("/catalog/?q=runners").get_data(as_text=True)
    assert 'dir="ltr"' in page
    assert ">Communities</h1>" in page


def test_readers_never_share_a_kept_shell_and_its_token_works(
    app_factory: Any, make_user: Any
) -> None:
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
    with app.app_context():
        users = []
        for _ in range(2):
            made = make_user("brand", locale="en")
            users.append((made.email, made.display_name))
    for email, name in users:
        login = token.search(client.get("/auth/login").get_data(as_text=True))
        assert login is not None
        client.post(
            "/auth/login",
            data={"csrf_token": login.group(1), "email": email, "password": DEMO_PASSWORD},
        )
        for q in ("ריצה", "מרתון"):  # the second from the kept shell
            page = client.get(f"/catalog/?q={q}").get_data(as_text=True)
            assert name in page
            assert [n for _e, n in users if n != name][0] not in page
        found = token.search(page)
        assert found is not None
        assert client.post("/auth/logout", data={"csrf_token": found.group(1)}).status_code == 302
        assert client.get("/catalog/?q=ריצה").status_code == 302  # signed out: to the login page


def _cards(app: Flask) -> Any:
    return app.extensions["kesher_result_cards"]


def _whole(app: Flask, client: Any, url: str) -> str:
    """A results page as rendered with every cache off."""
    app.config["SEARCH_CACHE_SIZE"] = 0
    try:
        return CSRF.sub("csrf", client.get(url).get_data(as_text=True))
    finally:
        app.config["SEARCH_CACHE_SIZE"] = 512


def test_a_result_card_is_kept_across_searches_and_follows_a_change(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    """Different searches that find the same community reuse its rendered card (the results
    cache cannot help them: their URLs differ); a change to the catalog shows at once."""
    _owner, community_id = listed(app, make_user)
    auth.login(make_user("brand").email)
    assert "רצים בתל אביב" in client.get("/catalog/?q=ריצה").get_data(as_text=True)
    url = "/catalog/?q=מרתון&region=tel_aviv"
    page = CSRF.sub("csrf", client.get(url).get_data(as_text=True))
    assert _cards(app).hits >= 1, "the second search took the card the first one rendered"
    assert page == _whole(app, client, url)
    with app.app_context():
        community = db.session.get_one(Community, community_id)
        staff = db.session.get_one(User, make_user("staff").id)
        catalog.save_community(
            db.session, {"name_he": "מועדון הריצה של יפו"}, actor=staff, community=community
        )
        db.session.commit()
    after = client.get("/catalog/?q=ריצה&platform=whatsapp_group").get_data(as_text=True)
    assert "מועדון הריצה של יפו" in after
    assert "רצים בתל אביב" not in after


@pytest.mark.parametrize("locale", ["he", "en"])
def test_readers_never_share_a_kept_card(
    app: Flask, client: Any, auth: Any, make_user: Any, locale: str
) -> None:
    """A card prints prices by the reader's role (staff see the owner's rate and the status)
    and labels in the reader's language: each reader gets the card a whole rendering gives."""
    listed(app, make_user)
    roles = ("staff", "brand", "finance", "admin", "owner", "brand")
    for n, role in enumerate(roles):
        auth.login(make_user(role, locale=locale if n % 2 else "he").email)
        url = f"/catalog/?q=ריצה&n={n}"  # a URL of its own: never from the results cache
        kept = CSRF.sub("csrf", client.get(url).get_data(as_text=True))
        assert kept == _whole(app, client, url), role
        auth.logout()
    assert _cards(app).hits >= 1


def test_the_kept_shell_follows_the_more_menu(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    """A brand who stops being their organisation's admin loses "API tokens" from the "More"
    menu at once: the kept shell's key holds that menu too, not only the main bar."""
    brand = make_user("brand", locale="en", org_admin=True)
    auth.login(brand.email)
    assert "API tokens" in client.get("/catalog/?q=runners").get_data(as_text=True)
    with app.app_context():
        db.session.get_one(User, brand.id).is_org_admin = False
        db.session.commit()
    assert "API tokens" not in client.get("/catalog/?q=marathon").get_data(as_text=True)


PANEL_SELECTIONS = [
    "",
    "platform=whatsapp_group",
    "platform=whatsapp_group&platform=telegram_channel&region=tel_aviv&size=xs&size=xs",
    "topic=fitness&language=he&size=m&size=xl&value=v2&health=h_mid&audience=gender:female",
    "audience=age:65_plus&price=p1&evidence=2",
    "status=listed&evidence=4&region=south",
    "status=draft",
    "region=nowhere&platform=%22%3E%3Cb%3E&size=",  # unknown values: nothing ticked
    "audience_kind=professional&evidence=3",
]


@pytest.mark.parametrize("locale", ["he", "en"])
@pytest.mark.parametrize("is_staff", [False, True])
def test_a_filled_in_blank_panel_is_the_panel_rendered_for_its_selection(
    app: Flask, locale: str, is_staff: bool
) -> None:
    """The filter panel is rendered once per language and staff flag with nothing chosen, and
    each search's choices are ticked in it: the same HTML as rendering it for that choice."""
    from marketplace.catalog import cache, search

    def panel(params: search.SearchParams) -> str:
        return str(
            cache.rendered(
                "catalog/_filters.html", params=params, is_staff=is_staff,
                facets=search.facet_choices(),
            )
        )  # fmt: skip

    for query in PANEL_SELECTIONS:
        with app.test_request_context(f"/catalog/?{query}"):
            from flask import request, session

            session["locale"] = locale
            params = search.SearchParams.from_args(request.args)
            blank = panel(search.SearchParams())
            whole = panel(params)
            assert cache.filled_panel(blank, params) == whole, query
            if "platform=whatsapp_group" in query:
                assert 'value="whatsapp_group" checked>' in whole


def test_the_kept_shell_follows_the_readers_e_mail_confirmation(app: Flask) -> None:
    client = app.test_client()
    signup = {"account_type": "brand", "display_name": "Maya", "organisation_name": "Shorashim",
              "email": "maya@shell.example", "password": "a long enough passphrase",
              "confirm": "a long enough passphrase"}  # fmt: skip
    assert sign_up(client, signup).status_code == 302
    asking = "maya@shell.example"  # the banner names the address it waits for
    client.get("/catalog/")  # the sign-up's welcome is shown (a page with a flash is not kept)
    assert asking in client.get("/catalog/?q=ריצה").get_data(as_text=True)  # kept from here
    [link] = [url for url in links(latest_mail_body(app)) if "/auth/verify/" in url]
    client.get("/auth/verify/" + link.rsplit("/", 1)[1])
    kept, whole = _page_both_ways(app, client, "/catalog/?q=ריצה")
    assert asking not in kept
    assert kept == whole
