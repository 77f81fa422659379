"""Tracked links on a real database: creation, clicks (bots, duplicates), codes, redemptions."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from campaigns.tracking import ClickCounts
from marketplace import spreadsheet
from marketplace.auth.models import User
from marketplace.deals.models import DealPlacement
from marketplace.extensions import db
from marketplace.links import redemptions
from marketplace.links import services as links
from marketplace.links.models import LinkClick, PromoRedemption, PromoUpload, TrackedLink
from marketplace.links.redemptions import RedemptionsRefused
from marketplace.links.services import (
    CampaignNotFound,
    InvalidDestination,
    InvalidPromoCode,
    LinkExists,
    NotAllowed,
    PlacementNotAgreed,
    PlacementNotFound,
    PromoCodeTaken,
)
from tests.factories import (
    agreed_placement,
    make_deal,
    make_link_click,
    make_promo_code,
    make_promo_redemptions,
    make_tracked_link,
)

T0 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
A, B = "a" * 32, "b" * 32


@pytest.fixture
def ctx(app: Flask) -> Any:
    app.config["BABEL_DEFAULT_LOCALE"] = "en"  # the messages below are read in English
    with app.test_request_context():
        yield db.session


@pytest.fixture
def people(ctx: Any, make_user: Any) -> dict[str, User]:
    return {
        name: ctx.get(User, make_user(role).id)
        for name, role in [("brand", "brand"), ("owner", "owner"), ("staff", "staff"),
                           ("finance", "finance"), ("brand2", "brand"), ("owner2", "owner")]
    }  # fmt: skip


@pytest.fixture
def placement(ctx: Any, people: dict[str, User]) -> Any:
    return agreed_placement(
        ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"]
    )


def counts(ctx: Any, link: TrackedLink) -> ClickCounts:
    return links.click_counts(ctx, [link.id]).get(link.id, ClickCounts())


# --- links --------------------------------------------------------------------------------------


def test_a_link_stores_the_landing_page_with_utm_tags_and_a_random_slug(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    link = make_tracked_link(ctx, placement, actor=people["brand"])
    brief_id = placement.deal.brief_id
    assert link.destination_url == "https://shop.example/winter-shoes?color=red"
    assert link.target_url == (
        "https://shop.example/winter-shoes?color=red&utm_source=kesher&utm_medium=community"
        f"&utm_campaign=kesher-brief-{brief_id}&utm_content=placement-{placement.id}"
    )
    assert len(link.slug) == 16
    assert link.brief_id == brief_id
    assert links.find_target(ctx, link.slug) == (link.id, link.target_url)
    assert links.find_target(ctx, "A" * 16) is None


def test_a_placement_has_one_link(ctx: Any, people: dict[str, User], placement: Any) -> None:
    make_tracked_link(ctx, placement, actor=people["staff"])
    with pytest.raises(LinkExists):
        make_tracked_link(ctx, placement, actor=people["brand"])


def test_only_http_landing_pages_are_stored(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    for bad in ("javascript:alert(1)", "https://brand.example@evil.example/", "//evil.example"):
        with pytest.raises(InvalidDestination):
            links.create_link(ctx, placement.id, bad, actor=people["brand"])
    assert ctx.scalar(select(func.count(TrackedLink.id))) == 0


def test_owners_finance_and_other_brands_cannot_create_links(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    with pytest.raises(NotAllowed):
        links.create_link(ctx, placement.id, "https://x.example", actor=people["owner"])
    with pytest.raises(NotAllowed):
        links.create_link(ctx, placement.id, "https://x.example", actor=people["finance"])
    with pytest.raises(PlacementNotFound):
        links.create_link(ctx, placement.id, "https://x.example", actor=people["brand2"])
    with pytest.raises(PlacementNotFound):
        links.create_link(ctx, placement.id, "https://x.example", actor=people["owner2"])


def test_a_placement_still_negotiated_gets_no_link(ctx: Any, people: dict[str, User]) -> None:
    deal = make_deal(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"])
    with pytest.raises(PlacementNotAgreed):
        links.create_link(ctx, deal.placements[0].id, "https://x.example", actor=people["staff"])


def test_one_landing_page_makes_links_for_every_agreed_placement_without_one(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    made = links.create_links_for_campaign(
        ctx, placement.deal.brief_id, "https://shop.example/", actor=people["brand"]
    )
    assert [link.placement_id for link in made] == [p.id for p in placement.deal.placements]
    again = links.create_links_for_campaign(
        ctx, placement.deal.brief_id, "https://shop.example/", actor=people["brand"]
    )
    assert again == []


def test_a_cancelled_deal_gets_no_new_link_or_promo_code(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    """A cancelled deal keeps its placements AGREED (the record of what was agreed), and links
    and codes were still made for them, one by one and by the campaign's bulk form."""
    from campaigns.deals import StopReason
    from marketplace.deals import services as deals

    deals.cancel_deal(ctx, placement.deal_id, StopReason.BRAND_WITHDREW, actor=people["staff"])
    with pytest.raises(PlacementNotAgreed):
        links.create_link(ctx, placement.id, "https://x.example", actor=people["staff"])
    with pytest.raises(PlacementNotAgreed):
        make_promo_code(ctx, placement, actor=people["staff"])
    made = links.create_links_for_campaign(
        ctx, placement.deal.brief_id, "https://shop.example/", actor=people["brand"]
    )
    assert made == []
    assert ctx.scalar(select(func.count(TrackedLink.id))) == 0


