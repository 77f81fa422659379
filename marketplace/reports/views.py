"""Results pages: the campaign report, figures per placement, metrics files, exports, pulse."""

from __future__ import annotations

import secrets
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from campaigns.results import MIN_PULSE_ANSWERS, RESULT_METRICS, ResultMetric
from marketplace import ratelimits
from marketplace.catalog import vocab
from marketplace.documents.pdf import render_pdf
from marketplace.errors import KesherError
from marketplace.extensions import db, limiter
from marketplace.reports import imports, report, services
from marketplace.reports.forms import (
    METRIC_LABELS,
    ExportFiguresForm,
    FiguresForm,
    OpenPulseForm,
    PickForm,
    PulseAnswerForm,
    UploadMetricsForm,
)
from marketplace.spreadsheet import write_csv
from marketplace.web import discard_changes, unit_of_work
from pricing.taxonomy import EvidenceTier

bp = Blueprint("reports", __name__, url_prefix="/results")

#: The largest chat export read for a post's figures (the health upload's own cap).
MAX_EXPORT_BYTES = 60 * 1024 * 1024

#: The cookie that keeps a pulse visitor's random id (only its salted hash is stored).
PULSE_COOKIE = "kesher_pulse"


def _user() -> Any:
    return current_user._get_current_object()  # noqa: SLF001 - the real User for the services


def _platform_labels() -> dict[str, str]:
    return {str(k): str(v) for k, v in vocab.PLATFORMS.items()}


def _language() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "he"


@bp.get("/")
def index() -> ResponseReturnValue:
    """The campaigns with agreed placements the reader may see."""
    briefs = services.campaigns_visible_to(db.session, _user())
    return render_template("reports/index.html", briefs=briefs)


