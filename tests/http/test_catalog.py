"""The catalog through the web and the API: who sees what, editing, search paging, import."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from marketplace.auth.models import User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Community, EvidenceFile, ListingStatus
from marketplace.extensions import db
from tests.factories import PNG, make_listing
from tests.http.test_api import token_for

CORPUS = Path(__file__).resolve().parents[1] / "data" / "catalog_import"


def listed(app: Flask, make_user: Any, **overrides: Any) -> tuple[Any, Any]:
    """An owner and a listed community of theirs, approved by staff."""
    owner = make_user("owner")
    staff = make_user("staff")
    with app.app_context():
        me = db.session.get(User, owner.id)
        listing = make_listing(db.session, me, **overrides)
        catalog.change_status(db.session, listing.community, ListingStatus.SUBMITTED, actor=me)
        catalog.change_status(
            db.session,
            listing.community,
            ListingStatus.LISTED,
            actor=db.session.get(User, staff.id),
        )
        db.session.commit()
        return owner, listing.community.id


def test_an_owner_lists_a_community_on_the_web(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner")
    auth.login(owner.email)
    response = client.post(
        "/catalog/new",
        data={"name_he": "סורגות בירושלים", "description": "מפגשי סריגה", "topics": ["culture"],
              "languages": ["he"], "region": "jerusalem", "audience_kind": "b2c",
              "admission": "open", "monetisation_experience": "none", "tag_list": "סריגה, צמר"},
    )  # fmt: skip
    assert response.status_code == 302
    community_id = int(
        re.search(r"/catalog/(\d+)/assets/new", response.headers["Location"]).group(1)
    )
    asset = client.post(
        f"/catalog/{community_id}/assets/new",
        data={"platform": "whatsapp_group", "url": "https://chat.whatsapp.com/Knit01",
              "size": "240", "interaction_mode": "many_to_many", "currency": "ILS",
              "rate_post": "250", "rate_story": ""},
    )  # fmt: skip
    assert asset.status_code == 302
    with app.app_context():
        community = db.session.get(Community, community_id)
        assert community.tags == ["סריגה", "צמר"]
        assert community.total_size == 240
        assert [(r.placement.value, r.amount_minor) for r in community.assets[0].rates] == [
            ("post", 25_000)
        ]
    assert (
        client.post(f"/catalog/{community_id}/status", data={"to": "submitted"}).status_code == 302
    )
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert "סורגות בירושלים" in page
    assert "<svg" in page  # the channel-size chart


def test_an_impossible_channel_is_explained_on_the_form(
    client: Any, auth: Any, app: Flask, make_user: Any
) -> None:
    owner = make_user("owner")
    with app.app_context():
        community = catalog.save_community(
            db.session, {"name_en": "Knitters"}, actor=db.session.get(User, owner.id)
        )
        db.session.commit()
        community_id = community.id
    auth.login(owner.email)
    response = client.post(
        f"/catalog/{community_id}/assets/new",
        data={"platform": "whatsapp_group", "url": "https://t.me/knitters", "size": "5000",
              "interaction_mode": "many_to_many", "currency": "ILS"},
    )  # fmt: skip
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="url-error"' in page
    assert 'id="size-error"' in page
    assert "1,024" in page


def test_another_owner_can_neither_see_nor_change_a_listing(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner")
    with app.app_context():
        listing = make_listing(db.session, db.session.get(User, owner.id))
        db.session.commit()
        community_id, asset_id = listing.community.id, listing.asset.id
        evidence_id = listing.evidence.id
    auth.login(make_user("owner").email)
    assert client.get(f"/catalog/{community_id}").status_code == 404
    assert client.get(f"/catalog/{community_id}/edit").status_code == 404
    assert client.post(f"/catalog/{community_id}/edit", data={"name_he": "נחטף"}).status_code == 404
    assert client.post(f"/catalog/assets/{asset_id}/delete").status_code == 404
    assert (
        client.post(f"/catalog/{community_id}/status", data={"to": "submitted"}).status_code == 404
    )
    assert client.get(f"/catalog/evidence/{evidence_id}").status_code == 404
    with app.app_context():
        community = db.session.get(Community, community_id)
        assert community.name_he.startswith("רצים")
        assert len(community.assets) == 1
        assert community.status == ListingStatus.DRAFT


def test_brands_see_listed_communities_without_private_details(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner, community_id = listed(app, make_user)
    auth.login(make_user("brand").email)
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert "רצים בתל אביב" in page
    assert "050-1234567" not in page  # the contact phone
    assert owner.email not in page
    assert "/catalog/evidence/" not in page
    assert client.get(f"/catalog/{community_id}/edit").status_code == 403
    auth.logout()
    auth.login(make_user("staff").email)
    assert "050-1234567" in client.get(f"/catalog/{community_id}").get_data(as_text=True)


def test_staff_verify_a_figure_from_the_listing_page(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    _owner, community_id = listed(app, make_user)
    with app.app_context():
        snapshot_id = db.session.get(Community, community_id).assets[0].metrics[-1].id
    auth.login(make_user("staff").email)
    response = client.post(
        f"/catalog/metrics/{snapshot_id}/review", data={"verdict": "verify", "note": "שיחת וידאו"}
    )
    assert response.status_code == 302
    page = client.get(f"/catalog/{community_id}").get_data(as_text=True)
    assert "tier-verified" in page


def test_a_screenshot_that_is_not_an_image_is_refused_and_not_stored(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner, community_id = listed(app, make_user)
    with app.app_context():
        asset_id = db.session.get(Community, community_id).assets[0].id
        before = db.session.scalar(select(func.count()).select_from(EvidenceFile))
    auth.login(owner.email)
    fake = (io.BytesIO(b"MZ\x90\x00 an executable"), "insights.png")
    response = client.post(
        f"/catalog/assets/{asset_id}/metrics/new",
        data={"kind": "members", "value": "700", "observed_on": "2026-11-15", "tier": "2",
              "evidence": fake},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 400
    assert 'id="evidence-error"' in response.get_data(as_text=True)
    good = client.post(
        f"/catalog/assets/{asset_id}/metrics/new",
        data={"kind": "members", "value": "700", "observed_on": "2026-11-15", "tier": "2",
              "evidence": (io.BytesIO(PNG), "insights.png")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert good.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EvidenceFile)) == before + 1


def test_a_screenshot_that_would_blow_up_in_the_browser_is_refused(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    # 48 megapixels in a few kilobytes: staff reviewing the figure would decode it in full.
    from PIL import Image

    bomb = io.BytesIO()
    Image.new("1", (8000, 6000)).save(bomb, "PNG")
    owner, community_id = listed(app, make_user)
    with app.app_context():
        asset_id = db.session.get(Community, community_id).assets[0].id
        before = db.session.scalar(select(func.count()).select_from(EvidenceFile))
    auth.login(owner.email)
    response = client.post(
        f"/catalog/assets/{asset_id}/metrics/new",
        data={"kind": "members", "value": "700", "observed_on": "2026-11-15", "tier": "2",
              "evidence": (io.BytesIO(bomb.getvalue()), "insights.png")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 400
    assert "יותר מדי פיקסלים" in response.get_data(as_text=True)  # too many pixels
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EvidenceFile)) == before


def test_audience_that_does_not_add_up_is_explained(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner, community_id = listed(app, make_user)
    auth.login(owner.email)
    response = client.post(
        f"/catalog/{community_id}/audience",
        data={"gender-female": "70", "gender-male": "20", "age-25_34": "abc"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="age-error"' in page
    ok = client.post(
        f"/catalog/{community_id}/audience",
        data={
            "gender-female": "70",
            "gender-male": "30",
            "household-free": "הורים לפעוטות: 55\nאחר: 45",
        },
    )
    assert ok.status_code == 302
    with app.app_context():
        shares = catalog.audience_by_dimension(db.session.get(Community, community_id))
    assert shares["gender"] == {"female": 7000, "male": 3000}
    assert shares["household"] == {"הורים לפעוטות": 5500, "אחר": 4500}


def test_search_pages_cover_every_result_once(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo", "--communities", "45"]).exit_code == 0
    auth.login(make_user("staff").email)
    seen: list[str] = []
    url = "/catalog/?sort=largest&per_page=10"
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += re.findall(r'href="/catalog/(\d+)"', page)
        next_link = re.search(r'href="([^"]+)" rel="next"', page)
        url = next_link.group(1).replace("&amp;", "&") if next_link else None
    assert len(seen) == 45
    assert len(set(seen)) == 45


def test_a_damaged_cursor_or_sort_is_a_clear_400(client: Any, auth: Any, make_user: Any) -> None:
    auth.login(make_user("brand").email)
    response = client.get("/catalog/?cursor=%%%garbage", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_search"
    assert client.get("/catalog/?sort=random").status_code == 400


def test_the_api_lists_and_reads_listed_communities(
    app: Flask, client: Any, make_user: Any
) -> None:
    owner, community_id = listed(app, make_user)
    headers = {"Authorization": f"Bearer {token_for(app, make_user('brand'))}"}
    listing = client.get(
        "/api/v1/communities?q=ירקון&platform=whatsapp_group", headers=headers
    ).json
    assert [c["id"] for c in listing["items"]] == [community_id]
    detail = client.get(f"/api/v1/communities/{community_id}", headers=headers).json
    # The brand price (₪350 + 25% margin), never the owner's rate: see test_prices_by_role.
    assert detail["assets"][0]["rates"] == [
        {"placement": "post", "amount_minor": 43_750, "currency": "ILS", "basis": "brand_price"}
    ]
    assert detail["assets"][0]["figures"]["members"]["evidence"] == "self_reported"
    assert detail["audience"]["gender"] == {"female": 6500, "male": 3500}
    assert "contact_phone" not in detail
    assert "050-1234567" not in str(detail)


def test_the_import_page_previews_then_writes_all_or_nothing(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    make_user("owner", email="owner@example.com")
    auth.login(make_user("staff").email)
    bad = client.post(
        "/catalog/import",
        data={
            "file": (io.BytesIO((CORPUS / "negative_size.csv").read_bytes()), "negative_size.csv")
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert re.search(r'<td class="num">2</td><td dir="auto">size</td>', page)
    good = client.post(
        "/catalog/import",
        data={"file": (io.BytesIO((CORPUS / "valid_hebrew_headers.xlsx").read_bytes()), "c.xlsx")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    preview = client.get(good.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Community)) == 0  # not yet
    apply_url = re.search(r'action="(/catalog/import/\d+/apply)"', preview).group(1)
    assert client.post(apply_url).status_code == 302
    assert client.post(apply_url).status_code == 302  # a second click changes nothing
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Community)) == 2


def test_staff_export_the_catalog(app: Flask, client: Any, auth: Any, make_user: Any) -> None:
    listed(app, make_user)
    auth.login(make_user("staff").email)
    response = client.get("/catalog/export?format=csv&headers=he")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('kesher-catalog.csv"')
    assert "מפתח קהילה" in response.data.decode("utf-8-sig")
    assert client.get("/catalog/export?format=exe").status_code == 422


def test_a_screenshot_with_a_hebrew_file_name_is_served_back(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner, community_id = listed(app, make_user)
    with app.app_context():
        community = db.session.get(Community, community_id)
        evidence = catalog.store_evidence(
            db.session, community, filename="צילום מסך 2026.png", data=PNG,
            actor=db.session.get(User, owner.id),
        )  # fmt: skip
        db.session.commit()
        evidence_id = evidence.id
    auth.login(owner.email)
    response = client.get(f"/catalog/evidence/{evidence_id}")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == PNG
    # WSGI servers send headers as Latin-1; a Hebrew name there would fail in production.
    response.headers["Content-Disposition"].encode("latin-1")


def test_an_owner_with_many_listings_pages_through_them(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner = make_user("owner")
    with app.app_context():
        me = db.session.get(User, owner.id)
        ids = [make_listing(db.session, me).community.id for _ in range(23)]
        db.session.commit()
    auth.login(owner.email)
    first = client.get("/catalog/mine").get_data(as_text=True)
    shown = [int(i) for i in re.findall(r'<h2><a href="/catalog/(\d+)">', first)]
    assert shown == sorted(ids, reverse=True)[:20]  # newest first, a page of 20
    assert "23" in first  # the total
    next_url = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    rest = client.get(next_url).get_data(as_text=True)
    assert [int(i) for i in re.findall(r'<h2><a href="/catalog/(\d+)">', rest)] == sorted(ids)[:3][
        ::-1
    ]
    assert 'rel="next"' not in rest


def test_an_xlsx_zip_bomb_upload_gets_a_short_error_page(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    from tests.unit.test_spreadsheet import xlsx_bomb

    auth.login(make_user("staff").email)
    response = client.post(
        "/catalog/import",
        data={"file": (io.BytesIO(xlsx_bomb(40 * 1024 * 1024)), "bomb.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "times its size" in page
    assert "AAAAAAAAAA" not in page
    assert len(page) < 50_000
