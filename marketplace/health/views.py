"""Health pages: upload a chat export, check exactly what would be kept, confirm or discard it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from marketplace import ratelimits
from marketplace.catalog import context as catalog_context
from marketplace.catalog import services as catalog
from marketplace.catalog.models import ChannelAsset
from marketplace.catalog.services import CatalogValidationError
from marketplace.errors import NotFound, error_response
from marketplace.extensions import db
from marketplace.health import services
from marketplace.health.forms import ConfirmExportForm, DiscardExportForm, UploadExportForm
from marketplace.health.models import PendingHealthUpload
from marketplace.policy import Decision, decide
from marketplace.web import discard_changes, unit_of_work
from pricing.taxonomy import MetricKind, Platform

bp = Blueprint("health", __name__, url_prefix="/catalog")

MIB = 1024 * 1024


def user() -> Any:
    """The signed-in User (not the proxy), for services that compare identities."""
    return current_user._get_current_object()  # noqa: SLF001


def asset_panel(assets: Sequence[ChannelAsset]) -> dict[int, dict[str, Any]]:
    """Each channel's latest health report and whether it takes a chat export.

    Shown on the catalog's listing page, which asks for it through its panel hook.
    """
    reports = services.latest_reports(db.session, [asset.id for asset in assets])
    return {
        asset.id: {
            "health": services.summarise_stored(reports[asset.id]) if asset.id in reports else None,
            "exportable": asset.platform in services.EXPORTABLE,
        }
        for asset in assets
    }


def init_app(app: Flask) -> None:
    """Show each channel's health on the catalog's listing page."""
    catalog_context.add_asset_panel(app, asset_panel)


def _upload_page(
    asset: ChannelAsset, form: UploadExportForm, refusal: services.ExportRefused | None = None
) -> str:
    return render_template(
        "health/upload.html",
        asset=asset,
        form=form,
        refusal=refusal,
        fits=asset.platform in services.EXPORTABLE,
    )


@bp.route("/assets/<int:asset_id>/health", methods=["GET", "POST"])
@ratelimits.health_upload
def upload(asset_id: int) -> ResponseReturnValue:
    """Upload a channel's chat export; it is read in memory and the file itself is not kept."""
    asset = catalog.get_asset(db.session, asset_id, user())
    form = UploadExportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            data = upload.read()
        finally:
            upload.close()  # a large upload's spooled temporary file goes with it
        with unit_of_work(services.ExportRefused) as work:
            pending = _preview(asset, form, data, upload.filename or "")
        if work.error is not None:
            return _upload_page(asset, form, work.error), 422
        return redirect(url_for("health.preview", pending_id=pending.id))
    status = 400 if request.method == "POST" else 200
    return _upload_page(asset, form), status


def _preview(
    asset: ChannelAsset, form: UploadExportForm, data: bytes, filename: str
) -> PendingHealthUpload:
    def attempt() -> PendingHealthUpload:
        return services.preview_export(
            db.session, asset, data, filename, actor=user(),
            admin_names=form.admin_list(), members=form.members.data,
        )  # fmt: skip

    try:
        return attempt()
    except IntegrityError:
        # Another manager's first upload created the community's salt meanwhile: use theirs.
        discard_changes()
        return attempt()


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge) -> ResponseReturnValue:
    """Explain the size cap on the upload form itself, instead of a bare error page."""
    asset = None
    asset_id = (request.view_args or {}).get("asset_id")
    signed_in = current_user if current_user.is_authenticated else None
    # Form parsing (CSRF's check included) runs before the policy check: apply it here.
    if asset_id is not None and decide(request.endpoint, signed_in) is Decision.ALLOW:
        try:
            asset = catalog.get_asset(db.session, int(asset_id), user())
        except NotFound:
            asset = None
    if asset is None:
        return error_response(413, "payload_too_large", _("The file is too large."))
    limit = current_app.config["MAX_CONTENT_LENGTH"] or 0
    message = _(
        "The file is larger than %(mb)s MB, the most Kesher accepts. Export the chat without "
        "media, or a shorter period.",
        mb=f"{limit / MIB:.3g}",
    )
    refusal = services.ExportRefused(message, reason="file_too_large")
    return _upload_page(asset, UploadExportForm(formdata=None), refusal), 413


def _preview_page(
    pending: PendingHealthUpload, problems: list[tuple[str, str]] | None = None
) -> str:
    period = [date.fromisoformat(day) for day in pending.preview["period"]]
    held = pending.preview.get("held_back", {})
    figures = {
        MetricKind(kind): value
        for kind, value in pending.preview["figures"].items()
        if kind not in held
    }
    return render_template(
        "health/preview.html",
        pending=pending,
        asset=pending.asset,
        kept=pending.kept,
        column_labels={k: str(v) for k, v in services.COLUMN_LABELS.items()},
        kind_labels={k: str(v) for k, v in services.EVENT_KIND_LABELS.items()},
        summary=services.summarise(pending.preview["report"], period=(period[0], period[1])),
        figures=figures,
        source=str(services.SOURCES[Platform(pending.kept["platform"])]),
        confirm_form=ConfirmExportForm(),
        discard_form=DiscardExportForm(),
        problems=problems or [],
        held_back=services.held_back_messages(held, _headline_days(pending.preview["report"])),
    )


def _headline_days(report: dict[str, Any]) -> int:
    return int(report["periods"][0]["days"])


@bp.get("/health/<int:pending_id>")
def preview(pending_id: int) -> ResponseReturnValue:
    """Show exactly what would be kept from an upload, and the score it gives."""
    pending = services.get_pending(db.session, pending_id, user())
    return _preview_page(pending)


@bp.post("/health/<int:pending_id>/confirm")
def confirm(pending_id: int) -> ResponseReturnValue:
    """Keep the report and its figures; the anonymised rows are deleted."""
    pending = services.get_pending(db.session, pending_id, user())
    if not ConfirmExportForm().validate_on_submit():
        return _preview_page(pending, [("submit", _("Confirm the upload."))]), 422
    asset_id, community_id = pending.asset_id, pending.asset.community_id
    with unit_of_work(CatalogValidationError) as work:
        stored = services.confirm_export(db.session, pending, actor=user())
    if work.error is not None:
        return _preview_page(pending, work.error.problems), 422
    days = _headline_days(stored.report)
    for message in services.held_back_messages(stored.report.get("held_back", {}), days):
        flash(message, "warning")
    flash(
        _("The health report was saved and its figures joined the channel's history. "
          "The anonymised rows of the export were deleted."),
        "success",
    )  # fmt: skip
    return redirect(
        url_for("catalog.detail", community_id=community_id, _anchor=f"asset-{asset_id}")
    )


@bp.post("/health/<int:pending_id>/discard")
def discard(pending_id: int) -> ResponseReturnValue:
    """Drop an upload without keeping anything from it."""
    pending = services.get_pending(db.session, pending_id, user())
    if not DiscardExportForm().validate_on_submit():
        raise CatalogValidationError([("submit", _("Confirm the upload."))])
    community_id = pending.asset.community_id
    discarded = _("Discarded: nothing from the export was kept.")
    with unit_of_work(success=discarded, category="info"):
        services.discard_export(db.session, pending, actor=user())
    return redirect(url_for("catalog.detail", community_id=community_id))
