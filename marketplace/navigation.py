"""The navigation each role sees, computed once per request for the base layout."""

from __future__ import annotations

from typing import Any

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.auth.models import Role

#: Each role's main jobs, always in the bar (a new user read 9 to 13 entries before).
NAVIGATION: dict[Role, list[tuple[str, Any]]] = {
    Role.BRAND: [
        ("dashboards.brand", _l("Dashboard")),
        ("briefs.mine", _l("Briefs")),
        ("delivery.index", _l("Campaigns")),
        ("reports.index", _l("Results")),
        ("catalog.browse", _l("Communities")),
        ("payments.index", _l("Payments")),
    ],
    Role.OWNER: [
        ("dashboards.owner", _l("Dashboard")),
        ("catalog.mine", _l("My communities")),
        ("deals.index", _l("Deals")),
        ("delivery.index", _l("Campaigns")),
        ("reports.index", _l("Results")),
        ("payments.owner", _l("My money")),
        ("links.index", _l("Links")),
    ],
    Role.STAFF: [
        ("dashboards.agency", _l("Dashboard")),
        ("briefs.queue", _l("Briefs")),
        ("deals.board", _l("Deals")),
        ("delivery.index", _l("Campaigns")),
        ("reports.index", _l("Results")),
        ("catalog.browse", _l("Catalog")),
        ("catalog.review_queue", _l("Review")),
    ],
    Role.FINANCE: [
        ("dashboards.finance", _l("Dashboard")),
        ("finance.desk", _l("Finance desk")),
        ("finance.owners", _l("Owners' money")),
        ("payments.index", _l("Payments")),
        ("payments.payouts", _l("Payouts")),
    ],
    Role.ADMIN: [
        ("dashboards.admin", _l("Dashboard")),
        ("admin.users", _l("Users")),
        ("catalog.browse", _l("Catalog")),
        ("catalog.review_queue", _l("Review")),
        ("briefs.queue", _l("Briefs")),
        ("delivery.index", _l("Campaigns")),
    ],
}

#: The rest of each role's pages, under "More" in the bar.
MORE: dict[Role, list[tuple[str, Any]]] = {
    Role.BRAND: [
        ("finance.documents", _l("Invoices")),
        ("links.index", _l("Links")),
        ("orgs.team", _l("Team")),
    ],
    Role.OWNER: [],
    Role.STAFF: [
        ("catalog.import_upload", _l("Import")),
        ("jobs.index", _l("Jobs")),
        ("links.index", _l("Links")),
        ("payments.payouts", _l("Payouts")),
    ],
    Role.FINANCE: [
        ("payments.reconciliation", _l("Reconciliation")),
        ("delivery.index", _l("Campaigns")),
        ("reports.index", _l("Results")),
        ("catalog.browse", _l("Catalog")),
    ],
    Role.ADMIN: [
        ("reports.index", _l("Results")),
        ("deals.board", _l("Deals")),
        ("admin.outbox", _l("Outbox")),
        ("admin.pricing", _l("Pricing tables")),
        ("jobs.index", _l("Jobs")),
        ("dashboards.agency", _l("Agency")),
        ("dashboards.finance", _l("Finance")),
        ("finance.desk", _l("Finance desk")),
    ],
}

ROLE_LABELS = {
    Role.BRAND: _l("Brand"),
    Role.OWNER: _l("Community owner"),
    Role.STAFF: _l("Agency staff"),
    Role.FINANCE: _l("Finance"),
    Role.ADMIN: _l("Administrator"),
}


def init_app(app: Flask) -> None:
    """Offer `nav_items`, `nav_more` and `role_labels` to every template.

    Each reader's bar is the same for every page of one endpoint (its links, which one is
    current, its labels: lazy, so translated when printed), so it is built once per role,
    admin flag, endpoint and script root and kept for the app's life (a bounded set: roles ×
    routes); building it cost a dozen url_for a page.
    """
    bars: dict[tuple[Any, ...], tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}

    def item(endpoint: str, label: Any) -> dict[str, Any]:
        return {"url": url_for(endpoint), "label": label, "current": request.endpoint == endpoint}

    def bar(role: Role, org_admin: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        key = (role, org_admin, request.endpoint, request.script_root)
        found = bars.get(key)
        if found is None:
            items = [item(endpoint, label) for endpoint, label in NAVIGATION[role]]
            more = [item(endpoint, label) for endpoint, label in MORE[role]]
            if org_admin:
                more.append(item("orgs.api_tokens", _l("API tokens")))
            found = bars[key] = (items, more)
        return found

    @app.context_processor
    def navigation() -> dict[str, Any]:
        items: list[dict[str, Any]] = []
        more: list[dict[str, Any]] = []
        if current_user.is_authenticated:
            role = current_user.role
            items, more = bar(role, role is Role.BRAND and bool(current_user.is_org_admin))
        return {"nav_items": items, "nav_more": more, "role_labels": ROLE_LABELS}
