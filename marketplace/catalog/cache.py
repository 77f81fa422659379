"""Rendered pieces of the browse page, kept per process while the catalog has not changed.

Two caches of content:

* the **filter panel** depends only on the language, the staff flag and the selection, never on
  the data: it is rendered blank once per language and staff flag, each selection's choices
  are ticked in that (`filled_panel`), and both are kept for good (bounded);
* each result's **card** is kept under the catalog's version too (and the reader's language,
  price view and role: see `presenters.cards`), so searches that all differ reuse the cards
  of the communities they find again;
* the **results** of a search (the list and its pager) are kept under the catalog's version, a
  counter the database itself advances whenever a community or a channel changes (triggers; see
  migration d4e6f8a0b2c4). A request reads the version (one primary-key read) and uses an entry
  only if it was made from that very version, so a cached page is never staler than the
  database. Entries are per audience: brands (listed communities only), staff (everything), and
  each owner separately (their own listings).

And the page's **shell** (layout, navigation, search form; see `browse_page`), kept under
everything it prints that can change, with this request's own values filled in.

Each gunicorn worker keeps its own; ``KESHER_SEARCH_CACHE_SIZE=0`` turns them all off.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import Any

from flask import current_app, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import select

from marketplace.catalog.models import CatalogState
from marketplace.db import SessionLike, driver_sql


class LRU:
    """A small thread-safe least-recently-used map."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Markup] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_make(self, key: Hashable | None, make: Callable[[], Markup]) -> Markup:
        if self.size <= 0 or key is None:
            return make()
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def get(self, key: Hashable) -> Markup | None:
        """The value kept under `key` (counted as a hit or a miss), None when there is none."""
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: Hashable, value: Markup) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


#: The counter row of `CatalogState` (its one row has id 1).
_VERSION = f"SELECT version FROM {CatalogState.__tablename__} WHERE id = 1"  # noqa: S608 - fixed


def catalog_version(session: SessionLike) -> int | None:
    """The catalog's current version (advanced by the database on every catalog change).

    None when the counter row is missing (a database not made by the migrations): then
    nothing is cached.
    """
    version = driver_sql(session, _VERSION).scalar_one_or_none()
    return None if version is None else int(version)


def version_of_login() -> Any:
    """The catalog version as a scalar subquery, read with the login session (auth)."""
    return select(CatalogState.version).where(CatalogState.id == 1).scalar_subquery()


def page_catalog_version(session: SessionLike) -> int | None:
    """The catalog version for this page: as read with the signed-in reader's login session
    when it was (a GET), else read now.

    Read at the start of the request rather than just before the results, it is never newer
    than the rows the page then reads, so a page kept under it is never staler than the
    database (the same argument as for a version read in the view: versions only grow).
    """
    user = current_user._get_current_object()  # noqa: SLF001 - the User, not the proxy
    values = getattr(user, "login_values", None)
    if values is not None and "catalog_version" in values:
        version = values["catalog_version"]
        return None if version is None else int(version)
    return catalog_version(session)


def caches() -> tuple[LRU, LRU]:
    """This app's (filter panel, results) caches, made on first use."""
    found: tuple[LRU, LRU] | None = current_app.extensions.get("kesher_search_cache")
    if found is None:
        size = int(current_app.config.get("SEARCH_CACHE_SIZE", 512))
        found = (LRU(size), LRU(size))
        current_app.extensions["kesher_search_cache"] = found
    return found


#: Result cards kept per search-cache entry: about 12,000 cards at the default size, some
#: 30 MB, enough for the cards a worker shows most in a day of searches that all differ.
CARDS_PER_ENTRY = 24


def result_cards() -> LRU | None:
    """This app's kept result cards (see presenters.cards), None when caching is off."""
    size = int(current_app.config.get("SEARCH_CACHE_SIZE", 512))
    if size <= 0:
        return None
    found: LRU | None = current_app.extensions.get("kesher_result_cards")
    if found is None:
        found = current_app.extensions["kesher_result_cards"] = LRU(size * CARDS_PER_ENTRY)
    return found


def rendered(template: str, **context: Any) -> Markup:
    """A partial template rendered (autoescaped by Jinja) as markup to embed in a page."""
    return Markup(render_template(template, **context))  # noqa: S704 - Jinja escaped it


def rendered_alone(template: str, **context: Any) -> Markup:
    """A partial that needs nothing but `context` (and `_`), rendered without the app's
    context processors: they build the navigation, the labels and the language globals
    again for every template, and the page around the partial has them already."""
    found = current_app.jinja_env.get_template(template)
    return Markup(found.render(**context))  # noqa: S704 - Jinja escaped it