def _report_page(
    brief_id: int,
    *,
    upload_form: UploadMetricsForm | None = None,
    problems: list[Any] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    user = _user()
    campaign = services.get_campaign(db.session, brief_id, user)
    results = services.campaign_results(db.session, campaign)
    staff = user.role in services.STAFF_ROLES
    picks = services.picks(db.session, brief_id)
    pulse = services.pulse(db.session, brief_id)
    pulse_rows = [
        {**row, "name": results.community_names.get(int(row["community_id"]), "")}
        for row in pulse.to_dict("records")
    ]
    return render_template(
        "reports/campaign.html",
        campaign=campaign,
        results=results,
        totals=results.totals,
        summary=report.summary_text(results),
        key_figures=report.key_figures(results),
        kpis=report.kpi_rows(results.kpis),
        charts=report.charts(results, _platform_labels()),
        rows=report.placement_rows(results),
        metrics=[m.value for m in RESULT_METRICS],
        metric_labels=METRIC_LABELS,
        picks=picks,
        pick_form=PickForm() if staff else None,
        pulse_form=OpenPulseForm() if staff else None,
        surveys=services.surveys(db.session, brief_id) if staff else [],
        pulse_rows=pulse_rows,
        pulse_minimum=MIN_PULSE_ANSWERS,
        can_enter=user.role in services.ENTER_ROLES,
        upload_form=upload_form
        or (UploadMetricsForm() if user.role in services.ENTER_ROLES else None),
        problems=problems or [],
        audience=campaign.audience,
    ), status


@bp.get("/<int:brief_id>")
def campaign(brief_id: int) -> ResponseReturnValue:
    """The campaign report: summary, goals, charts, placements, highlights and the pulse."""
    return _report_page(brief_id)


@bp.route("/<int:brief_id>/placements/<int:placement_id>", methods=["GET", "POST"])
def figures(brief_id: int, placement_id: int) -> ResponseReturnValue:
    """Enter a placement's figures (owners their own, self-reported; staff with any tier)."""
    user = _user()
    placement = services.get_placement(db.session, brief_id, placement_id, user)
    form = FiguresForm()
    form.tier.choices = [
        SelectChoice(str(int(t)), str(vocab.EVIDENCE_TIERS[t]))
        for t in services.allowed_tiers(user)
    ]
    if request.method == "GET":
        form.tier.data = str(int(EvidenceTier.SELF_REPORTED))
    problems: list[tuple[str | None, str]] = []
    status = 200
    if form.validate_on_submit():
        given = {ResultMetric(k): v for k, v in form.figures().items()}
        with unit_of_work(services.FiguresRefused, success=_("Figures saved.")) as work:
            services.record_figures(
                db.session, placement, given, tier=EvidenceTier(int(form.tier.data or 1)),
                observed_on=form.observed_on.data, actor=user, source=form.source.data or "",
            )  # fmt: skip
        if work.error is None:
            return redirect(url_for("reports.figures", brief_id=brief_id,
                                    placement_id=placement_id))  # fmt: skip
        problems = work.error.problems
        status = 400
        placement = services.get_placement(db.session, brief_id, placement_id, user)
    elif request.method == "POST":
        status = 400
    return _figures_page(placement, brief_id, form, problems, status)


def _figures_page(
    placement: Any,
    brief_id: int,
    form: FiguresForm,
    problems: list[tuple[str | None, str]],
    status: int,
    export_form: ExportFiguresForm | None = None,
) -> ResponseReturnValue:
    return render_template(
        "reports/figures.html",
        placement=placement,
        brief_id=brief_id,
        form=form,
        export_form=export_form or ExportFiguresForm(),
        problems=problems,
        history=services.figure_history(db.session, placement),
        metric_labels=METRIC_LABELS,
    ), status


@bp.post("/<int:brief_id>/placements/<int:placement_id>/export")
@ratelimits.file_upload
def from_export(brief_id: int, placement_id: int) -> ResponseReturnValue:
    """Derive a placement's replies and reactions from a chat export uploaded after the post."""
    user = _user()
    placement = services.get_placement(db.session, brief_id, placement_id, user)
    form = ExportFiguresForm()
    if form.validate_on_submit():
        data = form.file.data.read(MAX_EXPORT_BYTES + 1)
        with unit_of_work(services.FiguresRefused, success=_("Figures saved.")) as work:
            services.figures_from_export(
                db.session, placement, data, form.file.data.filename or "", actor=user
            )
        if work.error is None:
            return redirect(url_for("reports.figures", brief_id=brief_id,
                                    placement_id=placement_id))  # fmt: skip
        problems = work.error.problems
        placement = services.get_placement(db.session, brief_id, placement_id, user)
    else:
        problems = []
    figures_form = FiguresForm(formdata=None)
    figures_form.tier.choices = [
        SelectChoice(str(int(t)), str(vocab.EVIDENCE_TIERS[t]))
        for t in services.allowed_tiers(user)
    ]
    return _figures_page(placement, brief_id, figures_form, problems, 400, export_form=form)


@bp.post("/<int:brief_id>/upload")
@ratelimits.file_upload
def upload(brief_id: int) -> ResponseReturnValue:
    """Apply a metrics file to the campaign: every row checked first, all or nothing."""
    user = _user()
    services.get_campaign(db.session, brief_id, user)
    form = UploadMetricsForm()
    if not form.validate_on_submit():
        return _report_page(brief_id, upload_form=form, status=400)
    data = form.file.data.read(imports.MAX_UPLOAD_BYTES + 1)
    plan = imports.plan_upload(
        db.session, brief_id, data, form.file.data.filename or "", actor=user
    )
    if not plan.ok:
        discard_changes()
        return _report_page(brief_id, upload_form=form, problems=plan.problems, status=400)
    with unit_of_work(services.FiguresRefused) as work:
        upload = imports.apply_upload(db.session, brief_id, plan, actor=user)
        count = upload.figures
    if work.error is not None:
        return _report_page(brief_id, upload_form=form, status=400)
    flash(_("%(count)s figures saved from the file.", count=count), "success")
    return redirect(url_for("reports.campaign", brief_id=brief_id))


@bp.get("/<int:brief_id>/template.csv")
def template(brief_id: int) -> ResponseReturnValue:
    """A metrics file to fill in: one row per placement the reader may report on."""
    campaign = services.get_campaign(db.session, brief_id, _user())
    header, rows = imports.template_rows(campaign)
    return _download(write_csv(header, rows), f"campaign-{brief_id}-metrics.csv", "text/csv")


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/<int:brief_id>/results.csv")
@ratelimits.document
def export_csv(brief_id: int) -> ResponseReturnValue:
    """The per-placement results as CSV (formula-like cells neutralised)."""
    results = services.campaign_results(
        db.session, services.get_campaign(db.session, brief_id, _user())
    )
    return _download(report.export_csv(results), f"campaign-{brief_id}-results.csv", "text/csv")


@bp.get("/<int:brief_id>/results.xlsx")
@ratelimits.document
def export_xlsx(brief_id: int) -> ResponseReturnValue:
    """The per-placement results as an Excel workbook (formula-like cells neutralised)."""
    results = services.campaign_results(
        db.session, services.get_campaign(db.session, brief_id, _user())
    )
    return _download(
        report.export_xlsx(results),
        f"campaign-{brief_id}-results.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.get("/<int:brief_id>/report.pdf")
@ratelimits.document
def pdf(brief_id: int) -> ResponseReturnValue:
    """The report as a PDF, in the reader's language (``?lang=he|en`` to choose)."""
    results = services.campaign_results(
        db.session, services.get_campaign(db.session, brief_id, _user())
    )
    language = request.args.get("lang", "")
    language = language if language in ("he", "en") else _language()
    picks = [(p.kind, p.text) for p in services.picks(db.session, brief_id)]
    document = report.pdf_document(
        results, language, picks=picks, platform_labels=_platform_labels()
    )
    return Response(
        render_pdf(document),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="campaign-{brief_id}-report.pdf"'},
    )


@bp.post("/<int:brief_id>/picks")
def pick(brief_id: int) -> ResponseReturnValue:
    """Staff add a highlight or a member quote to the report."""
    form = PickForm()
    if not form.validate_on_submit():
        flash(_("A highlight or a quote needs its text."), "error")
        return redirect(url_for("reports.campaign", brief_id=brief_id))
    with unit_of_work(KesherError, success=_("Added to the report.")):
        services.add_pick(db.session, brief_id, form.kind.data or "", form.text.data or "",
                          actor=_user())  # fmt: skip
    return redirect(url_for("reports.campaign", brief_id=brief_id))


@bp.post("/<int:brief_id>/pulse")
def open_pulse(brief_id: int) -> ResponseReturnValue:
    """Staff open the member pulse: one anonymous survey link per community."""
    if not OpenPulseForm().validate_on_submit():
        abort(400)
    with unit_of_work(success=_("The member pulse is open: share each community's link.")):
        services.open_pulse(db.session, brief_id, actor=_user())
    return redirect(url_for("reports.campaign", brief_id=brief_id))


@bp.route("/pulse/<slug>", methods=["GET", "POST"])
@limiter.limit(
    lambda: str(current_app.config["PULSE_RATE_LIMIT"]), methods=["POST"]
)  # "once per visitor" is a cookie a script drops: answers per client address are capped
def pulse_survey(slug: str) -> ResponseReturnValue:
    """The anonymous survey a community's members answer once (no sign-in)."""
    survey = services.survey_by_slug(db.session, slug)
    visitor = request.cookies.get(PULSE_COOKIE, "")
    if not (16 <= len(visitor) <= 64 and visitor.isalnum()):
        visitor = secrets.token_hex(16)
    form = PulseAnswerForm()
    done = False
    status = 200
    if form.validate_on_submit():
        with unit_of_work(services.AlreadyAnswered) as work:
            services.answer_pulse(
                db.session, survey, visitor=visitor, recall=form.recall.data == "yes",
                sentiment=int(form.sentiment.data or 0), trust=int(form.trust.data or 0),
            )  # fmt: skip
        if work.error is not None:
            flash(str(work.error.message), "error")
            status = 409
        done = True
    elif request.method == "POST":
        status = 400
    response = make_response(
        render_template(
            "reports/pulse.html", survey=survey, form=form, done=done,
            community=survey.community,
        ),
        status,
    )  # fmt: skip
    response.set_cookie(
        PULSE_COOKIE, visitor, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
    )  # fmt: skip
    return response
