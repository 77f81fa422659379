"""Bad data is refused with a clear message: addresses, phone numbers, long names, numbers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from marketplace.auth.models import User
from marketplace.catalog.models import Community
from marketplace.extensions import db
from marketplace.forms_common import normalise_phone
from tests.factories import make_listing


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("054-4567890", "+972544567890"),
        ("03-6123456", "+97236123456"),
        ("+972 52 765 4321", "+972527654321"),
        ("+44 20 7946 0958", "+442079460958"),
        ("abc-not-a-phone", None),
        ("050-123", None),
        ("", None),
    ],
)
def test_phone_numbers_are_read_as_israeli_or_international_and_stored_in_e164(
    raw: str, e164: str | None
) -> None:
    assert normalise_phone(raw) == e164


def _user_form(**overrides: str) -> dict[str, str]:
    return {
        "display_name": "Noa",
        "email": "noa@example.com",
        "role": "staff",
        "password": "a long enough passphrase",
        **overrides,
    }


def test_an_admin_cannot_create_a_user_with_a_hebrew_address(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    admin = make_user("admin", locale="en")
    auth.login(admin.email)
    response = client.post("/admin/users/new", data=_user_form(email="נועה@דוגמה.ישראל"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Write the e-mail address in Latin letters" in html
    with app.app_context():
        assert db.session.query(User).filter(User.email.like("%ישראל%")).count() == 0


def test_a_name_longer_than_its_column_is_refused_with_the_limit_not_cut(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    admin = make_user("admin", locale="en")
    auth.login(admin.email)
    long_name = "נ" * 121
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert not re.search(r'id="display_name"[^>]*maxlength', page), "the browser would cut it"
    response = client.post("/admin/users/new", data=_user_form(display_name=long_name))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "At most 120 characters." in html
    assert f'value="{long_name}"' in html
    with app.app_context():
        assert db.session.query(User).filter_by(email="noa@example.com").count() == 0


@pytest.fixture
def owner_listing(app: Flask, make_user: Any) -> tuple[Any, int]:
    owner = make_user("owner", locale="en")
    with app.test_request_context():
        listing = make_listing(db.session, db.session.get(User, owner.id))
        db.session.commit()
        return owner, listing.community.id


def _listing_form(**overrides: str) -> dict[str, str]:
    return {
        "name_he": "רצים בפארק",
        "name_en": "Park Runners",
        "admission": "open",
        "region": "tel_aviv",
        "audience_kind": "b2c",
        "monetisation_experience": "none",
        "languages": "he",
        **overrides,
    }


def test_an_owner_cannot_save_a_phone_number_that_is_not_one(
    app: Flask, client: Any, auth: Any, owner_listing: tuple[Any, int]
) -> None:
    owner, community_id = owner_listing
    auth.login(owner.email)
    refused = client.post(
        f"/catalog/{community_id}/edit", data=_listing_form(contact_phone="abc-not-a-phone")
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Enter a phone number such as 050-1234567" in html
    assert 'value="abc-not-a-phone"' in html
    saved = client.post(
        f"/catalog/{community_id}/edit", data=_listing_form(contact_phone="052 765 4321")
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[-3000:]
    with app.app_context():
        assert db.session.get(Community, community_id).contact_phone == "+972527654321"  # type: ignore[union-attr]


def test_an_owner_cannot_give_a_hebrew_contact_address(
    client: Any, auth: Any, owner_listing: tuple[Any, int]
) -> None:
    owner, community_id = owner_listing
    auth.login(owner.email)
    refused = client.post(
        f"/catalog/{community_id}/edit", data=_listing_form(contact_email="דני@example.com")
    )
    assert refused.status_code == 400
    assert "Latin letters" in refused.get_data(as_text=True)


def test_a_channel_size_beyond_any_community_is_refused_with_its_bounds(
    client: Any, auth: Any, owner_listing: tuple[Any, int]
) -> None:
    owner, community_id = owner_listing
    auth.login(owner.email)
    response = client.post(
        f"/catalog/{community_id}/assets/new",
        data={
            "platform": "whatsapp_group",
            "size": "99999999999999",
            "interaction_mode": "many_to_many",
            "currency": "ILS",
        },
    )
    assert response.status_code == 400
    assert "Enter a number from 0 to 1,000,000,000." in response.get_data(as_text=True)


def test_a_phone_number_already_on_the_listing_does_not_block_saving_the_rest(
    app: Flask, client: Any, auth: Any, owner_listing: tuple[Any, int]
) -> None:
    owner, community_id = owner_listing  # the factory stores 050-1234567, not a valid number
    auth.login(owner.email)
    saved = client.post(
        f"/catalog/{community_id}/edit",
        data=_listing_form(contact_phone="050-1234567", city="יפו"),
    )
    assert saved.status_code == 302
    with app.app_context():
        community = db.session.get(Community, community_id)
        assert community is not None
        assert (community.contact_phone, community.city) == ("050-1234567", "יפו")
    refused = client.post(
        f"/catalog/{community_id}/edit", data=_listing_form(contact_phone="050-1234568")
    )
    assert refused.status_code == 400, "a new number is checked"


def test_the_hours_example_reads_from_eight_to_five_in_hebrew(
    client: Any, auth: Any, owner_listing: tuple[Any, int]
) -> None:
    # "לדוגמה: 08:00–17:00" showed as "17:00–08:00" in a right-to-left line: a help text's
    # range is one left-to-right unit, as the engine's sentences' ranges are.
    owner, community_id = owner_listing
    auth.login(owner.email)
    page = client.get(f"/catalog/{community_id}/assets/new").get_data(as_text=True)
    assert '<bdi dir="ltr" class="range">08:00–17:00</bdi>' in page


def test_a_new_listing_is_not_filed_in_the_north_unasked(
    client: Any, auth: Any, owner_listing: tuple[Any, int]
) -> None:
    # The region select had no default: its first option, North, went with every new listing
    # whose owner did not touch it (the walk's community in Givatayim was listed in the North).
    owner, _community_id = owner_listing
    auth.login(owner.email)
    page = client.get("/catalog/new").get_data(as_text=True)
    region = page[page.index('id="region"') :]
    region = region[: region.index("</select>")]
    assert '<option selected value="nationwide">' in region
    assert region.count("selected") == 1
