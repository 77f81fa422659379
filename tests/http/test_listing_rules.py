"""Listing rules on the web: a re-saved form stays live, a reviewed change and a staff pause."""

from __future__ import annotations

from typing import Any

from flask import Flask

from marketplace.auth.models import User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Community, ListingStatus
from marketplace.extensions import db
from tests.http.test_catalog import listed


def status(app: Flask, community_id: int) -> ListingStatus:
    with app.app_context():
        return db.session.get_one(Community, community_id).status


def the_form_as_a_browser_sends_it(**changes: Any) -> dict[str, Any]:
    """The edit form of the factory's listing, unchanged, as a browser posts it."""
    return {
        "name_he": "רצים בתל אביב 1",
        "name_en": "TLV Runners 1",
        "description": "קהילת ריצה שכונתית:\r\nאימונים בפארק הירקון.",  # CRLF from a textarea
        "dna_tone": "חברי, מפרגן, בלי שיפוטיות",
        "topics": ["local", "fitness"],  # the form's order, not the stored one
        "tag_list": "מרתון, ריצה",
        "languages": ["he"],
        "region": "tel_aviv",
        "city": "תל אביב",
        "admission": "open",
        "audience_kind": "b2c",
        "monetisation_experience": "none",
        "disclosure_wording": "שיתוף פעולה בתשלום",
        "contact_phone": "050-1234567",
        **changes,
    }


def test_re_saving_the_form_unchanged_keeps_the_listing_live_and_a_name_change_does_not(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner, community_id = listed(
        app, make_user, description="קהילת ריצה שכונתית:\nאימונים בפארק הירקון."
    )
    auth.login(owner.email)
    saved = client.post(
        f"/catalog/{community_id}/edit", data=the_form_as_a_browser_sends_it(city="יפו")
    )
    assert saved.status_code == 302
    assert status(app, community_id) is ListingStatus.LISTED
    renamed = client.post(
        f"/catalog/{community_id}/edit",
        data=the_form_as_a_browser_sends_it(name_he="שם חדש"),
        follow_redirects=True,
    )
    assert "מוסתר ממותגים עד שהצוות יאשר" in renamed.get_data(as_text=True)  # the Hebrew UI
    assert status(app, community_id) is ListingStatus.SUBMITTED


def test_an_owner_cannot_resume_a_listing_the_agency_paused(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner, community_id = listed(app, make_user)
    staff = make_user("staff")
    with app.app_context():
        community = db.session.get_one(Community, community_id)
        actor = db.session.get_one(User, staff.id)
        catalog.change_status(db.session, community, ListingStatus.PAUSED, actor=actor)
        db.session.commit()
    auth.login(owner.email)
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert "data-paused-by-staff" in page
    assert 'value="listed"' not in page  # no Resume button
    response = client.post(f"/catalog/{community_id}/status", data={"to": "listed"})
    assert response.status_code == 409
    assert status(app, community_id) is ListingStatus.PAUSED
