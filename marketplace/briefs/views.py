"""Brief pages: the brand's briefs and form (drafts, submission), the staff queue, a brief."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from campaigns.brief import BRIEF_FIELDS, FieldKind, Goal, KpiKind, KpiWarning, Problem
from marketplace.briefs import services, vocab
from marketplace.briefs.forms import (
    CHECKBOX_DIMENSIONS,
    FIELD_FOR_PROBLEM,
    FREE_DIMENSIONS,
    BriefForm,
    CommentForm,
    ComplianceForm,
    StatusForm,
    SubmitForm,
    audience_field_name,
    form_field_names,
    kpi_field_name,
)
from marketplace.briefs.models import Brief, BriefStatus, ComplianceStatus
from marketplace.briefs.planning import deal_count, planning
from marketplace.briefs.services import BriefValidationError
from marketplace.errors import KesherError
from marketplace.extensions import db
from marketplace.web import unit_of_work
from pricing.money import Money

bp = Blueprint("briefs", __name__, url_prefix="/briefs")


def user() -> Any:
    """The signed-in User (not the proxy), for services that compare identities."""
    return current_user._get_current_object()  # noqa: SLF001


# --- the brand's list and form -------------------------------------------------------------


@bp.get("/")
def mine() -> ResponseReturnValue:
    """List the organisation's briefs, drafts included."""
    briefs = services.list_for_org(db.session, user())
    return render_template("briefs/mine.html", briefs=briefs)


def _form_field(form: BriefForm, name: str) -> Any:
    """The form field that shows a problem of the brief JSON field `name` (or None)."""
    if name.startswith("kpis."):
        name = kpi_field_name(name.removeprefix("kpis."))
    elif name.startswith("audience."):
        name = audience_field_name(name.removeprefix("audience."))
    name = FIELD_FOR_PROBLEM.get(name, name)
    field = getattr(form, name, None)
    return field if field is not None and hasattr(field, "errors") else None


def _attach_problems(
    form: BriefForm, problems: list[Problem]
) -> tuple[dict[str, list[str]], list[str]]:
    """Show each problem next to its field, unless the field already says what is wrong.

    Returns the problems of whole sections (audience, kpis) and those of no field at all.
    """
    already = {field.name for field in form if field.errors}
    sections: dict[str, list[str]] = {}
    general: list[str] = []
    for problem in problems:
        message = vocab.problem_message(problem)
        field = _form_field(form, problem.field)
        if field is not None:
            if field.name not in already and message not in field.errors:
                field.errors = [*field.errors, message]
        elif problem.field in ("audience", "kpis"):
            sections.setdefault(problem.field, []).append(message)
        else:
            general.append(message)
    return sections, general


@dataclass(frozen=True)
class SummaryItem:
    """One line of the error summary: what is wrong, and where (an element id) to fix it."""

    label: str
    message: str
    anchor: str = ""


#: The form's fields and sections in the order the page shows them (``None``: a section).
_PAGE_ORDER: tuple[tuple[str, str | None], ...] = (
    ("title", ""),
    ("goal", ""),
    ("message", ""),
    ("audience", None),
    *((audience_field_name(d), "") for d in [*CHECKBOX_DIMENSIONS, *FREE_DIMENSIONS]),
    ("topics", ""),
    ("avoid_topics", ""),
    ("platforms", ""),
    ("languages", ""),
    ("regions", ""),
    ("must_have_names", ""),
    ("exclude_names", ""),
    ("budget", ""),
    ("currency", ""),
    ("result_worth", ""),
    ("starts_on", ""),
    ("ends_on", ""),
    ("kpis", None),
    *((kpi_field_name(kind), "") for kind in KpiKind),
    ("regulated", ""),
)

#: The heading of each section whose problems are not about one field.
_SECTION_LABELS = {"audience": _l("Whom to reach"), "kpis": _l("Targets (KPIs)")}


def _error_summary(
    form: BriefForm, sections: dict[str, list[str]], general: list[str]
) -> list[SummaryItem]:
    """Every problem on the page, in page order, each linked to the field that fixes it."""
    items = [SummaryItem("", message) for message in general]
    for name, kind in _PAGE_ORDER:
        if kind is None:
            items += [
                SummaryItem(str(_SECTION_LABELS[name]), message, anchor=name)
                for message in sections.get(name, [])
            ]
            continue
        field = getattr(form, name)
        if not field.errors:
            continue
        # A group of checkboxes is reached through its first box (WTForms ids them id-0 …).
        grouped = field.type in ("MultiCheckboxField", "RadioField")
        anchor = f"{field.id}-0" if grouped else field.id
        items += [SummaryItem(str(field.label.text), str(m), anchor) for m in field.errors]
    return items


