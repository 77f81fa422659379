"""Sign-in, sign-up, passwords, invitations and the language switch."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from marketplace.auth import limits, services
from marketplace.auth.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    ResendForm,
    ResetPasswordForm,
    SignUpForm,
)
from marketplace.auth.models import Role, User
from marketplace.errors import KesherError
from marketplace.extensions import db, limiter
from marketplace.jobs.services import enqueue
from marketplace.safety import public_url, safe_redirect_target
from marketplace.web import unit_of_work

bp = Blueprint("auth", __name__, url_prefix="/auth")

DASHBOARDS = {
    Role.BRAND: "dashboards.brand",
    Role.OWNER: "dashboards.owner",
    Role.STAFF: "dashboards.agency",
    Role.FINANCE: "dashboards.finance",
    Role.ADMIN: "dashboards.admin",
}


def dashboard_url(user: User) -> str:
    """Return the URL of the dashboard this user lands on."""
    return url_for(DASHBOARDS[user.role])


def _sign_in(user: User) -> None:
    # A fresh cookie session at sign-in, so nothing set before it carries over.
    locale = session.get("locale")
    session.clear()
    services.start_login_session(db.session, user, user_agent=request.headers.get("User-Agent", ""))
    if user.locale is None and locale:
        user.locale = locale
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(limits.login_limit, methods=["POST"])
@limiter.limit(
    limits.account_limit,
    key_func=limits.account_key,
    methods=["POST"],
    deduct_when=limits.refused,
    exempt_when=limits.known_device,  # the owner's own browser is not locked out by guessers
)
def login() -> ResponseReturnValue:
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(dashboard_url(current_user))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        with unit_of_work(services.InvalidCredentials) as work:
            user = services.authenticate(
                db.session, email=form.email.data or "", password=form.password.data or ""
            )
            _sign_in(user)
        if work.error is not None:  # nothing was written: a refusal keeps nothing
            form.password.errors = [work.error.message]
            status = 401
        else:
            response = redirect(safe_redirect_target(form.next.data) or dashboard_url(user))
            response.set_cookie(
                limits.DEVICE_COOKIE,
                limits.device_token(user.email),
                max_age=limits.DEVICE_MAX_AGE,
                secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
                httponly=True,
                samesite="Lax",
            )
            return response
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out this browser and end its server-side session."""
    with unit_of_work():
        services.end_login_session(db.session, current_user.get_id())
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(limits.login_limit, methods=["POST"])  # it tells whether an e-mail has an account
def signup() -> ResponseReturnValue:
    """Let a brand or a community owner open an account."""
    if current_user.is_authenticated:
        return redirect(dashboard_url(current_user))
    form = SignUpForm(account_type=request.args.get("as", "brand"))
    status = 200
    if form.validate_on_submit():
        # A new account and an e-mail that already has one get the same answer (no sign-in,
        # the same redirect and message), so sign-up does not tell who has an account.
        welcome = _("Check your e-mail: we sent a link to confirm it. Then log in.")
        with unit_of_work(KesherError, success=welcome) as work:
            services.sign_up(
                db.session,
                email=form.email.data or "",
                password=form.password.data or "",
                display_name=form.display_name.data or "",
                role=Role(form.account_type.data),
                organisation_name=form.organisation_name.data,
                locale=session.get("locale"),
                verify_url=public_url("auth.verify_email", token="TOKEN"),  # noqa: S106
                login_url=public_url("auth.login"),
                forgot_url=public_url("auth.forgot_password"),
            )
            _send_mail_soon()
        if work.error is not None:
            form.email.errors = [work.error.message]
            status = work.error.status_code
        else:
            return redirect(url_for("auth.login"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/signup.html", form=form), status


def _send_mail_soon() -> None:
    """Have a job send the outbox (within the caller's unit of work), when SMTP is set up."""
    if current_app.config.get("SMTP_HOST"):
        enqueue(db.session, "outbox.send")


@bp.app_context_processor
def _development_mailbox() -> dict[str, Any]:
    """`dev_confirm_url()`: on a development server that sends no mail (no SMTP), the
    unconfirmed reader's own confirmation link, so a demo sign-up is not a dead end.

    None in production or testing, or whenever SMTP is set: there the link only travels by
    e-mail, which is what proves the mailbox.
    """

    def dev_confirm_url() -> str | None:
        config = current_app.config
        if config.get("ENV_NAME") != "development" or config.get("SMTP_HOST"):
            return None
        if not current_user.is_authenticated or current_user.email_verified:
            return None
        token = services.make_email_verification_token(current_user._get_current_object())  # noqa: SLF001
        return url_for("auth.verify_email", token=token)

    return {"dev_confirm_url": dev_confirm_url}


@bp.get("/verify/<token>")
def verify_email(token: str) -> ResponseReturnValue:
    """Confirm the account's e-mail from the link mailed at sign-up (whoever opens it: the
    link proves the mailbox, it signs no one in)."""
    with unit_of_work():
        services.verify_email(db.session, token)
    flash(_("Thank you: your e-mail address is confirmed."), "success")
    # Away from the token's URL at once, so no later page or link carries it in a Referer.
    if current_user.is_authenticated:
        return redirect(dashboard_url(current_user))
    return redirect(url_for("auth.login"))


@bp.post("/account/verify")
# Each is an e-mail: one account sends only so many (its own count, apart from passwords).
@limiter.limit(limits.account_limit, key_func=limits.confirmation_sender)
def resend_verification() -> ResponseReturnValue:
    """Mail the confirmation link again (it may have been lost, or have expired)."""
    user = current_user._get_current_object()  # noqa: SLF001 - the real User for the service
    if not user.email_verified:
        with unit_of_work():
            services.send_email_verification(
                db.session,
                user,
                verify_url=public_url("auth.verify_email", token="TOKEN"),  # noqa: S106
            )
            _send_mail_soon()
        flash(_("We sent the link again to %(email)s.", email=user.email), "info")
    return redirect(url_for("auth.account"))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(limits.login_limit, methods=["POST"])
# Per e-mail named, from any address: against mail-bombing one inbox.
@limiter.limit(limits.account_limit, key_func=limits.account_key, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    """Ask for a password reset link by e-mail."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with unit_of_work():
            services.request_password_reset(
                db.session,
                email=form.email.data or "",
                reset_url=public_url("auth.reset_password", token="TOKEN"),  # noqa: S106
            )
            # A job sends it, for a known and an unknown e-mail alike: talking to the SMTP
            # server in the request only for a known account made the answer slower, telling
            # who has an account.
            _send_mail_soon()
        flash(_("If an account uses this e-mail, a reset link is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(limits.login_limit, methods=["POST"])  # each good one hashes a password (argon2)
def reset_password(token: str) -> ResponseReturnValue:
    """Choose a new password from a reset link."""
    services.user_for_reset_token(db.session, token)  # a dead link says so before any typing
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with unit_of_work():
            services.reset_password(db.session, token=token, new_password=form.password.data or "")
        if current_user.is_authenticated:
            logout_user()
        session.clear()
        flash(_("Your password was changed. Log in with the new one."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(limits.login_limit, methods=["POST"])  # likewise
def accept_invitation(token: str) -> ResponseReturnValue:
    """Join a brand organisation from an invitation link."""
    invitation = services.get_invitation(db.session, token)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        with unit_of_work():
            user = services.accept_invitation(
                db.session,
                token=token,
                display_name=form.display_name.data or "",
                password=form.password.data or "",
                locale=session.get("locale"),
            )
            _sign_in(user)
        flash(_("Welcome to %(org)s on Kesher!", org=invitation.organisation.name), "success")
        return redirect(dashboard_url(user))
    return render_template(
        "auth/accept_invitation.html", form=form, invitation=invitation
    ), 400 if request.method == "POST" else 200


@bp.post("/language")
def set_language() -> ResponseReturnValue:
    """Switch the UI language, for this browser and for the signed-in user's account."""
    form = LanguageForm()
    languages = current_app.config["LANGUAGES"]
    if not form.validate_on_submit() or form.lang.data not in languages:
        raise KesherError(
            _("Unknown language. Choose one of: %(codes)s.", codes=", ".join(languages))
        )
    session["locale"] = form.lang.data
    if current_user.is_authenticated:
        with unit_of_work():
            services.set_locale(current_user, form.lang.data or "", languages=languages)
    return redirect(safe_redirect_target(form.next.data) or url_for("main.index"))


@bp.get("/account")
def account() -> ResponseReturnValue:
    """Show the signed-in user's account settings."""
    return render_template("auth/account.html", form=ChangePasswordForm(), resend=ResendForm())


@bp.post("/account/password")
# A stolen session must not be an unlimited oracle for the account's password.
@limiter.limit(limits.account_limit, key_func=limits.password_owner, deduct_when=limits.not_changed)
def change_password() -> ResponseReturnValue:
    """Change the password; every session of the user ends and this one starts anew."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/account.html", form=form, resend=ResendForm()), 400
    user = current_user._get_current_object()  # noqa: SLF001 - the real User for the service
    with unit_of_work(services.InvalidCredentials) as work:
        services.change_password(
            db.session, user, current=form.current.data or "", new=form.password.data or ""
        )
        _sign_in(user)
    if work.error is not None:
        form.current.errors = [work.error.message]
        return render_template("auth/account.html", form=form, resend=ResendForm()), 400
    flash(_("Your password was changed. Other devices were logged out."), "success")
    return redirect(url_for("auth.account"))