# --- clicks -------------------------------------------------------------------------------------


def test_a_repeat_within_thirty_minutes_is_a_duplicate_and_later_is_not(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    link = make_tracked_link(ctx, placement, actor=people["brand"])
    first = make_link_click(ctx, link, at=T0, visitor=A)
    repeat = make_link_click(ctx, link, at=T0 + dt.timedelta(minutes=30), visitor=A)
    other = make_link_click(ctx, link, at=T0 + dt.timedelta(minutes=1), visitor=B)
    later = make_link_click(ctx, link, at=T0 + dt.timedelta(minutes=61), visitor=A)
    assert [c.is_duplicate for c in (first, repeat, other, later)] == [False, True, False, False]
    assert counts(ctx, link) == ClickCounts(total=4, unique=3, bots=0)


def test_bots_are_counted_apart(ctx: Any, people: dict[str, User], placement: Any) -> None:
    link = make_tracked_link(ctx, placement, actor=people["brand"])
    make_link_click(ctx, link, at=T0, visitor=A, bot=True)
    make_link_click(ctx, link, at=T0, visitor=B)
    assert counts(ctx, link) == ClickCounts(total=1, unique=1, bots=1)


def test_a_click_on_another_link_is_no_duplicate(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    deal = placement.deal
    second = make_deal(ctx, brand=people["brand"], staff=people["staff"], owner=people["owner"],
                       stage="agreed").placements[0]  # fmt: skip
    one = make_tracked_link(ctx, placement, actor=people["brand"])
    two = make_tracked_link(ctx, second, actor=people["brand"])
    make_link_click(ctx, one, at=T0, visitor=A)
    assert not make_link_click(ctx, two, at=T0, visitor=A).is_duplicate
    assert deal.id != second.deal_id


def test_the_campaign_adds_up_its_placements(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    link = make_tracked_link(ctx, placement, actor=people["brand"])
    for minute in range(3):
        make_link_click(ctx, link, at=T0 + dt.timedelta(minutes=minute), visitor=f"{minute:032d}")
    campaign = links.campaign_links(ctx, placement.deal.brief_id, people["brand"])
    assert campaign.totals == ClickCounts(3, 3, 0)
    assert campaign.rows[0].link is not None
    assert campaign.rows[0].clicks == ClickCounts(3, 3, 0)


def test_other_brands_and_owners_do_not_see_the_campaign(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    brief_id = placement.deal.brief_id
    for outsider in ("brand2", "owner2"):
        with pytest.raises(CampaignNotFound):
            links.campaign_links(ctx, brief_id, people[outsider])
    for insider in ("brand", "owner", "staff", "finance"):
        assert links.campaign_links(ctx, brief_id, people[insider]).rows


# --- promo codes and redemptions ------------------------------------------------------------------


def test_codes_are_upper_case_and_unique_within_the_brief(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    code = make_promo_code(ctx, placement, actor=people["brand"], code=" run10 ")
    assert code.code == "RUN10"
    other = DealPlacement(  # a second placement of the same brief
        deal_id=placement.deal_id, asset_id=placement.asset_id, placement_type="story",
        count=1, starts_on=placement.starts_on, ends_on=placement.ends_on,
        status=placement.status,
    )  # fmt: skip
    ctx.add(other)
    ctx.flush()
    with pytest.raises(PromoCodeTaken):
        links.add_promo_code(ctx, other.id, "Run10", actor=people["staff"])
    with pytest.raises(InvalidPromoCode):
        links.add_promo_code(ctx, other.id, "no spaces", actor=people["staff"])


def test_redemptions_are_recorded_with_amounts_in_minor_units(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    code = make_promo_code(ctx, placement, actor=people["brand"])
    brief_id = placement.deal.brief_id
    upload = make_promo_redemptions(
        ctx, brief_id,
        [("RUN10", "2026-11-02", "149.90", "A-1"), ("run10", "03/11/2026", "", "A-2"),
         ("RUN10", "2026-11-03", "1,000", "")],
        actor=people["brand"],
    )  # fmt: skip
    assert upload.rows == 3
    found = ctx.scalars(select(PromoRedemption).order_by(PromoRedemption.id)).all()
    assert [(r.promo_code_id, r.redeemed_on, r.amount_minor, r.order_ref) for r in found] == [
        (code.id, dt.date(2026, 11, 2), 14_990, "A-1"),
        (code.id, dt.date(2026, 11, 3), None, "A-2"),
        (code.id, dt.date(2026, 11, 3), 100_000, ""),
    ]
    totals = links.redemption_totals(ctx, [code.id])[code.id]
    assert (totals.count, totals.amount_minor) == (3, 114_990)


def _refused(ctx: Any, brief_id: int, body: bytes, actor: User, name: str = "r.csv") -> Any:
    with pytest.raises(RedemptionsRefused) as caught:
        redemptions.upload_redemptions(ctx, brief_id, body, name, actor=actor)
    return [(p.row, p.column, p.message) for p in caught.value.plan.problems]


def test_every_problem_is_named_by_row_and_column_and_nothing_is_written(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    make_promo_code(ctx, placement, actor=people["brand"])
    other = agreed_placement(ctx, brand=people["brand2"], staff=people["staff"],
                             owner=people["owner"])  # fmt: skip
    make_promo_code(ctx, other, actor=people["brand2"], code="THEIRS")
    body = (
        b"code,date,amount,order\n"
        b"RUN10,2026-11-02,149.90,A-1\n"  # fine, but the file has problems: not written
        b"THEIRS,2026-11-02,10,B-1\n"  # another brand's campaign
        b"RUN10,31/02/2026,10,\n"  # no such date
        b"RUN10,2026-11-02,-5,\n"  # negative
        b"RUN10,2999-01-01,10,\n"  # future
        b",2026-11-02,10,\n"  # empty code
        b"RUN10,2026-11-02,1.234,\n"  # three decimals
        b"RUN10,2026-11-02,149.90,A-1\n"  # repeats row 2
    )
    problems = _refused(ctx, placement.deal.brief_id, body, people["brand"])
    assert [(row, column) for row, column, _m in problems] == [
        (3, "code"), (4, "date"), (5, "amount"), (6, "date"), (7, "code"), (8, "amount"),
        (9, "code"),
    ]  # fmt: skip
    assert "THEIRS" in problems[0][2]
    assert "not a promo code of this campaign" in problems[0][2]
    assert "repeats row 2" in problems[-1][2]
    assert ctx.scalar(select(func.count(PromoRedemption.id))) == 0
    assert ctx.scalar(select(func.count(PromoUpload.id))) == 0


def test_an_order_amount_beyond_any_column_is_a_problem_not_a_crash(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    """ "1e18" and twenty nines are numbers, so they passed, and their minor units overflowed
    the amount's 64-bit column: the upload answered 500 instead of naming the cell."""
    make_promo_code(ctx, placement, actor=people["brand"])
    body = (
        b"code,date,amount,order\n"
        b"RUN10,2026-11-02,1e18,A-1\n"
        b"RUN10,2026-11-02,99999999999999999999,A-2\n"
        b"RUN10,2026-11-02,100000000.01,A-3\n"
        b"RUN10,2026-11-02,100000000,A-4\n"  # the largest amount any form takes: fine
    )
    problems = _refused(ctx, placement.deal.brief_id, body, people["brand"])
    assert [(row, column) for row, column, _m in problems] == [
        (2, "amount"), (3, "amount"), (4, "amount")
    ]  # fmt: skip
    assert all("at most 100,000,000" in message for _r, _c, message in problems)
    assert ctx.scalar(select(func.count(PromoRedemption.id))) == 0


def test_a_date_with_a_digit_that_is_no_number_is_a_problem_not_a_crash(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    """ "²/11/2026" passed str.isdigit and failed int(): the upload answered 500."""
    make_promo_code(ctx, placement, actor=people["brand"])
    body = "code,date,amount,order\nRUN10,²/11/2026,10,A-1\n".encode()
    problems = _refused(ctx, placement.deal.brief_id, body, people["brand"])
    assert [(row, column) for row, column, _m in problems] == [(2, "date")]


def test_a_file_uploaded_twice_and_rows_already_recorded_are_refused(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    make_promo_code(ctx, placement, actor=people["brand"])
    brief_id = placement.deal.brief_id
    make_promo_redemptions(ctx, brief_id, [("RUN10", "2026-11-02", "10", "A-1")],
                           actor=people["brand"])  # fmt: skip
    same = spreadsheet.write_csv(["code", "date", "amount", "order"],
                                 [("RUN10", "2026-11-02", "10", "A-1")])  # fmt: skip
    assert _refused(ctx, brief_id, same, people["brand"])[0][2] == (
        "This file was already uploaded for this campaign."
    )
    again = b"code;date;order\nRUN10;2026-11-05;A-1\n"  # the same order, another file
    assert _refused(ctx, brief_id, again, people["brand"]) == [
        (2, "code", "This redemption was already uploaded.")
    ]


def test_headers_must_be_known_and_the_required_ones_present(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    make_promo_code(ctx, placement, actor=people["brand"])
    body = "קוד,price\nRUN10,10\n".encode()
    assert _refused(ctx, placement.deal.brief_id, body, people["brand"]) == [
        (1, "price", "Unknown column: use code, date, amount and order."),
        (1, "date", "The required column is missing."),
    ]


def test_a_real_xlsx_with_hebrew_headers_is_read(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    from openpyxl import Workbook

    make_promo_code(ctx, placement, actor=people["brand"])
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["קוד קופון", "תאריך", "סכום", "מספר הזמנה"])
    sheet.append(["run10", dt.datetime(2026, 11, 2), 149.9, 1001])
    sheet.append(["RUN10", dt.datetime(2026, 11, 4), 80, 1002])
    out = io.BytesIO()
    workbook.save(out)
    plan = redemptions.upload_redemptions(
        ctx, placement.deal.brief_id, out.getvalue(), "orders.xlsx", actor=people["brand"]
    )
    assert [(r.row, r.redeemed_on, r.amount_minor, r.order_ref) for r in plan.rows] == [
        (2, dt.date(2026, 11, 2), 14_990, "1001"),
        (3, dt.date(2026, 11, 4), 8_000, "1002"),
    ]


def test_a_broken_xlsx_is_refused_with_nothing_written(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    problems = _refused(ctx, placement.deal.brief_id, b"PK\x03\x04broken", people["brand"],
                        "orders.xlsx")  # fmt: skip
    assert len(problems) == 1
    assert "workbook" in problems[0][2]
    assert ctx.scalar(select(func.count(PromoUpload.id))) == 0


def test_owners_cannot_upload_redemptions(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    with pytest.raises(NotAllowed):
        redemptions.upload_redemptions(ctx, placement.deal.brief_id, b"code,date\n", "r.csv",
                                 actor=people["owner"])  # fmt: skip
    with pytest.raises(CampaignNotFound):
        redemptions.upload_redemptions(ctx, placement.deal.brief_id, b"code,date\n", "r.csv",
                                 actor=people["brand2"])  # fmt: skip


def test_clicks_survive_in_their_table(ctx: Any, people: dict[str, User], placement: Any) -> None:
    link = make_tracked_link(ctx, placement, actor=people["brand"])
    make_link_click(ctx, link, at=T0, visitor=A)
    assert ctx.scalar(select(func.count(LinkClick.id)).where(LinkClick.link_id == link.id)) == 1


def test_a_row_longer_than_the_header_is_refused(
    ctx: Any, people: dict[str, User], placement: Any
) -> None:
    make_promo_code(ctx, placement, actor=people["brand"])
    body = b"code,date,amount\nRUN10,2026-11-03,1,000\n"  # an unquoted thousands separator
    assert _refused(ctx, placement.deal.brief_id, body, people["brand"]) == [
        (2, None, "The row has 4 cells but the header has 3.")
    ]


def test_clicks_are_counted_per_utc_day(ctx: Any, people: dict[str, User], placement: Any) -> None:
    link = make_tracked_link(ctx, placement, actor=people["brand"])
    late = dt.datetime(2026, 12, 7, 23, 50, tzinfo=dt.UTC)
    make_link_click(ctx, link, at=late, visitor=A)
    make_link_click(ctx, link, at=late + dt.timedelta(minutes=5), visitor=A)  # a repeat
    make_link_click(ctx, link, at=late + dt.timedelta(minutes=20), visitor=B)  # the next day
    make_link_click(ctx, link, at=late + dt.timedelta(minutes=21), visitor=B, bot=True)
    assert links.clicks_by_day(ctx, [link.id]) == {
        (link.id, dt.date(2026, 12, 7)): ClickCounts(2, 1, 0),
        (link.id, dt.date(2026, 12, 8)): ClickCounts(1, 1, 1),
    }
