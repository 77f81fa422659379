"""Matching pages: the ranked list, the shortlist, plans, and the brand's review of a plan."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from campaigns.planning import scaled_budget
from marketplace.auth.models import Role
from marketplace.briefs import planning as brief_planning
from marketplace.briefs import services as briefs
from marketplace.briefs.models import Brief, BriefStatus
from marketplace.errors import KesherError as BadRequest
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.matching import sentences, services, table
from marketplace.matching.forms import (
    COMPARE_MAX,
    COMPARE_MIN,
    AddToShortlistForm,
    BuildPlanForm,
    PlanDecisionForm,
    ShortlistEntryForm,
)
from marketplace.matching.models import MediaPlan, PlanStatus
from marketplace.safety import safe_redirect_target
from marketplace.web import unit_of_work

bp = Blueprint("matching", __name__, url_prefix="/briefs")

#: Brief states in which the agency works on matching and plans.
WORKING = frozenset(
    {BriefStatus.SUBMITTED, BriefStatus.IN_PLANNING, BriefStatus.PLAN_PROPOSED,
     BriefStatus.CHANGES_REQUESTED}
)  # fmt: skip
#: What the plan settings form suggests before staff change it.
PLAN_DEFAULTS = {"min_communities": 3}
#: "What if the budget were 20% higher": the budget in basis points of the plan it varies.
WHAT_IF_BP = 12_000

COMPONENT_LABELS = {
    "topic": _l("Topic fit"),
    "audience": _l("Audience fit"),
    "goal_format": _l("Formats for the goal"),
    "health": _l("Health and engagement"),
    "evidence": _l("Evidence"),
    "value": _l("Value for money"),
    "past": _l("Past performance"),
}
GATE_LABELS = {
    "status": _l("Listed now"),
    "excluded": _l("Excluded by the brand"),
    "avoid_topics": _l("Topics to avoid"),
    "language": _l("Language"),
    "region": _l("Region"),
    "platform": _l("Channels allowed"),
    "regulated": _l("Regulated category allowed"),
    "sensitive": _l("Sensitive audience"),
    "goal_format": _l("Offers a format for the goal"),
    "budget": _l("Within the budget"),
}


#: What the outcome lens counts, inside a sentence.
RESULT_LABELS = {
    "clicks": _l("clicks"),
    "leads": _l("leads"),
    "engagements": _l("engagements"),
}

PLAN_STATUS_LABELS = {
    PlanStatus.DRAFT: _l("Draft (agency only)"),
    PlanStatus.PROPOSED: _l("Proposed to the brand"),
    PlanStatus.APPROVED: _l("Approved by the brand"),
    PlanStatus.CHANGES_REQUESTED: _l("Brand asked for changes"),
    PlanStatus.SUPERSEDED: _l("Replaced by a newer proposal"),
}


def init_app(app: Flask) -> None:
    """Show the proposed plan on the brief page, and move it whenever the brief moves."""
    brief_planning.register(
        app,
        brief_planning.Planning(
            proposed_plan=services.proposed_plan, move_brief=services.move_brief
        ),
    )


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "component_labels": COMPONENT_LABELS,
        "gate_labels": GATE_LABELS,
        "plan_status_labels": PLAN_STATUS_LABELS,
        "result_labels": RESULT_LABELS,
    }


def _me() -> Any:
    return current_user._get_current_object()  # noqa: SLF001


def _lang() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "he"


def _brief(brief_id: int) -> Brief:
    """The brief, if this user may see it: agency staff any submitted one, a brand its own."""
    brief = db.session.get(Brief, brief_id)
    me = _me()
    if brief is None:
        raise NotFound(_("There is no such brief."))
    if me.role in (Role.STAFF, Role.ADMIN):
        if brief.status is BriefStatus.DRAFT:
            raise NotFound(_("There is no such brief."))
        return brief
    if me.role is Role.BRAND and me.organisation_id == brief.organisation_id:
        return brief
    raise NotFound(_("There is no such brief."))


def _working(brief: Brief) -> None:
    if brief.status not in WORKING:
        raise BadRequest(_("This brief is not being planned now."))


@bp.get("/<int:brief_id>/matches")
def matches(brief_id: int) -> ResponseReturnValue:
    """The ranked, explained communities for a brief, as a sortable table to pick from."""
    brief = _brief(brief_id)
    return _matches_page(brief)


def _top() -> int:
    return min(max(request.args.get("top", 50, type=int) or 50, 1), 200)


def _matches_page(
    brief: Brief, *, selected: frozenset[int] = frozenset(), compare_error: str = ""
) -> str:
    result = services.ranked(db.session, brief, top=_top())
    sort, descending = table.parse_sort(request.args.get("sort"), request.args.get("dir"))
    lines = table.sort_lines(table.match_lines(db.session, result.rows, _lang()), sort, descending)
    listed = {e.community_id for e in services.shortlist(db.session, brief)}
    return render_template(
        "matching/matches.html", brief=brief, result=result, lines=lines, shortlisted=listed,
        lang=_lang(), working=brief.status in WORKING, sort=sort, descending=descending,
        why=sentences.why, advise=sentences.advise, diagnosed=sentences.diagnosed,
        sorts=table.SORTS, selected=selected, compare_error=compare_error,
        compare_min=COMPARE_MIN, compare_max=COMPARE_MAX,
    )  # fmt: skip


@bp.get("/<int:brief_id>/compare")
def compare(brief_id: int) -> ResponseReturnValue:
    """Two to four ranked communities side by side: figures, score parts and reasons."""
    brief = _brief(brief_id)
    wanted: list[int] = []
    for raw in request.args.getlist("c"):
        if raw.isdecimal() and len(raw) < 19 and int(raw) not in wanted:
            wanted.append(int(raw))
    if not COMPARE_MIN <= len(wanted) <= COMPARE_MAX:
        message = _(
            "Choose from %(min)s to %(max)s communities to compare; you chose %(n)s.",
            min=COMPARE_MIN, max=COMPARE_MAX, n=len(wanted),
        )  # fmt: skip
        return _matches_page(brief, selected=frozenset(wanted), compare_error=message), 422
    result = services.ranked(db.session, brief, top=200)
    rows = [row for row in result.rows if row.community_id in wanted]
    lines = {line.community_id: line for line in table.match_lines(db.session, rows, _lang())}
    return render_template(
        "matching/compare.html", brief=brief, lang=_lang(), why=sentences.why,
        lines=[lines[i] for i in wanted if i in lines],
        missing=[i for i in wanted if i not in lines],
    )  # fmt: skip


@bp.post("/<int:brief_id>/shortlist")
def add_to_shortlist(brief_id: int) -> ResponseReturnValue:
    brief = _brief(brief_id)
    _working(brief)
    form = AddToShortlistForm()
    if not form.validate_on_submit():
        problems = [str(e) for field in (form.community_id, form.note) for e in field.errors]
        raise BadRequest(problems[0] if problems else _("Choose a community to add."))
    community_id = form.community_id.data
    assert community_id is not None  # InputRequired
    with unit_of_work(success=_("Added to the shortlist.")):
        services.add_to_shortlist(
            db.session, brief, community_id, actor=_me(), note=form.note.data or ""
        )
    return redirect(
        safe_redirect_target(form.back.data) or url_for(".shortlist", brief_id=brief.id)
    )


@bp.get("/<int:brief_id>/shortlist")
def shortlist(brief_id: int) -> ResponseReturnValue:
    return _shortlist_page(_brief(brief_id), BuildPlanForm(formdata=None, data=PLAN_DEFAULTS))


def _shortlist_page(
    brief: Brief, form: BuildPlanForm, entry_form: ShortlistEntryForm | None = None
) -> str:
    return render_template(
        "matching/shortlist.html",
        brief=brief,
        entries=services.shortlist(db.session, brief),
        plans=services.plans(db.session, brief),
        working=brief.status in WORKING,
        form=form,
        entry_form=entry_form,
    )


@bp.post("/<int:brief_id>/shortlist/<int:entry_id>")
def update_entry(brief_id: int, entry_id: int) -> ResponseReturnValue:
    brief = _brief(brief_id)
    _working(brief)
    entry = services.get_entry(db.session, brief, entry_id)
    form = ShortlistEntryForm()
    if form.action.data == "remove":
        with unit_of_work(success=_("Removed from the shortlist.")):
            services.remove_entry(db.session, entry)
    elif not form.validate_on_submit():
        form.entry_id = entry.id
        return _shortlist_page(brief, BuildPlanForm(formdata=None, data=PLAN_DEFAULTS), form), 422
    else:
        state = form.state.data
        with unit_of_work(success=_("Saved.")):
            services.update_entry(
                entry,
                note=form.note.data or "",
                locked=state == "locked",
                excluded=state == "excluded",
            )
    return redirect(url_for(".shortlist", brief_id=brief.id))


@bp.post("/<int:brief_id>/plans")
def build_plan(brief_id: int) -> ResponseReturnValue:
    """Run the optimiser over the shortlist (or, with what_if, at a 20% higher budget)."""
    brief = _brief(brief_id)
    _working(brief)
    form = BuildPlanForm()
    if not form.validate_on_submit():
        return _shortlist_page(brief, form), 422
    based_on = budget = None
    if what_if := form.what_if.data:
        based_on = services.get_plan(db.session, brief, what_if)
        budget = scaled_budget(based_on.budget_minor, WHAT_IF_BP)
    with unit_of_work():
        plan = services.make_plan(
            db.session, brief, actor=_me(), budget_minor=budget, based_on=based_on,
            channel_cap_pct=form.channel_cap_pct.data, min_communities=form.min_communities.data,
        )  # fmt: skip
    return redirect(url_for(".plan", brief_id=brief.id, plan_id=plan.id))


@bp.get("/<int:brief_id>/plans/<int:plan_id>")
def plan(brief_id: int, plan_id: int) -> ResponseReturnValue:
    brief = _brief(brief_id)
    return _plan_page(brief, services.get_plan(db.session, brief, plan_id))


def _plan_page(brief: Brief, plan: MediaPlan, form: PlanDecisionForm | None = None) -> str:
    agency = _me().role in (Role.STAFF, Role.ADMIN)
    if not agency and plan.status not in services.BRAND_VISIBLE:
        raise NotFound(_("There is no such plan."))
    base = db.session.get(MediaPlan, plan.based_on_id) if plan.based_on_id else None
    return render_template(
        "matching/plan.html", brief=brief, plan=plan, base=base, agency=agency, lang=_lang(),
        say=sentences.say,
        comments=briefs.comments_of(brief) if hasattr(briefs, "comments_of") else brief.comments,
        working=brief.status in WORKING,
        decision_form=form or PlanDecisionForm(formdata=None),
    )  # fmt: skip


@bp.post("/<int:brief_id>/plans/<int:plan_id>/propose")
def propose(brief_id: int, plan_id: int) -> ResponseReturnValue:
    brief = _brief(brief_id)
    _working(brief)
    plan = services.get_plan(db.session, brief, plan_id)
    with unit_of_work(success=_("The plan was sent to the brand.")):
        services.propose(db.session, brief, plan, actor=_me())
    return redirect(url_for(".plan", brief_id=brief.id, plan_id=plan.id))


@bp.post("/<int:brief_id>/plans/<int:plan_id>/decision")
def decide(brief_id: int, plan_id: int) -> ResponseReturnValue:
    """The brand approves the proposed plan or asks for changes, with a comment."""
    brief = _brief(brief_id)
    plan = services.get_plan(db.session, brief, plan_id)
    form = PlanDecisionForm()
    if not form.validate_on_submit():
        return _plan_page(brief, plan, form), 422
    with unit_of_work():
        services.decide(
            db.session, brief, plan, actor=_me(), approve=form.decision.data == "approve",
            comment=form.comment.data or "",
        )  # fmt: skip
    if plan.status is PlanStatus.APPROVED:
        flash(_("Plan approved: the agency's deal desk takes it from here."), "success")
    else:
        flash(_("Your comments were sent to the agency."), "success")
    return redirect(url_for(".plan", brief_id=brief.id, plan_id=plan.id))
