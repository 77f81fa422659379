"""Administration pages: users, the outbox and the pricing benchmark tables."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import ratelimits
from marketplace.admin import services as admin_services
from marketplace.admin.forms import (
    ActivatePricingVersionForm,
    CreateUserForm,
    EditUserForm,
    PricingTableUploadForm,
    SetUserActiveForm,
)
from marketplace.auth import services
from marketplace.auth.models import Role, User
from marketplace.bidi import isolate_ltr
from marketplace.errors import EmailAlreadyRegistered, KesherError
from marketplace.extensions import db
from marketplace.valuation import services as valuation
from marketplace.valuation.models import PricingTableVersion
from marketplace.web import unit_of_work
from pricing.valuation.priors import PriorsError

#: Users per page of the admin list.
USERS_PAGE = 50

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
def users() -> ResponseReturnValue:
    """List every user with their role and state, a page at a time."""
    listing = admin_services.users_page(
        db.session, request.args.get("page", 1, type=int) or 1, size=USERS_PAGE
    )
    return render_template(
        "admin/users.html", users=listing.users, active_form=SetUserActiveForm(),
        page=listing.page, pages=listing.pages, total=listing.total,
    )  # fmt: skip


@bp.route("/users/new", methods=["GET", "POST"])
def create_user() -> ResponseReturnValue:
    """Create a staff, finance, admin or owner account."""
    form = CreateUserForm()
    if form.validate_on_submit():
        with unit_of_work(KesherError) as work:
            user = services.create_user(
                db.session,
                email=form.email.data or "",
                password=form.password.data or "",
                display_name=form.display_name.data or "",
                role=Role(form.role.data),
            )
        if work.error is not None:
            form.email.errors = [work.error.message]
            return render_template("admin/create_user.html", form=form), work.error.status_code
        flash(_("User %(email)s was created.", email=isolate_ltr(user.email)), "success")
        return redirect(url_for("admin.users"))
    status = 400 if request.method == "POST" else 200
    # A taken e-mail is said now, with the other mistakes, not after they are fixed.
    taken = status == 400 and not form.email.errors and bool(form.email.data)
    if taken and services.get_user_by_email(db.session, form.email.data or "") is not None:
        form.email.errors = [EmailAlreadyRegistered().message]
    return render_template("admin/create_user.html", form=form), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int) -> ResponseReturnValue:
    """Edit an account: name, e-mail, language, role, and whether it may sign in."""
    user = db.get_or_404(User, user_id)
    form = EditUserForm(obj=user, data={"active": user.is_active})
    if request.method == "GET":
        form.locale.data = user.locale or "he"
        form.role.data = user.role.value
    if form.validate_on_submit():
        changes = admin_services.UserChanges(
            display_name=form.display_name.data or "",
            email=form.email.data or "",
            locale=form.locale.data or "he",
            role=Role(form.role.data),
            active=bool(form.active.data),
        )
        with unit_of_work(KesherError) as work:
            admin_services.update_user(db.session, user, changes, actor=current_user)
        if (error := work.error) is not None:
            field = getattr(form, getattr(error, "field", "email"))
            field.errors = [error.message]
            history = admin_services.user_history(db.session, user)
            page = render_template("admin/edit_user.html", form=form, user=user, history=history)
            return page, error.status_code
        flash(_("Saved."), "success")
        # Back to the same person: the trail below the form now lists the change just made.
        return redirect(url_for("admin.edit_user", user_id=user.id))
    status = 400 if request.method == "POST" else 200
    history = admin_services.user_history(db.session, user)
    return render_template("admin/edit_user.html", form=form, user=user, history=history), status


@bp.post("/users/<int:user_id>/active")
def set_user_active(user_id: int) -> ResponseReturnValue:
    """Enable or disable an account."""
    form = SetUserActiveForm()
    user = db.get_or_404(User, user_id)
    if not form.validate_on_submit():
        raise KesherError(" ".join(str(e) for e in form.active.errors) or None)
    with unit_of_work(success=_("Saved.")):
        admin_services.set_active(db.session, user, active=form.active.data, actor=current_user)
    return redirect(url_for("admin.users"))


@bp.get("/outbox")
def outbox() -> ResponseReturnValue:
    """Show the latest outgoing e-mails, sent or waiting."""
    messages = admin_services.latest_emails(db.session)
    return render_template("admin/outbox.html", messages=messages)


def _upload_form() -> PricingTableUploadForm:
    form = PricingTableUploadForm()
    form.table.choices = [(name, f"{name}.csv") for name in valuation.table_names()]
    return form


def _pricing_page(form: PricingTableUploadForm) -> str:
    versions = admin_services.pricing_versions(db.session)
    return render_template(
        "admin/pricing.html",
        versions=versions,
        shipped_active=not any(v.is_active for v in versions),
        model_version=valuation.active_priors(db.session).model_version,
        tables=valuation.table_names(),
        coverage=valuation.reach_coverage(db.session),
        form=form,
        activate_form=ActivatePricingVersionForm(),
    )


@bp.route("/pricing", methods=["GET", "POST"])
@ratelimits.file_upload
def pricing() -> ResponseReturnValue:
    """The benchmark table versions, table downloads, and the upload of an edited table."""
    form = _upload_form()
    if request.method == "GET":
        return _pricing_page(form)
    if not form.validate_on_submit():
        return _pricing_page(form), 400
    with unit_of_work(PriorsError, UnicodeDecodeError) as work:
        text = form.file.data.read().decode("utf-8-sig")
        version = valuation.create_version(
            db.session,
            table=form.table.data or "",
            text=text,
            note=form.note.data or "",
            actor=current_user,
        )
    if (error := work.error) is not None:
        reason = str(error) if isinstance(error, PriorsError) else _("The file is not UTF-8 text.")
        form.file.errors = [_("The table was refused: %(reason)s", reason=reason)]
        return _pricing_page(form), 422
    flash(
        _(
            "Stored as model version %(version)s; activate it to use it.",
            version=version.model_version,
        ),
        "success",
    )
    return redirect(url_for("admin.pricing"))


@bp.get("/pricing/tables/<table>.csv")
def pricing_table(table: str) -> ResponseReturnValue:
    """Download one table in use (the active version's, else the shipped one) as CSV."""
    if table not in valuation.table_names():
        abort(404)
    text = valuation.current_texts(db.session)[table]
    return Response(
        valuation.download_csv(text),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{table}.csv"'},
    )


@bp.post("/pricing/<int:version_id>/activate")
def activate_pricing(version_id: int) -> ResponseReturnValue:
    """Make a version active, and queue the re-estimate of every community with it (a job)."""
    from marketplace import jobs

    form = ActivatePricingVersionForm()
    version = db.get_or_404(PricingTableVersion, version_id)
    if not form.validate_on_submit():
        raise KesherError()
    model_version = version.model_version
    # Activation and its recompute commit together; the job reads the active tables when it runs.
    with unit_of_work(PriorsError) as work:
        valuation.make_active(db.session, version)
        job = jobs.enqueue(db.session, "pricing.recompute", {"all": True}, user=current_user)
    if work.error is not None:
        flash(_("The version cannot be activated: %(reason)s", reason=str(work.error)), "error")
        return redirect(url_for("admin.pricing"))
    flash(
        _(
            "Model version %(version)s is active; every estimate is being recomputed with it.",
            version=model_version,
        ),
        "success",
    )
    return redirect(url_for("jobs.detail", job_id=job.id))