def _warnings_by_field(data: dict[str, Any]) -> dict[str, list[str]]:
    """KPI warnings, in the UI language, keyed by the form field they are about."""
    warnings: dict[str, list[str]] = {}
    goal = _goal(data.get("goal"))
    for warning in services.warnings_of(data):
        field = kpi_field_name(warning.field.removeprefix("kpis."))
        warnings.setdefault(field, []).append(_warning_text(warning, goal, data))
    return warnings


def _goal(value: Any) -> Goal | None:
    try:
        return Goal(str(value))
    except ValueError:
        return None


def _warning_text(warning: KpiWarning, goal: Goal | None, data: dict[str, Any]) -> str:
    return vocab.warning_message(warning, goal, dict(data.get("kpis") or {}))


def _render_form(
    form: BriefForm,
    brief: Brief | None,
    *,
    sections: dict[str, list[str]] | None = None,
    general: list[str] | None = None,
    warnings: dict[str, list[str]] | None = None,
    draft_would_save: bool = False,
    draft_kept: bool = False,
    status: int = 200,
) -> ResponseReturnValue:
    summary = _error_summary(form, sections or {}, general or []) if status >= 400 else []
    return render_template(
        "briefs/edit.html",
        form=form,
        brief=brief,
        sections=sections or {},
        warnings=warnings or {},
        summary=summary,
        draft_would_save=draft_would_save,
        draft_kept=draft_kept,
        action=url_for("briefs.edit", brief_id=brief.id) if brief else url_for("briefs.create"),
    ), status


#: Brief fields that hold community ids: the form takes and shows them as names.
_COMMUNITY_FIELDS = [f for f in BRIEF_FIELDS if f.kind is FieldKind.IDS]


def _data_from_form(form: BriefForm) -> dict[str, Any]:
    """The posted brief, with community names resolved; what cannot be read stays a field error."""
    data = form.brief_data()
    for spec_field in _COMMUNITY_FIELDS:
        field = getattr(form, form_field_names(spec_field)[0])
        ids, errors = services.resolve_communities(db.session, (field.data or "").splitlines())
        field.errors = [*field.errors, *errors]
        data[spec_field.name] = ids
    return data


def _handle_post(form: BriefForm, brief: Brief | None) -> ResponseReturnValue:
    """Save a draft, or save and submit — or, when anything is wrong, save nothing.

    Everything is checked in one round (the form's own checks and the brief's rules), and
    every problem is shown next to its field and in a summary at the top. A submit that fails
    does not keep a draft behind the user's back: the page says nothing was saved, and offers
    "Save draft" when the brief could be kept as one (docs/briefs.md, "The form").
    """
    form.validate()
    data = _data_from_form(form)
    warnings = _warnings_by_field(data)
    me = user()
    submitting = bool(form.submit_brief.data) and (
        brief is None or brief.status == BriefStatus.DRAFT
    )
    unreadable = any(field.errors for field in form)  # the form's own checks
    problems = (
        services.submit_problems(db.session, data)
        if submitting
        else services.save_problems(db.session, data, brief=brief)
    )
    sections, general = _attach_problems(form, problems)
    if problems or unreadable:
        draft_would_save = (
            submitting
            and not unreadable
            and not services.save_problems(db.session, data, brief=brief)
        )
        return _render_form(
            form, brief, sections=sections, general=general, warnings=warnings,
            draft_would_save=draft_would_save,
            draft_kept=submitting and brief is not None, status=400,
        )  # fmt: skip
    done = (
        _("The brief was submitted. The agency will take it into planning.")
        if submitting
        else _("Saved.")
    )
    with unit_of_work(success=done):
        brief = services.save_brief(db.session, data, actor=me, brief=brief)
        if submitting:
            services.change_status(db.session, brief, BriefStatus.SUBMITTED, actor=me)
    return redirect(url_for("briefs.detail", brief_id=brief.id))


@bp.route("/new", methods=["GET", "POST"])
def create() -> ResponseReturnValue:
    """Start a brief: save it as a draft any time, submit it when it is complete."""
    form = BriefForm()
    if request.method == "POST":
        return _handle_post(form, None)
    return _render_form(form, None)


