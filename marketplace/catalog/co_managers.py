"""Co-managers: the owner invites by e-mail, the invited owner account accepts, and can leave.

The owner's answer is the same whether the e-mail has an account or not and never names it:
the listing's co-managers are only those who accepted.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace import ratelimits
from marketplace.bidi import isolate_ltr
from marketplace.catalog import services
from marketplace.catalog.forms import AddManagerForm, LeaveListingForm, ManagerInvitationAnswerForm
from marketplace.catalog.services import CatalogValidationError
from marketplace.catalog.views import _detail_again, bp, user
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.web import unit_of_work


@bp.post("/<int:community_id>/managers")
@ratelimits.co_manager
def add_manager(community_id: int) -> ResponseReturnValue:
    """Invite another community owner to co-manage this listing."""
    community = services.get_manageable(db.session, community_id, user())
    form = AddManagerForm()
    if not form.validate_on_submit():
        return _detail_again(community.id, None, manager_form=form)
    email = (form.email.data or "").strip().lower()
    with unit_of_work(CatalogValidationError) as work:
        services.invite_manager(db.session, community, email=email, actor=user())
    if work.error is not None:
        return _detail_again(community.id, work.error, manager_form=form)
    flash(
        _(
            "If a community-owner account uses %(email)s, it is invited to co-manage this "
            "listing; it becomes a co-manager when it accepts.",
            email=isolate_ltr(email),
        ),
        "success",
    )
    return redirect(url_for("catalog.detail", community_id=community.id))


@bp.get("/co-manage")
def manager_invitations() -> ResponseReturnValue:
    """The invitations to co-manage listings waiting for the signed-in owner."""
    return render_template(
        "catalog/manager_invitations.html",
        invitations=services.manager_invitations(db.session, user()),
        form=ManagerInvitationAnswerForm(),
    )


@bp.post("/co-manage/<int:invitation_id>")
def answer_manager_invitation(invitation_id: int) -> ResponseReturnValue:
    """Accept or decline an invitation addressed to the signed-in owner."""
    form = ManagerInvitationAnswerForm()
    if not form.validate_on_submit():
        raise NotFound()
    accept = bool(form.accept.data)
    with unit_of_work():
        community = services.answer_manager_invitation(
            db.session, invitation_id, user(), accept=accept
        )
    if accept:
        flash(_("You now co-manage this listing."), "success")
        return redirect(url_for("catalog.detail", community_id=community.id))
    flash(_("Invitation declined."), "info")
    return redirect(url_for("catalog.manager_invitations"))


@bp.post("/<int:community_id>/managers/leave")
def leave_listing(community_id: int) -> ResponseReturnValue:
    """The signed-in co-manager stops managing this listing."""
    community = services.get_manageable(db.session, community_id, user())
    if not LeaveListingForm().validate_on_submit():
        raise NotFound()
    with unit_of_work():
        services.leave_listing(db.session, community, user())
    flash(_("You no longer co-manage this listing."), "info")
    return redirect(url_for("catalog.mine"))
