"""What the catalog's pages show, computed from rows: the results, a listing page, the editors.

The routes stay in `views.py`; these turn what the services return (and what a form holds)
into the values the templates get.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app, request, url_for
from flask_babel import get_locale, gettext
from jinja2.filters import do_truncate
from markupsafe import Markup

from campaigns.brief import Goal
from marketplace.auth.models import Role
from marketplace.catalog import cache, charts, context, listing, prices, search, services, vocab
from marketplace.catalog.forms import (
    AddManagerForm,
    AssetForm,
    DeleteForm,
    ReviewMetricForm,
    StatusForm,
    rate_field_name,
)
from marketplace.catalog.models import Community, name_in, other_name_in, ui_language
from marketplace.extensions import db
from marketplace.i18n import money_formatter, number_formatter
from marketplace.valuation import services as valuation
from pricing.margin import margin_percent
from pricing.money import Money
from pricing.taxonomy import RATE_METRICS, MetricKind, PlacementType, Platform
from pricing.valuation.priors import offered_placements


def render_results(
    params: search.SearchParams, me: Any, is_staff: bool, version: int | None
) -> Markup:
    """A page of search results as this user may see them (prices by their role).

    Each result's card is kept (see `cards`): searches that all differ still find the same
    communities again and again, and a card cost about a fifth of such a page's CPU.
    """
    page = listing.list_page(db.session, params, me, version)
    managed: set[int] = set()
    if me.role is Role.OWNER and page.items:
        managed = set(db.session.scalars(services.managed_ids(me)))
    margin_bp = prices.agency_margin_bp()
    view = prices.price_view(me, None)
    views = {
        community.id: prices.PriceView.OWNER if community.id in managed else view
        for community in page.items
    }
    args: dict[str, Any] = request.args.to_dict(flat=False)
    args.pop("cursor", None)
    return cache.rendered_alone(
        "catalog/_results.html",
        cards=cards(page.items, views, margin_bp, is_staff, version),
        next_url=url_for("catalog.browse", **args, cursor=page.next_cursor)
        if page.next_cursor
        else None,
        first_url=url_for("catalog.browse", **args) if params.cursor else None,
    )


def cards(
    items: list[Any],
    views: dict[int, prices.PriceView],
    margin_bp: int,
    is_staff: bool,
    version: int | None,
) -> list[Markup]:
    """Each result's rendered card, kept per process under the catalog's version.

    A card prints its community's row (which the version follows: the database advances it on
    every change to a community or a channel), in the page's language, with the price as
    `views` says this reader sees it, at the agency's margin, and the status for staff: all of
    that is its key, so a card is never staler than the database nor shown to another kind of
    reader. Only the cards not kept are made, in one pass.
    """
    kept = cache.result_cards()
    language = ui_language()
    href = _detail_href()
    keys = [
        None
        if kept is None or version is None
        else (version, item.id, language, views[item.id], margin_bp, is_staff, href)
        for item in items
    ]
    found = [None if key is None or kept is None else kept.get(key) for key in keys]
    missing = [item for item, card in zip(items, found, strict=True) if card is None]
    if missing:
        module = current_app.jinja_env.get_template("catalog/_result_card.html").module
        card: Any = getattr(module, "card")  # noqa: B009 - a macro, unknown to the type checker
        from_prices = {
            item.id: prices.shown_rate(
                item.min_rate_ils, "ILS", views[item.id], margin_bp=margin_bp
            )
            for item in missing
            if item.min_rate_ils
        }
        made = iter(
            [card(item) for item in result_items(missing, from_prices, is_staff, language, href)]
        )
        for n, key in enumerate(keys):
            if found[n] is None:
                new: Markup = next(made)
                found[n] = new
                if key is not None and kept is not None:
                    kept.put(key, new)
    return [Markup(card) for card in found]  # noqa: S704 - each card is Jinja's own escaping


def _detail_href() -> str:
    """The link to a listing page, with "{}" where its id goes (one url_for a page)."""
    marker = 987654321
    return url_for("catalog.detail", community_id=marker).replace(str(marker), "{}")


#: The CSS name of each evidence tier's badge (as the evidence_badge macro has them).
EVIDENCE_CLASSES = {1: "self_reported", 2: "screenshot", 3: "export", 4: "verified"}
#: The longest description a result shows (Jinja's truncate: whole words, "...").
RESULT_DESCRIPTION = 220


@dataclass
class ResultItem:
    """One result as the list prints it: every label translated and every number formatted.

    The list's template then only prints strings (no macro, no translation, no filter per
    item): those were about 40% of a page's CPU when the results are not cached.
    """

    href: str
    name: str
    other_name: tuple[str, str] | None
    place: str
    city: str
    people: Markup
    price: Markup | None
    brand_price: Markup | None
    status: tuple[str, str] | None
    chips: list[tuple[str, str]]
    description: str
    tags: list[str]
    evidence: tuple[str, str, str]


def _message(msgid: str) -> Markup:
    """A translated message with %(name)s fields, as Jinja's i18n gives it: trusted markup whose
    fields are escaped when filled in."""
    return Markup(gettext(msgid))  # noqa: S704 - our own translation, as Jinja's _() treats it


def result_items(
    items: list[Any],
    from_prices: dict[int, prices.ShownRate],
    is_staff: bool,
    language: str | None = None,
    href: str | None = None,
) -> list[ResultItem]:
    """The results list's items, with the page's labels, language and formats looked up once."""
    language = language or ui_language()
    href = href or _detail_href()
    resolved = context.labels()
    regions, topics = resolved["region_labels"], resolved["topic_labels"]
    platforms, evidence = resolved["platform_labels"], resolved["evidence_labels"]
    people = _message("%(n)s people in all channels")
    price_from, brands_pay = _message("from %(price)s"), _message("brands pay %(price)s")
    no_evidence = gettext("No evidence")
    number = number_formatter()
    money = money_formatter()
    environment = current_app.jinja_env
    result = []
    for community in items:
        shown = from_prices.get(community.id)
        tier = community.best_evidence
        result.append(
            ResultItem(
                href=href.format(community.id),
                name=name_in(community.name_he, community.name_en, language),
                other_name=other_name_in(community.name_he, community.name_en, language),
                place=regions.get(community.region, community.region),
                city=community.city,
                people=people % {"n": number(community.total_size)},
                price=price_from % {"price": money(shown.amount_minor, shown.currency)}
                if shown
                else None,
                brand_price=brands_pay % {"price": money(shown.brand_price_minor, shown.currency)}
                if shown and shown.brand_price_minor
                else None,
                status=(community.status.value, resolved["status_labels"][community.status])
                if is_staff
                else None,
                chips=[
                    (asset.platform.value, f"{platforms[asset.platform]} · {number(asset.size)}")
                    for asset in community.assets
                ],
                description=do_truncate(environment, community.description, RESULT_DESCRIPTION),
                tags=[topics.get(topic, topic) for topic in community.topics],
                evidence=(
                    EVIDENCE_CLASSES.get(tier, "none"),
                    evidence.get(tier, ""),
                    evidence.get(tier, no_evidence),
                ),
            )
        )
    return result


#: The most a result may be said to be worth on the listing page, in whole ₪.
MAX_RESULT_WORTH = 1_000_000


def lens_goal() -> tuple[str | None, int | None]:
    """The goal and worth per result (minor units) asked for in the query string, if valid."""
    goal = request.args.get("goal", "")
    if goal not in {g.value for g in Goal}:
        return None, None
    worth = request.args.get("worth", type=int)
    if worth is None or not 0 < worth <= MAX_RESULT_WORTH:
        return goal, None
    return goal, worth * 100


def detail_context(community: Community, me: Any) -> dict[str, Any]:
    """What a listing page shows `me`: its channels, rates, figures, estimates and forms."""
    manage = services.can_manage(me, community)
    view = prices.price_view(me, community)
    margin_bp = prices.agency_margin_bp()
    panels = context.asset_panel_values(community.assets)  # health, from the feature above
    stored = valuation.estimates_by_asset(db.session, [asset.id for asset in community.assets])
    # The three lenses (and the market's rates, one query) for those who may see a verdict;
    # `?goal=…&worth=…` values the outcome for a brief's goal at the brand's ₪ per result.
    goal, worth = lens_goal()
    lenses = (
        valuation.lenses_for(db.session, community, stored, goal=goal, result_value_minor=worth)
        if manage
        else {}
    )
    locale = get_locale()
    lang = locale.language if locale is not None else "he"
    assets = []
    for asset in community.assets:
        latest = {}
        for kind in MetricKind:
            snapshot = services.latest_metric(asset, kind)
            if snapshot is not None:
                latest[kind] = snapshot
        history = [m for m in asset.metrics if m.kind == MetricKind.MEMBERS]
        assets.append(
            {
                "asset": asset,
                # Rates and the address as this viewer may see them (see catalog.prices).
                "rates": [
                    (
                        rate.placement,
                        prices.shown_rate(
                            rate.amount_minor, rate.currency, view, margin_bp=margin_bp
                        ),
                    )
                    for rate in asset.rates
                ],
                "url": prices.shown_url(asset.url, view),
                "handle": prices.shown_text(asset.handle, view),
                "latest": latest,
                "sparkline": charts.sparkline([m.value for m in history]),
                "history": sorted(asset.metrics, key=lambda m: (m.observed_on, m.id), reverse=True),
                **panels[asset.id],
                # The fair-price verdict is for the listing's managers and agency staff only.
                "estimates": {
                    placement: valuation.present(
                        estimate,
                        lang,
                        with_verdict=manage,
                        members=asset.metrics,
                        lenses=lenses.get((asset.id, placement)),
                    )
                    for placement, estimate in stored[asset.id].items()
                },
            }
        )
    return {
        "community": community,
        "assets": assets,
        "size_chart": charts.bars(
            [(str(vocab.PLATFORMS[a.platform]), a.size) for a in community.assets]
        ),
        "audience": services.audience_by_dimension(community),
        "can_manage": manage,
        "price_view": view.value,
        "margin_percent": margin_percent(margin_bp),
        "public_text": lambda text: prices.shown_text(text, view),
        "show_private": services.can_see_private(me, community),
        "transitions": services.allowed_transitions(community, me),
        "status_form": StatusForm(),
        "review_form": ReviewMetricForm(),
        "manager_form": AddManagerForm(),
        "delete_form": DeleteForm(),
        "is_staff": me.role in services.STAFF_ROLES,
        "rate_metrics": RATE_METRICS,
        "today": date.today(),
        "lens_goal": lens_goal(),
    }


def asset_data(form: AssetForm) -> dict[str, Any]:
    """A channel form's fields as `services.save_asset` takes them."""
    return {
        "platform": Platform(form.platform.data),
        "url": form.url.data or "",
        "handle": form.handle.data or "",
        "size": form.size.data,
        "interaction_mode": form.interaction_mode.data,
        "posts_per_week": form.posts_per_week.data,
        "activity_hours": form.activity_hours.data or "",
    }


def rates_data(form: AssetForm) -> dict[PlacementType, tuple[int | None, str | None]]:
    """A channel form's rate card as `services.set_rates` takes it (no amount: no placement)."""
    rates: dict[PlacementType, tuple[int | None, str | None]] = {}
    for placement in PlacementType:
        amount: Decimal | None = getattr(form, rate_field_name(placement)).data
        minor = Money.from_major(amount, form.currency.data).amount_minor if amount else None
        rates[placement] = (minor, form.currency.data)
    return rates


def rate_card_context() -> dict[str, Any]:
    """Placement → the platforms that have it, for the rate card's fields (one table)."""
    offered = offered_placements()
    return {
        "rate_platforms": {
            placement: [platform.value for platform, has in offered.items() if placement in has]
            for placement in PlacementType
        }
    }
