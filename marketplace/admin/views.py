"""Administration pages: users and the outbox."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace.admin.forms import CreateUserForm, SetUserActiveForm
from marketplace.auth import services
from marketplace.auth.models import Role, User
from marketplace.errors import KesherError
from marketplace.extensions import db
from marketplace.outbox import OutboundEmail

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
def users() -> ResponseReturnValue:
    """List every user with their role and state."""
    rows = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    return render_template("admin/users.html", users=rows, active_form=SetUserActiveForm())


@bp.route("/users/new", methods=["GET", "POST"])
def create_user() -> ResponseReturnValue:
    """Create a staff, finance, admin or owner account."""
    form = CreateUserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                db.session,
                email=form.email.data or "",
                password=form.password.data or "",
                display_name=form.display_name.data or "",
                role=Role(form.role.data),
            )
        except KesherError as error:
            db.session.rollback()
            form.email.errors = [error.message]
            return render_template("admin/create_user.html", form=form), error.status_code
        db.session.commit()
        flash(_("User %(email)s was created.", email=user.email), "success")
        return redirect(url_for("admin.users"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/create_user.html", form=form), status


@bp.post("/users/<int:user_id>/active")
def set_user_active(user_id: int) -> ResponseReturnValue:
    """Enable or disable an account."""
    form = SetUserActiveForm()
    user = db.get_or_404(User, user_id)
    if not form.validate_on_submit():
        raise KesherError()
    services.set_user_active(db.session, user, active=form.active.data, actor=current_user)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("admin.users"))


@bp.get("/outbox")
def outbox() -> ResponseReturnValue:
    """Show the latest outgoing e-mails, sent or waiting."""
    messages = db.session.scalars(
        select(OutboundEmail).order_by(OutboundEmail.id.desc()).limit(100)
    ).all()
    return render_template("admin/outbox.html", messages=messages)
