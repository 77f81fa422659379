"""Every dashboard says what its person should do next, from their real state."""

from __future__ import annotations

from typing import Any

from flask import Flask

from marketplace.auth.models import User
from marketplace.briefs import services as briefs
from marketplace.briefs.models import Brief
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Community, ListingStatus
from marketplace.extensions import db
from tests.factories import brief_data, make_listing

PLACEHOLDERS = ("Listing opens with the catalog release", "Paid to you", "Offers", "Spent so far")


def next_steps(html: str) -> str:
    """The text of the "What to do next" panel."""
    start = html.index('class="panel next-steps"')
    return html[start : html.index("</section>", start)]


def test_an_owner_without_a_listing_is_asked_to_list_one(
    client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="en")
    auth.login(owner.email)
    html = client.get("/community/").get_data(as_text=True)
    assert "List your community" in next_steps(html)
    assert 'href="/catalog/new"' in next_steps(html)
    for placeholder in PLACEHOLDERS:
        assert placeholder not in html


def test_an_owner_is_led_from_draft_to_review_to_listed(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner", locale="en")
    staff = make_user("staff")
    with app.test_request_context():
        me = db.session.get(User, owner.id)
        listing = make_listing(db.session, me, name_he="רצים בפארק", name_en=None)
        db.session.commit()
        community_id = listing.community.id
    auth.login(owner.email)
    steps = next_steps(client.get("/community/").get_data(as_text=True))
    assert "Finish" in steps
    assert "submit it for review" in steps
    assert "רצים בפארק" in steps

    with app.test_request_context():
        community = db.session.get(Community, community_id)
        me = db.session.get(User, owner.id)
        catalog.change_status(db.session, community, ListingStatus.SUBMITTED, actor=me)
        db.session.commit()
    steps = next_steps(client.get("/community/").get_data(as_text=True))
    assert "is waiting for the agency’s review" in steps
    assert "Finish" not in steps

    with app.test_request_context():
        community = db.session.get(Community, community_id)
        agent = db.session.get(User, staff.id)
        catalog.change_status(db.session, community, ListingStatus.LISTED, actor=agent)
        db.session.commit()
    html = client.get("/community/").get_data(as_text=True)
    steps = next_steps(html)
    assert "Upload a chat export" in steps, "a listed WhatsApp group is asked for its proof"
    assert "/health" in steps
    assert f'href="/catalog/{community_id}"' in html
    for placeholder in PLACEHOLDERS:
        assert placeholder not in html


def test_a_brand_is_led_from_its_first_brief_to_reviewing_the_plan(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    brand = make_user("brand", locale="en")
    staff = make_user("staff")
    owner = make_user("owner")
    auth.login(brand.email)
    html = client.get("/brand/").get_data(as_text=True)
    assert "Write your first brief" in next_steps(html)
    assert "Spent so far" not in html

    with app.test_request_context():
        author = db.session.get(User, brand.id)
        brief = briefs.save_brief(db.session, brief_data(kpis={}), actor=author)
        db.session.commit()
        brief_id = brief.id
    steps = next_steps(client.get("/brand/").get_data(as_text=True))
    assert "Finish the brief" in steps
    assert f"/briefs/{brief_id}/edit" in steps

    with app.test_request_context():
        me = db.session.get(User, owner.id)
        agent = db.session.get(User, staff.id)
        ids = []
        for n in range(2):
            listing = make_listing(db.session, me, name_he=f"רצים {n}")
            ids.append(listing.community.id)
            catalog.change_status(db.session, listing.community, ListingStatus.SUBMITTED, actor=me)
            catalog.change_status(db.session, listing.community, ListingStatus.LISTED, actor=agent)
        author = db.session.get(User, brand.id)
        briefs.submit_brief(db.session, db.session.get(Brief, brief_id), actor=author)
        db.session.commit()
    steps = next_steps(client.get("/brand/").get_data(as_text=True))
    assert "The agency is building a media plan" in steps

    auth.logout()
    auth.login(staff.email)
    for community_id in ids:
        client.post(f"/briefs/{brief_id}/shortlist", data={"community_id": community_id})
    plan_url = client.post(f"/briefs/{brief_id}/plans").headers["Location"]
    assert client.post(f"{plan_url}/propose").status_code == 302
    auth.logout()
    auth.login(brand.email)
    steps = next_steps(client.get("/brand/").get_data(as_text=True))
    assert "Review the media plan" in steps
    assert plan_url.split("localhost")[-1] in steps


def test_staff_see_what_waits_in_each_queue(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    staff = make_user("staff", locale="en")
    auth.login(staff.email)
    assert "Every queue is empty" in next_steps(client.get("/agency/").get_data(as_text=True))
    owner = make_user("owner")
    brand = make_user("brand")
    with app.test_request_context():
        me = db.session.get(User, owner.id)
        listing = make_listing(db.session, me)
        catalog.change_status(db.session, listing.community, ListingStatus.SUBMITTED, actor=me)
        author = db.session.get(User, brand.id)
        brief = briefs.save_brief(db.session, brief_data(kpis={}), actor=author)
        briefs.submit_brief(db.session, brief, actor=author)
        db.session.commit()
    steps = next_steps(client.get("/agency/").get_data(as_text=True))
    assert "1 submitted brief waits for a plan." in steps
    assert "1 listing waits for review." in steps
    assert 'href="/catalog/review"' in steps


def test_finance_is_sent_to_the_finance_desk(client: Any, auth: Any, make_user: Any) -> None:
    finance = make_user("finance", locale="en")
    auth.login(finance.email)
    html = client.get("/finance/").get_data(as_text=True)
    assert "on the finance desk" in next_steps(html)
    assert 'href="/finance/desk"' in next_steps(html)
    assert "Balances by currency" not in html, "no table of made-up zero balances"


def test_an_admin_is_asked_to_create_the_staff_accounts_first(
    client: Any, auth: Any, make_user: Any
) -> None:
    admin = make_user("admin", locale="en")
    auth.login(admin.email)
    steps = next_steps(client.get("/admin/").get_data(as_text=True))
    assert "Create the accounts of the agency’s staff." in steps
    make_user("staff")
    steps = next_steps(client.get("/admin/").get_data(as_text=True))
    assert "Create the accounts" not in steps


def test_the_admin_dashboard_leads_to_the_users_to_manage(
    client: Any, auth: Any, make_user: Any
) -> None:
    """An admin asked to manage users found only "Create a user" on the dashboard."""
    admin = make_user("admin", locale="he")
    auth.login(admin.email)
    html = client.get("/admin/").get_data(as_text=True)
    main = html[html.index("<main") :]
    assert 'href="/admin/users"' in main
    assert "ניהול משתמשים" in main


def test_an_owners_one_waiting_offer_opens_that_deal_and_several_open_the_list(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    """A walk clicked "one offer waits for your answer" and landed on a list of four deals."""
    from tests.factories import make_deal

    brand, staff, owner = make_user("brand"), make_user("staff"), make_user("owner", locale="en")
    with app.test_request_context():
        people = {"brand": brand, "staff": staff, "owner": owner}
        first = make_deal(db.session, **{k: db.session.get(User, u.id) for k, u in people.items()},
                          stage="sent")  # fmt: skip
        db.session.commit()
        first_id = first.id
    auth.login(owner.email)
    steps = next_steps(client.get("/community/").get_data(as_text=True))
    assert "1 offer of the agency waits for your answer." in steps
    assert f'href="/deals/{first_id}"' in steps
    with app.test_request_context():
        make_deal(db.session, **{k: db.session.get(User, u.id) for k, u in people.items()},
                  stage="sent")  # fmt: skip
        db.session.commit()
    steps = next_steps(client.get("/community/").get_data(as_text=True))
    assert "2 offers of the agency wait for your answer." in steps
    assert 'href="/deals/"' in steps
