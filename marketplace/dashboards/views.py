"""The public landing page and one dashboard per role."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from marketplace.auth import services as auth_services
from marketplace.auth.models import Role
from marketplace.auth.views import dashboard_url
from marketplace.dashboards import services, steps
from marketplace.db import utcnow
from marketplace.extensions import db

main_bp = Blueprint("main", __name__)
bp = Blueprint("dashboards", __name__)


@main_bp.get("/")
def index() -> ResponseReturnValue:
    """Show the landing page, or send a signed-in user to their dashboard."""
    if current_user.is_authenticated:
        return redirect(dashboard_url(current_user))
    return render_template("main/index.html")


@bp.get("/brand/")
def brand() -> ResponseReturnValue:
    """Show a brand member their organisation's dashboard."""
    from marketplace.briefs import services as briefs

    me = current_user._get_current_object()  # noqa: SLF001
    members = auth_services.org_members(db.session, me)
    return render_template(
        "dashboards/brand.html",
        members=members,
        briefs=briefs.list_for_org(db.session, me)[:5],
        brief_counts=briefs.count_by_status(db.session, me),
        steps=steps.brand_steps(db.session, me),
    )


@bp.get("/community/")
def owner() -> ResponseReturnValue:
    """Show a community owner what to do next with their listings."""
    from marketplace.catalog import services as catalog
    from marketplace.catalog.models import Community

    me = current_user._get_current_object()  # noqa: SLF001
    communities = db.session.scalars(
        catalog.visible_communities(me).order_by(Community.id.desc()).limit(10)
    ).all()
    return render_template(
        "dashboards/owner.html",
        steps=steps.owner_steps(db.session, me),
        communities=communities,
        status_labels=catalog.STATUS_LABELS,
    )


@bp.get("/agency/")
def agency() -> ResponseReturnValue:
    """Show agency staff the marketplace at a glance."""
    counts = services.users_by_role(db.session)
    brands = services.brand_count(db.session)
    from marketplace.briefs import services as briefs
    from marketplace.briefs.models import BriefStatus

    me = current_user._get_current_object()  # noqa: SLF001
    return render_template(
        "dashboards/agency.html",
        brands=brands,
        owners=counts.get(Role.OWNER, 0),
        waiting_briefs=briefs.staff_queue(
            db.session, me, statuses=[BriefStatus.SUBMITTED], limit=10
        ),
        brief_counts=briefs.count_by_status(db.session, me),
        brief_statuses=BriefStatus,
        steps=steps.staff_steps(db.session),
    )


@bp.get("/finance/")
def finance() -> ResponseReturnValue:
    """Show finance what to collect, what is late, whom to pay and this month's margin."""
    from flask_babel import format_date

    from marketplace.dashboards.finance_figures import finance_figures, ledger_currencies

    today = utcnow().date()
    every = [
        finance_figures(db.session, today=today, currency=currency)
        for currency in ledger_currencies(db.session)
    ]
    return render_template(
        "dashboards/finance.html",
        steps=steps.finance_steps(db.session),
        every_currency=every,
        month_name=format_date(today.replace(day=1), "LLLL y"),
    )


@bp.get("/admin/")
def admin() -> ResponseReturnValue:
    """Show administrators the state of accounts and the outbox."""
    counts = services.users_by_role(db.session)
    pending_mail = services.unsent_email_count(db.session)
    return render_template(
        "dashboards/admin.html",
        role_counts=[(role, counts.get(role, 0)) for role in Role],
        pending_mail=pending_mail or 0,
        steps=steps.admin_steps(db.session),
    )
