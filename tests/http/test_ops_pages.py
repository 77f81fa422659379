"""Pages the load test found slow at 100,000 communities: bounded queries and bounded lists."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from marketplace.auth.models import User
from marketplace.catalog import services as catalog
from marketplace.catalog import views
from marketplace.catalog.models import ListingStatus
from marketplace.extensions import db
from tests.factories import add_co_manager, make_listing
from tests.queries import counted_queries


def add_listings(app: Flask, owner: Any, count: int, *, submit: bool = False) -> None:
    with app.app_context():
        actor = db.session.get(User, owner.id)
        for _ in range(count):
            listing = make_listing(db.session, actor)
            if submit:
                catalog.change_status(
                    db.session, listing.community, ListingStatus.SUBMITTED, actor=actor
                )
        db.session.commit()


def test_own_listings_load_their_channels_in_one_query_not_one_per_listing(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner")
    auth.login(owner.email)
    add_listings(app, owner, 1)
    with counted_queries(app) as one:
        assert client.get("/catalog/mine").status_code == 200
    add_listings(app, owner, 4)
    with counted_queries(app) as five:
        page = client.get("/catalog/mine").get_data(as_text=True)
    assert len(five) == len(one)
    assert page.count('class="card result"') == 5
    assert page.count("chip platform-whatsapp_group") == 5


def test_the_review_queue_shows_the_oldest_page_and_counts_them_all(
    app: Flask, client: Any, auth: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "REVIEW_PAGE", 2)
    owner = make_user("owner")
    add_listings(app, owner, 3, submit=True)
    auth.login(make_user("staff").email)
    response = client.get("/catalog/review")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    waiting = page.split("<h2>", 2)[1]  # the first section: listings waiting
    assert re.search(r"\(3\)</h2>", waiting)
    assert waiting.count('href="/catalog/') == 2
    # Isolated: an English name beside a Hebrew date once pulled the day's "7" to its far side.
    assert "<bdi>רצים בתל אביב 1</bdi>" in waiting
    assert "רצים בתל אביב 3" not in waiting


def test_own_listings_are_those_owned_and_those_co_managed_only(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner, helper, stranger = make_user("owner"), make_user("owner"), make_user("owner")
    with app.app_context():
        shared = make_listing(db.session, db.session.get(User, owner.id)).community
        add_co_manager(db.session, shared, email=helper.email, actor=db.session.get(User, owner.id))
        own = make_listing(db.session, db.session.get(User, helper.id)).community
        other = make_listing(db.session, db.session.get(User, stranger.id)).community
        db.session.commit()
        ids = {"shared": shared.id, "own": own.id, "other": other.id}
    auth.login(helper.email)
    page = client.get("/catalog/mine").get_data(as_text=True)
    shown = {int(n) for n in re.findall(r'<h2><a href="/catalog/(\d+)"', page)}
    assert shown == {ids["shared"], ids["own"]}
