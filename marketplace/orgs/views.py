"""A brand organisation's team, invitations and API tokens."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import ratelimits
from marketplace.auth import services
from marketplace.errors import KesherError
from marketplace.extensions import client_network, db, limiter
from marketplace.orgs.forms import (
    CreateApiTokenForm,
    InviteMemberForm,
    RevokeApiTokenForm,
    RotateApiTokenForm,
)
from marketplace.outbox import send_pending
from marketplace.safety import public_url
from marketplace.web import unit_of_work

bp = Blueprint("orgs", __name__, url_prefix="/brand")


def _render_team(form: InviteMemberForm, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "orgs/team.html",
        form=form,
        members=services.org_members(db.session, current_user),
        invitations=services.org_pending_invitations(db.session, current_user)
        if current_user.is_org_admin
        else [],
    ), status


@bp.get("/team")
def team() -> ResponseReturnValue:
    """List the members of the brand organisation."""
    return _render_team(InviteMemberForm())


def _invite_limit() -> str:
    return str(current_app.config["INVITE_RATE_LIMIT"])


def _inviter() -> str:
    # The limiter runs before the policy: a visitor who is not signed in has no id (yet).
    return f"inviter:{getattr(current_user, 'id', None) or client_network()}"


@bp.post("/team/invite")
# Anyone may open a brand account: invitations are mail to any address, naming the
# organisation its sender chose, so one account may send only so many.
@limiter.limit(_invite_limit, key_func=_inviter)
def invite() -> ResponseReturnValue:
    """Invite a colleague to the organisation by e-mail."""
    form = InviteMemberForm()
    if not form.validate_on_submit():
        return _render_team(form, 400)
    # An address that already has an account gets the same answer as a new one (its holder
    # is mailed instead of invited), so the team page does not tell who is on Kesher.
    with unit_of_work(KesherError) as work:
        services.invite_member(
            db.session,
            email=form.email.data or "",
            actor=current_user,
            accept_url=public_url("auth.accept_invitation", token="TOKEN"),  # noqa: S106
            login_url=public_url("auth.login"),
        )
    if work.error is not None:
        form.email.errors = [work.error.message]
        return _render_team(form, work.error.status_code)
    send_pending(db.session, current_app.config)
    flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
    return redirect(url_for("orgs.team"))


@bp.route("/api-tokens", methods=["GET", "POST"])
@ratelimits.api_token
def api_tokens() -> ResponseReturnValue:
    """List and create the organisation's API tokens."""
    form = CreateApiTokenForm()
    secret = None
    status = 200
    if form.validate_on_submit():
        with unit_of_work():
            _token, secret = services.create_api_token(
                db.session, name=form.name.data or "", actor=current_user
            )
        form = CreateApiTokenForm(formdata=None)
    elif request.method == "POST":
        status = 400
    return render_template(
        "orgs/api_tokens.html",
        form=form,
        revoke_form=RevokeApiTokenForm(),
        rotate_form=RotateApiTokenForm(),
        tokens=services.org_api_tokens(db.session, current_user),
        stopped=services.token_stopped,
        secret=secret,
    ), status


@bp.post("/api-tokens/<int:token_id>/rotate")
@ratelimits.api_token
def rotate_api_token(token_id: int) -> ResponseReturnValue:
    """Replace one of the organisation's tokens by a new secret of the same name; show it once."""
    if not RotateApiTokenForm().validate_on_submit():
        raise KesherError()
    with unit_of_work():
        _token, secret = services.rotate_api_token(db.session, token_id, actor=current_user)
    return render_template(
        "orgs/api_tokens.html",
        form=CreateApiTokenForm(formdata=None),
        revoke_form=RevokeApiTokenForm(),
        rotate_form=RotateApiTokenForm(),
        tokens=services.org_api_tokens(db.session, current_user),
        stopped=services.token_stopped,
        secret=secret,
    )


@bp.post("/api-tokens/<int:token_id>/revoke")
def revoke_api_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of the organisation's API tokens."""
    with unit_of_work():
        token = services.revoke_api_token(db.session, token_id, actor=current_user)
    flash(_("Token “%(name)s” was revoked.", name=token.name), "info")
    return redirect(url_for("orgs.api_tokens"))