def _fill(form: BriefForm, brief: Brief) -> dict[str, Any]:
    data = services.brief_data(brief)
    form.fill_from(data)
    for spec_field in _COMMUNITY_FIELDS:  # the form names communities, one a line
        field = getattr(form, form_field_names(spec_field)[0])
        field.data = services.community_lines(db.session, data[spec_field.name])
    return data


@bp.route("/<int:brief_id>/edit", methods=["GET", "POST"])
def edit(brief_id: int) -> ResponseReturnValue:
    """Edit a draft, or a brief the brand was asked to change."""
    brief = services.get_editable(db.session, brief_id, user())
    form = BriefForm()  # the posted fields on POST, empty on GET
    if request.method == "POST":
        return _handle_post(form, brief)
    data = _fill(form, brief)
    return _render_form(form, brief, warnings=_warnings_by_field(data))


@bp.get("/kpi-warnings")
def kpi_warnings() -> ResponseReturnValue:
    """The KPI-realism warnings for the goal and targets being typed (the form asks as you write).

    Reads the form's own fields from the query (``goal``, ``kpi_reach`` …) and answers
    ``{"warnings": {"kpi_leads": ["…"]}}`` in the UI language; it reads and writes nothing stored.
    """
    form = BriefForm(formdata=request.args, meta={"csrf": False})
    data = form.brief_data()
    return jsonify(warnings=_warnings_by_field(data))


@bp.post("/<int:brief_id>/submit")
def submit(brief_id: int) -> ResponseReturnValue:
    """Submit a saved draft; when it is incomplete, show the form with every problem marked."""
    brief = services.get_visible(db.session, brief_id, user())
    if not SubmitForm().validate_on_submit():
        raise KesherError(_("The form expired or was sent from elsewhere. Reload and retry."))
    submitted = _("The brief was submitted. The agency will take it into planning.")
    with unit_of_work(BriefValidationError, success=submitted) as work:
        services.change_status(db.session, brief, BriefStatus.SUBMITTED, actor=user())
    if work.error is not None:
        form = BriefForm(formdata=None)
        data = _fill(form, brief)
        sections, general = _attach_problems(form, work.error.problems)
        return _render_form(
            form, brief, sections=sections, general=general,
            warnings=_warnings_by_field(data), draft_kept=True, status=400,
        )  # fmt: skip
    return redirect(url_for("briefs.detail", brief_id=brief.id))


# --- the brief page ------------------------------------------------------------------------


@bp.get("/<int:brief_id>")
def detail(brief_id: int) -> ResponseReturnValue:
    """Show a brief: what it asks, its warnings, its history and its comment thread."""
    return _detail_page(brief_id)


def _detail_page(brief_id: int, **forms: Any) -> str:
    """The brief's page; a form posted from it comes back in `forms` with its errors and input."""
    me = user()
    brief = services.get_visible(db.session, brief_id, me)
    data = services.brief_data(brief)
    goal = brief.goal
    warnings = [
        (warning, _warning_text(warning, goal, data)) for warning in services.warnings_of(data)
    ]
    missing = []
    if services.can_edit(me, brief):
        missing = [
            (problem, vocab.problem_message(problem))
            for problem in services.submit_problems(db.session, data)
        ]
    names = services.listed_community_names(
        db.session, [*data["exclude_communities"], *data["must_have_communities"]]
    )
    return render_template(
        "briefs/detail.html",
        brief=brief,
        data=data,
        warnings=warnings,
        missing=missing,
        community_names=names,
        can_edit=services.can_edit(me, brief),
        # Submitting has its own button; proposing happens on a plan's page (it sends the plan).
        transitions=[
            to
            for to in services.allowed_transitions(brief, me)
            if to not in (BriefStatus.SUBMITTED, BriefStatus.PLAN_PROPOSED)
        ],
        proposed_plan=planning().proposed_plan(db.session, brief),
        # The deal desk's deals of this brief that the viewer may see (brands: their own).
        deal_count=deal_count(db.session, me, brief),
        can_submit=BriefStatus.SUBMITTED in services.allowed_transitions(brief, me),
        can_decide_compliance=me.role in services.STAFF_ROLES
        and brief.is_regulated
        and brief.status in services.COMPLIANCE_OPEN,
        is_staff=me.role in services.STAFF_ROLES,
        status_form=forms.get("status_form") or StatusForm(formdata=None),
        submit_form=SubmitForm(),
        compliance_form=forms.get("compliance_form") or ComplianceForm(formdata=None),
        comment_form=forms.get("comment_form") or CommentForm(formdata=None),
        budget=Money(brief.budget_minor, brief.currency) if brief.budget_minor else None,
    )


