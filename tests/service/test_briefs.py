"""Brief services on a real database: drafts, submission, lifecycle, compliance, comments."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale

from campaigns.brief import Goal, RegulatedCategory, brief_to_dict
from marketplace.auth.models import Role, User
from marketplace.briefs import services as briefs
from marketplace.briefs.models import Brief, BriefStatus, ComplianceStatus
from marketplace.catalog import services as catalog
from marketplace.catalog.models import ListingStatus
from marketplace.errors import Conflict, Forbidden, InvalidTransition, NotFound
from marketplace.extensions import db
from tests.factories import make_listing

TODAY = date.today()


@pytest.fixture
def ctx(app: Flask) -> Any:
    with app.test_request_context(), force_locale("en"):
        yield db.session


def person(session: Any, make_user: Any, role: str, **kw: Any) -> User:
    return session.get(User, make_user(role, **kw).id)


def complete(**overrides: Any) -> dict[str, Any]:
    """A brief a broker could work with: goal, audience, topics, budget, dates and a KPI."""
    return {
        "goal": "market_education",
        "title": "חטיף חלבון לרצים",
        "message": "קו חדש של חטיפי חלבון מקמח חומוס; רוצים להסביר למה חלבון צמחי מספיק לאימון.",
        "audience": {"gender": ["female"], "age": ["25_34", "35_44"]},
        "topics": ["fitness", "food"],
        "avoid_topics": ["dating"],
        "platforms": ["whatsapp_group", "instagram"],
        "languages": ["he"],
        "regions": ["tel_aviv", "center"],
        "budget_minor": 2_500_000,
        "currency": "ILS",
        "starts_on": (TODAY + timedelta(days=14)).isoformat(),
        "ends_on": (TODAY + timedelta(days=44)).isoformat(),
        "kpis": {"reach": 40_000, "engagement_rate": 400},
        **overrides,
    }


def codes(error: briefs.BriefValidationError) -> set[tuple[str, str]]:
    return {(p.field, p.code) for p in error.problems}


def test_a_draft_needs_only_a_title_or_a_goal(ctx: Any, make_user: Any) -> None:
    maya = person(ctx, make_user, "brand")
    only_title = briefs.save_brief(ctx, {"title": "רעיון לקמפיין"}, actor=maya)
    only_goal = briefs.save_brief(ctx, {"goal": "survey"}, actor=maya)
    assert (only_title.status, only_title.goal) == (BriefStatus.DRAFT, None)
    assert (only_goal.goal, only_goal.title) == (Goal.SURVEY, "")
    assert only_title.organisation_id == maya.organisation_id
    assert only_title.created_by_id == maya.id
    with pytest.raises(briefs.BriefValidationError) as error:
        briefs.save_brief(ctx, {"message": "בלי כותרת ובלי מטרה"}, actor=maya)
    assert codes(error.value) == {("title", "title_or_goal")}
    # The draft can say what is still missing before it may be submitted.
    missing = briefs.submit_problems(ctx, briefs.brief_data(only_title))
    assert {(p.field, p.code) for p in missing} == {
        ("goal", "unknown_goal"),
        ("audience", "no_target"),
        ("budget_minor", "not_positive"),
    }


def test_a_malformed_draft_is_refused_with_every_problem_and_nothing_is_written(
    ctx: Any, make_user: Any
) -> None:
    maya = person(ctx, make_user, "brand")
    data = {
        "title": "x" * 201,
        "goal": "virality",
        "topics": ["fitness", "astrology"],
        "budget_minor": -5,
        "kpis": {"engagement_rate": 12_000, "likes": 5},
        "starts_on": "next week",
        "platforms": ["myspace"],
        "colour": "blue",
    }
    with pytest.raises(briefs.BriefValidationError) as error:
        briefs.save_brief(ctx, data, actor=maya)
    assert codes(error.value) >= {
        ("title", "too_long"),
        ("goal", "unknown_goal"),
        ("topics", "unknown_topic"),
        ("budget_minor", "not_positive"),
        ("kpis.engagement_rate", "above_100_percent"),
        ("kpis.likes", "unknown_kpi"),
        ("starts_on", "bad_date"),
        ("platforms", "unknown_value"),
        ("colour", "unknown_field"),
    }
    ctx.rollback()
    assert ctx.query(Brief).count() == 0


def test_submitting_checks_the_whole_brief_against_today(ctx: Any, make_user: Any) -> None:
    maya = person(ctx, make_user, "brand")
    brief = briefs.save_brief(
        ctx,
        complete(starts_on=(TODAY - timedelta(days=1)).isoformat(), budget_minor=0),
        actor=maya,
    )
    with pytest.raises(briefs.BriefValidationError) as error:
        briefs.submit_brief(ctx, brief, actor=maya)
    assert codes(error.value) == {("starts_on", "in_the_past"), ("budget_minor", "not_positive")}
    assert brief.status == BriefStatus.DRAFT
    briefs.save_brief(ctx, complete(), actor=maya, brief=brief)
    spec = briefs.submit_brief(ctx, brief, actor=maya)
    assert brief.status == BriefStatus.SUBMITTED
    assert brief.submitted_at is not None
    assert brief.compliance_status == ComplianceStatus.NOT_REQUIRED
    assert (spec.goal, spec.budget_minor) == (Goal.MARKET_EDUCATION, 2_500_000)


def test_a_stored_brief_reads_back_as_the_json_it_was_given(ctx: Any, make_user: Any) -> None:
    maya = person(ctx, make_user, "brand")
    data = complete(regulated=["health"])
    brief = briefs.save_brief(ctx, data, actor=maya)
    ctx.commit()
    ctx.expire_all()
    stored = ctx.get(Brief, brief.id)
    spec = briefs.brief_spec(stored)
    assert brief_to_dict(spec) == {**briefs.brief_data(stored)}
    assert briefs.brief_data(stored) == {
        **dict.fromkeys(briefs.FIELDS),
        **data,
        "exclude_communities": [],
        "must_have_communities": [],
    }
    assert spec.regulated == (RegulatedCategory.HEALTH,)


def test_members_of_the_organisation_share_briefs_and_nobody_else_sees_them(
    ctx: Any, make_user: Any
) -> None:
    maya = person(ctx, make_user, "brand")
    omer = person(ctx, make_user, "brand", organisation=maya.organisation, org_admin=False)
    rival = person(ctx, make_user, "brand")
    staff = person(ctx, make_user, "staff")
    admin = person(ctx, make_user, "admin")
    owner = person(ctx, make_user, "owner")
    finance = person(ctx, make_user, "finance")
    brief = briefs.save_brief(ctx, complete(), actor=maya)
    # Any member may edit the organisation's draft.
    briefs.save_brief(ctx, complete(title="עריכה של עומר"), actor=omer, brief=brief)
    assert briefs.get_editable(ctx, brief.id, omer).title == "עריכה של עומר"
    # Drafts are the brand's own: staff do not see them until they are submitted.
    for outsider in (rival, staff, admin, owner, finance):
        with pytest.raises(NotFound):
            briefs.get_visible(ctx, brief.id, outsider)
    briefs.submit_brief(ctx, brief, actor=omer)
    assert briefs.get_visible(ctx, brief.id, staff) is brief
    assert briefs.get_visible(ctx, brief.id, admin) is brief
    for outsider in (rival, owner, finance):
        with pytest.raises(NotFound):
            briefs.get_visible(ctx, brief.id, outsider)
        assert briefs.list_for_org(ctx, outsider) == []
    with pytest.raises(Conflict):
        briefs.get_editable(ctx, brief.id, maya)
    with pytest.raises(Forbidden):
        briefs.save_brief(ctx, complete(), actor=owner)
    with pytest.raises(Forbidden):
        briefs.save_brief(ctx, complete(), actor=staff)


ROLES = {
    "brand": Role.BRAND,
    "staff": Role.STAFF,
    "admin": Role.ADMIN,
    "owner": Role.OWNER,
    "finance": Role.FINANCE,
}


@pytest.mark.parametrize(("start", "to"), list(itertools.product(BriefStatus, BriefStatus)))
def test_only_the_transition_table_moves_a_brief(
    ctx: Any, make_user: Any, start: BriefStatus, to: BriefStatus
) -> None:
    maya = person(ctx, make_user, "brand")
    actors = {name: maya if name == "brand" else person(ctx, make_user, name) for name in ROLES}
    actors["other brand"] = person(ctx, make_user, "brand")
    for name, actor in actors.items():
        brief = briefs.save_brief(ctx, complete(), actor=maya)
        brief.status = start
        ctx.flush()
        allowed = name != "other brand" and actor.role in briefs.TRANSITIONS.get(
            (start, to), frozenset()
        )
        where = f"{start} → {to} by {name}"
        if allowed:
            briefs.change_status(
                ctx, brief, to, actor=actor, note="נא להחליף את הערוץ השני", plan_sent=True
            )
            assert brief.status == to, where
            assert brief.events[-1].to_value == to.value, where
            assert brief.events[-1].actor_name == actor.display_name, where
        else:
            with pytest.raises(InvalidTransition):
                briefs.change_status(ctx, brief, to, actor=actor, note="נא להחליף", plan_sent=True)
            assert brief.status == start, where
            assert len(brief.events) == 1, where  # only "created"


def test_the_table_reads_as_the_documented_workflow() -> None:
    brand, staff = briefs.BRAND_ROLES, briefs.STAFF_ROLES
    s = BriefStatus
    assert briefs.TRANSITIONS[(s.DRAFT, s.SUBMITTED)] == brand
    assert briefs.TRANSITIONS[(s.SUBMITTED, s.IN_PLANNING)] == staff
    assert briefs.TRANSITIONS[(s.IN_PLANNING, s.PLAN_PROPOSED)] == staff
    assert briefs.TRANSITIONS[(s.PLAN_PROPOSED, s.APPROVED)] == brand
    assert briefs.TRANSITIONS[(s.PLAN_PROPOSED, s.CHANGES_REQUESTED)] == brand
    assert briefs.TRANSITIONS[(s.CHANGES_REQUESTED, s.IN_PLANNING)] == staff
    assert all(to != s.DRAFT for _frm, to in briefs.TRANSITIONS), "nothing goes back to draft"
    assert not any(frm == s.CLOSED for frm, _to in briefs.TRANSITIONS), "closed is final"


def test_asking_for_changes_needs_a_note(ctx: Any, make_user: Any) -> None:
    maya = person(ctx, make_user, "brand")
    brief = briefs.save_brief(ctx, complete(), actor=maya)
    brief.status = BriefStatus.PLAN_PROPOSED
    with pytest.raises(briefs.BriefValidationError):
        briefs.change_status(ctx, brief, BriefStatus.CHANGES_REQUESTED, actor=maya, note=" ")
    assert brief.status == BriefStatus.PLAN_PROPOSED


def test_a_brief_is_proposed_only_when_the_planning_feature_sent_a_plan(
    ctx: Any, make_user: Any
) -> None:
    maya = person(ctx, make_user, "brand")
    staff = person(ctx, make_user, "staff")
    brief = briefs.save_brief(ctx, complete(), actor=maya)
    briefs.submit_brief(ctx, brief, actor=maya)
    briefs.change_status(ctx, brief, BriefStatus.IN_PLANNING, actor=staff)
    assert brief.planner_id == staff.id
    with pytest.raises(InvalidTransition, match="Build a plan"):
        briefs.change_status(ctx, brief, BriefStatus.PLAN_PROPOSED, actor=staff)
    assert brief.status == BriefStatus.IN_PLANNING
    briefs.change_status(ctx, brief, BriefStatus.PLAN_PROPOSED, actor=staff, plan_sent=True)
    assert brief.status == BriefStatus.PLAN_PROPOSED


def test_a_regulated_brief_waits_for_compliance_before_a_plan(ctx: Any, make_user: Any) -> None:
    maya = person(ctx, make_user, "brand")
    staff = person(ctx, make_user, "staff")
    brief = briefs.save_brief(ctx, complete(regulated=["pharma"]), actor=maya)
    assert brief.compliance_status == ComplianceStatus.NOT_REQUIRED  # asked on submission
    briefs.submit_brief(ctx, brief, actor=maya)
    assert brief.compliance_status == ComplianceStatus.PENDING
    briefs.change_status(ctx, brief, BriefStatus.IN_PLANNING, actor=staff)
    with pytest.raises(InvalidTransition, match="compliance"):
        briefs.change_status(ctx, brief, BriefStatus.PLAN_PROPOSED, actor=staff, plan_sent=True)
    with pytest.raises(Forbidden):
        briefs.decide_compliance(ctx, brief, approved=True, note="", actor=maya)
    with pytest.raises(briefs.BriefValidationError):
        briefs.decide_compliance(ctx, brief, approved=False, note="", actor=staff)
    briefs.decide_compliance(ctx, brief, approved=False, note="חסר אישור משרד הבריאות", actor=staff)
    assert brief.compliance_status == ComplianceStatus.REJECTED
    with pytest.raises(InvalidTransition):
        briefs.change_status(ctx, brief, BriefStatus.PLAN_PROPOSED, actor=staff)
    briefs.decide_compliance(ctx, brief, approved=True, note="התקבל אישור", actor=staff)
    assert (brief.compliance_status, brief.compliance_by_id) == (
        ComplianceStatus.APPROVED,
        staff.id,
    )
    briefs.change_status(ctx, brief, BriefStatus.PLAN_PROPOSED, actor=staff, plan_sent=True)
    # Decisions are part of the history, with who and why.
    decisions = [(e.to_value, e.note, e.actor_name) for e in brief.events if e.kind == "compliance"]
    assert decisions == [
        ("pending", "", maya.display_name),
        ("rejected", "חסר אישור משרד הבריאות", staff.display_name),
        ("approved", "התקבל אישור", staff.display_name),
    ]
    # Compliance is decided before the plan is shown, and only for regulated briefs.
    with pytest.raises(InvalidTransition):
        briefs.decide_compliance(ctx, brief, approved=True, note="", actor=staff)
    plain = briefs.save_brief(ctx, complete(), actor=maya)
    briefs.submit_brief(ctx, plain, actor=maya)
    with pytest.raises(Conflict):
        briefs.decide_compliance(ctx, plain, approved=True, note="", actor=staff)


def test_changes_are_checked_fully_and_a_new_category_asks_compliance_again(
    ctx: Any, make_user: Any
) -> None:
    maya = person(ctx, make_user, "brand")
    staff = person(ctx, make_user, "staff")
    brief = briefs.save_brief(ctx, complete(regulated=["finance"]), actor=maya)
    briefs.submit_brief(ctx, brief, actor=maya)
    briefs.decide_compliance(ctx, brief, approved=True, note="", actor=staff)
    briefs.change_status(ctx, brief, BriefStatus.IN_PLANNING, actor=staff)
    briefs.change_status(ctx, brief, BriefStatus.PLAN_PROPOSED, actor=staff, plan_sent=True)
    briefs.change_status(
        ctx, brief, BriefStatus.CHANGES_REQUESTED, actor=maya, note="רוצים גם קהל גברים"
    )
    with pytest.raises(briefs.BriefValidationError) as error:
        briefs.save_brief(
            ctx, complete(budget_minor=0, regulated=["finance"]), actor=maya, brief=brief
        )
    assert codes(error.value) == {("budget_minor", "not_positive")}
    briefs.save_brief(ctx, complete(regulated=["finance"]), actor=maya, brief=brief)
    assert brief.compliance_status == ComplianceStatus.APPROVED  # same category: still cleared
    briefs.save_brief(ctx, complete(regulated=["finance", "alcohol"]), actor=maya, brief=brief)
    assert brief.compliance_status == ComplianceStatus.PENDING
    briefs.save_brief(ctx, complete(regulated=[]), actor=maya, brief=brief)
    assert brief.compliance_status == ComplianceStatus.NOT_REQUIRED


def test_kpi_warnings_carry_their_reason_even_for_a_draft(ctx: Any) -> None:
    warnings = briefs.warnings_of(
        {"goal": "market_education", "kpis": {"sales": 300, "engagement_rate": 4_000}}
    )
    assert [(w.field, w.code) for w in warnings] == [
        ("kpis.sales", "kpi_goal_mismatch"),
        ("kpis.engagement_rate", "kpi_rate_unrealistic"),
    ]
    assert "market-education" in warnings[0].message
    assert briefs.warnings_of({"title": "no goal yet", "kpis": {"sales": 3}}) == []
    assert briefs.warnings_of({"goal": "sales_leads", "kpis": {"sales": 300}}) == []


def test_comments_are_kept_with_author_and_time(ctx: Any, make_user: Any) -> None:
    maya = person(ctx, make_user, "brand")
    staff = person(ctx, make_user, "staff")
    owner = person(ctx, make_user, "owner")
    brief = briefs.save_brief(ctx, complete(), actor=maya)
    briefs.add_comment(ctx, brief, "  אפשר להוסיף גם ניוזלטר?  ", actor=maya)
    with pytest.raises(NotFound):  # staff do not see drafts
        briefs.add_comment(ctx, brief, "היי", actor=staff)
    briefs.submit_brief(ctx, brief, actor=maya)
    briefs.add_comment(ctx, brief, "בטח, נבדוק שלושה ניוזלטרים", actor=staff)
    with pytest.raises(NotFound):
        briefs.add_comment(ctx, brief, "שלום", actor=owner)
    with pytest.raises(briefs.BriefValidationError):
        briefs.add_comment(ctx, brief, "   ", actor=maya)
    ctx.commit()
    thread = [(c.body, c.author_name, c.from_agency) for c in brief.comments]
    assert thread == [
        ("אפשר להוסיף גם ניוזלטר?", maya.display_name, False),
        ("בטח, נבדוק שלושה ניוזלטרים", staff.display_name, True),
    ]
    assert all(c.created_at.tzinfo is not None for c in brief.comments)


def test_communities_are_named_by_listed_communities_only(ctx: Any, make_user: Any) -> None:
    owner = person(ctx, make_user, "owner")
    staff = person(ctx, make_user, "staff")
    maya = person(ctx, make_user, "brand")
    listed = make_listing(ctx, owner, name_he="רצות בפארק", name_en="Park Runners").community
    twin_a = make_listing(ctx, owner, name_he="שכנים בחיפה", name_en=None).community
    twin_b = make_listing(ctx, owner, name_he="שכנים בחיפה", name_en=None).community
    draft = make_listing(ctx, owner, name_he="טיוטה", name_en=None).community
    for community in (listed, twin_a, twin_b):
        catalog.change_status(ctx, community, ListingStatus.SUBMITTED, actor=owner)
        catalog.change_status(ctx, community, ListingStatus.LISTED, actor=staff)
    ids, errors = briefs.resolve_communities(
        ctx, ["park runners", f"שכנים בחיפה (#{twin_b.id})", "", "טיוטה", "שכנים בחיפה"]
    )
    assert ids == [listed.id, twin_b.id]
    assert errors[0] == "No listed community is called “טיוטה”."
    assert errors[1].startswith("Several listed communities are called “שכנים בחיפה”")
    # Named in the UI's language (English here), else in the other one.
    assert (
        briefs.community_lines(ctx, ids)
        == f"Park Runners (#{listed.id})\nשכנים בחיפה (#{twin_b.id})"
    )
    with pytest.raises(briefs.BriefValidationError) as error:
        briefs.save_brief(ctx, complete(exclude_communities=[draft.id]), actor=maya)
    assert codes(error.value) == {("exclude_communities", "unknown_community")}
    with pytest.raises(briefs.BriefValidationError) as error:
        briefs.save_brief(
            ctx,
            complete(exclude_communities=[listed.id], must_have_communities=[listed.id]),
            actor=maya,
        )
    assert codes(error.value) == {("must_have_communities", "also_excluded")}


def test_a_message_alone_is_not_enough_to_submit(ctx: Any, make_user: Any) -> None:
    maya = person(ctx, make_user, "brand")
    data = complete(audience={}, topics=[])
    brief = briefs.save_brief(ctx, data, actor=maya)
    with pytest.raises(briefs.BriefValidationError) as refused:
        briefs.submit_brief(ctx, brief, actor=maya)
    assert ("audience", "no_target") in codes(refused.value)
    assert brief.status == BriefStatus.DRAFT
