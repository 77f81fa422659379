"""Pages and messages isolate ranges, figures and names from the text around them."""

from __future__ import annotations

from typing import Any

from flask import Flask

from marketplace.auth.models import User
from marketplace.bidi import LRI, PDI
from marketplace.extensions import db
from tests.factories import make_listing
from tests.http.test_forms_come_back import planning as planning  # noqa: F401  (a fixture)


def test_the_catalog_filters_isolate_every_numeric_range(
    client: Any, auth: Any, make_user: Any
) -> None:
    brand = make_user("brand", locale="he")
    auth.login(brand.email)
    html = client.get("/catalog/").get_data(as_text=True)
    for low, high in (("500", "2,000"), ("₪200", "1,000"), ("18", "24"), ("40", "69")):
        assert f'<bdi dir="ltr" class="range">{low}–{high}</bdi>' in html


def test_a_new_co_manager_and_a_new_user_are_named_in_isolates(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="he")
    dana = make_user("owner", email="dana@example.com")
    with app.test_request_context():
        listing = make_listing(db.session, db.session.get(User, owner.id))
        db.session.commit()
        community_id = listing.community.id
    auth.login(owner.email)
    page = client.post(
        f"/catalog/{community_id}/managers", data={"email": "dana@example.com"},
        follow_redirects=True,
    )  # fmt: skip
    # The answer names the address typed (left to right), never the account behind it.
    assert f"{LRI}dana@example.com{PDI}" in page.get_data(as_text=True)
    assert dana.display_name not in page.get_data(as_text=True)
    auth.logout()
    admin = make_user("admin", locale="he")
    auth.login(admin.email)
    created = client.post(
        "/admin/users/new",
        data={"display_name": "Noa", "email": "noa@example.com", "role": "staff",
              "password": "a long enough passphrase"},
        follow_redirects=True,
    )  # fmt: skip
    assert f"{LRI}noa@example.com{PDI}" in created.get_data(as_text=True)


def test_a_plan_isolates_its_bands_figures_and_the_brief_title(
    client: Any, auth: Any, planning: dict[str, Any]
) -> None:
    brief_id = planning["brief_id"]
    auth.login(planning["staff"].email)
    for community_id in planning["communities"]:
        client.post(f"/briefs/{brief_id}/shortlist", data={"community_id": community_id})
    plan_url = client.post(f"/briefs/{brief_id}/plans").headers["Location"]
    html = client.get(plan_url).get_data(as_text=True)
    assert '<bdi dir="ltr">(P10–P90)</bdi>' in html
    assert "<h1>Media plan for “<bdi>נעלי ריצה לחורף</bdi>”</h1>" in html


def test_the_outbox_isolates_each_subject_from_the_hebrew_page(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    """An English subject naming a Hebrew community must not be reordered by the RTL row."""
    from marketplace.outbox import queue_email

    admin = make_user("admin", locale="he")
    with app.app_context():
        queue_email(db.session, to="d@example.com", subject="A post for חתולים waits", body="x")
        db.session.commit()
    auth.login(admin.email)
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert "<bdi>A post for חתולים waits</bdi>" in html


def test_age_ranges_read_low_to_high_in_the_hebrew_brief_form_and_page(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    """A walk saw "44–35" beside a checkbox: a bare range in a Hebrew line runs right to left."""
    from tests.factories import make_brief

    brand = make_user("brand", locale="he")
    auth.login(brand.email)
    form = client.get("/briefs/new").get_data(as_text=True)
    assert "<bdi>35–44</bdi>" in form
    assert "<bdi>נשים</bdi>" in form  # Hebrew labels keep their own direction
    with app.test_request_context():
        author = db.session.get(User, brand.id)
        brief = make_brief(db.session, author, audience={"gender": ["female"], "age": ["45_54"]})
        db.session.commit()
        brief_id = brief.id
    page = client.get(f"/briefs/{brief_id}").get_data(as_text=True)
    assert '<span class="tag"><bdi>45–54</bdi></span>' in page
