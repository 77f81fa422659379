"""From a submitted brief to a ranked list, a shortlist, an optimal plan and the brand's OK."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from marketplace.auth.models import User
from marketplace.briefs.models import Brief, BriefStatus
from marketplace.extensions import db
from marketplace.matching.models import MediaPlan, PlanStatus, ShortlistEntry
from tests.factories import list_community, make_brief, make_listing
from tests.http.test_api import token_for
from tests.http.test_briefs_api import Api


@dataclass
class World:
    brand: Any
    other_brand: Any
    staff: Any
    owner: Any
    brief_id: int
    communities: list[int]


@pytest.fixture
def world(app: Flask, make_user: Any) -> World:
    """Four listed running communities, a brand's submitted brief, staff, another brand."""
    brand = make_user("brand")
    other_brand = make_user("brand")
    staff = make_user("staff")
    owner = make_user("owner")
    with app.test_request_context():
        me = db.session.get(User, owner.id)
        agent = db.session.get(User, staff.id)
        ids = []
        for n in range(4):
            listing = make_listing(db.session, me, name_he=f"רצים בפארק {n}")
            ids.append(list_community(db.session, listing, owner=me, staff=agent).id)
        author = db.session.get(User, brand.id)
        brief = make_brief(db.session, author, status=BriefStatus.SUBMITTED)
        db.session.commit()
        return World(brand, other_brand, staff, owner, brief.id, ids)


def test_staff_see_the_ranked_list_with_reasons_and_outsiders_do_not(
    client: Any, auth: Any, world: World
) -> None:
    auth.login(world.staff.email)
    page = client.get(f"/briefs/{world.brief_id}/matches")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('<tr id="community-') == 4
    assert "רצים בפארק 0" in html
    auth.logout()
    auth.login(world.other_brand.email)
    assert client.get(f"/briefs/{world.brief_id}/matches").status_code in (403, 404)
    auth.logout()
    auth.login(world.owner.email)
    assert client.get(f"/briefs/{world.brief_id}/matches").status_code == 403


