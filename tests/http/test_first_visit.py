"""What a new user's browser asks for on the first page it opens, and whether it gets it."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask, url_for
from flask_babel import force_locale

from campaigns.delivery import PostStatus
from marketplace.auth.models import Role, User
from marketplace.briefs.models import Brief
from marketplace.deals.presenters import OFFER_STATUS_LABELS
from marketplace.delivery.models import Post
from marketplace.delivery.services import close_post
from marketplace.extensions import db
from marketplace.navigation import MORE, NAVIGATION
from tests.factories import (
    agreed_placement,
    list_community,
    make_agreed_money,
    make_creative,
    make_deal,
    make_listing,
    make_post,
)
from tests.http.test_route_policy import sign_in


def test_every_page_names_an_icon_that_is_served(client: Any) -> None:
    # Without a declared icon the browser asks for /favicon.ico, gets a 404 and logs an error
    # in the console of every page a new user opens.
    page = client.get("/auth/login").get_data(as_text=True)
    match = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', page)
    assert match, "the layout declares no icon"
    icon = client.get(match.group(1))
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    icon.close()


def test_a_deals_timeline_says_what_changed_in_words_not_in_stored_codes(
    app: Flask, client: Any, make_user: Any
) -> None:
    owner, staff, brand = make_user("owner", locale="he"), make_user("staff"), make_user("brand")
    with app.test_request_context():
        get = lambda user: db.session.get_one(User, user.id)  # noqa: E731
        deal = make_deal(db.session, brand=get(brand), staff=get(staff), owner=get(owner),
                         stage="sent")  # fmt: skip
        deal_id = deal.id
        db.session.commit()
    sign_in(app, client, owner)
    page = client.get(f"/deals/{deal_id}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"') :]
    timeline = timeline[: timeline.index("</section>")]
    # The owner saw {"deal": "negotiating", "offer": "draft", "version": 1} → {...}.
    assert "{" not in timeline
    assert "&#34;" not in timeline
    assert "negotiating" not in timeline
    with app.test_request_context(), force_locale("he"):
        sent = str(OFFER_STATUS_LABELS["sent"])
    assert sent in timeline


def test_a_posts_history_names_each_step_in_the_pages_language(
    app: Flask, client: Any, make_user: Any
) -> None:
    owner, staff, brand = make_user("owner", locale="he"), make_user("staff"), make_user("brand")
    with app.test_request_context():
        get = lambda user: db.session.get_one(User, user.id)  # noqa: E731
        post = make_post(db.session, brand=get(brand), staff=get(staff), owner=get(owner))
        post_id = post.id
        db.session.commit()
    sign_in(app, client, owner)
    page = client.get(f"/campaigns/posts/{post_id}").get_data(as_text=True)
    history = page[page.index('id="history-title"') :]
    history = history[: history.index("</section>")]
    # The owner read "· schedule ·" (the stored action code) on a Hebrew page.
    assert "schedule" not in history
    assert "נקבע בלוח הזמנים" in history
    # … and a closed post's reason as its code ("· measured").
    with app.test_request_context():
        post = db.session.get_one(Post, post_id)
        post.status = PostStatus.MEASURED
        close_post(db.session, post_id, actor=db.session.get_one(User, staff.id))
        db.session.commit()
    page = client.get(f"/campaigns/posts/{post_id}").get_data(as_text=True)
    history = page[page.index('id="history-title"') :]
    assert "measured" not in history[: history.index("</section>")]


def test_an_owner_with_a_post_due_is_asked_on_the_dashboard_to_prove_it(
    app: Flask, client: Any, make_user: Any
) -> None:
    owner, staff, brand = make_user("owner", locale="en"), make_user("staff"), make_user("brand")
    with app.test_request_context():
        get = lambda user: db.session.get_one(User, user.id)  # noqa: E731
        post = make_post(db.session, brand=get(brand), staff=get(staff), owner=get(owner))
        post.status = PostStatus.DUE  # its window opened (the hourly job's move)
        db.session.commit()
        post_id = post.id
    sign_in(app, client, owner)
    page = client.get("/community/").get_data(as_text=True)
    steps = page[page.index('class="panel next-steps"') :]
    steps = steps[: steps.index("</section>")]
    # The dashboard listed offers and listings only: a new owner never learnt a post was due.
    assert "1 post is due: publish it and submit the proof of posting." in steps
    # One post: straight to it, where its proof is submitted (not the campaigns' list first).
    assert f'href="/campaigns/posts/{post_id}"' in steps


@pytest.mark.parametrize("role", ["brand", "owner", "staff", "finance", "admin"])
def test_the_bar_holds_a_few_main_jobs_and_every_other_page_under_more(
    app: Flask, client: Any, make_user: Any, role: str
) -> None:
    user = make_user(role, locale="en")
    sign_in(app, client, user)
    page = client.get("/").get_data(as_text=True)
    if "<nav" not in page:  # the home page sends signed-in people to their dashboard
        page = client.get(client.get("/").headers["Location"]).get_data(as_text=True)
    nav = page[page.index('<nav class="main-nav"') : page.index("</nav>")]
    bar, _sep, more = nav.partition('class="nav-more"')
    # A new user met 9 to 13 entries in one row; the bar now keeps the role's main jobs.
    assert len(re.findall(r"<a href=", bar)) <= 7
    links = re.findall(r'<a href="([^"]+)"', nav)
    assert len(links) == len(set(links)), "a page is listed twice"
    with app.test_request_context():
        everything = NAVIGATION[Role(role)] + MORE[Role(role)]
        expected = [url_for(endpoint) for endpoint, _label in everything]
        if role == "brand":  # the organisation's admin also manages its API tokens
            expected.append(url_for("orgs.api_tokens"))
    assert sorted(links) == sorted(expected)
    for url in links:
        assert client.get(url).status_code == 200, url
    if more:
        assert "<summary" in more


def test_owners_and_staff_reach_the_deals_from_the_bar() -> None:
    # Negotiating is the owners' and the staff's main job; no entry led to it.
    assert "deals.index" in [endpoint for endpoint, _label in NAVIGATION[Role.OWNER]]
    assert "deals.board" in [endpoint for endpoint, _label in NAVIGATION[Role.STAFF]]


def test_a_finished_campaign_counts_its_posts(app: Flask, client: Any, make_user: Any) -> None:
    owner, staff, brand = make_user("owner", locale="en"), make_user("staff"), make_user("brand")
    with app.test_request_context():
        get = lambda user: db.session.get_one(User, user.id)  # noqa: E731
        post = make_post(db.session, brand=get(brand), staff=get(staff), owner=get(owner))
        post.status = PostStatus.CLOSED
        db.session.commit()
    sign_in(app, client, owner)
    page = client.get("/campaigns/").get_data(as_text=True)
    row = page[page.index("<tbody>") : page.index("</tbody>")]
    # The row read "Posts: 0 · Closed: 1".
    cells = re.findall(r"<td>(.*?)</td>", row)
    assert cells[1] == "1", cells


def steps_of(client: Any, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    panel = page[page.index('class="panel next-steps"') :]
    return panel[: panel.index("</section>")]


def test_the_brand_and_the_agency_are_asked_for_the_approvals_and_reviews_they_owe(
    app: Flask, make_user: Any
) -> None:
    owner, staff = make_user("owner"), make_user("staff", locale="en")
    brand = make_user("brand", locale="en")
    with app.test_request_context():
        get = lambda user: db.session.get_one(User, user.id)  # noqa: E731
        first = agreed_placement(db.session, brand=get(brand), staff=get(staff), owner=get(owner))
        make_creative(db.session, first, "agency_approved", owner=get(owner), staff=get(staff))
        second = agreed_placement(db.session, brand=get(brand), staff=get(staff), owner=get(owner))
        make_creative(db.session, second, "owner_approved", owner=get(owner), staff=get(staff))
        post = make_post(db.session, brand=get(brand), staff=get(staff), owner=get(owner))
        post.status = PostStatus.POSTED
        ids = first.id, second.id
        db.session.commit()
    # Both dashboards spoke of briefs and listings only: the creative and the proofs waiting
    # for them were found only by opening each deal.
    brand_client, staff_client = app.test_client(), app.test_client()
    sign_in(app, brand_client, brand)
    brand_steps = steps_of(brand_client, "/brand/")
    assert "the agency approved it and it waits for you" in brand_steps
    assert f'href="/creative/placement/{ids[0]}"' in brand_steps
    assert "3 payments wait for you." in brand_steps  # one per agreed deal, none paid yet
    sign_in(app, staff_client, staff)
    staff_steps = steps_of(staff_client, "/agency/")
    assert "1 post approved by its owner waits for the agency&#39;s approval." in staff_steps
    assert f'href="/creative/placement/{ids[1]}"' in staff_steps
    assert "1 proof of posting waits for review." in staff_steps


def test_the_finance_desk_refuses_in_the_pages_language(
    app: Flask, client: Any, make_user: Any
) -> None:
    finance = make_user("finance", locale="he")
    sign_in(app, client, finance)
    # Nothing is ready to pay: the Hebrew desk answered "no owner amount is ready to pay …".
    response = client.post("/finance/batches", data={"currency": "ILS"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "no owner amount" not in page
    assert "אין סכום של בעלי קהילות שמוכן לתשלום במטבע הזה" in page


def test_finance_is_asked_to_collect_what_brands_owe(app: Flask, make_user: Any) -> None:
    owner, staff, brand = make_user("owner"), make_user("staff"), make_user("brand")
    finance = make_user("finance", locale="en")
    with app.test_request_context():
        get = lambda user: db.session.get_one(User, user.id)  # noqa: E731
        make_agreed_money(db.session, brand=get(brand), staff=get(staff), owner=get(owner))
        db.session.commit()
    client = app.test_client()
    sign_in(app, client, finance)
    # The dashboard said only that approved plans were "on their way to the deal desk".
    steps = steps_of(client, "/finance/")
    assert "1 deal waits for the brand&#39;s payment" in steps
    assert 'href="/finance/documents"' in steps


def test_an_owner_of_many_communities_reads_a_few_exports_to_upload_and_one_line_for_the_rest(
    app: Flask, client: Any, make_user: Any
) -> None:
    owner, staff = make_user("owner", locale="en"), make_user("staff")
    with app.test_request_context():
        me, agent = db.session.get_one(User, owner.id), db.session.get_one(User, staff.id)
        for _ in range(5):
            list_community(db.session, make_listing(db.session, me), owner=me, staff=agent)
        db.session.commit()
    sign_in(app, client, owner)
    steps = steps_of(client, "/community/")
    # Rivka's dashboard opened on a dozen identical "Upload a chat export of …" sentences.
    assert steps.count("Upload a chat export") == 3
    assert "2 more communities can prove how active they are with a chat export." in steps
    assert 'href="/catalog/mine"' in steps


def test_the_deal_board_filters_by_names_not_by_numbers(
    app: Flask, client: Any, make_user: Any
) -> None:
    owner, staff, brand = make_user("owner"), make_user("staff", locale="en"), make_user("brand")
    with app.test_request_context():
        get = lambda user: db.session.get_one(User, user.id)  # noqa: E731
        deal = make_deal(db.session, brand=get(brand), staff=get(staff), owner=get(owner))
        brief_id, title = deal.brief_id, db.session.get_one(Brief, deal.brief_id).display_title
        deal_id = deal.id
        owner_name = get(owner).display_name
        db.session.commit()
    sign_in(app, client, staff)
    page = client.get("/deals/board").get_data(as_text=True)
    # The filters were number boxes asking for a brief's, a brand's or a person's id.
    assert '<select id="brief" name="brief">' in page
    assert f'<option value="{brief_id}">{title}</option>' in page
    assert f">{owner_name}</option>" in page
    filtered = client.get(f"/deals/board?brief={brief_id}").get_data(as_text=True)
    assert f"/deals/{deal_id}" in filtered


def test_a_refused_export_on_a_hebrew_page_folds_the_readers_english_sentence(
    app: Flask, client: Any, make_user: Any
) -> None:
    owner, staff = make_user("owner", locale="he"), make_user("staff")
    with app.test_request_context():
        me, agent = db.session.get_one(User, owner.id), db.session.get_one(User, staff.id)
        listing = make_listing(db.session, me)
        list_community(db.session, listing, owner=me, staff=agent)
        asset_id = listing.asset.id
        db.session.commit()
    sign_in(app, client, owner)
    response = client.post(
        f"/catalog/assets/{asset_id}/health",
        data={"file": (io.BytesIO(b"hello\nworld\n"), "notes.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    refusal = page[page.index('class="flash error refusal"') :]
    refusal = refusal[: refusal.index("</div>")]
    # The Hebrew refusal was followed by the same refusal in English, open on the page.
    english = refusal.index("This file is not a chat export")
    assert refusal.rfind("<details", 0, english) > refusal.rfind("</details>", 0, english)


def test_a_post_being_written_links_back_to_its_deal(app: Flask, make_user: Any) -> None:
    owner, staff, brand = make_user("owner"), make_user("staff"), make_user("brand")
    with app.test_request_context():
        get = lambda user: db.session.get_one(User, user.id)  # noqa: E731
        placement = agreed_placement(db.session, brand=get(brand), staff=get(staff),
                                     owner=get(owner))  # fmt: skip
        make_creative(db.session, placement, "agency_approved", owner=get(owner), staff=get(staff))
        ids = placement.id, placement.deal_id
        db.session.commit()
    # The brand reached the post from its dashboard and had no way on to the deal it belongs to.
    for user in (brand, owner, staff):
        client = app.test_client()
        sign_in(app, client, user)
        page = client.get(f"/creative/placement/{ids[0]}").get_data(as_text=True)
        assert f'href="/deals/{ids[1]}"' in page


def test_staff_are_told_of_the_offers_an_approved_plan_drafted(app: Flask, make_user: Any) -> None:
    """Approving a plan opens its deals with draft offers: the owners hear nothing until staff
    send them, and the agency's dashboard did not mention them (only the deal board did)."""
    owner, staff, brand = make_user("owner"), make_user("staff", locale="en"), make_user("brand")
    with app.test_request_context():
        get = lambda user: db.session.get_one(User, user.id)  # noqa: E731
        make_deal(db.session, brand=get(brand), staff=get(staff), owner=get(owner))
        make_deal(db.session, brand=get(brand), staff=get(staff), owner=get(owner))
        make_deal(db.session, brand=get(brand), staff=get(staff), owner=get(owner), stage="sent")
        db.session.commit()
    client = app.test_client()
    sign_in(app, client, staff)
    steps = steps_of(client, "/agency/")
    assert "2 drafted offers wait to be sent to their communities&#39; owners." in steps
    assert 'href="/deals/board"' in steps


