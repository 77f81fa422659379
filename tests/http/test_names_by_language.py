"""Community names follow the UI language, falling back to the other one (issue 11, item 16)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from marketplace.auth.models import User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import ListingStatus, name_in
from marketplace.extensions import db
from tests.factories import make_listing


@pytest.mark.parametrize(
    ("he", "en", "language", "shown"),
    [
        ("רצים", "Runners", "en", "Runners"),
        ("רצים", "Runners", "he", "רצים"),
        ("רצים", None, "en", "רצים"),
        (None, "Runners", "he", "Runners"),
        ("רצים", "", "en", "רצים"),
    ],
)
def test_the_name_is_picked_by_language_with_a_fallback(
    he: str | None, en: str | None, language: str, shown: str
) -> None:
    assert name_in(he, en, language) == shown


def _listed(app: Flask, make_user: Any, **names: Any) -> int:
    owner = make_user("owner")
    staff = make_user("staff")
    with app.test_request_context():
        me = db.session.get(User, owner.id)
        listing = make_listing(db.session, me, **names)
        catalog.change_status(db.session, listing.community, ListingStatus.SUBMITTED, actor=me)
        catalog.change_status(
            db.session, listing.community, ListingStatus.LISTED,
            actor=db.session.get(User, staff.id),
        )  # fmt: skip
        db.session.commit()
        return listing.community.id


@pytest.mark.parametrize(("locale", "title"), [("en", "TLV Runners"), ("he", "רצים בתל אביב")])
def test_the_listing_and_search_pages_name_the_community_in_the_ui_language(
    app: Flask, client: Any, auth: Any, make_user: Any, locale: str, title: str
) -> None:
    community_id = _listed(app, make_user, name_he="רצים בתל אביב", name_en="TLV Runners")
    brand = make_user("brand", locale=locale)
    auth.login(brand.email)
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert f"<title>{title}" in page
    assert f"<h1>{title}</h1>" in page
    results = client.get("/catalog/").get_data(as_text=True)
    assert f'/catalog/{community_id}">{title}</a>' in results


def test_an_english_page_falls_back_to_the_hebrew_name(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    community_id = _listed(app, make_user, name_he="רצים בתל אביב", name_en=None)
    auth.login(make_user("brand", locale="en").email)
    assert "<h1>רצים בתל אביב</h1>" in client.get(f"/catalog/{community_id}").text