def test_a_brief_whose_rules_exclude_everyone_says_what_to_relax(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    with app.app_context():
        brief = db.session.get(Brief, world.brief_id)
        brief.languages = ["ar"]  # type: ignore[union-attr]  # none of the communities speaks it
        db.session.commit()
    auth.login(world.staff.email)
    html = client.get(f"/briefs/{world.brief_id}/matches").get_data(as_text=True)
    assert '<tr id="community-' not in html
    assert 'role="alert"' in html
    assert "0" in html


def _shortlist_all(app: Flask, client: Any, world: World) -> dict[int, int]:
    for community_id in world.communities:
        response = client.post(
            f"/briefs/{world.brief_id}/shortlist",
            data={"community_id": community_id, "note": "מתאים"},
        )
        assert response.status_code == 302
    with app.app_context():
        return {
            e.community_id: e.id
            for e in db.session.query(ShortlistEntry).filter_by(brief_id=world.brief_id)
        }


def test_locks_and_exclusions_shape_the_optimal_plan(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    auth.login(world.staff.email)
    entries = _shortlist_all(app, client, world)
    locked, excluded = world.communities[3], world.communities[0]
    client.post(f"/briefs/{world.brief_id}/shortlist/{entries[locked]}",
                data={"state": "locked", "note": "הבעלים מכיר את המותג"})  # fmt: skip
    client.post(f"/briefs/{world.brief_id}/shortlist/{entries[excluded]}",
                data={"state": "excluded", "note": "עבד עם מתחרה"})  # fmt: skip
    response = client.post(f"/briefs/{world.brief_id}/plans")
    assert response.status_code == 302
    with app.app_context():
        plan = db.session.query(MediaPlan).filter_by(brief_id=world.brief_id).one()
        bought = {line["community_id"] for line in plan.result["lines"]}
        assert locked in bought
        assert excluded not in bought
        assert plan.cost_minor <= plan.budget_minor == 200_000
        assert plan.cost_minor == plan.owner_payout_minor + plan.margin_minor
        assert plan.reach_p10 <= plan.reach_p50 <= plan.reach_p90
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "₪" in page
    assert "no member lists exist" in page or "אין רשימות חברים" in page


def test_what_if_the_budget_were_higher_is_one_click(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    auth.login(world.staff.email)
    _shortlist_all(app, client, world)
    first = client.post(f"/briefs/{world.brief_id}/plans").headers["Location"]
    first_id = int(first.rsplit("/", 1)[1])
    second = client.post(f"/briefs/{world.brief_id}/plans", data={"what_if": first_id})
    with app.app_context():
        plans = {p.id: p for p in db.session.query(MediaPlan).filter_by(brief_id=world.brief_id)}
        newer = max(plans)
        assert plans[newer].based_on_id == first_id
        assert plans[newer].budget_minor == 240_000
        assert plans[newer].value_p50_minor >= plans[first_id].value_p50_minor
    assert client.get(second.headers["Location"]).status_code == 200


def test_a_proposed_plan_goes_to_the_brand_who_approves_it(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    auth.login(world.staff.email)
    _shortlist_all(app, client, world)
    plan_url = client.post(f"/briefs/{world.brief_id}/plans").headers["Location"]
    plan_id = int(plan_url.rsplit("/", 1)[1])
    auth.logout()

    auth.login(world.brand.email)
    assert client.get(plan_url).status_code == 404, "a draft plan stays inside the agency"
    auth.logout()

    auth.login(world.staff.email)
    assert client.post(f"{plan_url}/propose").status_code == 302
    auth.logout()
    with app.app_context():
        assert db.session.get(Brief, world.brief_id).status is BriefStatus.PLAN_PROPOSED  # type: ignore[union-attr]

    auth.login(world.brand.email)
    page = client.get(plan_url).get_data(as_text=True)
    assert "Owner rate" not in page
    assert "תעריף הבעלים" not in page
    assert "050-1234567" not in page, "owners' private contact details never reach the brand"
    refused = client.post(f"{plan_url}/decision", data={"decision": "changes", "comment": ""})
    assert refused.status_code in (400, 409, 422)
    with app.app_context():
        assert db.session.get(MediaPlan, plan_id).status is PlanStatus.PROPOSED  # type: ignore[union-attr]
    done = client.post(f"{plan_url}/decision",
                       data={"decision": "approve", "comment": "מאושר, תודה!"})  # fmt: skip
    assert done.status_code == 302
    with app.app_context():
        brief = db.session.get(Brief, world.brief_id)
        assert brief is not None
        assert brief.status is BriefStatus.APPROVED
        assert db.session.get(MediaPlan, plan_id).status is PlanStatus.APPROVED  # type: ignore[union-attr]
        assert any(c.body == "מאושר, תודה!" for c in brief.comments)


def test_an_empty_shortlist_gives_a_plan_with_its_reason(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    auth.login(world.staff.email)
    plan_url = client.post(f"/briefs/{world.brief_id}/plans").headers["Location"]
    html = client.get(plan_url).get_data(as_text=True)
    assert 'role="alert"' in html
    with app.app_context():
        plan = db.session.query(MediaPlan).filter_by(brief_id=world.brief_id).one()
        assert plan.result["lines"] == []
        assert plan.result["reasons"], "never an empty plan without a reason"
    assert client.post(f"{plan_url}/propose").status_code == 409


def test_the_api_gives_a_brand_its_ranked_list_and_its_proposed_plan(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    own = Api(client, token_for(app, world.brand, name="CRM"))
    other = Api(client, token_for(app, world.other_brand, name="Other"))
    matches = own("GET", f"/api/v1/briefs/{world.brief_id}/matches?top=2")
    assert matches.status_code == 200
    assert len(matches.json["rows"]) == 2
    assert matches.json["eligible"] == 4
    assert matches.json["rows"][0]["explanations"][0]["he"]
    assert other("GET", f"/api/v1/briefs/{world.brief_id}/matches").status_code == 404
    assert own("GET", f"/api/v1/briefs/{world.brief_id}/plan").status_code == 404

    auth.login(world.staff.email)
    _shortlist_all(app, client, world)
    plan_url = client.post(f"/briefs/{world.brief_id}/plans").headers["Location"]
    client.post(f"{plan_url}/propose")
    auth.logout()

    plan = own("GET", f"/api/v1/briefs/{world.brief_id}/plan")
    assert plan.status_code == 200
    body = plan.json
    assert body["status"] == "proposed"
    assert body["lines"]
    assert "margin_minor" not in body
    assert "owner_payout_minor" not in body
    assert all("owner_rate_minor" not in line for line in body["lines"])
    assert body["cost_minor"] == sum(line["brand_price_minor"] for line in body["lines"])
    assert body["reach"]["p10"] <= body["reach"]["p50"] <= body["reach"]["p90"]
    assert other("GET", f"/api/v1/briefs/{world.brief_id}/plan").status_code == 404


def test_staff_cap_a_channel_and_set_the_diversity_and_what_if_keeps_them(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    auth.login(world.staff.email)
    _shortlist_all(app, client, world)
    capped = client.post(
        f"/briefs/{world.brief_id}/plans", data={"channel_cap_pct": "30", "min_communities": "1"}
    )
    plan_id = int(capped.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/briefs/{world.brief_id}/plans", data={"what_if": plan_id})
    with app.app_context():
        plans = db.session.query(MediaPlan).filter_by(brief_id=world.brief_id).all()
        first = next(p for p in plans if p.id == plan_id)
        what_if = next(p for p in plans if p.id != plan_id)
        # Every community here is a WhatsApp group: the cap bounds the whole plan.
        assert 0 < first.cost_minor <= 30 * first.budget_minor // 100
        assert first.settings["channel_cap_pct"] == 30
        assert what_if.settings["channel_cap_pct"] == 30
        assert what_if.cost_minor <= 30 * what_if.budget_minor // 100
    bad = client.post(f"/briefs/{world.brief_id}/plans", data={"channel_cap_pct": "0"})
    assert bad.status_code == 422, "the settings form comes back with its error"


def test_the_shortlist_form_checks_its_fields_and_where_it_goes_back_to(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    auth.login(world.staff.email)
    url = f"/briefs/{world.brief_id}/shortlist"
    missing = client.post(url, data={"note": "x"})
    assert missing.status_code == 400
    too_long = client.post(url, data={"community_id": world.communities[0], "note": "x" * 501})
    assert too_long.status_code == 400
    outside = client.post(
        url, data={"community_id": world.communities[0], "back": "https://evil.example/"}
    )
    assert outside.headers["Location"].endswith(url)  # an outside target falls back
    back = f"/briefs/{world.brief_id}/matches#community-{world.communities[1]}"
    inside = client.post(url, data={"community_id": world.communities[1], "back": back})
    assert inside.headers["Location"].endswith(back)
    with app.app_context():
        kept = db.session.query(ShortlistEntry).filter_by(brief_id=world.brief_id).all()
        assert {e.community_id for e in kept} == set(world.communities[:2])
    remove = client.post(f"{url}/{kept[0].id}", data={"action": "remove"})
    assert remove.status_code == 302
    with app.app_context():
        assert db.session.query(ShortlistEntry).filter_by(brief_id=world.brief_id).count() == 1


def test_a_plan_note_writes_its_money_like_every_other_amount_on_the_page(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    """A note kept as "₪1,234.5" is written again in the locale's format, in both languages."""
    auth.login(world.staff.email)
    plan_url = client.post(f"/briefs/{world.brief_id}/plans").headers["Location"]
    note = {"code": "shortlist_used_up", "params": {"left": 123_450, "budget": 200_000,
            "rest": 0}, "he": "₪1,234.5 מתוך ₪2,000", "en": "₪1,234.5 of ₪2,000"}  # fmt: skip
    with app.app_context():
        plan = db.session.query(MediaPlan).filter_by(brief_id=world.brief_id).one()
        plan.result = {**plan.result, "notes": [note]}
        db.session.commit()
    hebrew = client.get(plan_url).get_data(as_text=True)
    assert "₪1,234.5" not in hebrew
    assert "\u200f1,234.50\u00a0\u200f₪ מתוך התקציב של \u200f2,000.00\u00a0\u200f₪" in hebrew
    client.post("/auth/language", data={"lang": "en"})
    english = client.get(plan_url).get_data(as_text=True)
    assert "₪1,234.50 of the ₪2,000.00 budget is left" in english


def test_the_value_reason_writes_money_like_the_page_and_never_says_zero_times(
    client: Any, auth: Any, world: World
) -> None:
    """A walk read "פי 0.0 ממחיר פוסט (₪3 תמורת ₪188)": now the page's money, and "under 0.1"."""
    import re

    from campaigns.matching.explain import value_sentences

    auth.login(world.staff.email)
    page = client.get(f"/briefs/{world.brief_id}/matches").get_data(as_text=True)
    assert "השווי המוערך הוא" in page
    assert not re.search(r"₪\d", page)  # the engine's "₪188" never reaches the page
    assert re.search(
        r"\(\u200f[\d,]+\.\d\d\u00a0\u200f₪ תמורת \u200f[\d,]+\.\d\d\u00a0\u200f₪\)", page
    )
    params = {"placement": "post", "value_p50_minor": 300, "rate_minor": 18_800, "ratio": 0.016}
    en, he = value_sentences(params)
    assert "under 0.1×" in en
    assert "פחות מפי 0.1" in he
    assert "0.0" not in en + he


def test_an_emptied_list_names_its_budgets_in_the_page_money_format(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    """The diagnosis and its "raise the budget to ₪X" wrote money in the engine's own format."""
    import re

    with app.app_context():
        brief = db.session.get(Brief, world.brief_id)
        brief.budget_minor = 100  # type: ignore[union-attr]  # ₪1: no community costs that little
        db.session.commit()
    auth.login(world.staff.email)
    html = client.get(f"/briefs/{world.brief_id}/matches").get_data(as_text=True)
    assert 'role="alert"' in html
    assert "הגדלת התקציב ל-\u200f" in html
    assert "מהתקציב שלך, \u200f1.00\u00a0\u200f₪" in html
    assert not re.search(r"₪\d", html)
    client.post("/auth/language", data={"lang": "en"})
    english = client.get(f"/briefs/{world.brief_id}/matches").get_data(as_text=True)
    assert "your budget of ₪1.00" in english
    assert re.search(r"Raising the budget to ₪[\d,]+\.\d\d would give", english)


def test_the_api_names_an_emptied_list_s_budgets_in_each_language_s_money_format(
    app: Flask, make_user: Any, world: World
) -> None:
    """The API gave the engine's "₪1" in both languages while the page wrote ‏1.00 ₪."""
    import re

    with app.app_context():
        brief = db.session.get(Brief, world.brief_id)
        brief.budget_minor = 100  # type: ignore[union-attr]  # ₪1: no community costs that little
        db.session.commit()
    api = Api(app.test_client(), token_for(app, world.brand))
    diagnosis = api("GET", f"/api/v1/briefs/{world.brief_id}/matches").json["diagnosis"]
    assert "מהתקציב שלך, \u200f1.00\u00a0\u200f₪" in diagnosis["he"]
    assert "הגדלת התקציב ל-\u200f" in diagnosis["he"]  # the advice, the first suggestion
    assert not re.search(r"₪\d", diagnosis["he"])
    assert "your budget of ₪1.00" in diagnosis["en"]
    assert re.search(r"Raising the budget to ₪[\d,]+\.\d\d would give", diagnosis["en"])
    raise_budget = next(s for s in diagnosis["suggestions"] if s["code"] == "raise_budget")
    assert raise_budget["he"].startswith("הגדלת התקציב ל-\u200f")
    assert re.match(r"Raising the budget to ₪[\d,]+\.\d\d would give", raise_budget["en"])
    budget = next(p for p in diagnosis["parts"]["strict"] if p["gate"] == "budget")
    assert budget["params"] == {"budget_minor": 100}  # what the sentences are written from


def test_the_api_writes_each_row_s_value_reason_in_each_language_s_money_format(
    app: Flask, world: World
) -> None:
    """The rows' value-for-money reasons kept the engine's "₪188" in both languages."""
    import re

    api = Api(app.test_client(), token_for(app, world.brand))
    rows = api("GET", f"/api/v1/briefs/{world.brief_id}/matches").json["rows"]
    values = [e for row in rows for e in row["explanations"] if e["code"] == "value"]
    assert values, "the fixture's communities all have priced offers"
    for reason in values:
        assert not re.search(r"₪\d", reason["he"]), reason["he"]
        assert re.search(
            r"\(\u200f[\d,]+\.\d\d\u00a0\u200f₪ תמורת \u200f[\d,]+\.\d\d\u00a0\u200f₪\)",
            reason["he"],
        )
        assert re.search(r"\(₪[\d,]+\.\d\d for ₪[\d,]+\.\d\d\)", reason["en"]), reason["en"]
        assert reason["params"]["rate_minor"] > 0  # the figures stay beside the sentences


def test_say_and_why_write_the_money_of_their_language_not_the_page_s(app: Flask) -> None:
    """On a Hebrew page an English sentence (and the reverse) took the page's money format."""
    from campaigns.matching.explain import Explanation
    from marketplace.matching import sentences

    value = Explanation("value", "value", {"placement": "post", "value_p50_minor": 30_000,
                        "rate_minor": 18_800, "ratio": 1.6})  # fmt: skip
    note = {"code": "shortlist_used_up", "params": {"left": 123_450, "budget": 200_000,
            "rest": 0}, "he": "stored", "en": "stored"}  # fmt: skip
    for page in ("he", "en"):
        with app.test_request_context(headers={"Accept-Language": page}):
            assert "(₪300.00 for ₪188.00)" in sentences.why(value, "ILS", "en")
            assert "(\u200f300.00\u00a0\u200f₪ תמורת \u200f188.00\u00a0\u200f₪)" in (
                sentences.why(value, "ILS", "he")
            )
            assert "₪1,234.50 of the ₪2,000.00 budget" in sentences.say(note, "ILS", "en")
            assert "\u200f1,234.50\u00a0\u200f₪" in sentences.say(note, "ILS", "he")


def test_a_diagnosis_without_its_parts_keeps_its_stored_sentences(app: Flask) -> None:
    """One made before diagnoses kept their parts (or with parts this version cannot write)."""
    from campaigns.matching.result import Diagnosis
    from marketplace.matching import sentences

    old = Diagnosis(3, 0, (), (), "No community passes (₪1).", "אף קהילה לא עוברת (₪1).")
    later_gate = {"gate": "new_gate", "passing": 0, "listed": 3, "params": {}}
    parts = {"total": 3, "eligible": 0, "strict": [later_gate]}
    unknown = Diagnosis(3, 0, (), (), "Stored.", "שמור.", parts)
    with app.test_request_context():
        assert sentences.diagnosed(old, "ILS", "en") == "No community passes (₪1)."
        assert sentences.diagnosed(old, "ILS", "he") == "אף קהילה לא עוברת (₪1)."
        assert sentences.diagnosed(unknown, "ILS", "he") == "שמור."
        assert sentences.diagnosis_dict(old, "ILS")["en"] == "No community passes (₪1)."


def test_an_answered_plan_no_longer_offers_the_brand_a_choice(
    app: Flask, client: Any, auth: Any, world: World
) -> None:
    """After approving, the brand still read "…or you can approve this smaller plan" and "…or
    you can ask for a lower target" on its approved plan: a choice already made."""
    auth.login(world.staff.email)
    plan_url = client.post(f"/briefs/{world.brief_id}/plans").headers["Location"]
    note = {"code": "shortlist_used_up", "params": {"left": 123_450, "budget": 200_000,
            "rest": 0}, "he": "", "en": ""}  # fmt: skip
    with app.app_context():
        plan = db.session.query(MediaPlan).filter_by(brief_id=world.brief_id).one()
        plan.result = {**plan.result, "notes": [note]}
        plan.status = PlanStatus.PROPOSED
        db.session.commit()
    auth.logout()
    auth.login(world.brand.email)
    client.post("/auth/language", data={"lang": "en"})
    proposed = client.get(plan_url).get_data(as_text=True)
    assert "or you can approve this smaller plan" in proposed
    assert "or you can ask for a lower target" in proposed
    with app.app_context():
        plan = db.session.query(MediaPlan).filter_by(brief_id=world.brief_id).one()
        plan.status = PlanStatus.APPROVED
        db.session.commit()
    approved = client.get(plan_url).get_data(as_text=True)
    assert "approve this smaller plan" not in approved
    assert "not enough communities that fit the brief were available" in approved
    assert "ask for a lower target" not in approved
