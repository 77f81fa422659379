"""Results pages: figures entered and uploaded, who sees what, the exports and the PDF."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from pdfminer.high_level import extract_text
from PIL import Image
from sqlalchemy import func, select

from marketplace.auth.models import User
from marketplace.briefs.models import Brief
from marketplace.extensions import db
from marketplace.reports.models import PlacementMetric, PulseSurvey
from tests.factories import make_deal
from tests.http.test_api import token_for
from tests.http.test_route_policy import sign_in


@dataclass
class World:
    users: dict[str, User]
    brief_id: int
    placement_id: int
    starts_on: str
    members: int


@pytest.fixture
def world(app: Flask, make_user: Any) -> World:
    users = {
        "brand": make_user("brand"),
        "owner": make_user("owner"),
        "other_owner": make_user("owner"),
        "other_brand": make_user("brand"),
        "staff": make_user("staff"),
        "finance": make_user("finance"),
    }
    with app.test_request_context():
        get = lambda name: db.session.get(User, users[name].id)  # noqa: E731
        deal = make_deal(db.session, brand=get("brand"), staff=get("staff"), owner=get("owner"),
                         stage="agreed")  # fmt: skip
        placement = deal.placements[0]
        # The post ran three days ago: figures can be read from then on.
        placement.starts_on = dt.date.today() - dt.timedelta(days=3)
        # A name a spreadsheet would run as a formula, to check the exports neutralise it.
        placement.asset.community.name_he = '=HYPERLINK("http://evil")'
        db.session.commit()
        return World(users, deal.brief_id, placement.id, placement.starts_on.isoformat(),
                     int(placement.asset.members.value))  # fmt: skip


def client_for(app: Flask, world: World, who: str) -> FlaskClient:
    client = app.test_client()
    sign_in(app, client, world.users[who])
    return client


def figures(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(PlacementMetric)) or 0)


def enter(client: FlaskClient, world: World, **values: Any) -> Any:
    url = f"/results/{world.brief_id}/placements/{world.placement_id}"
    data = {"tier": "1", "observed_on": world.starts_on, **values}
    return client.post(url, data=data)


def test_the_owner_enters_figures_and_everyone_sees_them_as_their_role_allows(
    app: Flask, world: World
) -> None:
    owner = client_for(app, world, "owner")
    answer = enter(owner, world, reach="40", reactions="7")
    assert answer.status_code == 302
    assert figures(app) == 2
    page = owner.get(f"/results/{world.brief_id}").get_data(as_text=True)
    assert 'data-figure="reach">40<' in page
    assert "tier-self_reported" in page
    assert 'data-figure="margin_minor"' not in page
    staff_page = client_for(app, world, "staff").get(f"/results/{world.brief_id}")
    assert 'data-figure="margin_minor"' in staff_page.get_data(as_text=True)
    brand_page = client_for(app, world, "brand").get(f"/results/{world.brief_id}")
    assert brand_page.status_code == 200
    assert 'data-figure="margin_minor"' not in brand_page.get_data(as_text=True)
    for stranger in ("other_owner", "other_brand"):
        assert client_for(app, world, stranger).get(f"/results/{world.brief_id}").status_code == 404


def test_impossible_figures_come_back_with_the_reason_and_nothing_saved(
    app: Flask, world: World
) -> None:
    owner = client_for(app, world, "owner")
    answer = enter(owner, world, reach=str(world.members * 1000))
    assert answer.status_code == 400
    assert "impossible" in answer.get_data(as_text=True)
    answer = enter(owner, world, reach="4", tier="4")  # an owner cannot verify their own
    assert answer.status_code == 400
    assert figures(app) == 0


def test_a_bad_file_names_every_row_and_column_and_saves_nothing(app: Flask, world: World) -> None:
    staff = client_for(app, world, "staff")
    body = (
        "קמפיין,מיקום,תאריך מדידה,חשיפה\n"
        f"{world.brief_id},{world.placement_id},{world.starts_on},30\n"
        f"{world.brief_id + 1},{world.placement_id},{world.starts_on},30\n"
        f"{world.brief_id},424242,{world.starts_on},30\n"
    ).encode()
    answer = staff.post(
        f"/results/{world.brief_id}/upload",
        data={"file": (io.BytesIO(body), "m.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400
    text = answer.get_data(as_text=True)
    assert "Row 3" in text or "שורה 3" in text
    assert "424242" in text
    assert figures(app) == 0
    good = body.split(b"\n")[0:2]
    answer = staff.post(
        f"/results/{world.brief_id}/upload",
        data={"file": (io.BytesIO(b"\n".join(good) + b"\n"), "m.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    assert figures(app) == 1


def test_the_exports_neutralise_formulas_and_hide_the_margin_from_brands(
    app: Flask, world: World
) -> None:
    enter(client_for(app, world, "staff"), world, reach="40")
    brand = client_for(app, world, "brand")
    csv_text = brand.get(f"/results/{world.brief_id}/results.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    assert "margin" not in csv_text.splitlines()[0]
    assert "owner_payout" not in csv_text.splitlines()[0]
    staff = client_for(app, world, "staff")
    workbook = load_workbook(io.BytesIO(staff.get(f"/results/{world.brief_id}/results.xlsx").data))
    header, row = list(workbook.active.iter_rows(values_only=True))[:2]
    assert "realised_margin_minor" in header
    assert str(row[0]).startswith("'=")
    assert row[header.index("reach")] == 40


def render_first_page(pdf: bytes, where: Path) -> Image.Image:
    """The PDF's first page as a greyscale image (Poppler's pdftoppm, as a reader would see it)."""
    (where / "report.pdf").write_bytes(pdf)
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm is not None, "Poppler's pdftoppm renders the PDF (apt install poppler-utils)"
    subprocess.run(  # noqa: S603 - a fixed program on a file this test wrote
        [pdftoppm, "-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile",
         str(where / "report.pdf"), str(where / "page")],
        check=True, timeout=60,
    )  # fmt: skip
    return Image.open(where / "page.png").convert("L")


def test_the_hebrew_pdf_report_reads_back_with_its_numbers(
    app: Flask, world: World, tmp_path: Path
) -> None:
    enter(client_for(app, world, "staff"), world, reach="612")
    brand = client_for(app, world, "brand")
    answer = brand.get(f"/results/{world.brief_id}/report.pdf?lang=he")
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    text = extract_text(io.BytesIO(answer.data))
    assert "612" in text
    # Hebrew words read back in logical or in visual (drawn) order, as the extractor guesses.
    for word in ("חשיפה", "קמפיין"):
        assert word in text or word[::-1] in text
    assert "Agreed margin" not in text
    # Rendered to an image, the Hebrew page is right to left: its title ends at the right edge.
    page = render_first_page(answer.data, tmp_path)
    ink = [x for y in range(page.height // 12) for x in range(page.width)
           if page.getpixel((x, y)) < 128]  # fmt: skip
    assert ink
    assert max(ink) > page.width * 0.8
    assert sum(ink) / len(ink) > page.width / 2
    english = extract_text(
        io.BytesIO(brand.get(f"/results/{world.brief_id}/report.pdf?lang=en").data)
    )
    assert "Campaign report" in english
    assert "612" in english


def test_the_member_pulse_takes_one_answer_per_visitor(app: Flask, world: World) -> None:
    staff = client_for(app, world, "staff")
    assert staff.post(f"/results/{world.brief_id}/pulse").status_code == 302
    with app.app_context():
        slug = db.session.scalars(select(PulseSurvey.slug)).one()
    visitor = app.test_client()
    answer = {"recall": "yes", "sentiment": "4", "trust": "5"}
    assert visitor.get(f"/results/pulse/{slug}").status_code == 200
    assert visitor.post(f"/results/pulse/{slug}", data=answer).status_code == 200
    assert visitor.post(f"/results/pulse/{slug}", data=answer).status_code == 409
    assert app.test_client().get("/results/pulse/guessed-slug").status_code == 404


@pytest.mark.parametrize(
    ("configured", "base_url"), [(True, "http://localhost"), (False, "https://localhost")]
)
def test_the_pulse_cookie_is_secure_as_the_session_cookie_is_configured(
    app: Flask, world: World, configured: bool, base_url: str
) -> None:
    staff = client_for(app, world, "staff")
    assert staff.post(f"/results/{world.brief_id}/pulse").status_code == 302
    with app.app_context():
        slug = db.session.scalars(select(PulseSurvey.slug)).one()
    app.config["SESSION_COOKIE_SECURE"] = configured
    # The flag follows the configuration, not the scheme the request came in on
    # (behind a proxy that terminates TLS the request looks like plain http).
    response = app.test_client().get(f"/results/pulse/{slug}", base_url=base_url)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("kesher_pulse"))
    assert ("; Secure" in cookie) is configured


def test_the_pricing_page_shows_how_past_ranges_held(
    app: Flask, world: World, make_user: Any
) -> None:
    admin = app.test_client()
    sign_in(app, admin, make_user("admin"))
    assert "data-coverage" not in admin.get("/admin/pricing").get_data(as_text=True)
    enter(client_for(app, world, "staff"), world, reach="1")  # far below any estimate
    page = admin.get("/admin/pricing").get_data(as_text=True)
    assert 'data-coverage="0"' in page


def test_the_api_gives_a_brand_its_results_and_figures_without_margin(
    app: Flask, world: World
) -> None:
    enter(client_for(app, world, "staff"), world, reach="55", comments="4")
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token_for(app, world.users['brand'])}"}
    results = api.get(f"/api/v1/briefs/{world.brief_id}/results", headers=headers)
    assert results.status_code == 200
    body = results.json
    assert body["totals"]["reach"] == 55
    assert body["totals"]["leads"] is None  # unknown, not zero
    (placement,) = body["placements"]
    assert placement["placement_id"] == world.placement_id
    assert "margin" not in json.dumps(body)
    assert "payout" not in json.dumps(body)
    metrics = api.get(f"/api/v1/briefs/{world.brief_id}/metrics", headers=headers).json
    assert {(m["metric"], m["value"], m["evidence"]) for m in metrics["items"]} == {
        ("reach", 55, "self_reported"),
        ("comments", 4, "self_reported"),
    }
    stranger = {"Authorization": f"Bearer {token_for(app, world.users['other_brand'])}"}
    for path in ("results", "metrics"):
        answer = api.get(f"/api/v1/briefs/{world.brief_id}/{path}", headers=stranger)
        assert answer.status_code == 404


CHAT = """12/1/26, 9:00 AM - Dana: good morning runners
12/1/26, 9:05 AM - Avi: morning!
12/2/26, 8:00 PM - Michal: who is running tomorrow?
12/3/26, 7:10 AM - Yossi: me, 6am at the beach
12/5/26, 8:50 AM - Avi: anyone seen my keys
12/5/26, 9:30 AM - Dana: New running shoes from Runner X, link in bio. שיתוף פעולה בתשלום
12/5/26, 9:41 AM - Michal: looks great!
12/5/26, 10:02 AM - Yossi: ordered a pair
12/6/26, 8:15 PM - Avi: what is the discount code?
12/8/26, 9:00 AM - Michal: late message, outside the 48 hours
"""


def test_a_chat_export_after_the_post_gives_its_replies_as_derived(
    app: Flask, world: World
) -> None:
    from marketplace.delivery.models import Post

    owner = client_for(app, world, "owner")
    url = f"/results/{world.brief_id}/placements/{world.placement_id}/export"
    files = {"file": (io.BytesIO(CHAT.encode()), "WhatsApp Chat with Runners.txt")}
    refused = owner.post(url, data=files, content_type="multipart/form-data")
    assert refused.status_code == 400  # no proof of posting yet: no time to count from
    assert figures(app) == 0
    with app.app_context():
        post = db.session.scalars(
            select(Post).where(Post.deal_placement_id == world.placement_id)
        ).first()
        post.posted_at = dt.datetime(2026, 12, 5, 7, 30, tzinfo=dt.UTC)  # 9:30 in Israel
        db.session.commit()
    files = {"file": (io.BytesIO(CHAT.encode()), "WhatsApp Chat with Runners.txt")}
    answer = owner.post(url, data=files, content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)[-2000:]
    with app.app_context():
        rows = {
            m.metric.value: (m.value, m.tier) for m in db.session.scalars(select(PlacementMetric))
        }
    assert rows["comments"] == (3, 3)  # three replies within 48 hours, tier 3 (export)
    assert rows["reactions"][1] == 3


def test_more_unique_visitors_than_the_group_can_have_are_flagged_not_refused(
    app: Flask, world: World
) -> None:
    from campaigns.results import ResultMetric, figure_ceiling
    from marketplace.deals.models import DealPlacement
    from marketplace.links.models import TrackedLink
    from tests.factories import make_link_click, make_tracked_link

    with app.test_request_context():
        placement = db.session.get_one(DealPlacement, world.placement_id)
        placement.asset.size = 2  # a tiny group: its clicks cannot all be its members'
        ceiling = figure_ceiling(ResultMetric.REACH, placement.asset.platform, 2)
        assert ceiling is not None
        link = make_tracked_link(db.session, placement, actor=world.users["staff"])
        for n in range(ceiling):
            make_link_click(db.session, link, visitor=f"{n:032d}")
        link_id = link.id
        db.session.commit()
    staff = client_for(app, world, "staff")
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token_for(app, world.users['brand'])}"}

    def flagged() -> tuple[bool, bool, bool]:
        page = staff.get(f"/results/{world.brief_id}").get_data(as_text=True)
        body = api.get(f"/api/v1/briefs/{world.brief_id}/results", headers=headers).json
        return ("data-clicks-suspect" in page, body["placements"][0]["clicks_suspect"],
                body["totals"]["clicks_suspect"])  # fmt: skip

    assert flagged() == (False, False, False)  # as many visitors as the group can account for
    with app.test_request_context():
        link = db.session.get_one(TrackedLink, link_id)
        make_link_click(db.session, link, visitor=f"{ceiling:032d}")
        db.session.commit()
    assert flagged() == (True, True, True)
    page = staff.get(f"/results/{world.brief_id}").get_data(as_text=True)
    # In Hebrew, the page's language: "4 unique visitors … check for forwarding or bots".
    assert f"{ceiling + 1} מבקרים ייחודיים" in page
    assert "בוטים" in page
    csv = staff.get(f"/results/{world.brief_id}/results.csv").get_data(as_text=True)
    assert "clicks_suspect" in csv.splitlines()[0]


def test_the_results_list_answers_at_the_address_the_readme_gives(app: Flask, world: World) -> None:
    """The README sends a newcomer to /results/ (like /campaigns/): that was a 404."""
    brand = client_for(app, world, "brand")
    page = brand.get("/results/")
    assert page.status_code == 200
    assert f"/results/{world.brief_id}" in page.text
    assert brand.get("/results").status_code in (301, 308)


def test_each_bar_and_range_sits_beside_its_own_name_and_figures(app: Flask, world: World) -> None:
    """A walk could not tell which bar was which: the names were a legend under the chart."""
    owner = client_for(app, world, "owner")
    assert enter(owner, world, reach="600").status_code == 302
    page = client_for(app, world, "brand").get(f"/results/{world.brief_id}").get_data(as_text=True)
    bars = page[page.index('<ul class="bar-rows"') :]
    first = bars[: bars.index("</li>")]
    assert "<svg" in first  # the bar ...
    assert '<strong class="num">600</strong>' in first  # ... on the line of its figure
    assert '<span class="label"><bdi>' in first  # ... and of its name
    ranges = page[page.index('<ul class="range-rows"') :]
    line = ranges[: ranges.index("</li>")]
    assert '<bdi dir="ltr" class="range">' in line  # P10–P90 reads low to high in Hebrew
    assert "<strong>600</strong>" in line
    assert "bar-legend" not in page


def test_the_results_title_isolates_the_brief_s_name(app: Flask, world: World) -> None:
    """An English heading with a Hebrew title moved its dash: "Results: — ארוחות עשר ..."."""
    with app.app_context():
        title = db.session.get(Brief, world.brief_id).title
    page = client_for(app, world, "brand").get(f"/results/{world.brief_id}").get_data(as_text=True)
    h1 = page[page.index("<h1>") : page.index("</h1>")]
    assert f"<bdi>{title}</bdi>" in h1


def test_a_placement_s_name_is_isolated_from_its_platform_and_type(
    app: Flask, world: World
) -> None:
    """ "ציידי מסעדות ברמת גן · Facebook group · Post" was one isolate: its Hebrew name made the
    whole label right to left on an English page ("Facebook group · · ציידי…"); the estimate
    column's "1,166–9,583" also read high to low in Hebrew."""
    owner = client_for(app, world, "owner")
    assert enter(owner, world, reach="600").status_code == 302
    escaped = '=HYPERLINK("http://evil")'.replace('"', "&#34;")  # the fixture's name, escaped
    page = client_for(app, world, "brand").get(f"/results/{world.brief_id}").get_data(as_text=True)
    row = page[page.index(f'data-placement="{world.placement_id}"') :]
    row = row[: row.index("</tr>")]
    assert f"<td><bdi><bdi>{escaped}</bdi> · " in row
    assert '<bdi dir="ltr" class="range">' in row
    ranges = page[page.index('<ul class="range-rows"') :]
    assert f'<span class="label"><bdi><bdi>{escaped}</bdi> · ' in ranges[: ranges.index("</li>")]
