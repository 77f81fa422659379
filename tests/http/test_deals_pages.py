"""The deal desk's pages: who sees which deal and which price, and a negotiation through them.

Prices by role (issue 13, item 2): staff and admins see the brand price, the owner payout and
the margin; finance reads the same; the owner sees only the payout; the brand only its price.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
from bidi import get_display
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from pdfminer.high_level import extract_text
from sqlalchemy import select

from campaigns.deals.terms import OfferTerms
from marketplace.auth.models import User
from marketplace.briefs.models import Brief
from marketplace.deals import services as deals
from marketplace.deals.models import Deal
from marketplace.deals.presenters import OFFER_STATUS_LABELS
from marketplace.deals.records import pure_offer
from marketplace.extensions import db
from marketplace.i18n import format_when
from marketplace.inbox.models import Notification
from tests.factories import list_community, make_deal, make_listing
from tests.http.test_route_policy import sign_in


def amount(minor: int) -> str:
    """An amount as the pages print it (the digits, whatever the locale's currency sign)."""
    return f"{minor / 100:,.2f}"


def typed(minor: int) -> str:
    """An amount as a person types it into a money field: major units, "707.50"."""
    return f"{minor // 100}.{minor % 100:02d}"


@dataclass
class World:
    users: dict[str, User]
    deal_id: int


@pytest.fixture
def world(app: Flask, make_user: Any) -> World:
    brand = make_user("brand")
    users = {
        "brand": brand,
        "owner": make_user("owner"),
        "other_owner": make_user("owner"),
        "other_brand": make_user("brand"),
        "staff": make_user("staff"),
        "finance": make_user("finance"),
        "admin": make_user("admin"),
    }
    with app.test_request_context():
        get = lambda name: db.session.get(User, users[name].id)  # noqa: E731
        deal = make_deal(db.session, brand=get("brand"), staff=get("staff"), owner=get("owner"))
        db.session.commit()
        return World(users, deal.id)


def client_for(app: Flask, world: World, who: str) -> FlaskClient:
    client = app.test_client()
    sign_in(app, client, world.users[who])
    return client


def terms_of(app: Flask, deal_id: int) -> OfferTerms:
    with app.app_context():
        deal = db.session.get(Deal, deal_id)
        offer = deals.current_offer(deal)
        assert offer is not None
        return pure_offer(offer).terms


def state(app: Flask, deal_id: int) -> dict[str, Any]:
    with app.app_context():
        deal = db.session.get(Deal, deal_id)
        offer = deals.current_offer(deal)
        assert offer is not None
        return {"version": offer.current_version, "deal_version": deal.version,
                "offer": offer.status.value, "deal": deal.status.value}  # fmt: skip


def post(client: FlaskClient, url: str, **data: Any) -> Any:
    return client.post(url, data=data)


def send(app: Flask, world: World, staff: FlaskClient) -> None:
    s = state(app, world.deal_id)
    r = post(staff, f"/deals/{world.deal_id}/send", version=s["version"],
             deal_version=s["deal_version"])  # fmt: skip
    assert r.status_code == 302, r.text


def test_each_role_sees_its_own_price_and_no_other(app: Flask, world: World) -> None:
    staff = client_for(app, world, "staff")
    send(app, world, staff)
    terms = terms_of(app, world.deal_id)
    price, payout = amount(terms.brand_price_minor), amount(terms.owner_payout_minor)
    margin = amount(terms.brand_price_minor - terms.owner_payout_minor)
    assert price != payout
    for who, sees, hidden in [
        ("staff", [price, payout, margin], []),
        ("admin", [price, payout, margin], []),
        ("finance", [price, payout, margin], []),
        ("owner", [payout], [price, margin]),
        ("brand", [price], [payout, margin]),
    ]:
        client = client_for(app, world, who)
        for page in ("/deals/", f"/deals/{world.deal_id}"):
            text = client.get(page).text
            for value in sees:
                assert value in text, (who, page, value)
            for value in hidden:
                assert value not in text, (who, page, value)
            if who in ("owner", "brand"):
                assert "Margin" not in text, (who, page)
                assert "מרווח" not in text, (who, page)


def test_others_deals_do_not_exist_for_them(app: Flask, world: World) -> None:
    for who in ("other_owner", "other_brand"):
        client = client_for(app, world, who)
        assert client.get(f"/deals/{world.deal_id}").status_code == 404, who
        assert f"/deals/{world.deal_id}" not in client.get("/deals/").text, who
    assert (
        client_for(app, world, "brand").get(f"/deals/{world.deal_id}/agreement").status_code == 403
    )
    assert client_for(app, world, "owner").get("/deals/board").status_code == 403
    assert (
        client_for(app, world, "finance").post(f"/deals/{world.deal_id}/cancel").status_code == 403
    )


def test_a_stale_round_gets_the_conflict_page(app: Flask, world: World) -> None:
    staff = client_for(app, world, "staff")
    s = state(app, world.deal_id)
    send(app, world, staff)
    again = staff.post(f"/deals/{world.deal_id}/send", data=s,
                       headers={"Referer": f"http://localhost/deals/{world.deal_id}"})  # fmt: skip
    assert again.status_code == 409
    assert "<html" in again.text.lower()
    assert f'href="http://localhost/deals/{world.deal_id}"' in again.text  # back to the deal
    assert state(app, world.deal_id)["offer"] == "sent"


def shekels(minor: int) -> str:
    """An amount as typed into the counter form: major units with agorot."""
    return f"{minor / 100:.2f}"


def counter_data(terms: OfferTerms, s: dict[str, Any], *, payout_factor: float,
                 prices: bool) -> dict[str, Any]:  # fmt: skip
    """The counter form for ``terms`` with every payout times ``payout_factor``."""
    ordered = sorted(terms.placements, key=lambda p: (p.asset_id, p.placement_type.value))
    data: dict[str, Any] = {"version": s["version"], "deal_version": s["deal_version"],
                            "payment_terms_days": terms.payment_terms_days,
                            "exclusivity_days": 0, "note": "קצת יותר"}  # fmt: skip
    for i, p in enumerate(ordered):
        data[f"counts-{i}"] = p.count
        data[f"payouts-{i}"] = typed(int(p.owner_payout_minor * payout_factor))
        if prices:
            data[f"prices-{i}"] = typed(p.brand_price_minor)
    return data


def notified(app: Flask, user: User, kind: str) -> int:
    with app.app_context():
        return len(
            db.session.scalars(
                select(Notification).where(
                    Notification.recipient_id == user.id, Notification.kind == kind
                )
            ).all()
        )


def test_a_whole_negotiation_through_the_pages(app: Flask, world: World) -> None:
    staff, owner = client_for(app, world, "staff"), client_for(app, world, "owner")
    url = f"/deals/{world.deal_id}"
    send(app, world, staff)
    assert notified(app, world.users["owner"], "offer_sent") == 1
    # The owner counters with 10% more payout; the form has no brand price field.
    page = owner.get(url).text
    assert 'name="prices-0"' not in page
    assert 'name="payouts-0"' in page
    before = terms_of(app, world.deal_id)
    data = counter_data(before, state(app, world.deal_id), payout_factor=1.1, prices=False)
    assert post(owner, f"{url}/counter", **data).status_code == 302
    assert state(app, world.deal_id)["offer"] == "countered"
    assert notified(app, world.users["staff"], "offer_countered") == 1
    after = terms_of(app, world.deal_id)
    assert after.brand_price_minor == before.brand_price_minor  # the server kept them
    assert after.owner_payout_minor > before.owner_payout_minor
    # Staff see the diff between the two rounds, with both payouts.
    page = staff.get(url).text
    assert amount(before.owner_payout_minor) in page
    assert amount(after.owner_payout_minor) in page
    assert "owner_payout_minor" in page
    # Staff accept the counter; both sides are asked to confirm.
    s = state(app, world.deal_id)
    assert post(staff, f"{url}/accept", **s).status_code == 302
    assert notified(app, world.users["owner"], "agreement_to_confirm") == 1
    for client in (owner, staff):
        page = client.get(f"{url}/agreement").text
        digest = re.search(r'name="content_hash" type="hidden" value="([0-9a-f]{64})"', page)
        assert digest is not None, page
        r = post(client, f"{url}/agreement/confirm", content_hash=digest.group(1),
                 deal_version=state(app, world.deal_id)["deal_version"], language="he")  # fmt: skip
        assert r.status_code == 302
    assert state(app, world.deal_id)["deal"] == "agreed"
    pdf = owner.get(f"{url}/agreement.pdf")
    assert pdf.mimetype == "application/pdf"
    text = extract_text(io.BytesIO(pdf.data))
    with app.app_context():
        deal = db.session.get(Deal, world.deal_id)
        agreement = deals.agreement_in_force(deal)
        assert agreement is not None
        name, digest_stored = deal.community.display_name, agreement.content_hash
    # pdfminer gives the lines as drawn (visual order); the bidi algorithm turns them back.
    logical = "\n".join(get_display(line) for line in text.splitlines())
    assert "סיכום הסכם" in logical
    assert name in logical
    assert digest_stored in logical
    assert amount(before.brand_price_minor) not in text


def test_decline_not_our_dna_then_a_replacement(app: Flask, world: World) -> None:
    staff, owner = client_for(app, world, "staff"), client_for(app, world, "owner")
    url = f"/deals/{world.deal_id}"
    send(app, world, staff)
    s = state(app, world.deal_id)
    assert 'value="not_our_dna"' in owner.get(url).text
    r = post(owner, f"{url}/decline", reason="not_our_dna", text="לא מתאים", **s)
    assert r.status_code == 302
    assert state(app, world.deal_id)["offer"] == "declined"
    assert notified(app, world.users["staff"], "offer_declined") == 1
    with app.test_request_context():
        deal = db.session.get(Deal, world.deal_id)
        brief = deal.brief_id
        from marketplace.briefs.models import Brief
        from marketplace.matching import services as matching

        owner_user = db.session.get(User, world.users["owner"].id)
        staff_user = db.session.get(User, world.users["staff"].id)
        other = list_community(db.session, make_listing(db.session, owner_user),
                               owner=owner_user, staff=staff_user)  # fmt: skip
        matching.add_to_shortlist(db.session, db.session.get(Brief, brief), other.id,
                                  actor=staff_user)  # fmt: skip
        other_id, other_name = other.id, other.display_name
        db.session.commit()
    assert owner.get(f"{url}/replacements").status_code == 403
    page = staff.get(f"{url}/replacements").text
    assert other_name in page
    r = post(staff, f"{url}/replacements", community_id=other_id)
    assert r.status_code == 302
    assert state(app, world.deal_id)["deal"] == "cancelled"
    with app.app_context():
        new = db.session.scalars(select(Deal).where(Deal.replaces_id == world.deal_id)).one()
        assert new.community_id == other_id
    assert other_name in staff.get(r.headers["Location"]).text


def test_force_majeure_pauses_the_briefs_deals_and_staff_resume(app: Flask, world: World) -> None:
    staff = client_for(app, world, "staff")
    send(app, world, staff)
    with app.app_context():
        brief_id = db.session.get(Deal, world.deal_id).brief_id
    assert f"/deals/briefs/{brief_id}/pause" in staff.get(f"/deals/?brief={brief_id}").text
    assert (
        client_for(app, world, "owner")
        .post(f"/deals/briefs/{brief_id}/pause", data={"text": "war"})
        .status_code
        == 403
    )
    r = post(staff, f"/deals/briefs/{brief_id}/pause", text="מצב חירום")
    assert r.status_code == 302
    assert state(app, world.deal_id)["deal"] == "paused"
    r = post(staff, f"/deals/{world.deal_id}/resume",
             deal_version=state(app, world.deal_id)["deal_version"])  # fmt: skip
    assert r.status_code == 302
    assert state(app, world.deal_id)["deal"] == "negotiating"


def test_staff_cancel_and_owner_and_brand_are_told(app: Flask, world: World) -> None:
    staff = client_for(app, world, "staff")
    s = state(app, world.deal_id)
    r = post(staff, f"/deals/{world.deal_id}/cancel", reason="brand_withdrew",
             deal_version=s["deal_version"])  # fmt: skip
    assert r.status_code == 302
    assert state(app, world.deal_id)["deal"] == "cancelled"
    assert notified(app, world.users["owner"], "deal_cancelled") == 1
    assert notified(app, world.users["brand"], "deal_cancelled") == 1


def test_the_board_shows_the_deal_in_its_column_for_staff(app: Flask, world: World) -> None:
    staff = client_for(app, world, "staff")
    send(app, world, staff)
    page = staff.get("/deals/board").text
    column = page.split('data-stage="offer_sent"')[1].split("</section>")[0]
    assert f"/deals/{world.deal_id}" in column
    staff_id, admin_id = world.users["staff"].id, world.users["admin"].id
    assert f'/deals/{world.deal_id}"' in staff.get(f"/deals/board?staff={staff_id}").text
    assert f'/deals/{world.deal_id}"' not in staff.get(f"/deals/board?staff={admin_id}").text
    assert f'/deals/{world.deal_id}"' not in staff.get("/deals/board?min_days=3").text
    other = staff.get("/deals/board?brief=999999").text
    assert f'/deals/{world.deal_id}"' not in other


def test_live_figures_answer_staff_only(app: Flask, world: World) -> None:
    terms = terms_of(app, world.deal_id)
    n = len(terms.placements)
    query = "&".join(["payouts=100"] * n + ["prices=200"] * n)
    r = client_for(app, world, "staff").get(f"/deals/{world.deal_id}/figures?{query}")
    assert r.status_code == 200
    assert r.json["check"] == "ok"
    assert r.json["margin_percent"] == "50.00%"
    assert client_for(app, world, "owner").get(f"/deals/{world.deal_id}/figures").status_code == 403


def test_the_brief_page_and_the_dashboards_point_to_the_deals(app: Flask, world: World) -> None:
    staff, owner = client_for(app, world, "staff"), client_for(app, world, "owner")
    with app.app_context():
        brief_id = db.session.get(Deal, world.deal_id).brief_id
    for who in ("staff", "brand"):
        page = client_for(app, world, who).get(f"/briefs/{brief_id}").text
        assert f"/deals/?brief={brief_id}" in page, who
    assert "/deals/" not in owner.get("/community/").text.split("<main")[1]
    send(app, world, staff)
    assert 'href="/deals/"' in owner.get("/community/").text
    data = counter_data(terms_of(app, world.deal_id), state(app, world.deal_id),
                        payout_factor=1.2, prices=False)  # fmt: skip
    assert post(owner, f"/deals/{world.deal_id}/counter", **data).status_code == 302
    assert 'href="/deals/board"' in staff.get("/agency/").text


def test_an_expired_offer_is_told_to_the_staff_who_sent_it(app: Flask, world: World) -> None:
    import datetime as dt

    staff = client_for(app, world, "staff")
    send(app, world, staff)
    with app.app_context():
        later = terms_of(app, world.deal_id).expires_at + dt.timedelta(minutes=1)
        assert deals.expire_due_offers(db.session, later) == 1
        db.session.commit()
    assert notified(app, world.users["staff"], "offer_expired") == 1
    assert notified(app, world.users["admin"], "offer_expired") == 0
    assert notified(app, world.users["owner"], "offer_expired") == 0


def test_staff_counter_back_on_dates_and_usage_rights(app: Flask, world: World) -> None:
    import datetime as dt

    staff, owner = client_for(app, world, "staff"), client_for(app, world, "owner")
    url = f"/deals/{world.deal_id}"
    send(app, world, staff)
    data = counter_data(terms_of(app, world.deal_id), state(app, world.deal_id),
                        payout_factor=1.2, prices=False)  # fmt: skip
    assert post(owner, f"{url}/counter", **data).status_code == 302
    asked = terms_of(app, world.deal_id)
    data = counter_data(asked, state(app, world.deal_id), payout_factor=1.0, prices=True)
    first = min(asked.placements, key=lambda p: (p.asset_id, p.placement_type.value))
    data["ends-0"] = (first.ends_on - dt.timedelta(days=1)).isoformat()
    data["usage_rights"], data["usage_days"] = "brand_channels", 30
    # Without JavaScript, "recompute" shows the figures of the entered numbers and sends nothing.
    preview = post(staff, f"{url}/counter", preview="1", **data)
    assert preview.status_code == 200
    assert re.search(r'class="live-figures"[^>]*>\s*\S', preview.text)
    assert state(app, world.deal_id)["offer"] == "countered"
    assert post(staff, f"{url}/counter", usage_rights="everything", **{
        k: v for k, v in data.items() if k != "usage_rights"}).status_code == 422  # fmt: skip
    assert post(staff, f"{url}/counter", **data).status_code == 302
    back = terms_of(app, world.deal_id)
    assert state(app, world.deal_id)["offer"] == "sent"
    changed = min(back.placements, key=lambda p: (p.asset_id, p.placement_type.value))
    assert changed.ends_on == first.ends_on - dt.timedelta(days=1)
    assert back.usage_rights.value == "brand_channels"
    assert back.usage_days == 30
    # The owner reads the diff of the last two rounds: the end date and the usage rights.
    page = owner.get(url).text
    assert "usage_rights" in page
    assert changed.ends_on.isoformat() in page


def test_only_agency_staff_get_the_desk_forms(app: Flask, world: World) -> None:
    cancel = f'action="/deals/{world.deal_id}/cancel"'
    send_form = f'action="/deals/{world.deal_id}/send"'
    for who in ("staff", "admin"):
        page = client_for(app, world, who).get(f"/deals/{world.deal_id}").text
        assert cancel in page, who
        assert send_form in page, who
    for who in ("owner", "brand", "finance"):
        page = client_for(app, world, who).get(f"/deals/{world.deal_id}").text
        assert cancel not in page, who
        assert send_form not in page, who
        assert '<form method="post"' not in page.split("<main")[1], who


def test_an_agreed_deal_is_amended_from_its_page(app: Flask, world: World) -> None:
    staff, owner = client_for(app, world, "staff"), client_for(app, world, "owner")
    url = f"/deals/{world.deal_id}"
    send(app, world, staff)
    assert post(owner, f"{url}/accept", **state(app, world.deal_id)).status_code == 302
    assert f'action="{url}/amend"' not in owner.get(url).text  # not agreed yet
    for client in (owner, staff):
        page = client.get(f"{url}/agreement").text
        digest = re.search(r'name="content_hash" type="hidden" value="([0-9a-f]{64})"', page)
        assert digest is not None
        assert (
            post(client, f"{url}/agreement/confirm", content_hash=digest.group(1)).status_code
            == 302
        )
    assert state(app, world.deal_id)["deal"] == "agreed"
    assert f'action="{url}/amend"' in owner.get(url).text
    # Agreed: each placement links to its creative, and the board waits for the creative.
    assert 'href="/creative/placement/' in owner.get(url).text
    board = staff.get("/deals/board").text
    column = board.split('data-stage="creative_in_review"')[1].split("</section>")[0]
    assert f'href="{url}"' in column
    assert client_for(app, world, "brand").post(f"{url}/amend").status_code == 403
    r = post(owner, f"{url}/amend", deal_version=state(app, world.deal_id)["deal_version"])
    assert r.status_code == 302
    assert state(app, world.deal_id)["deal"] == "amending"
    assert state(app, world.deal_id)["offer"] == "draft"


def test_margin_floor_warns_and_below_zero_needs_an_admin(app: Flask, world: World) -> None:
    staff, admin = client_for(app, world, "staff"), client_for(app, world, "admin")
    url = f"/deals/{world.deal_id}"
    terms = terms_of(app, world.deal_id)

    def draft(payout_of_price: float) -> dict[str, Any]:
        data = counter_data(terms, state(app, world.deal_id), payout_factor=1.0, prices=True)
        for i, p in enumerate(sorted(terms.placements, key=lambda p: p.asset_id)):
            data[f"payouts-{i}"] = typed(int(p.brand_price_minor * payout_of_price))
        return data

    # 5% margin: below the 15% floor, a warning for staff.
    assert post(staff, f"{url}/counter", **draft(0.95)).status_code == 302
    page = staff.get(url).text
    assert 'role="alert">' in page.split('id="desk-figures"')[1].split("</section>")[0]
    assert "15.00%" in page
    # Below zero: staff are refused, an admin may write it, and staff then see why it stands.
    refused = post(staff, f"{url}/counter", **draft(1.5))
    assert refused.status_code in (403, 409)
    assert terms_of(app, world.deal_id).margin_minor > 0
    assert post(admin, f"{url}/counter", **draft(1.5)).status_code == 302
    assert terms_of(app, world.deal_id).margin_minor < 0
    figures = staff.get(url).text.split('id="desk-figures"')[1].split("</section>")[0]
    assert 'class="error"' in figures


def test_staff_withdraw_with_words_then_write_a_new_offer(app: Flask, world: World) -> None:
    staff = client_for(app, world, "staff")
    url = f"/deals/{world.deal_id}"
    send(app, world, staff)
    s = state(app, world.deal_id)
    assert post(staff, f"{url}/withdraw", version=s["version"], text="").status_code == 422
    assert state(app, world.deal_id)["offer"] == "sent"
    assert post(staff, f"{url}/withdraw", text="הבריף השתנה", **s).status_code == 302
    assert state(app, world.deal_id)["offer"] == "withdrawn"
    assert f'action="{url}/redraft"' in staff.get(url).text
    r = post(staff, f"{url}/redraft", deal_version=state(app, world.deal_id)["deal_version"])
    assert r.status_code == 302
    assert state(app, world.deal_id)["offer"] == "draft"


@pytest.mark.parametrize(
    "path",
    [
        "/deals/{id}?a=abc&b=-1",
        "/deals/{id}?a=99999999999999999999&b=0",
        "/deals/board?brief=abc&brand=-1&owner=%00&staff=1e9&min_days=99999999999",
        "/deals/?brief=abc",
        "/deals/{id}/figures?payouts=-5&prices=abc&counts=0",
        "/deals/{id}/figures?payouts=99999999999999999999999&prices=1",
        "/deals/{id}/figures?payouts=sNaN&prices=1e999999&counts=1",
    ],
)
def test_hostile_parameters_never_break_a_desk_page(app: Flask, world: World, path: str) -> None:
    staff = client_for(app, world, "staff")
    send(app, world, staff)
    assert staff.get(path.format(id=world.deal_id)).status_code < 500


def test_hostile_counter_forms_are_refused_cleanly(app: Flask, world: World) -> None:
    staff, owner = client_for(app, world, "staff"), client_for(app, world, "owner")
    url = f"/deals/{world.deal_id}"
    send(app, world, staff)
    base = counter_data(terms_of(app, world.deal_id), state(app, world.deal_id),
                        payout_factor=1.1, prices=False)  # fmt: skip
    for extra in (
        {"payouts-0": "-1"},
        {"payouts-0": "707.505"},
        {"payouts-0": "NaN"},
        {"payouts-0": "1e999"},
        {"counts-0": "0"},
        {"payouts-5": "100"},  # a placement the offer does not have
        {"starts-0": "2030-01-10", "ends-0": "2030-01-01"},
        {"prices-0": "1"},  # an owner setting a brand price: tampered
        {"version": "abc"},
    ):
        r = post(owner, f"{url}/counter", **{**base, **extra})
        assert 400 <= r.status_code < 500, (extra, r.status_code)
        assert state(app, world.deal_id)["offer"] == "sent", extra


def test_the_agreement_reads_in_english_for_an_english_reader(app: Flask, world: World) -> None:
    staff, owner = client_for(app, world, "staff"), client_for(app, world, "owner")
    url = f"/deals/{world.deal_id}"
    send(app, world, staff)
    assert post(owner, f"{url}/accept", **state(app, world.deal_id)).status_code == 302
    with owner.session_transaction() as session:
        session["locale"] = "en"  # the language chosen in this browser
    page = owner.get(f"{url}/agreement").text
    assert "Agreement summary" in page
    assert 'name="language" type="hidden" value="en"' in page
    assert "סיכום הסכם" in staff.get(f"{url}/agreement").text
    pdf = extract_text(io.BytesIO(owner.get(f"{url}/agreement.pdf").data))
    assert "Agreement summary" in pdf
    # The placements' dates as the pages write them ("Jan 10, 2030"), not "2030-01-10".
    assert not re.search(r"\d{4}-\d\d-\d\d", pdf)
    assert re.search(r"[A-Z][a-z]{2} \d{1,2}, \d{4}", pdf)


def test_the_agreement_pdf_and_the_deal_page_print_money_and_channels_as_people_read_them(
    app: Flask, world: World
) -> None:
    # The PDF printed "350.00 ILS" and "Channel: 7"; the deal page too showed the asset's id.
    from marketplace.catalog import vocab
    from marketplace.catalog.models import ChannelAsset
    from marketplace.i18n import format_money

    staff, owner = client_for(app, world, "staff"), client_for(app, world, "owner")
    url = f"/deals/{world.deal_id}"
    send(app, world, staff)
    assert post(owner, f"{url}/accept", **state(app, world.deal_id)).status_code == 302
    terms = terms_of(app, world.deal_id)
    with app.test_request_context():  # the default language: Hebrew
        (asset_id,) = {p.asset_id for p in terms.placements}
        asset = db.session.get_one(ChannelAsset, asset_id)
        channel = str(vocab.PLATFORMS[asset.platform])
        payout = format_money(terms.owner_payout_minor, terms.currency).replace("\u200f", "")
    text = extract_text(io.BytesIO(owner.get(f"{url}/agreement.pdf").data))
    logical = "\n".join(get_display(line) for line in text.splitlines())
    assert "ILS" not in text

    def plain(words: str) -> str:  # bidi marks and no-break spaces aside
        return " ".join(words.replace("\u200f", "").replace("\xa0", " ").split())

    assert plain(payout) in plain(logical)
    assert channel in logical
    page = owner.get(url).text
    assert f"<tr><td>{asset_id}</td>" not in page  # the placements' first column
    assert f"<tr><td>{asset_id} ·" not in page
    assert channel in page


def test_the_timeline_tells_each_step_in_words_not_codes(app: Flask, world: World) -> None:
    staff = client_for(app, world, "staff")
    send(app, world, staff)
    page = staff.get(f"/deals/{world.deal_id}").text
    timeline = page[page.index('id="timeline"') :]
    assert '"deal"' not in timeline  # no JSON
    assert '"offer"' not in timeline
    assert "negotiating" not in timeline
    with app.test_request_context(), force_locale("he"):
        draft, sent = str(OFFER_STATUS_LABELS["draft"]), str(OFFER_STATUS_LABELS["sent"])
    assert f"{draft} → {sent}" in timeline


def test_staff_and_admins_reach_the_deal_desk_from_the_menu(app: Flask, world: World) -> None:
    for who in ("staff", "admin"):
        page = client_for(app, world, who).get("/inbox/").text
        menu = page[page.index('class="main-nav"') : page.index("</nav>")]
        assert 'href="/deals/board"' in menu, who


def test_the_rounds_diff_names_fields_in_words_and_prints_money(app: Flask, world: World) -> None:
    staff, owner = client_for(app, world, "staff"), client_for(app, world, "owner")
    url = f"/deals/{world.deal_id}"
    send(app, world, staff)
    before = terms_of(app, world.deal_id)
    data = counter_data(before, state(app, world.deal_id), payout_factor=1.1, prices=False)
    assert post(owner, f"{url}/counter", **data).status_code == 302
    after = terms_of(app, world.deal_id)
    page = staff.get(url).text
    table = page[page.index('class="table diff"') : page.index("</table>", page.index("diff"))]
    assert ">placements[" not in table  # no code for the placement
    assert ">owner_payout_minor<" not in table
    assert f">{before.owner_payout_minor}<" not in table  # no agorot shown as shekels
    assert amount(before.owner_payout_minor) in table
    assert amount(after.owner_payout_minor) in table
    with app.test_request_context(), force_locale("he"):
        from marketplace.deals.presenters import FIELD_LABELS

        assert str(FIELD_LABELS["owner_payout_minor"]) in table


def test_an_owner_types_the_payout_in_shekels_and_agorot(app: Flask, world: World) -> None:
    """₪707.50 typed as "707.50" is 70,750 agorot (a walk found "707" sent as ₪7.07)."""
    staff, owner = client_for(app, world, "staff"), client_for(app, world, "owner")
    url = f"/deals/{world.deal_id}"
    send(app, world, staff)
    before = terms_of(app, world.deal_id)
    first = sorted(before.placements, key=lambda p: (p.asset_id, p.placement_type.value))[0]
    # The form shows the current payout in major units, labelled with the currency sign.
    page = owner.get(url).text
    assert (
        f'name="payouts-0" step="0.01" type="number" value="{typed(first.owner_payout_minor)}"'
        in page
    )
    assert "(₪)" in page
    assert "אגורות" not in page
    base = counter_data(before, state(app, world.deal_id), payout_factor=1.0, prices=False)
    for bad, error in [("707.505", "עד שתי ספרות אחרי הנקודה העשרונית."),
                       ("-1", "יש להזין מספר בין 0 ל־100,000,000.")]:  # fmt: skip
        refused = post(owner, f"{url}/counter", **{**base, "payouts-0": bad})
        assert refused.status_code == 422, bad
        cell = refused.text.split('name="payouts-0"')[1].split("</td>")[0]
        assert error in cell, (bad, cell)
        assert state(app, world.deal_id)["offer"] == "sent"
        assert terms_of(app, world.deal_id) == before
    assert post(owner, f"{url}/counter", **{**base, "payouts-0": "707.50"}).status_code == 302
    after = terms_of(app, world.deal_id)
    changed = next(p for p in after.placements if p.key == first.key)
    assert changed.owner_payout_minor == 70_750


def test_staff_type_the_brand_price_in_major_units(app: Flask, world: World) -> None:
    staff = client_for(app, world, "staff")
    url = f"/deals/{world.deal_id}"
    terms = terms_of(app, world.deal_id)
    first = sorted(terms.placements, key=lambda p: (p.asset_id, p.placement_type.value))[0]
    assert (
        f'name="prices-0" step="0.01" type="number" value="{typed(first.brand_price_minor)}"'
        in staff.get(url).text
    )
    data = counter_data(terms, state(app, world.deal_id), payout_factor=0.5, prices=True)
    refused = post(staff, f"{url}/counter", **{**data, "prices-0": "707.505"})
    assert refused.status_code == 422
    assert "עד שתי ספרות אחרי הנקודה העשרונית." in refused.text.split('name="prices-0"')[1]
    assert terms_of(app, world.deal_id) == terms
    big = f"{first.owner_payout_minor // 100 * 10}.50"  # well above the payout: a real margin
    assert post(staff, f"{url}/counter", **{**data, "prices-0": big}).status_code == 302
    saved = next(p for p in terms_of(app, world.deal_id).placements if p.key == first.key)
    assert saved.brand_price_minor == first.owner_payout_minor // 100 * 1000 + 50


def test_live_figures_read_major_units_and_refuse_more_places(app: Flask, world: World) -> None:
    staff = client_for(app, world, "staff")
    n = len(terms_of(app, world.deal_id).placements)
    query = "&".join(["payouts=707.50"] * n + ["prices=1415"] * n)
    r = staff.get(f"/deals/{world.deal_id}/figures?{query}")
    assert r.status_code == 200
    assert r.json["margin_percent"] == "50.00%"
    assert f"{707.5 * n:,.2f}" in r.json["owner_payout"]
    for bad, error in [("707.505", "עד שתי ספרות אחרי הנקודה העשרונית."),
                       ("-1", "יש להזין מספר בין 0 ל־100,000,000."),
                       ("abc", "יש להזין סכום כמו 707.50.")]:  # fmt: skip
        r = staff.get(f"/deals/{world.deal_id}/figures?payouts={bad}&prices=1415")
        assert r.status_code == 422, bad
        assert r.json["error"]["message"] == error, bad


def test_the_live_figures_say_a_low_margin_in_words(app: Flask, world: World) -> None:
    staff = client_for(app, world, "staff")
    n = len(terms_of(app, world.deal_id).placements)
    query = "&".join(["payouts=300"] * n + ["prices=200"] * n)
    body = staff.get(f"/deals/{world.deal_id}/figures?{query}").json
    assert body["check"] == "below_zero"  # the code, for scripts
    assert body["check_text"]
    assert "below_zero" not in body["check_text"]
    script = staff.get("/static/js/deal_figures.js")
    assert b"f.check_text" in script.data  # what the page shows while staff type
    script.close()
    data = counter_data(terms_of(app, world.deal_id), state(app, world.deal_id),
                        payout_factor=1.0, prices=True)  # fmt: skip
    data["payouts-0"], data["preview"] = "99999.00", "1"
    page = post(staff, f"/deals/{world.deal_id}/counter", **data).text
    figures = page[page.index('class="live-figures"') :].split("</p>", 1)[0]
    assert "below_zero" not in figures
    assert body["check_text"] in figures


def test_a_reader_who_can_do_nothing_here_gets_no_empty_actions_panel(
    app: Flask, world: World
) -> None:
    """Finance (and the brand) read a draft deal: no "What you can do now" over an empty box."""
    for who in ("finance", "brand"):
        page = client_for(app, world, who).get(f"/deals/{world.deal_id}").text
        assert 'id="actions"' not in page, who
        assert "What you can do now" not in page, who
        assert "מה אפשר לעשות עכשיו" not in page, who
    staff = client_for(app, world, "staff").get(f"/deals/{world.deal_id}").text
    assert 'id="actions"' in staff
    assert f'action="/deals/{world.deal_id}/send"' in staff.split('id="actions"')[1]


def test_each_label_on_the_desk_deal_page_names_its_own_field(app: Flask, world: World) -> None:
    """Withdraw and cancel both had a textarea id="text": the cancel form's "In your words"
    label pointed at the withdraw form's box, and the cancel box had no label at all."""
    staff = client_for(app, world, "staff")
    send(app, world, staff)
    html = staff.get(f"/deals/{world.deal_id}").text
    assert f'action="/deals/{world.deal_id}/withdraw"' in html
    assert f'action="/deals/{world.deal_id}/cancel"' in html
    fields = re.findall(r'<(?:textarea|select)[^>]*\sid="([^"]+)"', html)
    assert sorted({i for i in fields if fields.count(i) > 1}) == []
    labels = re.findall(r'<label[^>]*\sfor="([^"]+)"', html)
    assert sorted({i for i in labels if labels.count(i) > 1}) == []
    assert set(fields) <= set(labels)
    # Each of them under its own heading: the withdraw form's "Why" box sat right under the
    # counter-offer's buttons and read as part of the counter-offer.
    for action in ("withdraw", "cancel"):
        before = html.split(f'action="/deals/{world.deal_id}/{action}"', 1)[0]
        assert before[: before.rindex("<form")].rstrip().endswith("</h3>"), action
    owner = client_for(app, world, "owner").get(f"/deals/{world.deal_id}").text
    before = owner.split(f'action="/deals/{world.deal_id}/decline"', 1)[0]
    assert before[: before.rindex("<form")].rstrip().endswith("</h3>")


def test_the_placements_dates_read_like_every_other_date_on_the_page(
    app: Flask, world: World
) -> None:
    """The owner's deal page in Hebrew wrote its placements "2026-12-28 – 2027-02-05", beside
    "7 בדצמ׳ 2026" in its timeline."""
    staff = client_for(app, world, "staff")
    send(app, world, staff)
    first = terms_of(app, world.deal_id).placements[0]
    text = client_for(app, world, "owner").get(f"/deals/{world.deal_id}").text
    placements = text.split('<table class="table">')[1].split("</table>")[0]
    assert first.starts_on.isoformat() not in placements
    with app.test_request_context(), force_locale("he"):
        from flask_babel import format_date

        assert str(format_date(first.starts_on)) in placements
        assert str(format_date(first.ends_on)) in placements


def test_a_refused_cancel_or_decline_shows_the_page_again_with_the_terms_form(
    app: Flask, world: World
) -> None:
    # The page a refused form comes back on also shows the counter/edit form, filled with the
    # current terms: it must not read them from the refused form's own fields (a 500 before).
    staff, owner = client_for(app, world, "staff"), client_for(app, world, "owner")
    url = f"/deals/{world.deal_id}"
    s = state(app, world.deal_id)  # a draft: staff have the edit form
    refused = post(staff, f"{url}/cancel", reason="no-such-reason", text="x",
                   deal_version=s["deal_version"])  # fmt: skip
    assert refused.status_code == 422
    assert f'action="{url}/counter"' in refused.text
    assert state(app, world.deal_id)["deal"] == s["deal"]
    send(app, world, staff)  # now the owner has the counter form
    s = state(app, world.deal_id)
    declined = post(owner, f"{url}/decline", reason="no-such-reason", text="x", **s)
    assert declined.status_code == 422
    assert f'action="{url}/counter"' in declined.text
    assert state(app, world.deal_id)["offer"] == "sent"


def test_a_counter_with_crossed_dates_or_bare_exclusivity_comes_back_with_its_input(
    app: Flask, world: World
) -> None:
    """A window ending before it starts, or exclusivity days with no category, is named on its
    field and the form comes back as typed (it was an error page with everything lost)."""
    staff, owner = client_for(app, world, "staff"), client_for(app, world, "owner")
    url = f"/deals/{world.deal_id}"
    send(app, world, staff)
    base = counter_data(terms_of(app, world.deal_id), state(app, world.deal_id),
                        payout_factor=1.5, prices=False)  # fmt: skip
    typed_payout = base["payouts-0"]
    r = post(owner, f"{url}/counter", **{**base, "starts-0": "2030-01-10", "ends-0": "2030-01-01"})
    assert r.status_code == 422
    assert "תאריך הסיום מוקדם מתאריך ההתחלה." in r.text  # Hebrew first
    with owner.session_transaction() as session:
        session["locale"] = "en"
    r = post(owner, f"{url}/counter", **{**base, "starts-0": "2030-01-10", "ends-0": "2030-01-01"})
    assert "The window ends before it starts." in r.text
    assert 'id="ends-0"' in r.text
    assert 'aria-invalid="true" aria-label="Until"' in r.text
    assert f'value="{typed_payout}"' in r.text  # what the owner typed is still there
    assert 'value="2030-01-10"' in r.text
    assert 'value="2030-01-01"' in r.text
    assert "counts:" not in r.text
    assert "ends:" not in r.text
    r = post(owner, f"{url}/counter", **{**base, "exclusivity_days": "30"})
    assert r.status_code == 422
    assert "Name at least one competitor category for the exclusivity days." in r.text
    assert state(app, world.deal_id)["offer"] == "sent"  # nothing was written


def test_a_draft_round_says_when_in_words_not_as_a_log_line(app: Flask, world: World) -> None:
    """A draft has no stored round yet: its time came from the JSON view, printed raw
    ("2026-12-07T22:44:32.506014+00:00")."""
    page = client_for(app, world, "staff").get(f"/deals/{world.deal_id}").text
    assert state(app, world.deal_id)["offer"] == "draft"
    thread = page.split('id="thread"', 1)[1].split("</section>", 1)[0]
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", thread), thread
    with app.app_context():
        created = deals.current_offer(db.session.get(Deal, world.deal_id)).created_at
    with app.test_request_context(), force_locale("he"):
        assert format_when(created.isoformat()) == format_when(created)
        assert format_when(created) in thread


def test_the_agreement_page_names_what_the_owner_confirms(app: Flask, world: World) -> None:
    """The page the owner confirms on read "בריף: 6 · קהילה: 43", "ערוץ 76", "2030-01-10" and
    "684.00 ILS"; it names them as the PDF does, and the hash it confirms is unchanged."""
    staff, owner = client_for(app, world, "staff"), client_for(app, world, "owner")
    url = f"/deals/{world.deal_id}"
    send(app, world, staff)
    assert post(owner, f"{url}/accept", **state(app, world.deal_id)).status_code == 302
    with app.app_context():
        deal = db.session.get(Deal, world.deal_id)
        document, digest = deals.pending_agreement_document(db.session, deal)
        title = db.session.get(Brief, deal.brief_id).title
        community = deal.community.display_name
        channels = deals.channel_names(db.session, [p.asset_id for p in deal.placements])
    for who in (owner, staff):
        page = who.get(f"{url}/agreement").text
        text = page.split('class="agreement"', 1)[1].split("</pre>", 1)[0]
        assert title in text
        assert community in text
        for name in channels.values():
            assert name in text
        assert not re.search(r"\d{4}-\d\d-\d\d", text), text
        assert " ILS" not in text
        assert "₪" in text
        assert f'name="content_hash" type="hidden" value="{digest}"' in page
        assert digest in text
    assert document["brief_id"] == deal.brief_id  # the document itself keeps its ids


def test_an_owner_answers_an_offer_knowing_its_campaign_and_brand(app: Flask, world: World) -> None:
    """The offer named the community, the placements and the payout, never what it was for:
    an owner could not judge "does not fit our community's DNA" without asking."""
    staff = client_for(app, world, "staff")
    send(app, world, staff)
    with app.app_context():
        deal = db.session.get(Deal, world.deal_id)
        brief = db.session.get(Brief, deal.brief_id)
        brief.message = "ויטמין D לנשים אחרי גיל המעבר"
        db.session.commit()
        title, brand, brief_id = brief.title, deal.organisation.name, brief.id
    link = f'href="/briefs/{brief_id}"'
    owner_page = client_for(app, world, "owner").get(f"/deals/{world.deal_id}").text
    campaign = owner_page.split('class="deal-campaign"', 1)[1].split("</p>", 1)[0]
    assert title in campaign
    assert brand in campaign
    assert "ויטמין D לנשים אחרי גיל המעבר" in owner_page
    assert link not in owner_page  # owners do not open briefs
    for who in ("brand", "staff"):
        assert link in client_for(app, world, who).get(f"/deals/{world.deal_id}").text, who
    finance_page = client_for(app, world, "finance").get(f"/deals/{world.deal_id}").text
    assert title in finance_page
    assert link not in finance_page


def test_the_deals_list_says_which_campaign_each_deal_is_for(app: Flask, world: World) -> None:
    """An owner's list mixed campaigns with nothing but "#15" and a community's name."""
    with app.app_context():
        deal = db.session.get(Deal, world.deal_id)
        title = db.session.get(Brief, deal.brief_id).title
    for who in ("owner", "brand", "staff"):
        page = client_for(app, world, who).get("/deals/").text
        cell = page.split('class="deal-campaign"', 1)[1].split("</td>", 1)[0]
        assert title in cell, who
    filtered = client_for(app, world, "owner").get(f"/deals/?brief={deal.brief_id}").text
    assert 'class="deal-campaign"' not in filtered  # the heading names it already
    assert title in filtered