@bp.post("/<int:brief_id>/status")
def change_status(brief_id: int) -> ResponseReturnValue:
    """Move a brief on: take it into planning, propose, approve, ask for changes, close."""
    brief = services.get_visible(db.session, brief_id, user())
    form = StatusForm()
    if form.to.data not in {s.value for s in BriefStatus}:
        flash(_("Unknown status."), "error")
        return redirect(url_for("briefs.detail", brief_id=brief.id)), 303
    if not form.validate_on_submit():
        return _detail_page(brief_id, status_form=form), 422
    with unit_of_work(BriefValidationError) as work:
        # The planning feature moves the brief, so that its proposed plan follows.
        planning().move_brief(
            db.session, brief, BriefStatus(form.to.data), actor=user(), note=form.note.data or ""
        )
    if work.error is not None:
        # The note comes back with the problem next to it; problems of the brief itself
        # (a submitted brief that is incomplete) go above the page.
        for problem in work.error.problems:
            if problem.field == "note":
                form.note.errors = [*form.note.errors, vocab.problem_message(problem)]
            else:
                flash(vocab.problem_message(problem), "error")
        return _detail_page(brief_id, status_form=form), 422
    flash(_("The brief is now: %(status)s.", status=vocab.STATUS_LABELS[brief.status]), "success")
    return redirect(url_for("briefs.detail", brief_id=brief.id))


@bp.post("/<int:brief_id>/compliance")
def compliance(brief_id: int) -> ResponseReturnValue:
    """Agency staff approve a regulated brief, or reject it with a reason."""
    brief = services.get_visible(db.session, brief_id, user())
    form = ComplianceForm()
    if not form.validate_on_submit():
        if form.verdict.errors:
            form.verdict.errors = [_("Choose approve or reject.")]
        return _detail_page(brief_id, compliance_form=form), 422
    with unit_of_work(BriefValidationError) as work:
        services.decide_compliance(
            db.session,
            brief,
            approved=form.verdict.data == "approve",
            note=form.note.data or "",
            actor=user(),
        )
    if work.error is not None:
        form.note.errors = [vocab.problem_message(problem) for problem in work.error.problems]
        return _detail_page(brief_id, compliance_form=form), 422
    flash(str(vocab.COMPLIANCE_LABELS[brief.compliance_status]), "success")
    return redirect(url_for("briefs.detail", brief_id=brief.id))


@bp.post("/<int:brief_id>/comments")
def comment(brief_id: int) -> ResponseReturnValue:
    """Add a comment to the brief's thread."""
    brief = services.get_visible(db.session, brief_id, user())
    form = CommentForm()
    if not form.validate_on_submit():
        form.body.errors = [_("Write a comment of up to 4,000 characters.")]
        return _detail_page(brief_id, comment_form=form), 422
    with unit_of_work():
        services.add_comment(db.session, brief, form.body.data or "", actor=user())
    return redirect(url_for("briefs.detail", brief_id=brief.id) + "#comments")


# --- agency staff --------------------------------------------------------------------------


@bp.get("/queue")
def queue() -> ResponseReturnValue:
    """Agency staff's list of submitted briefs, with filters."""
    wanted = request.args.getlist("status")
    statuses = [s for s in BriefStatus if s.value in wanted and s != BriefStatus.DRAFT]
    compliance_value = request.args.get("compliance", "")
    compliance_filter = (
        ComplianceStatus(compliance_value)
        if compliance_value in {c.value for c in ComplianceStatus}
        else None
    )
    goal = _goal(request.args.get("goal"))
    text = request.args.get("q", "")[:200]
    briefs = services.staff_queue(
        db.session,
        user(),
        statuses=statuses or services.QUEUE_DEFAULT,
        compliance=compliance_filter,
        goal=goal,
        text=text,
    )
    return render_template(
        "briefs/queue.html",
        briefs=briefs,
        chosen_statuses={s.value for s in (statuses or services.QUEUE_DEFAULT)},
        statuses=[s for s in BriefStatus if s != BriefStatus.DRAFT],
        compliance=compliance_value,
        goal=goal.value if goal else "",
        q=text,
        today=date.today(),
    )
