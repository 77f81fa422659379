"""The app's features in one list: each one's blueprints, commands, job kinds and app hooks.

`create_app` registers everything from :data:`FEATURES`; adding a feature (deals, creative,
delivery, reports, finance …) is one entry here. Only the app factory imports this module:
it imports every feature's views, so it sits above all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import Blueprint, Flask

from marketplace import cli, jobs
from marketplace.admin.views import bp as admin_bp
from marketplace.api import deals as api_deals  # noqa: F401  (adds the deal routes to api_bp)
from marketplace.api import delivery as api_delivery  # noqa: F401  (adds the delivery routes)
from marketplace.api import links as api_links  # noqa: F401  (adds the click routes to api_bp)
from marketplace.api import results as api_results  # noqa: F401  (adds the results routes)
from marketplace.api.views import bp as api_bp
from marketplace.auth.views import bp as auth_bp
from marketplace.briefs import vocab as brief_vocab
from marketplace.briefs.views import bp as briefs_bp
from marketplace.catalog import co_managers as catalog_co_managers  # noqa: F401  (its routes)
from marketplace.catalog import context as catalog_context
from marketplace.catalog.cli import catalog_cli
from marketplace.catalog.views import bp as catalog_bp
from marketplace.creative import views as creative_views
from marketplace.creative.views import bp as creative_bp
from marketplace.dashboards.views import bp as dashboards_bp
from marketplace.dashboards.views import main_bp
from marketplace.deals import services as deals
from marketplace.deals import views as deals_views
from marketplace.deals.views import bp as deals_bp
from marketplace.delivery import services as delivery
from marketplace.delivery.views import bp as delivery_bp
from marketplace.finance import services as finance
from marketplace.finance.views import bp as finance_bp
from marketplace.health import views as health_views
from marketplace.health.cli import health_cli
from marketplace.health.views import bp as health_bp
from marketplace.inbox import views as inbox_views
from marketplace.inbox.views import bp as inbox_bp
from marketplace.jobs.cli import jobs_cli
from marketplace.jobs.views import bp as jobs_bp
from marketplace.links.views import bp as links_bp
from marketplace.matching import views as matching_views
from marketplace.matching.cli import match_command, match_features_command
from marketplace.matching.views import bp as matching_bp
from marketplace.orgs.views import bp as orgs_bp
from marketplace.payments import services as payments
from marketplace.payments import views as payments_views
from marketplace.payments.views import bp as payments_bp
from marketplace.reports.views import bp as reports_bp
from marketplace.valuation.cli import pricing_cli


@dataclass(frozen=True)
class Feature:
    """What one feature package adds to the app."""

    name: str
    blueprints: tuple[Blueprint, ...] = ()
    #: `flask` commands and command groups.
    commands: tuple[click.Command, ...] = ()
    #: Modules whose `@jobs.job` functions register the feature's job kinds.
    job_modules: tuple[str, ...] = ()
    #: Called while the app's extensions are set up (template context, hooks).
    init_app: Callable[[Flask], None] | None = None
    #: Subscribes the feature's handlers to other features' domain events (marketplace.events).
    subscribe: Callable[[], None] | None = None
    #: The blueprints authenticate by bearer token, never by cookie: no CSRF to check.
    csrf_exempt: bool = False


def _brief_labels(app: Flask) -> None:
    app.context_processor(brief_vocab.labels)


#: Every feature, in the order its blueprints are registered.
FEATURES: tuple[Feature, ...] = (
    Feature(
        "main",
        blueprints=(main_bp,),
        commands=(cli.users_cli, cli.outbox_cli, cli.seed_demo_command),
    ),
    Feature("auth", blueprints=(auth_bp,)),
    Feature("dashboards", blueprints=(dashboards_bp,)),
    Feature("orgs", blueprints=(orgs_bp,)),
    Feature("admin", blueprints=(admin_bp,)),
    Feature(
        "catalog",
        blueprints=(catalog_bp,),
        commands=(catalog_cli,),
        job_modules=("marketplace.catalog.tasks",),
        init_app=catalog_context.init_app,
    ),
    Feature(
        "health",
        blueprints=(health_bp,),
        commands=(health_cli,),
        job_modules=("marketplace.health.tasks",),
        init_app=health_views.init_app,
    ),
    Feature("briefs", blueprints=(briefs_bp,), init_app=_brief_labels),
    Feature(
        "matching",
        blueprints=(matching_bp,),
        commands=(match_command, match_features_command),
        job_modules=("marketplace.matching.tasks",),
        init_app=matching_views.init_app,
    ),
    Feature(
        "deals",
        blueprints=(deals_bp,),
        job_modules=("marketplace.deals.tasks",),
        init_app=deals_views.init_app,
        subscribe=deals.register_event_handlers,
    ),
    Feature("creative", blueprints=(creative_bp,), init_app=creative_views.init_app),
    Feature("links", blueprints=(links_bp,)),
    Feature(
        "delivery",
        blueprints=(delivery_bp,),
        job_modules=("marketplace.delivery.tasks",),
        subscribe=delivery.register_event_handlers,
    ),
    Feature("finance", blueprints=(finance_bp,), subscribe=finance.register_event_handlers),
    Feature("valuation", commands=(pricing_cli,)),
    Feature("reports", blueprints=(reports_bp,)),
    Feature(
        "jobs",
        blueprints=(jobs_bp,),
        commands=(jobs_cli,),
        job_modules=("marketplace.jobs.tasks",),
        init_app=jobs.init_app,
    ),
    Feature(
        "inbox",
        blueprints=(inbox_bp,),
        job_modules=("marketplace.inbox.tasks",),
        init_app=inbox_views.init_app,
    ),
    Feature(
        "payments",
        blueprints=(payments_bp,),
        job_modules=("marketplace.payments.tasks",),
        init_app=payments_views.init_app,
        subscribe=payments.register_event_handlers,
    ),
    Feature("api", blueprints=(api_bp,), csrf_exempt=True),
)


def job_modules() -> list[str]:
    """The modules that register every feature's job kinds."""
    return [name for feature in FEATURES for name in feature.job_modules]