_SELECTS = ("evidence", "status")


def filled_panel(blank: str, params: Any) -> Markup:
    """The filter panel for `params`: the panel rendered with nothing chosen (kept per language
    and staff flag), with this search's choices ticked and selected, as the template does.

    The panel was rendered for every new combination of filters (a few hundred, 1.5–4 ms
    each: about 0.7 s of a worker's CPU in the first 15 s of the search mix); the choices are
    only attributes, ticked in 0.04 ms.
    """
    html = blank
    if params.filters or params.evidence or params.status:
        html = html.replace('<details class="filters">', '<details class="filters" open>', 1)
    for name, values in params.filters.items():
        for value in set(values):
            tag = f'type="checkbox" name="{escape(name)}" value="{escape(value)}">'
            html = html.replace(tag, tag[:-1] + " checked>")
    for name, chosen in zip(_SELECTS, (params.evidence, params.status), strict=True):
        if not chosen:
            continue
        start = html.find(f'<select id="{name}" name="{name}">')
        end = html.find("</select>", start)
        if start < 0 or end < 0:
            continue
        option = f'<option value="{escape(str(chosen))}">'
        inside = html[start:end].replace(option, option[:-1] + " selected>")
        html = html[:start] + inside + html[end:]
    return Markup(html)  # noqa: S704 - Jinja's rendering, attributes added from escaped values


#: Where a kept page shell takes this request's values (letters only: nothing to escape).
SLOTS = {name: f"kesherslot{name}x7q" for name in ("csrf", "path", "q", "filters", "results")}
_SLOT = re.compile("|".join(SLOTS.values()))


@dataclass(frozen=True)
class _SlotRequest:
    """What the layout reads of the request, with this request's own path left as a slot."""

    endpoint: str | None
    full_path: str = SLOTS["path"]


def browse_page(params: Any, filters_html: Markup, results_html: Markup) -> str:
    """The browse page: its shell kept per reader, its values filled in on every request.

    The shell (the layout, navigation, badge and search form) costs as much to render as the
    results, and it is the same for every search of one reader with one sort. It is kept under
    everything it prints that can change, each read on this request (language, the reader's
    id, name, role, e-mail and whether it is confirmed, the navigation and its "More" menu,
    the unread count, the sort), so it is never stale and no writer has anything to
    invalidate; the CSRF token, this URL, the words searched, the filter panel and the results
    are slots filled in each time (the words and URL escaped as Jinja would). A page with
    flashed messages is rendered whole.
    """
    size = int(current_app.config.get("SEARCH_CACHE_SIZE", 512))
    if size <= 0 or session.get("_flashes"):
        return render_template(
            "catalog/browse.html", params=params, filters_html=filters_html,
            results_html=results_html,
        )  # fmt: skip
    context: dict[str, Any] = {
        "params": replace(params, q=SLOTS["q"]),
        "filters_html": Markup(SLOTS["filters"]),  # noqa: S704 - a fixed slot name
        "results_html": Markup(SLOTS["results"]),  # noqa: S704 - a fixed slot name
        "csrf_token": lambda: SLOTS["csrf"],
        "request": _SlotRequest(request.endpoint),
    }
    current_app.update_template_context(context)
    user = context["current_user"]
    key = (
        "browse",
        context["current_language"],
        context["text_direction"],
        tuple((i["url"], str(i["label"]), i["current"]) for i in context["nav_items"]),
        tuple((i["url"], str(i["label"]), i["current"]) for i in context["nav_more"]),
        context["unread_notifications"],
        # The header names the reader; the banner asks an unconfirmed one for their address.
        (user.id, user.display_name, user.role, user.email, user.email_verified)
        if user.is_authenticated
        else None,
        request.endpoint,
        params.sort,
    )
    shells: LRU = current_app.extensions.setdefault("kesher_page_shells", LRU(size))
    shell = shells.get_or_make(
        key,
        lambda: Markup(  # noqa: S704 - Jinja escaped it
            current_app.jinja_env.get_template("catalog/browse.html").render(context)
        ),
    )
    values = {
        SLOTS["csrf"]: str(escape(generate_csrf())),
        SLOTS["path"]: str(escape(request.full_path.rstrip("?"))),
        SLOTS["q"]: str(escape(params.q)),
        SLOTS["filters"]: str(filters_html),
        SLOTS["results"]: str(results_html),
    }
    # One pass: a value that happens to spell a slot's name is never filled in again.
    return _SLOT.sub(lambda found: values[found.group(0)], str(shell))