def test_staff_are_told_of_the_agreements_that_wait_for_their_confirmation(
    app: Flask, make_user: Any
) -> None:
    """Accepted terms go nowhere until both sides confirm the agreement; the owner's side was
    asked in the inbox, the agency's nowhere but on the deal board."""
    from marketplace.deals import services as deals

    owner, staff, brand = make_user("owner"), make_user("staff", locale="en"), make_user("brand")
    with app.test_request_context():
        get = lambda user: db.session.get_one(User, user.id)  # noqa: E731
        people = {"brand": get(brand), "staff": get(staff), "owner": get(owner)}
        make_deal(db.session, **people, stage="accepted")  # nobody confirmed yet
        by_owner = make_deal(db.session, **people, stage="accepted")
        by_agency = make_deal(db.session, **people, stage="accepted")
        for deal, who in ((by_owner, people["owner"]), (by_agency, people["staff"])):
            _document, digest = deals.pending_agreement_document(db.session, deal)
            deals.confirm_agreement(db.session, deal.id, content_hash=digest, actor=who)
        make_deal(db.session, **people, stage="agreed")  # both confirmed: nothing waits
        db.session.commit()
    client = app.test_client()
    sign_in(app, client, staff)
    steps = steps_of(client, "/agency/")
    assert "2 agreements wait for the agency&#39;s confirmation." in steps
