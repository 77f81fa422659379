"""Tracked links over HTTP: the redirect (fixed target, 404s, bots, duplicates), pages, API."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace.auth.models import User
from marketplace.extensions import db
from marketplace.links.models import LinkClick, PromoRedemption, PromoUpload, TrackedLink
from marketplace.links.services import click_counts
from tests.factories import agreed_placement, make_promo_code, make_tracked_link
from tests.http.test_api import token_for
from tests.http.test_route_policy import sign_in
from tests.queries import counted_queries

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


@dataclass
class Campaign:
    users: dict[str, User]
    brief_id: int
    placement_id: int
    link_id: int
    slug: str
    target: str


@pytest.fixture
def campaign(app: Flask, make_user: Any) -> Campaign:
    users = {
        "brand": make_user("brand"),
        "brand2": make_user("brand"),
        "owner": make_user("owner"),
        "owner2": make_user("owner"),
        "staff": make_user("staff"),
    }
    with app.app_context():
        get = db.session.get
        placement = agreed_placement(
            db.session,
            brand=get(User, users["brand"].id),
            staff=get(User, users["staff"].id),
            owner=get(User, users["owner"].id),
        )
        link = make_tracked_link(db.session, placement, actor=get(User, users["brand"].id))
        make_promo_code(db.session, placement, actor=get(User, users["staff"].id))
        db.session.commit()
        return Campaign(
            users, placement.deal.brief_id, placement.id, link.id, link.slug, link.target_url
        )


def clicks(app: Flask) -> list[tuple[bool, bool, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(LinkClick.is_bot, LinkClick.is_duplicate, LinkClick.visitor_hash).order_by(
                LinkClick.id
            )
        ).all()
        return [(bool(b), bool(d), h) for b, d, h in rows]


def browser(app: Flask, user: User | None = None) -> Any:
    client = app.test_client()
    if user is not None:
        sign_in(app, client, user)
    return client


# --- the redirect -------------------------------------------------------------------------------


def test_the_redirect_goes_to_the_stored_target_and_records_the_click(
    app: Flask, campaign: Campaign
) -> None:
    response = browser(app).get(f"/r/{campaign.slug}", headers={"User-Agent": IPHONE})
    assert response.status_code == 302
    assert response.headers["Location"] == campaign.target
    assert "utm_source=kesher" in campaign.target
    assert response.headers["Cache-Control"] == "no-store"
    [(bot, duplicate, visitor)] = clicks(app)
    assert (bot, duplicate) == (False, False)
    assert len(visitor) == 32
    assert "127.0.0.1" not in visitor


@pytest.mark.parametrize(
    "suffix",
    [
        "?next=https://evil.example/",
        "?url=https://evil.example/&target=//evil.example&redirect=https://evil.example",
        "?utm_source=evil&utm_campaign=x",
        "?%0d%0aLocation:%20https://evil.example",
    ],
)
def test_no_parameter_changes_where_the_redirect_goes(
    app: Flask, campaign: Campaign, suffix: str
) -> None:
    response = browser(app).get(
        f"/r/{campaign.slug}{suffix}",
        headers={"User-Agent": IPHONE, "Referer": "https://evil.example/",
                 "X-Forwarded-Host": "evil.example"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"] == campaign.target
    assert "evil" not in response.headers["Location"]


@pytest.mark.parametrize(
    "path",
    ["/r/AAAAAAAAAAAAAAAA", "/r/short", "/r/" + "A" * 300, "/r/%00%00", "/r/..%2F..%2Fetc",
     "/r/ערךערךערךערךערךע"],
)  # fmt: skip
def test_a_guessed_or_malformed_slug_is_a_404_page_and_records_nothing(
    app: Flask, campaign: Campaign, path: str
) -> None:
    response = browser(app).get(path, headers={"User-Agent": IPHONE, "Accept": "text/html"})
    assert response.status_code == 404
    assert "Location" not in response.headers
    assert "text/html" in response.headers["Content-Type"]
    assert clicks(app) == []


def test_a_slug_differing_in_one_letter_is_not_found(app: Flask, campaign: Campaign) -> None:
    other = ("B" if campaign.slug[0] != "B" else "C") + campaign.slug[1:]
    assert browser(app).get(f"/r/{other}").status_code == 404
    assert browser(app).get(f"/r/{campaign.slug.swapcase()}").status_code in (302, 404)


def test_bots_and_previews_are_flagged(app: Flask, campaign: Campaign) -> None:
    client = browser(app)
    client.get(f"/r/{campaign.slug}", headers={"User-Agent": "WhatsApp/2.23.20.0 A"})
    client.get(f"/r/{campaign.slug}", headers={"User-Agent": ""})  # none at all
    client.head(f"/r/{campaign.slug}", headers={"User-Agent": IPHONE})
    assert [bot for bot, _d, _h in clicks(app)] == [True, True, True]


def test_a_repeat_click_is_flagged_a_duplicate_but_another_visitor_is_not(
    app: Flask, campaign: Campaign
) -> None:
    client = browser(app)
    client.get(f"/r/{campaign.slug}", headers={"User-Agent": IPHONE})
    client.get(f"/r/{campaign.slug}", headers={"User-Agent": IPHONE})
    client.get(
        f"/r/{campaign.slug}", headers={"User-Agent": IPHONE},
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )  # fmt: skip
    found = clicks(app)
    assert [(bot, duplicate) for bot, duplicate, _h in found] == [
        (False, False),
        (False, True),
        (False, False),
    ]
    assert found[0][2] == found[1][2] != found[2][2]


def test_the_redirect_needs_no_sign_in_and_sets_no_cookie(app: Flask, campaign: Campaign) -> None:
    response = browser(app).get(f"/r/{campaign.slug}", headers={"User-Agent": IPHONE})
    assert response.status_code == 302
    assert "Set-Cookie" not in response.headers


# --- pages --------------------------------------------------------------------------------------


def test_the_brand_sees_its_campaign_with_counts_and_the_short_link(
    app: Flask, campaign: Campaign
) -> None:
    anonymous = browser(app)
    anonymous.get(f"/r/{campaign.slug}", headers={"User-Agent": IPHONE})
    anonymous.get(f"/r/{campaign.slug}", headers={"User-Agent": IPHONE})
    anonymous.get(f"/r/{campaign.slug}", headers={"User-Agent": "Googlebot/2.1"})
    page = browser(app, campaign.users["brand"]).get(f"/links/campaign/{campaign.brief_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"/r/{campaign.slug}" in html
    assert "RUN10" in html
    assert "data-total-clicks>2<" in html
    assert "data-unique-clicks>1<" in html
    assert "data-bot-clicks>1<" in html


def test_another_brand_and_another_owner_cannot_see_the_campaign(
    app: Flask, campaign: Campaign
) -> None:
    for outsider in ("brand2", "owner2"):
        client = browser(app, campaign.users[outsider])
        assert client.get(f"/links/campaign/{campaign.brief_id}").status_code == 404
        assert client.get(f"/links/{campaign.link_id}/qr").status_code == 404
        assert client.get(f"/links/{campaign.link_id}/qr.svg").status_code == 404
        listing = client.get("/links/").get_data(as_text=True)
        assert f"/links/campaign/{campaign.brief_id}" not in listing


def test_the_owner_sees_the_link_to_share_but_no_forms(app: Flask, campaign: Campaign) -> None:
    client = browser(app, campaign.users["owner"])
    assert f"/links/campaign/{campaign.brief_id}" in client.get("/links/").get_data(as_text=True)
    html = client.get(f"/links/campaign/{campaign.brief_id}").get_data(as_text=True)
    assert f"/r/{campaign.slug}" in html
    assert "redemptions" not in html
    refused = client.post(f"/links/placement/{campaign.placement_id}/code", data={"code": "OWNER1"})
    assert refused.status_code == 403


def test_the_qr_code_is_inline_svg_and_downloads(app: Flask, campaign: Campaign) -> None:
    client = browser(app, campaign.users["owner"])
    page = client.get(f"/links/{campaign.link_id}/qr").get_data(as_text=True)
    assert '<svg width="' in page
    assert f"/r/{campaign.slug}" in page
    download = client.get(f"/links/{campaign.link_id}/qr.svg")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "image/svg+xml"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.data.startswith(b"<?xml")
    assert b"<svg" in download.data


def test_a_link_to_a_script_url_is_refused_on_the_page(app: Flask, make_user: Any) -> None:
    users = {role: make_user(role) for role in ("brand", "owner", "staff")}
    with app.app_context():
        get = db.session.get
        placement = agreed_placement(db.session, brand=get(User, users["brand"].id),
                                     staff=get(User, users["staff"].id),
                                     owner=get(User, users["owner"].id))  # fmt: skip
        db.session.commit()
        placement_id = placement.id
    client = browser(app, users["brand"])
    response = client.post(
        f"/links/placement/{placement_id}/link", data={"destination": "javascript:alert(1)"}
    )
    assert response.status_code == 422
    assert "דף הנחיתה חייב להתחיל ב-http:// או ב-https://." in response.get_data(as_text=True)
    made = client.post(
        f"/links/placement/{placement_id}/link", data={"destination": "https://shop.example/"}
    )
    assert made.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(TrackedLink.id))) == 1


# --- redemptions --------------------------------------------------------------------------------


def upload(client: Any, brief_id: int, body: bytes, name: str = "orders.csv") -> Any:
    return client.post(
        f"/links/campaign/{brief_id}/redemptions",
        data={"file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count(model.id))) or 0)


def test_an_upload_with_problems_lists_them_by_row_and_column_and_writes_nothing(
    app: Flask, campaign: Campaign
) -> None:
    client = browser(app, campaign.users["brand"])
    body = b"code,date,amount\nRUN10,2026-11-02,10\nNOPE,2026-11-02,10\nRUN10,yesterday,10\n"
    response = upload(client, campaign.brief_id, body)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<td class="num">3</td><td dir="auto">code</td>' in html
    assert "„NOPE” אינו קוד קופון של הקמפיין הזה." in html  # Hebrew first
    assert '<td class="num">4</td><td dir="auto">date</td>' in html
    assert count(app, PromoRedemption) == 0
    assert count(app, PromoUpload) == 0


def test_a_clean_upload_is_recorded_and_shows_on_the_campaign(
    app: Flask, campaign: Campaign
) -> None:
    client = browser(app, campaign.users["brand"])
    body = b"code,date,amount\nrun10,2026-11-02,149.90\n"
    response = upload(client, campaign.brief_id, body)
    assert response.status_code == 302
    assert count(app, PromoRedemption) == 1
    assert upload(client, campaign.brief_id, body).status_code == 422  # the same file again
    assert count(app, PromoRedemption) == 1


def test_another_brand_cannot_upload_to_the_campaign(app: Flask, campaign: Campaign) -> None:
    client = browser(app, campaign.users["brand2"])
    response = upload(client, campaign.brief_id, b"code,date\nRUN10,2026-11-02\n")
    assert response.status_code == 404
    assert count(app, PromoRedemption) == 0


# --- API ----------------------------------------------------------------------------------------


def test_the_api_gives_the_campaign_and_placement_clicks(app: Flask, campaign: Campaign) -> None:
    visitor = browser(app)
    visitor.get(f"/r/{campaign.slug}", headers={"User-Agent": IPHONE})
    visitor.get(f"/r/{campaign.slug}", headers={"User-Agent": IPHONE})
    visitor.get(f"/r/{campaign.slug}", headers={"User-Agent": "curl/8.4.0"})
    headers = {"Authorization": f"Bearer {token_for(app, campaign.users['brand'])}"}
    client = app.test_client()
    body = client.get(f"/api/v1/briefs/{campaign.brief_id}/clicks", headers=headers).json
    assert body["clicks"] == {"total": 2, "unique": 1, "bots": 1}
    [item] = body["items"]
    assert item["placement_id"] == campaign.placement_id
    assert item["promo_code"] == "RUN10"
    assert item["link"]["target_url"] == campaign.target
    assert item["link"]["url"].endswith(f"/r/{campaign.slug}")
    one = client.get(f"/api/v1/placements/{campaign.placement_id}/clicks", headers=headers).json
    assert one["brief_id"] == campaign.brief_id
    assert one["clicks"] == {"total": 2, "unique": 1, "bots": 1}


def test_another_organisation_s_token_sees_no_clicks(app: Flask, campaign: Campaign) -> None:
    headers = {"Authorization": f"Bearer {token_for(app, campaign.users['brand2'])}"}
    client = app.test_client()
    brief = client.get(f"/api/v1/briefs/{campaign.brief_id}/clicks", headers=headers)
    assert brief.status_code == 404
    assert brief.json["error"]["code"] == "not_found"
    placement = client.get(f"/api/v1/placements/{campaign.placement_id}/clicks", headers=headers)
    assert placement.status_code == 404
    assert placement.json["error"]["code"] == "placement_not_found"


def test_a_click_costs_one_insert_once_the_link_is_known(app: Flask, campaign: Campaign) -> None:
    client = browser(app)
    with counted_queries(app) as statements:
        client.get(f"/r/{campaign.slug}", headers={"User-Agent": IPHONE})
        first = list(statements)
        statements.clear()
        client.get(f"/r/{campaign.slug}", headers={"User-Agent": IPHONE})
    # On PostgreSQL the INSERT waits first for the same visitor's click on the link, if any.
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    lock = ["SELECT"] if postgres else []
    assert [s.split()[0] for s in first] == ["SELECT", *lock, "INSERT"]
    assert [s.split()[0] for s in statements] == [*lock, "INSERT"]
    assert statements[-1].startswith("INSERT INTO link_clicks")
    if lock:
        assert statements[0].startswith("SELECT pg_advisory_xact_lock")


def test_staff_give_every_agreed_placement_a_link_and_a_code_from_the_page(
    app: Flask, make_user: Any
) -> None:
    users = {role: make_user(role) for role in ("brand", "owner", "staff")}
    with app.app_context():
        get = db.session.get
        placement = agreed_placement(db.session, brand=get(User, users["brand"].id),
                                     staff=get(User, users["staff"].id),
                                     owner=get(User, users["owner"].id))  # fmt: skip
        db.session.commit()
        brief_id, placement_id = placement.deal.brief_id, placement.id
    client = browser(app, users["staff"])
    page = client.get(f"/links/campaign/{brief_id}").get_data(as_text=True)
    assert f"/links/placement/{placement_id}/link" in page  # the form, before there is a link
    made = client.post(
        f"/links/campaign/{brief_id}/links", data={"destination": "https://shop.example/"}
    )
    assert made.status_code == 302
    coded = client.post(f"/links/placement/{placement_id}/code", data={"code": "tlv-run"})
    assert coded.status_code == 302
    taken = client.post(f"/links/placement/{placement_id}/code", data={"code": "OTHER"})
    assert taken.status_code == 422
    html = client.get(f"/links/campaign/{brief_id}").get_data(as_text=True)
    assert "TLV-RUN" in html
    assert f"/links/placement/{placement_id}/link" not in html  # it has its link now
    with app.app_context():
        link = db.session.scalars(select(TrackedLink)).one()
        assert link.placement_id == placement_id
        assert link.target_url.endswith(f"utm_content=placement-{placement_id}")


# --- inflating the counts -----------------------------------------------------------------------


def _agent(n: int) -> str:
    return IPHONE.replace("17_1", f"17_{n}")


def test_one_address_rotating_user_agents_stops_counting_after_the_burst_limit(
    app: Flask, campaign: Campaign, app_factory: Any
) -> None:
    # The visitor hash is address × user agent, so a script that changes its user agent on
    # every request was a new unique visitor each time: a brand paying by results paid for it.
    limited = app_factory(RATELIMIT_ENABLED=True, CLICK_BURST_LIMIT="3 per hour")
    client = limited.test_client()
    for n in range(6):
        response = client.get(f"/r/{campaign.slug}", headers={"User-Agent": _agent(n)})
        assert response.status_code == 302  # the person still reaches the page
        assert response.headers["Location"] == campaign.target
    # Another address, and the same address on another link, count as before.
    limited.test_client().get(
        f"/r/{campaign.slug}", headers={"User-Agent": IPHONE},
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )  # fmt: skip
    assert [(bot, duplicate) for bot, duplicate, _h in clicks(app)] == [
        (False, False), (False, False), (False, False),
        (True, False), (True, False), (True, False),  # the burst: kept, shown as bots
        (False, False),
    ]  # fmt: skip
    with limited.app_context():
        counts = click_counts(db.session, [campaign.link_id])[campaign.link_id]
        assert (counts.total, counts.unique, counts.bots) == (4, 4, 3)


def test_a_click_flood_from_one_address_is_refused_before_it_writes(
    app: Flask, campaign: Campaign, app_factory: Any
) -> None:
    limited = app_factory(RATELIMIT_ENABLED=True, CLICK_RATE_LIMIT="5 per minute")
    client = limited.test_client()
    statuses = [
        client.get(f"/r/{campaign.slug}", headers={"User-Agent": _agent(n)}).status_code
        for n in range(8)
    ]
    assert statuses == [302] * 5 + [429] * 3
    assert len(clicks(app)) == 5
    elsewhere = limited.test_client().get(
        f"/r/{campaign.slug}", headers={"User-Agent": IPHONE},
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )  # fmt: skip
    assert elsewhere.status_code == 302


def test_an_ipv6_client_rotating_addresses_in_its_network_is_one_burst(
    app: Flask, campaign: Campaign, app_factory: Any
) -> None:
    limited = app_factory(RATELIMIT_ENABLED=True, CLICK_BURST_LIMIT="2 per hour")
    for n in range(1, 5):
        limited.test_client().get(
            f"/r/{campaign.slug}", headers={"User-Agent": _agent(n)},
            environ_base={"REMOTE_ADDR": f"2001:db8:5:6::{n:x}"},
        )  # fmt: skip
    assert [bot for bot, _d, _h in clicks(app)] == [False, False, True, True]


def test_each_rows_promo_code_field_has_its_own_id_and_label(app: Flask) -> None:
    """The campaign's links page shows one code form per placement: every row's input was
    id="code", so each label after the first named the first row's field."""
    from flask import render_template_string

    from marketplace.links.forms import PromoCodeForm

    page = (
        "{% from 'macros.html' import field %}"
        "{% for n in (7, 8) %}{{ field(form.code, dir='ltr', id='code-' ~ n) }}{% endfor %}"
    )
    with app.test_request_context():
        html = render_template_string(page, form=PromoCodeForm(formdata=None))
    ids = re.findall(r'<input[^>]*\sid="([^"]+)"', html)
    assert ids == ["code-7", "code-8"]
    assert re.findall(r'<label[^>]*\sfor="([^"]+)"', html) == ids
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert all(d.startswith(("code-7", "code-8")) for d in described)
