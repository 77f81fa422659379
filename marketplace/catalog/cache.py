"""Rendered pieces of the browse page, kept per process while the catalog has not changed.

Two caches:

* the **filter panel** depends only on the language, the staff flag and the selection, never on
  the data, so it is kept for good (bounded);
* the **results** of a search (the list and its pager) are kept under the catalog's version, a
  counter the database itself advances whenever a community or a channel changes (triggers; see
  migration d4e6f8a0b2c4). A request reads the version (one primary-key read) and uses an entry
  only if it was made from that very version, so a cached page is never staler than the
  database. Entries are per audience: brands (listed communities only), staff (everything), and
  each owner separately (their own listings).

Each gunicorn worker keeps its own; ``KESHER_SEARCH_CACHE_SIZE=0`` turns both off.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app, render_template
from markupsafe import Markup

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


def caches() -> tuple[LRU, LRU]:
    """This app's (filter panel, results) caches, made on first use."""
    found: tuple[LRU, LRU] | None = current_app.extensions.get("kesher_search_cache")
    if found is None:
        size = int(current_app.config.get("SEARCH_CACHE_SIZE", 512))
        found = (LRU(size), LRU(size))
        current_app.extensions["kesher_search_cache"] = found
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
