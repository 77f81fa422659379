"""The navigation each role sees, computed once per request for the base layout."""

from __future__ import annotations

from typing import Any

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.auth.models import Role

NAVIGATION: dict[Role, list[tuple[str, Any]]] = {
    Role.BRAND: [
        ("dashboards.brand", _l("Dashboard")),
        ("briefs.mine", _l("Briefs")),
        ("delivery.index", _l("Campaigns")),
        ("reports.index", _l("Results")),
        ("catalog.browse", _l("Communities")),
        ("links.index", _l("Links")),
        ("payments.index", _l("Payments")),
        ("finance.documents", _l("Invoices")),
        ("orgs.team", _l("Team")),
    ],
    Role.OWNER: [
        ("dashboards.owner", _l("Dashboard")),
        ("catalog.mine", _l("My communities")),
        ("delivery.index", _l("Campaigns")),
        ("links.index", _l("Links")),
        ("reports.index", _l("Results")),
        ("payments.owner", _l("My money")),
    ],
    Role.STAFF: [
        ("dashboards.agency", _l("Dashboard")),
        ("briefs.queue", _l("Briefs")),
        ("deals.board", _l("Deals")),
        ("delivery.index", _l("Campaigns")),
        ("reports.index", _l("Results")),
        ("catalog.browse", _l("Catalog")),
        ("catalog.review_queue", _l("Review")),
        ("catalog.import_upload", _l("Import")),
        ("jobs.index", _l("Jobs")),
        ("links.index", _l("Links")),
        ("payments.payouts", _l("Payouts")),
    ],
    Role.FINANCE: [
        ("dashboards.finance", _l("Dashboard")),
        ("finance.desk", _l("Finance desk")),
        ("finance.owners", _l("Owners' money")),
        ("payments.index", _l("Payments")),
        ("payments.payouts", _l("Payouts")),
        ("payments.reconciliation", _l("Reconciliation")),
        ("delivery.index", _l("Campaigns")),
        ("reports.index", _l("Results")),
        ("catalog.browse", _l("Catalog")),
    ],
    Role.ADMIN: [
        ("dashboards.admin", _l("Dashboard")),
        ("catalog.browse", _l("Catalog")),
        ("catalog.review_queue", _l("Review")),
        ("briefs.queue", _l("Briefs")),
        ("deals.board", _l("Deals")),
        ("delivery.index", _l("Campaigns")),
        ("reports.index", _l("Results")),
        ("admin.users", _l("Users")),
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
    """Offer `nav_items` and `role_label` to every template."""

    @app.context_processor
    def navigation() -> dict[str, Any]:
        items = []
        if current_user.is_authenticated:
            items = [
                {"url": url_for(endpoint), "label": label, "current": request.endpoint == endpoint}
                for endpoint, label in NAVIGATION[current_user.role]
            ]
            if current_user.role is Role.BRAND and current_user.is_org_admin:
                items.append(
                    {
                        "url": url_for("orgs.api_tokens"),
                        "label": _l("API tokens"),
                        "current": request.endpoint == "orgs.api_tokens",
                    }
                )
        return {"nav_items": items, "role_labels": ROLE_LABELS}
