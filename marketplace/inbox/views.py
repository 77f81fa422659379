"""The inbox page, marking notifications read, the e-mail preference and the header's count."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from marketplace.auth.services import add_login_value
from marketplace.extensions import db
from marketplace.inbox import services
from marketplace.inbox.forms import EmailPreferenceForm, MarkAllReadForm, MarkReadForm
from marketplace.inbox.models import EmailMode
from marketplace.web import discard_changes, unit_of_work

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
log = logging.getLogger(__name__)


def _user() -> Any:
    return current_user._get_current_object()  # noqa: SLF001 - the real User for the services


def _render_index(form: EmailPreferenceForm, status: int = 200) -> ResponseReturnValue:
    page = request.args.get("page", 1, type=int) or 1
    rows, pages = services.list_notifications(db.session, _user(), page=page)
    page = min(max(1, page), pages)
    items = [
        {
            "id": n.id,
            "text": services.render(n.message, n.params),
            "link": n.link,
            "created_at": n.created_at,
            "unread": n.read_at is None,
        }
        for n in rows
    ]
    return render_template(
        "inbox/index.html",
        items=items,
        page=page,
        pages=pages,
        mark_form=MarkReadForm(),
        mark_all_form=MarkAllReadForm(),
        preference_form=form,
    ), status


@bp.get("/")
def index() -> ResponseReturnValue:
    """List the signed-in user's notifications, newest first."""
    form = EmailPreferenceForm(email_mode=services.email_mode(db.session, _user()).value)
    return _render_index(form)


@bp.post("/<int:notification_id>/read")
def mark_read(notification_id: int) -> ResponseReturnValue:
    """Mark one of the user's notifications read (another user's id answers 404)."""
    # CSRF is checked before any view (CSRFProtect); the form has nothing else to validate.
    notification = services.get_notification(db.session, _user(), notification_id)
    with unit_of_work():
        services.mark_read(db.session, _user(), [notification.id])
    return redirect(url_for("inbox.index", page=request.args.get("page", type=int)))


@bp.post("/read-all")
def mark_all_read() -> ResponseReturnValue:
    """Mark every notification of the user read."""
    with unit_of_work():
        marked = services.mark_read(db.session, _user(), "all")
    if marked:
        flash(_("All notifications are marked read."), "success")
    return redirect(url_for("inbox.index"))


@bp.post("/preferences")
def preferences() -> ResponseReturnValue:
    """Save how the user wants e-mail about their notifications."""
    form = EmailPreferenceForm()
    if not form.validate_on_submit():
        return _render_index(form, 400)
    with unit_of_work(success=_("Your e-mail preference was saved.")):
        services.set_email_mode(db.session, _user(), EmailMode(form.email_mode.data))
    return redirect(url_for("inbox.index"))


def init_app(app: Flask) -> None:
    """Offer `unread_notifications` (the header's badge) to every template, its count read with
    the login session (one statement fewer on every signed-in page)."""
    add_login_value("unread_notifications", services.unread_count_of_login_user)

    @app.context_processor
    def unread_notifications() -> dict[str, Any]:
        if not current_user.is_authenticated:
            return {"unread_notifications": None}
        # One COUNT per request, even when a request renders more than one template.
        if "unread_notifications" not in g:
            values = _user().login_values
            if values is not None and "unread_notifications" in values:
                g.unread_notifications = int(values["unread_notifications"] or 0)
                return {"unread_notifications": g.unread_notifications}
            try:
                g.unread_notifications = services.unread_count(db.session, _user())
            except SQLAlchemyError:
                # A badge must not turn a page (or an error page) into a second failure.
                discard_changes()
                log.warning("unread count unavailable", exc_info=True)
                g.unread_notifications = None
        return {"unread_notifications": g.unread_notifications}
