"""Briefs on the web: the brand's form with drafts, submission, warnings, the staff queue."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from typing import Any

from flask import Flask

from marketplace.auth.models import User
from marketplace.briefs import services as briefs
from marketplace.briefs.models import Brief, BriefStatus, ComplianceStatus
from marketplace.catalog import services as catalog
from marketplace.catalog.models import ListingStatus
from marketplace.extensions import db
from tests.factories import make_listing

TODAY = date.today()


def form(**overrides: Any) -> dict[str, Any]:
    """A complete brief as the form posts it (Hebrew text, shekels, percentages)."""
    return {
        "title": "השקת חטיף חלבון",
        "goal": "market_education",
        "message": "חטיף חלבון מקמח חומוס; רוצים להסביר למה חלבון צמחי מספיק לאימון.",
        "audience_gender": ["female"],
        "audience_age": ["25_34", "35_44"],
        "audience_occupation": "מאמנות כושר, דיאטניות",
        "topics": ["fitness", "food"],
        "languages": ["he"],
        "regions": ["tel_aviv"],
        "budget": "25000.50",
        "currency": "ILS",
        "starts_on": (TODAY + timedelta(days=10)).isoformat(),
        "ends_on": (TODAY + timedelta(days=40)).isoformat(),
        "kpi_reach": "40000",
        "kpi_engagement_rate": "4.5",
        "save_draft": "Save draft",
        **overrides,
    }


def stored(app: Flask, brief_id: int) -> Brief:
    with app.app_context():
        brief = db.session.get(Brief, brief_id)
        _ = brief.events, brief.comments
        db.session.expunge_all()
        return brief


def brief_id_of(response: Any) -> int:
    return int(re.search(r"/briefs/(\d+)", response.headers["Location"]).group(1))


def text(response: Any) -> str:
    return unescape(response.get_data(as_text=True))


def field_error(page: str, field_id: str) -> str:
    """The error text shown next to a field (macros.field renders `<id>-error`)."""
    found = re.search(rf'id="{field_id}-error"[^>]*>([^<]*)<', page)
    return found.group(1) if found else ""


def test_a_draft_saves_with_only_a_title_and_lists_what_is_missing(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    maya = make_user("brand", locale="en")
    auth.login(maya.email)
    response = client.post("/briefs/new", data={"title": "רעיון לאביב", "save_draft": "1"})
    assert response.status_code == 302
    brief = stored(app, brief_id_of(response))
    assert (brief.status, brief.title, brief.goal) == (BriefStatus.DRAFT, "רעיון לאביב", None)
    page = text(client.get(f"/briefs/{brief.id}"))
    assert "Before you can submit" in page
    assert "Choose the campaign’s goal." in page
    assert "Enter a budget above zero." in page
    assert "רעיון לאביב" in text(client.get("/briefs/"))
    # Neither a title nor a goal: nothing to come back to, so nothing is saved.
    empty = client.post("/briefs/new", data={"message": "רק הודעה", "save_draft": "1"})
    assert empty.status_code == 400
    assert field_error(text(empty), "title") == "Give the draft at least a title or a goal."


def test_money_is_entered_in_shekels_and_stored_in_agorot(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    maya = make_user("brand", locale="en")
    auth.login(maya.email)
    brief = stored(app, brief_id_of(client.post("/briefs/new", data=form())))
    assert (brief.budget_minor, brief.currency) == (2_500_050, "ILS")
    assert brief.kpis == {"reach": 40_000, "engagement_rate": 450}
    assert brief.audience == {
        "gender": ["female"],
        "age": ["25_34", "35_44"],
        "occupation": ["מאמנות כושר", "דיאטניות"],
    }
    # The form shows the stored brief back in shekels and percentages.
    page = text(client.get(f"/briefs/{brief.id}/edit"))
    assert 'value="25000.50"' in page
    assert 'value="4.50"' in page
    too_fine = client.post(f"/briefs/{brief.id}/edit", data=form(budget="100.123"))
    assert too_fine.status_code == 400
    assert field_error(text(too_fine), "budget") == "At most two decimal places."
    assert stored(app, brief.id).budget_minor == 2_500_050


def test_a_failed_submit_shows_every_problem_at_once_and_saves_nothing(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    maya = make_user("brand", locale="en")
    auth.login(maya.email)
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    response = client.post(
        "/briefs/new",
        data=form(
            starts_on=yesterday,
            ends_on=(TODAY - timedelta(days=3)).isoformat(),
            budget="",
            audience_gender=[],
            audience_age=[],
            audience_occupation="",
            topics=[],
            message="",
            kpi_reach="a lot",  # the form's own check, reported in the same round
            save_draft=None,
            submit_brief="Submit brief",
        ),
    )
    assert response.status_code == 400
    page = text(response)
    assert field_error(page, "starts_on") == "The campaign cannot start in the past."
    assert field_error(page, "ends_on") == "The campaign ends before it starts."
    assert field_error(page, "budget") == "Enter a budget above zero."
    assert field_error(page, "kpi_reach") == "Not a valid integer value."
    assert "Say whom to reach" in page
    # The summary at the top names every problem, in page order, linked to its field.
    summary = page[
        page.index('id="error-summary"') : page.index("</div>", page.index("error-summary"))
    ]
    assert "Nothing was saved. Please fix:" in summary
    anchors = re.findall(r'<a href="#([^"]+)">', summary)
    assert anchors == ["audience", "budget", "starts_on", "ends_on", "kpi_reach"]
    assert "save it as a draft" not in summary  # the reach target cannot be kept even as a draft
    assert 'value="השקת חטיף חלבון"' in page, "what was typed comes back"
    with app.app_context():
        assert db.session.query(Brief).count() == 0, "a failed submit keeps no draft behind"
    # Once only the brief's rules stand in the way, the summary offers to keep a draft.
    fixable = client.post(
        "/briefs/new", data=form(budget="", save_draft=None, submit_brief="Submit brief")
    )
    assert fixable.status_code == 400
    assert "To finish later, save it as a draft" in text(fixable)
    assert re.findall(r'<a href="#([^"]+)">', text(fixable)) == ["budget"]
    with app.app_context():
        assert db.session.query(Brief).count() == 0


def test_a_failed_submit_of_a_saved_draft_leaves_the_draft_as_it_was(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    maya = make_user("brand", locale="en")
    auth.login(maya.email)
    brief_id = brief_id_of(client.post("/briefs/new", data=form(title="לפני")))
    refused = client.post(
        f"/briefs/{brief_id}/edit",
        data=form(title="אחרי", budget="", save_draft=None, submit_brief="Submit brief"),
    )
    assert refused.status_code == 400
    assert 'value="אחרי"' in text(refused)
    assert "The brief was not submitted; the saved draft is unchanged." in text(refused)
    brief = stored(app, brief_id)
    assert (brief.title, brief.budget_minor, brief.status) == ("לפני", 2_500_050, BriefStatus.DRAFT)


def test_a_budget_beyond_twenty_million_is_refused_with_a_clear_message(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    maya = make_user("brand", locale="en")
    auth.login(maya.email)
    for button in ({"save_draft": "1"}, {"save_draft": None, "submit_brief": "Submit brief"}):
        refused = client.post("/briefs/new", data=form(budget="99999999999999", **button))
        assert refused.status_code == 400
        assert field_error(text(refused), "budget") == (
            "A budget is at most 20,000,000; check the number of zeros."
        )
    assert client.post("/briefs/new", data=form(budget="20000000")).status_code == 302
    with app.app_context():
        assert [b.budget_minor for b in db.session.query(Brief)] == [2_000_000_000]


def test_an_absurd_kpi_target_is_refused_with_a_clear_message(
    client: Any, auth: Any, make_user: Any
) -> None:
    maya = make_user("brand", locale="en")
    auth.login(maya.email)
    refused = client.post("/briefs/new", data=form(kpi_reach=str(10**30)))
    assert refused.status_code == 400
    assert field_error(text(refused), "kpi_reach") == (
        "A target is at most 100,000,000; check the number of zeros."
    )
    assert client.post("/briefs/new", data=form(kpi_reach="100000000")).status_code == 302


def test_kpi_warnings_are_given_while_the_brand_is_still_typing(
    client: Any, auth: Any, make_user: Any
) -> None:
    maya = make_user("brand", locale="en")
    auth.login(maya.email)
    answer = client.get("/briefs/kpi-warnings?goal=awareness&kpi_leads=500&kpi_reach=100")
    assert answer.status_code == 200
    warnings = answer.json["warnings"]
    assert list(warnings) == ["kpi_leads"]
    assert "leads need a sales/leads goal" in warnings["kpi_leads"][0]
    rate = client.get("/briefs/kpi-warnings?goal=awareness&kpi_engagement_rate=45").json
    assert "of 45% is beyond what communities deliver" in rate["warnings"]["kpi_engagement_rate"][0]
    assert client.get("/briefs/kpi-warnings?goal=sales_leads&kpi_leads=500").json == {
        "warnings": {}
    }
    assert client.get("/briefs/kpi-warnings?goal=nonsense&kpi_leads=x").json == {"warnings": {}}


def test_a_brand_saves_a_draft_comes_back_and_submits_it(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    maya = make_user("brand", locale="en")
    omer = make_user("brand", organisation=maya.organisation, org_admin=False, locale="en")
    auth.login(maya.email)
    brief_id = brief_id_of(client.post("/briefs/new", data=form(kpi_sales="300")))
    auth.logout()
    # A colleague finishes it: the draft belongs to the organisation.
    auth.login(omer.email)
    assert client.get(f"/briefs/{brief_id}/edit").status_code == 200
    response = client.post(f"/briefs/{brief_id}/submit")
    assert response.status_code == 302
    brief = stored(app, brief_id)
    assert brief.status == BriefStatus.SUBMITTED
    assert [(e.from_value, e.to_value, e.actor_name) for e in brief.events] == [
        ("", "draft", maya.display_name),
        ("draft", "submitted", omer.display_name),
    ]
    page = text(client.get(f"/briefs/{brief_id}"))
    assert "Targets to reconsider" in page
    assert "direct sales are not what it delivers" in page
    # Once submitted, the brief is the agency's to plan: no more editing.
    assert client.get(f"/briefs/{brief_id}/edit").status_code == 409
    assert client.post(f"/briefs/{brief_id}/edit", data=form()).status_code == 409


def test_kpi_warnings_appear_next_to_the_target_on_the_form(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    maya = make_user("brand", locale="en")
    auth.login(maya.email)
    brief_id = brief_id_of(client.post("/briefs/new", data=form(goal="awareness", kpi_leads="500")))
    page = text(client.get(f"/briefs/{brief_id}/edit"))
    warning = re.search(r'data-kpi-warning="kpi_leads">([^<]*)<', page)
    assert warning is not None
    assert "leads need a sales/leads goal" in warning.group(1)
    saved = client.post(
        f"/briefs/{brief_id}/edit", data=form(kpi_engagement_rate="45"), follow_redirects=True
    )
    assert "Engagement rate (%) of 45% is beyond what communities deliver" in text(saved)
    assert stored(app, brief_id).kpis["engagement_rate"] == 4_500  # a warning, not an error


def test_communities_are_chosen_by_their_listed_names(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    owner, staff, maya = make_user("owner"), make_user("staff"), make_user("brand", locale="en")
    with app.app_context():
        me = db.session.get(User, owner.id)
        community = make_listing(
            db.session, me, name_he="רצות בפארק", name_en="Park Runners"
        ).community
        catalog.change_status(db.session, community, ListingStatus.SUBMITTED, actor=me)
        catalog.change_status(
            db.session, community, ListingStatus.LISTED, actor=db.session.get(User, staff.id)
        )
        db.session.commit()
        community_id = community.id
    auth.login(maya.email)
    response = client.post(
        "/briefs/new", data=form(must_have_names="רצות בפארק", exclude_names="קבוצה שלא קיימת")
    )
    assert response.status_code == 400
    assert field_error(text(response), "exclude_names") == (
        "No listed community is called “קבוצה שלא קיימת”."
    )
    brief = stored(
        app, brief_id_of(client.post("/briefs/new", data=form(must_have_names="רצות בפארק")))
    )
    assert brief.must_have_communities == [community_id]
    page = text(client.get(f"/briefs/{brief.id}/edit"))
    assert f"Park Runners (#{community_id})" in page  # named in the UI's language (English)


def test_staff_see_submitted_briefs_only_and_take_them_into_planning(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    maya = make_user("brand", locale="en")
    noa = make_user("staff", locale="en")
    auth.login(maya.email)
    draft_id = brief_id_of(client.post("/briefs/new", data=form(title="טיוטה סודית")))
    ready_id = brief_id_of(
        client.post("/briefs/new", data=form(title="קמפיין פיננסי", regulated=["finance"]))
    )
    assert client.post(f"/briefs/{ready_id}/submit").status_code == 302
    auth.logout()
    auth.login(noa.email)
    queue = text(client.get("/briefs/queue"))
    assert "קמפיין פיננסי" in queue
    assert "טיוטה סודית" not in queue
    assert client.get(f"/briefs/{draft_id}").status_code == 404
    assert "קמפיין פיננסי" in text(client.get("/briefs/queue?compliance=pending"))
    assert "קמפיין פיננסי" not in text(client.get("/briefs/queue?compliance=approved"))
    assert "קמפיין פיננסי" not in text(client.get("/briefs/queue?goal=survey"))
    assert "קמפיין פיננסי" in text(client.get("/briefs/queue?q=פיננסי"))
    assert "קמפיין פיננסי" in text(client.get("/agency/"))
    response = client.post(f"/briefs/{ready_id}/status", data={"to": "in_planning"})
    assert response.status_code == 302
    # Compliance: a rejection needs a reason; an approval is recorded with who.
    client.post(f"/briefs/{ready_id}/compliance", data={"verdict": "reject", "note": ""})
    assert stored(app, ready_id).compliance_status == ComplianceStatus.PENDING
    client.post(f"/briefs/{ready_id}/compliance", data={"verdict": "approve", "note": "תקין"})
    brief = stored(app, ready_id)
    assert (brief.status, brief.planner_id) == (BriefStatus.IN_PLANNING, noa.id)
    assert (brief.compliance_status, brief.compliance_note) == (ComplianceStatus.APPROVED, "תקין")
    assert "In planning" in text(client.get("/briefs/queue"))
    # An illegal move is refused with a clear error and changes nothing.
    refused = client.post(f"/briefs/{ready_id}/status", data={"to": "approved"})
    assert refused.status_code == 409
    assert "A brief cannot go from “In planning” to “Approved”." in text(refused)
    assert stored(app, ready_id).status == BriefStatus.IN_PLANNING


def test_the_comment_thread_shows_author_and_side(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    maya = make_user("brand", locale="en")
    noa = make_user("staff", locale="en")
    auth.login(maya.email)
    brief_id = brief_id_of(client.post("/briefs/new", data=form()))
    client.post(f"/briefs/{brief_id}/submit")
    client.post(f"/briefs/{brief_id}/comments", data={"body": "אפשר להוסיף ניוזלטר?"})
    auth.logout()
    auth.login(noa.email)
    client.post(f"/briefs/{brief_id}/comments", data={"body": "כן, נבדוק שלושה"})
    page = text(client.get(f"/briefs/{brief_id}"))
    thread = page[page.index('id="comments"') :]
    assert thread.index("אפשר להוסיף ניוזלטר?") < thread.index("כן, נבדוק שלושה")
    assert f"{noa.display_name}</bdi></strong> · Kesher agency" in thread  # the name isolated
    assert client.post(f"/briefs/{brief_id}/comments", data={"body": ""}).status_code == 422


def test_other_organisations_and_other_roles_never_reach_a_brief(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    maya = make_user("brand")
    rival = make_user("brand")
    auth.login(maya.email)
    brief_id = brief_id_of(client.post("/briefs/new", data=form()))
    client.post(f"/briefs/{brief_id}/submit")
    auth.logout()
    auth.login(rival.email)
    for url in (f"/briefs/{brief_id}", f"/briefs/{brief_id}/edit"):
        assert client.get(url).status_code == 404
    assert client.post(f"/briefs/{brief_id}/comments", data={"body": "x"}).status_code == 404
    assert "השקת חטיף חלבון" not in text(client.get("/briefs/"))
    auth.logout()
    for role in ("owner", "finance"):
        outsider = make_user(role)
        auth.login(outsider.email)
        assert client.get(f"/briefs/{brief_id}").status_code == 403
        assert client.get("/briefs/").status_code == 403
        auth.logout()


def test_the_brief_pages_are_hebrew_and_right_to_left(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    maya = make_user("brand")
    auth.login(maya.email)
    page = text(client.get("/briefs/new"))
    assert 'dir="rtl"' in page
    assert 'name="audience_gender"' in page
    assert 'name="kpi_reach"' in page
    brief_id = brief_id_of(client.post("/briefs/new", data=form()))
    assert 'dir="rtl"' in text(client.get(f"/briefs/{brief_id}"))
    dashboard = text(client.get("/brand/"))
    assert "השקת חטיף חלבון" in dashboard
    with app.app_context():
        assert briefs.list_for_org(db.session, db.session.get(User, maya.id))[0].id == brief_id


def test_seed_demo_adds_believable_briefs_once(app: Flask, client: Any, auth: Any) -> None:
    from marketplace.cli import DEMO_PASSWORD

    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--communities", "0"])
    assert first.exit_code == 0, first.output
    assert "4 new brief(s)" in first.output
    assert "0 new brief(s)" in runner.invoke(args=["seed-demo", "--communities", "0"]).output
    with app.app_context():
        rows = db.session.query(Brief).order_by(Brief.id).all()
        assert [(b.status, b.compliance_status) for b in rows] == [
            (BriefStatus.SUBMITTED, ComplianceStatus.NOT_REQUIRED),
            (BriefStatus.IN_PLANNING, ComplianceStatus.APPROVED),
            (BriefStatus.DRAFT, ComplianceStatus.NOT_REQUIRED),
            (BriefStatus.SUBMITTED, ComplianceStatus.NOT_REQUIRED),
        ]
        # Every submitted one parses for the matching engine; the draft shows a KPI warning.
        for row in rows[:2] + rows[3:]:
            briefs.brief_spec(row)
        assert [w.code for w in briefs.warnings_of(briefs.brief_data(rows[2]))] == [
            "kpi_goal_mismatch"
        ]
    auth.login("maya@shorashim-foods.demo", DEMO_PASSWORD)
    mine = text(client.get("/briefs/"))
    assert mine.count('class="card result brief-row"') == 3
    auth.logout()
    auth.login("noa@kesher.demo", DEMO_PASSWORD)
    queue = text(client.get("/briefs/queue"))
    assert "ויטמין D טבעוני לנשים 45+" in queue
    assert "Beta users for CloudNest dashboards" in queue
    assert "חטיף חלבון מקמח חומוס" not in queue  # a draft stays the brand's


def test_a_brand_asks_for_changes_with_a_note_and_edits_the_brief(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    maya = make_user("brand", locale="en")
    noa = make_user("staff", locale="en")
    auth.login(maya.email)
    brief_id = brief_id_of(client.post("/briefs/new", data=form()))
    client.post(f"/briefs/{brief_id}/submit")
    auth.logout()
    auth.login(noa.email)
    client.post(f"/briefs/{brief_id}/status", data={"to": "in_planning"})
    refused = client.post(f"/briefs/{brief_id}/status", data={"to": "plan_proposed"})
    assert refused.status_code == 409  # no plan was sent
    # The lifecycle alone: the planning feature's "plan sent" (real plans: test_matching.py).
    with app.test_request_context():
        briefs.change_status(
            db.session, db.session.get(Brief, brief_id), BriefStatus.PLAN_PROPOSED,
            actor=db.session.get(User, noa.id), plan_sent=True,
        )  # fmt: skip
        db.session.commit()
    auth.logout()
    auth.login(maya.email)
    page = text(client.get(f"/briefs/{brief_id}"))
    assert "Approve the plan" in page
    assert "Ask for changes" in page
    no_note = client.post(f"/briefs/{brief_id}/status", data={"to": "changes_requested"})
    assert no_note.status_code == 422, "the form comes back with the note's error"
    assert stored(app, brief_id).status == BriefStatus.PLAN_PROPOSED
    client.post(
        f"/briefs/{brief_id}/status", data={"to": "changes_requested", "note": "גם גברים, בבקשה"}
    )
    assert stored(app, brief_id).status == BriefStatus.CHANGES_REQUESTED
    edit = text(client.get(f"/briefs/{brief_id}/edit"))
    assert 'value="Save changes"' in edit
    assert 'name="submit_brief"' not in edit
    # Changes are checked as fully as a submission.
    refused = client.post(f"/briefs/{brief_id}/edit", data=form(budget=""))
    assert refused.status_code == 400
    assert field_error(text(refused), "budget") == "Enter a budget above zero."
    saved = client.post(f"/briefs/{brief_id}/edit", data=form(audience_gender=["female", "male"]))
    assert saved.status_code == 302
    brief = stored(app, brief_id)
    assert brief.audience["gender"] == ["female", "male"]
    assert brief.events[-1].note == "גם גברים, בבקשה"


def test_a_comment_reads_in_its_own_direction_on_a_page_in_the_other_language(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    """On an English page a Hebrew comment ended ".ריפוי, עם גילוי נאות": its final full stop
    followed the page's direction, not the comment's."""
    maya = make_user("brand", locale="en")
    auth.login(maya.email)
    brief_id = brief_id_of(client.post("/briefs/new", data=form()))
    client.post(f"/briefs/{brief_id}/comments", data={"body": "בלי טענות ריפוי, עם גילוי נאות."})
    page = text(client.get(f"/briefs/{brief_id}"))
    assert re.search(r'<p [^>]*dir="auto"[^>]*>בלי טענות ריפוי, עם גילוי נאות\.</p>', page)
