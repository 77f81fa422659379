"""The plan page holds the plan to its brief (issue 16, item 6): no community from outside the
brief's places, KPI targets beside P10/P50/P90 with the budget that would meet them, and poor
value flagged, with the target handed to the deal desk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from marketplace.auth.models import User
from marketplace.briefs.models import Brief, BriefStatus
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Community
from marketplace.extensions import db
from marketplace.matching import services as matching
from marketplace.matching.models import MediaPlan
from tests.factories import list_community, make_brief, make_listing


@dataclass
class World:
    brand: Any
    staff: Any
    brief_id: int
    tel_aviv: list[int]
    nazareth: int
    nationwide_north: int


def city_brief(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "פתיחת חנות ריצה בתל אביב",
        "message": "חנות נעלי ריצה חדשה נפתחת בתל אביב: אימונים בפארק הירקון ומרתונים.",
        "regions": ["tel_aviv"],
        "budget_minor": 50_000,
        **overrides,
    }


@pytest.fixture
def world(app: Flask, make_user: Any) -> World:
    """Two Tel Aviv running groups, one in Nazareth and a nationwide one living in the North."""
    brand, staff, owner = make_user("brand"), make_user("staff"), make_user("owner")
    with app.test_request_context():
        me, agent = db.session.get(User, owner.id), db.session.get(User, staff.id)

        def listed(**data: Any) -> int:
            return list_community(db.session, make_listing(db.session, me, **data), owner=me,
                                  staff=agent).id  # fmt: skip

        tel_aviv = [listed(name_he="רצים בתל אביב צפון"), listed(name_he="רצות ביפו")]
        nazareth = listed(name_he="רצים בנצרת", region="north", city="נצרת")
        nationwide = listed(name_he="רצים בכל הארץ", region="nationwide", city="")
        community = db.session.get(Community, nationwide)
        catalog.set_audience(db.session, community, "region", {"north": 9_500, "tel_aviv": 500},
                             actor=me)  # fmt: skip
        brief = make_brief(db.session, db.session.get(User, brand.id),
                           status=BriefStatus.SUBMITTED, **city_brief())  # fmt: skip
        db.session.commit()
        return World(brand, staff, brief.id, tel_aviv, nazareth, nationwide)


def _plan(app: Flask, client: Any, world: World) -> tuple[MediaPlan, str]:
    for community_id in [*world.tel_aviv, world.nazareth, world.nationwide_north]:
        client.post(f"/briefs/{world.brief_id}/shortlist", data={"community_id": community_id})
    response = client.post(f"/briefs/{world.brief_id}/plans")
    assert response.status_code == 302
    with app.app_context():
        plan = db.session.query(MediaPlan).filter_by(brief_id=world.brief_id).one()
        db.session.expunge(plan)
    return plan, client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_city_brief_s_plan_buys_only_in_the_city_and_says_who_it_kept_out(
    app: Flask, client: Any, auth: Any, world: World, make_user: Any
) -> None:
    auth.login(world.staff.email)
    plan, page = _plan(app, client, world)
    bought = {line["community_id"] for line in plan.result["lines"]}
    assert bought  # the Tel Aviv groups are still allowed
    assert bought <= set(world.tel_aviv)
    refused = {r["params"]["community"]: r["code"] for r in plan.result["refused"]}
    assert refused == {"רצים בנצרת": "outside_places", "רצים בכל הארץ": "place_share_low"}
    assert plan.result["constraints"]["cities"] == ["tel_aviv"]
    assert 'id="plan-constraints"' in page
    assert 'id="plan-refused"' in page
    assert "רצים בנצרת" in page  # named among those kept out, never as a line
    assert f"/catalog/{world.nazareth}" not in page
    assert "התוכנית נצמדת לבריף: מקומות: תל אביב ומחוז תל אביב · שפות: עברית · מגדר: נשים." in page
    # The same page in English, for a reader who chose it.
    auth.logout()
    auth.login(make_user("staff", locale="en").email)
    english = client.get(f"/briefs/{world.brief_id}/plans/{plan.id}").get_data(as_text=True)
    assert (
        "The plan keeps to the brief: places: Tel Aviv and the Tel Aviv district · "
        "languages: Hebrew · gender: women." in english
    )
    assert "רצים בנצרת is not bought: it is in Nazareth, and the brief names Tel Aviv" in english


def test_a_kpi_target_the_plan_misses_is_shown_with_the_budget_that_would_meet_it(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    auth.login(world.staff.email)
    plan, _page = _plan(app, client, world)
    one_line = plan.reach_p50
    assert len(plan.result["lines"]) == 1  # ₪500 buys one ₪437.50 post
    # The same shortlist with a reach target one more than the plan reaches (two posts meet
    # it), then one no budget meets (ten times what one post reaches; there are two posts).
    with app.app_context():
        brief = db.session.get(Brief, world.brief_id)
        assert brief is not None
        brief.kpis = {"reach": one_line + 1, "clicks": 1}
        db.session.commit()
    response = client.post(f"/briefs/{world.brief_id}/plans")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        latest = matching.plans(db.session, db.session.get(Brief, world.brief_id))[0]
        reach, clicks = latest.result["kpis"]
    assert reach["met"] is False
    assert reach["budget_minor"] == 87_500  # both posts at ₪437.50: all it takes
    assert reach["code"] == "kpi_short"
    assert clicks["planned"] is not None
    assert clicks["planned"]["p50"] >= 0
    assert 'class="warning kpi-shortfall"' in page
    assert "\u200f875.00\u00a0\u200f₪" in page  # the page's money format, not the engine's ₪875
    with app.app_context():
        brief = db.session.get(Brief, world.brief_id)
        brief.kpis = {"reach": 10 * one_line}
        db.session.commit()
    response = client.post(f"/briefs/{world.brief_id}/plans")
    with app.app_context():
        latest = matching.plans(db.session, db.session.get(Brief, world.brief_id))[0]
        (reach,) = latest.result["kpis"]
    assert reach["code"] == "kpi_unreachable"
    assert reach["budget_minor"] is None


def test_a_rate_far_above_value_is_flagged_and_its_target_reaches_the_deal_desk(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    from marketplace.deals import services as deals
    from marketplace.deals.models import Deal
    from marketplace.matching.models import PlanStatus
    from pricing.taxonomy import PlacementType

    greedy = world.tel_aviv[0]
    with app.test_request_context():
        community = db.session.get(Community, greedy)
        asset = community.assets[0]
        owner = db.session.get(User, community.owner_id)
        catalog.set_rates(db.session, asset, {PlacementType.POST: (400_000, "ILS")}, actor=owner)
        brief = db.session.get(Brief, world.brief_id)
        brief.budget_minor = 1_000_000
        brief.result_worth_minor = 200  # ₪2 a result: the outcome lens uses the brand's figure
        db.session.commit()
    auth.login(world.staff.email)
    plan, page = _plan(app, client, world)
    line = next(x for x in plan.result["lines"] if x["community_id"] == greedy)
    value = line["value"]
    assert value["poor"] is True
    assert value["target_rate_minor"] < 400_000
    assert value["target_rate_minor"] % 1_000 == 0 or value["target_rate_minor"] < 1_000
    assert value["target_price_minor"] == value["target_rate_minor"] * 125 // 100
    assert value["target_rate_minor"] <= value["defensible"]["p90"] < 400_000
    assert plan.result["value_warning"]["code"] == "poor_value_plan"
    assert 'id="poor-value"' in page
    assert "\u200f4,000.00\u00a0\u200f₪" in page  # the asked rate, named in the why (agency only)
    # The brand sees that prices are far above value, never the owner's rate.
    with app.test_request_context():
        stored = db.session.get(MediaPlan, plan.id)
        brief = db.session.get(Brief, world.brief_id)
        staff = db.session.get(User, world.staff.id)
        matching.propose(db.session, brief, stored, actor=staff)
        db.session.commit()
    auth.logout()
    auth.login(world.brand.email)
    brand_page = client.get(f"/briefs/{world.brief_id}/plans/{plan.id}").get_data(as_text=True)
    assert 'id="poor-value"' in brand_page
    assert "₪4,000" not in brand_page
    assert "4,000.00" not in brand_page
    with app.test_request_context():
        stored = db.session.get(MediaPlan, plan.id)
        brief = db.session.get(Brief, world.brief_id)
        matching.decide(db.session, brief, stored, actor=db.session.get(User, world.brand.id),
                        approve=True, comment="")  # fmt: skip
        db.session.commit()
        assert stored.status is PlanStatus.APPROVED
        deal = db.session.query(Deal).filter_by(plan_id=plan.id, community_id=greedy).one()
        desk = deals.deal_view(db.session, deal, db.session.get(User, world.staff.id))["desk"]
        assert desk["targets"] == [
            {"asset_id": line["asset_id"], "placement_type": "post", "asked_minor": 400_000,
             "target_payout_minor": value["target_rate_minor"], "drop": False}
        ]  # fmt: skip
        deal_id = deal.id
    auth.logout()
    auth.login(world.staff.email)
    deal_page = client.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert 'class="warning plan-target"' in deal_page


def test_the_outcome_lens_on_the_plan_page_values_results_at_the_brief_s_worth(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    auth.login(world.staff.email)
    plan, page = _plan(app, client, world)
    assert plan.result["outcome_basis"] == {"result": "engagements", "worth_minor": None}
    assert 'id="outcome-basis"' in page
    unsaid = plan.result["lines"][0]["value"]["outcome"]
    with app.app_context():
        brief = db.session.get(Brief, world.brief_id)
        brief.result_worth_minor = 5_000  # ₪50 an engagement: far above a paid one
        db.session.commit()
    response = client.post(f"/briefs/{world.brief_id}/plans")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        said = matching.plans(db.session, db.session.get(Brief, world.brief_id))[0]
        line = said.result["lines"][0]
    assert said.result["outcome_basis"] == {"result": "engagements", "worth_minor": 5_000}
    # The brand's figure has no spread, and ₪50 is far above a paid engagement's worth.
    assert line["value"]["outcome"]["p50"] > 10 * unsaid["p50"]
    assert line["value"]["outcome"]["p10"] <= line["value"]["outcome"]["p50"]
    basis = page[page.index('id="outcome-basis"') :].split("</p>")[0]
    assert "50.00" in basis
    assert "הנתון של המותג עצמו" in basis


def test_a_shortlist_the_brief_keeps_wholly_out_says_so_on_the_plan_page(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    # An Arabic campaign over a shortlist of Hebrew groups: nothing is "excluded"; the brief's
    # own language rule keeps all four out, and the page says that, then names each.
    with app.app_context():
        brief = db.session.get(Brief, world.brief_id)
        brief.languages = ["ar"]
        db.session.commit()
    auth.login(world.staff.email)
    plan, page = _plan(app, client, world)
    assert not plan.result["lines"]
    assert [r["code"] for r in plan.result["reasons"]] == ["none_keep_to_brief"]
    # "מ-" is joined to its figure by a word joiner (U+2060), so no line breaks after the hyphen.
    assert "אף אחת מ-\u20604 הקהילות ברשימה הקצרה לא עומדת במקומות, בשפות ובקהל של הבריף" in page
    assert "מוחרגות" not in page
    assert len(plan.result["refused"]) == 4


def test_a_line_to_drop_shows_why_and_no_desk_target(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    auth.login(world.staff.email)
    plan, _page = _plan(app, client, world)
    # A line the lenses defend at ₪3.14 at most: the advice is to drop it, not a ₪3 target.
    with app.app_context():
        stored = db.session.get(MediaPlan, plan.id)
        result = dict(stored.result)
        lines = [dict(x) for x in result["lines"]]
        lines[0]["value"] = {
            **lines[0]["value"], "poor": True, "target_rate_minor": None,
            "target_price_minor": None,
            "reason": {"code": "poor_value_drop", "params": {},
                       "he": "הסירו אותה מהתוכנית.", "en": "Drop it from the plan."},
        }  # fmt: skip
        result["lines"] = lines
        stored.result = result
        db.session.commit()
    page = client.get(f"/briefs/{world.brief_id}/plans/{plan.id}").get_data(as_text=True)
    assert "הסירו אותה מהתוכנית." in page
    assert "None" not in page
    assert "יעד לדסק" not in page
    # The deal desk reads the same advice: nothing to negotiate, drop it.
    from marketplace.deals import services as deals
    from marketplace.deals.models import Deal

    with app.test_request_context():
        stored = db.session.get(MediaPlan, plan.id)
        brief = db.session.get(Brief, world.brief_id)
        matching.propose(db.session, brief, stored, actor=db.session.get(User, world.staff.id))
        matching.decide(db.session, brief, stored, actor=db.session.get(User, world.brand.id),
                        approve=True, comment="")  # fmt: skip
        db.session.commit()
        deal = (
            db.session.query(Deal)
            .filter_by(plan_id=plan.id, community_id=lines[0]["community_id"])
            .one()
        )
        desk = deals.deal_view(db.session, deal, db.session.get(User, world.staff.id))["desk"]
        assert desk["targets"] == [
            {"asset_id": lines[0]["asset_id"], "placement_type": lines[0]["placement"],
             "asked_minor": lines[0]["owner_rate_minor"], "target_payout_minor": None,
             "drop": True}
        ]  # fmt: skip
        deal_id = deal.id
    deal_page = client.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert "אין על מה לנהל משא ומתן; הסירו אותו." in deal_page


def test_a_line_counts_only_the_brief_s_audience_and_the_page_says_how_much(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    # The brief is for women; the Tel Aviv groups report 65% women: each line counts 65%.
    auth.login(world.staff.email)
    plan, page = _plan(app, client, world)
    assert plan.result["lines"]
    assert {line["brief_share_bp"] for line in plan.result["lines"]} == {6_500}
    assert "65% בתוך הבריף" in page


def test_a_budget_the_shortlist_cannot_spend_is_said_on_the_plan_page(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    # ₪10,000 for two ₪437.50 posts in Tel Aviv (Nazareth and the nationwide group are kept out).
    with app.app_context():
        brief = db.session.get(Brief, world.brief_id)
        brief.budget_minor = 1_000_000
        db.session.commit()
    auth.login(world.staff.email)
    plan, page = _plan(app, client, world)
    assert len(plan.result["lines"]) == 2
    (note,) = [n for n in plan.result["notes"] if n["code"] == "shortlist_used_up"]
    assert note["params"]["left"] == 1_000_000 - 87_500
    assert "₪9,125" in note["en"]
    assert "הרשימה הקצרה, ולא התקציב, מגבילה את התוכנית" in page


def test_the_brand_is_not_told_to_edit_the_agencys_shortlist(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    """A target no budget meets read, for the brand too, "add communities to the shortlist":
    a page the brand cannot open. The brand reads what it can do instead."""
    auth.login(world.staff.email)
    plan, _page = _plan(app, client, world)
    with app.app_context():
        brief = db.session.get(Brief, world.brief_id)
        assert brief is not None
        brief.kpis = {"reach": 10 * plan.reach_p50}
        db.session.commit()
    response = client.post(f"/briefs/{world.brief_id}/plans")
    plan_url = response.headers["Location"]
    staff_page = client.get(plan_url).get_data(as_text=True)
    assert "לרשימה הקצרה" in staff_page.split('id="plan-kpis"')[1].split("</table>")[0]
    assert client.post(f"{plan_url}/propose").status_code == 302
    auth.logout()
    auth.login(world.brand.email)
    page = client.get(plan_url).get_data(as_text=True)
    kpis = page.split('id="plan-kpis"')[1].split("</table>")[0]
    assert "kpi-shortfall" in kpis
    assert "shortlist" not in kpis
    assert "לרשימה הקצרה" not in kpis
    assert "ask for a lower target" in kpis or "יעד נמוך יותר" in kpis


def test_the_brand_reads_its_plan_without_statistics_jargon_or_the_agency_s_to_dos(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    """A new brand met "P10 / P50 / P90" column heads and notes telling it to "add communities
    to the shortlist", a page only the agency has, with the money written ₪9,125 where every
    other amount on the page reads 9,125.00 ₪. The brand reads plain words and its own figures."""
    with app.app_context():
        brief = db.session.get(Brief, world.brief_id)
        assert brief is not None
        brief.budget_minor = 1_000_000
        brief.kpis = {"reach": 1}
        db.session.commit()
    auth.login(world.staff.email)
    plan, _page = _plan(app, client, world)
    assert any(n["code"] == "shortlist_used_up" for n in plan.result["notes"])
    plan_url = f"/briefs/{world.brief_id}/plans/{plan.id}"
    assert client.post(f"{plan_url}/propose").status_code == 302
    auth.logout()
    auth.login(world.brand.email)
    page = client.get(plan_url).get_data(as_text=True)
    for jargon in ("P10", "P50", "P90", "הרשימה הקצרה", "shortlist"):
        assert jargon not in page, jargon
    assert "נמוכה" in page
    assert "צפויה" in page
    assert "גבוהה" in page
    # Both ₪437.50 posts are priced above their value: the reach target of 1 needs one, so one
    # is bought and the other held back (the value floor), 9,562.50 is left, and the floor's
    # note (the desk's, in P90 and target rates) is not the brand's.
    assert any(n["code"] == "value_bought_for_target" for n in plan.result["notes"])
    assert "9,562.50" in page
    assert "₪9,562" not in page
    assert "הסוכנות יכולה לחפש קהילות נוספות" in page
    client.post("/auth/language", data={"lang": "en"})
    english = client.get(plan_url).get_data(as_text=True)
    assert "P50" not in english
    assert "shortlist" not in english
    assert "Likely" in english
