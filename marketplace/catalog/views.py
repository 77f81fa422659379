"""Catalog pages: browse and search, listing pages, the owner's editor, staff review."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from marketplace import jobs, ratelimits
from marketplace.auth.models import Role
from marketplace.catalog import cache, exports, imports, presenters, search, services, vocab
from marketplace.catalog.forms import (
    AssetForm,
    AudienceForm,
    CommunityForm,
    ConfirmImportForm,
    ImportForm,
    MetricForm,
    ReviewMetricForm,
    StatusForm,
    rate_field_name,
)
from marketplace.catalog.models import (
    CatalogImport,
    ChannelAsset,
    Community,
    EvidenceFile,
    ListingStatus,
)
from marketplace.catalog.services import CatalogValidationError
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.jobs import services as job_services
from marketplace.jobs.views import page_helpers
from marketplace.web import discard_changes, unit_of_work
from pricing.money import Money
from pricing.taxonomy import RATE_METRICS, EvidenceTier

bp = Blueprint("catalog", __name__, url_prefix="/catalog")

#: Listings per page of "my communities" (an agency-run owner account may hold thousands).
MINE_PAGE = 20


def user() -> Any:
    """The signed-in User (not the proxy), for services that compare identities."""
    return current_user._get_current_object()  # noqa: SLF001


def _attach_problems(form: Any, error: CatalogValidationError) -> None:
    """Show each problem next to its field, or on the form when no field matches."""
    for field_name, message in error.problems:
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors), message]
        else:
            flash(message, "error")


@bp.get("/")
def browse() -> ResponseReturnValue:
    """Search and browse the communities this user may see.

    The filter panel (rendered blank once, each selection's choices ticked in it) and the
    results are kept (see catalog.cache): the results under the catalog's version, so any
    change to the catalog shows at once.
    """
    params = search.SearchParams.from_args(request.args)
    me = user()
    is_staff = me.role in services.STAFF_ROLES
    language = str(get_locale() or "he")
    panels, results = cache.caches()
    blank_panel = panels.get_or_make(
        (language, is_staff),
        lambda: cache.rendered(
            "catalog/_filters.html",
            params=search.SearchParams(),
            is_staff=is_staff,
            facets=search.facet_choices(),
        ),
    )
    selection = tuple(sorted(params.filters.items()))
    filters_html = panels.get_or_make(
        (language, is_staff, selection, params.evidence, params.status),
        lambda: cache.filled_panel(str(blank_panel), params),
    )
    audience = "staff" if is_staff else f"owner:{me.id}" if me.role is Role.OWNER else "listed"
    args = tuple(sorted((k, tuple(v)) for k, v in request.args.lists()))
    version = cache.page_catalog_version(db.session)
    results_html = results.get_or_make(
        None if version is None else (version, audience, language, args),
        lambda: presenters.render_results(params, me, is_staff, version),
    )
    return cache.browse_page(params, filters_html, results_html)


@bp.get("/<int:community_id>")
def detail(community_id: int) -> ResponseReturnValue:
    """Show a listing as a page a person would rather look at than read.

    For readers who do not manage it (brands, finance, other owners) the page's content is the
    same for everyone, so it is rendered once per language and day and kept under the catalog
    version; its managers and agency staff always get it fresh, with their forms.
    """
    me = user()
    # Who may see it and who manages it: a light read (the page itself may come from the cache).
    community = db.session.scalar(
        services.visible_communities(me)
        .where(Community.id == community_id)
        .options(selectinload(Community.managers))
    )
    if community is None:
        raise NotFound()
    if me.role in services.STAFF_ROLES or services.can_manage(me, community):
        community = services.get_visible(db.session, community_id, me)
        return render_template("catalog/detail.html", **presenters.detail_context(community, me))
    version = cache.page_catalog_version(db.session)
    key = (
        None
        if version is None
        else ("detail", community.id, version, str(get_locale() or "he"), date.today())
    )
    _panels, results = cache.caches()
    body = results.get_or_make(
        key,
        lambda: cache.rendered(
            "catalog/_detail_body.html",
            **presenters.detail_context(services.get_visible(db.session, community_id, me), me),
        ),
    )
    return render_template("catalog/detail.html", community=community, body_html=body)


def _detail_again(community_id: int, error: CatalogValidationError | None, **forms: Any) -> Any:
    """The listing page again, with the submitted form's problems next to its fields (422).

    A form posted from the listing page comes back with what the person typed, never as a bare
    error page. The failed unit of work was already rolled back.
    """
    if error is not None:
        for form in forms.values():
            _attach_problems(form, error)
    me = user()
    community = services.get_visible(db.session, community_id, me)
    return render_template(
        "catalog/detail.html", **{**presenters.detail_context(community, me), **forms}
    ), 422


@bp.get("/mine")
def mine() -> ResponseReturnValue:
    """List the listings this owner owns or co-manages, newest first, a page at a time."""
    before = request.args.get("before", type=int)
    page = services.my_listings(db.session, user(), before=before, size=MINE_PAGE)
    return render_template(
        "catalog/mine.html",
        communities=page.communities,
        total=page.total,
        next_url=url_for("catalog.mine", before=page.next_before)
        if page.next_before is not None
        else None,
        first_url=url_for("catalog.mine") if before is not None else None,
    )


@bp.route("/new", methods=["GET", "POST"])
def create() -> ResponseReturnValue:
    """Start a new listing (a draft until the owner submits it)."""
    form = CommunityForm()
    if form.validate_on_submit():
        saved = _("The listing was saved as a draft. Now add its channels.")
        with unit_of_work(CatalogValidationError, success=saved) as work:
            community = services.save_community(db.session, form.data_for_service(), actor=user())
        if work.error is not None:
            _attach_problems(form, work.error)
        else:
            return redirect(url_for("catalog.add_asset", community_id=community.id))
    status = 400 if request.method == "POST" else 200
    return render_template("catalog/edit.html", form=form, community=None), status


@bp.route("/<int:community_id>/edit", methods=["GET", "POST"])
def edit(community_id: int) -> ResponseReturnValue:
    """Edit a listing's story, DNA, audience kind and rules."""
    community = services.get_manageable(db.session, community_id, user())
    form = CommunityForm(obj=community)
    form.contact_phone.stored = community.contact_phone  # kept as is when unchanged
    if request.method == "GET":
        form.tag_list.data = ", ".join(community.tags or [])
    if form.validate_on_submit():
        was = community.status
        with unit_of_work(CatalogValidationError, success=_("Saved.")) as work:
            services.save_community(
                db.session, form.data_for_service(), actor=user(), community=community
            )
        if work.error is not None:
            _attach_problems(form, work.error)
        else:
            _say_if_back_in_review(was, community)
            return redirect(url_for("catalog.detail", community_id=community.id))
    status = 400 if request.method == "POST" else 200
    return render_template("catalog/edit.html", form=form, community=community), status


@bp.post("/<int:community_id>/status")
def change_status(community_id: int) -> ResponseReturnValue:
    """Submit, approve, reject, pause or resume a listing."""
    community = services.get_manageable(db.session, community_id, user())
    form = StatusForm()
    if form.to.data not in {s.value for s in ListingStatus}:
        raise services.CatalogValidationError([("to", _("Unknown status."))])
    if not form.validate_on_submit():
        return _detail_again(community_id, None, status_form=form)
    with unit_of_work(CatalogValidationError) as work:
        services.change_status(
            db.session,
            community,
            ListingStatus(form.to.data),
            actor=user(),
            reason=form.reason.data or "",
        )
    if work.error is not None:
        return _detail_again(community_id, work.error, status_form=form)
    flash(
        _("The listing is now: %(status)s.", status=services.STATUS_LABELS[community.status]),
        "success",
    )
    return redirect(url_for("catalog.detail", community_id=community.id))


def _say_if_back_in_review(was: ListingStatus, community: Community) -> None:
    if was is not ListingStatus.SUBMITTED and community.status is ListingStatus.SUBMITTED:
        flash(
            _(
                "This change needs the agency's review: the listing is hidden from brands "
                "until staff approve it again."
            ),
            "info",
        )


def _save_asset(form: AssetForm, community: Community, asset: ChannelAsset | None) -> bool:
    was = community.status
    with unit_of_work(CatalogValidationError, ValueError) as work:
        saved = services.save_asset(
            db.session, community, presenters.asset_data(form), actor=user(), asset=asset
        )
        services.set_rates(db.session, saved, presenters.rates_data(form), actor=user())
    if isinstance(work.error, CatalogValidationError):
        _attach_problems(form, work.error)
        return False
    if work.error is not None:
        form.currency.errors = [_("Prices have at most two decimal places.")]
        return False
    _say_if_back_in_review(was, community)
    return True


@bp.route("/<int:community_id>/assets/new", methods=["GET", "POST"])
def add_asset(community_id: int) -> ResponseReturnValue:
    """Add a channel (group, channel, newsletter …) with its size and rate card."""
    community = services.get_manageable(db.session, community_id, user())
    form = AssetForm()
    if form.validate_on_submit() and _save_asset(form, community, None):
        flash(_("The channel was added."), "success")
        return redirect(url_for("catalog.detail", community_id=community.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "catalog/asset.html",
        form=form,
        community=community,
        asset=None,
        **presenters.rate_card_context(),
    ), status


@bp.route("/assets/<int:asset_id>/edit", methods=["GET", "POST"])
def edit_asset(asset_id: int) -> ResponseReturnValue:
    """Edit a channel and its rate card."""
    asset = services.get_asset(db.session, asset_id, user())
    form = AssetForm(obj=asset)
    if request.method == "GET":
        form.platform.data = asset.platform.value
        form.interaction_mode.data = asset.interaction_mode.value
        for rate in asset.rates:
            money = Money(rate.amount_minor, rate.currency)
            getattr(form, rate_field_name(rate.placement)).data = money.as_decimal()
            form.currency.data = rate.currency
    if form.validate_on_submit() and _save_asset(form, asset.community, asset):
        flash(_("Saved."), "success")
        return redirect(url_for("catalog.detail", community_id=asset.community_id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "catalog/asset.html",
        form=form,
        community=asset.community,
        asset=asset,
        **presenters.rate_card_context(),
    ), status


@bp.post("/assets/<int:asset_id>/delete")
def delete_asset(asset_id: int) -> ResponseReturnValue:
    """Remove a channel from a listing."""
    asset = services.get_asset(db.session, asset_id, user())
    community_id = asset.community_id
    with unit_of_work(success=_("The channel was removed."), category="info"):
        services.delete_asset(db.session, asset, actor=user())
    return redirect(url_for("catalog.detail", community_id=community_id))


@bp.route("/<int:community_id>/audience", methods=["GET", "POST"])
def audience(community_id: int) -> ResponseReturnValue:
    """Edit the audience distributions (each must add up to 100%)."""
    community = services.get_manageable(db.session, community_id, user())
    current = services.audience_by_dimension(community)
    errors: dict[str, list[str]] = {}
    values: dict[str, dict[str, str]] = {
        dim: {b: f"{bp / 100:g}" for b, bp in shares.items()} for dim, shares in current.items()
    }
    form = AudienceForm()
    if form.is_submitted():  # its CSRF token is checked for every POST (CSRFProtect)
        parsed, values, errors = form.shares()
        if not errors:
            saved = _("The audience was saved.")
            with unit_of_work(CatalogValidationError, success=saved) as work:
                for dimension, shares in parsed.items():
                    services.set_audience(db.session, community, dimension, shares, actor=user())
            if work.error is not None:
                for dimension, message in work.error.problems:
                    errors.setdefault(dimension, []).append(message)
            else:
                return redirect(url_for("catalog.detail", community_id=community.id))
    else:
        for dimension, buckets in vocab.AUDIENCE_DIMENSIONS.items():
            if buckets is None and dimension in current:
                values[dimension] = {
                    "free": "\n".join(f"{b}: {bp / 100:g}" for b, bp in current[dimension].items())
                }
    return render_template(
        "catalog/audience.html",
        community=community,
        dimensions=vocab.AUDIENCE_DIMENSIONS,
        labels=vocab.AUDIENCE_DIMENSION_LABELS,
        values=values,
        errors=errors,
    ), (400 if errors else 200)


@bp.route("/assets/<int:asset_id>/metrics/new", methods=["GET", "POST"])
@ratelimits.file_upload
def add_metric(asset_id: int) -> ResponseReturnValue:
    """Record a dated figure for a channel, with a screenshot when there is one."""
    asset = services.get_asset(db.session, asset_id, user())
    form = MetricForm()
    if form.validate_on_submit():
        kind = form.metric_kind()
        value = float(form.value.data or 0)
        if kind in RATE_METRICS:
            value /= 100
        saved = _("The figure was added to the history.")
        with unit_of_work(CatalogValidationError, success=saved) as work:
            evidence = None
            if form.evidence.data:
                upload = form.evidence.data
                evidence = services.store_evidence(
                    db.session, asset.community, filename=upload.filename or "screenshot",
                    data=upload.read(), actor=user(),
                )  # fmt: skip
            services.record_metric(
                db.session, asset, kind, value, actor=user(), observed_on=form.observed_on.data,
                source=form.source.data or "", tier=EvidenceTier(int(form.tier.data)),
                evidence=evidence,
            )  # fmt: skip
        if work.error is not None:
            _attach_problems(form, work.error)
        else:
            return redirect(url_for("catalog.detail", community_id=asset.community_id))
    status = 400 if request.method == "POST" else 200
    return render_template("catalog/metric.html", form=form, asset=asset), status


@bp.post("/metrics/<int:snapshot_id>/review")
def review_metric(snapshot_id: int) -> ResponseReturnValue:
    """Verify a figure or question it, with a note."""
    snapshot = services.get_snapshot(db.session, snapshot_id, user())
    form = ReviewMetricForm()
    form.snapshot_id = snapshot.id
    if not form.validate_on_submit():
        if form.verdict.errors:
            form.verdict.errors = [_("Choose verify or question.")]
        return _detail_again(snapshot.asset.community_id, None, review_form=form)
    with unit_of_work(success=_("The review was saved.")):
        services.review_metric(
            db.session, snapshot, verified=form.verdict.data == "verify",
            note=form.note.data or "", actor=user(),
        )  # fmt: skip
    return redirect(url_for("catalog.detail", community_id=snapshot.asset.community_id))


@bp.get("/evidence/<int:file_id>")
def evidence(file_id: int) -> ResponseReturnValue:
    """Serve an evidence screenshot to those who may manage its listing."""
    file = db.session.get(EvidenceFile, file_id)
    if file is None:
        raise NotFound()
    services.get_manageable(db.session, file.community_id, user())
    return Response(
        file.data,
        mimetype=file.content_type,
        headers={
            "Content-Disposition": f'inline; filename="{file.filename}"',
            "Cache-Control": "private, max-age=3600",
        },
    )


#: How many items of each kind the review queue shows at once (oldest first).
REVIEW_PAGE = 30


@bp.get("/review")
def review_queue() -> ResponseReturnValue:
    """Agency staff's queue: listings waiting for review and figures in question."""
    queue = services.review_queue(db.session, size=REVIEW_PAGE)
    return render_template(
        "catalog/review_queue.html",
        waiting=queue.waiting,
        waiting_total=queue.waiting_total,
        questioned=queue.questioned,
        screenshots=queue.screenshots,
    )


# --- bulk import and export (agency staff) -------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@ratelimits.file_upload
def import_upload() -> ResponseReturnValue:
    """Upload a catalog file; it is checked completely before anything is written."""
    form = ImportForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("catalog/import.html", form=form, plan=None), status
    upload = form.file.data
    data = upload.read()
    plan = imports.plan_import(db.session, data, upload.filename or "upload", actor=user())
    discard_changes()  # planning reads only; make sure nothing lingers
    if not plan.ok:
        return render_template("catalog/import.html", form=form, plan=plan), 422
    record = CatalogImport(
        created_by_id=current_user.id,
        filename=plan.filename[-255:],
        sha256=plan.sha256,
        data=data,
        summary=plan.summary,
    )
    with unit_of_work():
        db.session.add(record)
    return redirect(url_for("catalog.import_preview", import_id=record.id))


def _own_import(import_id: int) -> Any:
    record = db.session.get(CatalogImport, import_id)
    if record is None or record.created_by_id != current_user.id:
        raise NotFound()
    return record


@bp.get("/import/<int:import_id>")
def import_preview(import_id: int) -> ResponseReturnValue:
    """Show what an import will do, and ask for confirmation."""
    record = _own_import(import_id)
    job = job_services.find_by_key(db.session, f"catalog.import:{record.id}")
    return render_template(
        "catalog/import_preview.html",
        record=record,
        form=ConfirmImportForm(),
        job=job,
        **page_helpers(),
    )


@bp.post("/import/<int:import_id>/apply")
def import_apply(import_id: int) -> ResponseReturnValue:
    """Queue the writing of a previewed import (a job: checked again, then all or nothing).

    The job's key is the import, so a second click shows the same job instead of a second one.
    """
    record = _own_import(import_id)
    if record.state == "applied":
        flash(_("This file was already imported."), "info")
        return redirect(url_for("catalog.browse"))
    if not ConfirmImportForm().validate_on_submit():
        raise CatalogValidationError([("submit", _("Confirm the import."))])
    with unit_of_work():
        job = jobs.enqueue(
            db.session, "catalog.import", {"import_id": record.id}, user=user(),
            key=f"catalog.import:{record.id}",
        )  # fmt: skip
    return redirect(url_for("jobs.detail", job_id=job.id))


@bp.get("/export")
@ratelimits.document
def export() -> ResponseReturnValue:
    """Download the catalog as CSV, XLSX or JSON (formula-like cells are neutralised)."""
    fmt = request.args.get("format", "csv")
    if fmt not in {"csv", "xlsx", "json"}:
        raise CatalogValidationError([("format", _("Choose csv, xlsx or json."))])
    rows = exports.export_rows(db.session, actor=user())
    body = exports.export_file(rows, fmt, hebrew_headers=request.args.get("headers") == "he")
    mimetypes = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "json": "application/json",
    }
    return Response(
        body,
        mimetype=mimetypes[fmt],
        headers={"Content-Disposition": f'attachment; filename="kesher-catalog.{fmt}"'},
    )
