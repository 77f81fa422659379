"""Template globals of the catalog: vocabulary labels, resolved once per language."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import Flask, current_app
from flask_babel import get_locale, gettext, ngettext

from marketplace.catalog import vocab
from marketplace.catalog.models import ChannelAsset, name_in, ui_language
from marketplace.catalog.services import STATUS_LABELS

#: Resolving a lazy string costs a translation look-up each time it is printed; a results
#: page prints hundreds, so each language's labels are resolved once and kept.
_RESOLVED: dict[str, dict[str, Any]] = {}


def _resolve(mapping: dict[Any, Any]) -> dict[Any, Any]:
    return {key: (value if value is None or isinstance(value, str) else _value(value))
            for key, value in mapping.items()}  # fmt: skip


def _value(value: Any) -> Any:
    return _resolve(value) if isinstance(value, dict) else str(value)


#: What a feature above the catalog adds to each channel of the listing page: given the page's
#: channels, the extra values of each one's row, by channel id (say, its health report).
AssetPanel = Callable[[Sequence[ChannelAsset]], Mapping[int, Mapping[str, Any]]]

_PANELS = "kesher.catalog.asset_panels"


def add_asset_panel(app: Flask, panel: AssetPanel) -> None:
    """Let a higher feature show its facts on each channel of the listing page.

    Called from that feature's `init_app` (registered in `marketplace/features.py`), so the
    catalog shows them without importing the feature: the catalog stays below it.
    """
    app.extensions.setdefault(_PANELS, []).append(panel)


def asset_panel_values(assets: Sequence[ChannelAsset]) -> dict[int, dict[str, Any]]:
    """Every registered panel's values for these channels, merged per channel id."""
    values: dict[int, dict[str, Any]] = {asset.id: {} for asset in assets}
    for panel in current_app.extensions.get(_PANELS, []):
        for asset_id, extra in panel(assets).items():
            values.setdefault(asset_id, {}).update(extra)
    return values


def labels() -> dict[str, Any]:
    """Every catalog label in the current language, as plain strings."""
    language = str(get_locale() or "he")
    if language not in _RESOLVED:
        _RESOLVED[language] = {
            "platform_labels": _resolve(vocab.PLATFORMS),
            "placement_labels": _resolve(vocab.PLACEMENTS),
            "evidence_labels": {int(k): str(v) for k, v in vocab.EVIDENCE_TIERS.items()},
            "metric_labels": _resolve(vocab.METRICS),
            "topic_labels": _resolve(vocab.TOPICS),
            "language_labels": _resolve(vocab.LANGUAGES),
            "region_labels": _resolve(vocab.REGIONS),
            "flag_labels": _resolve(vocab.SENSITIVE_FLAGS),
            "status_labels": _resolve(STATUS_LABELS),
            "audience_labels": _resolve(vocab.AUDIENCE_DIMENSIONS),
            "audience_dimension_labels": _resolve(vocab.AUDIENCE_DIMENSION_LABELS),
            "admission_labels": _resolve(vocab.ADMISSION),
            "audience_kind_labels": _resolve(vocab.AUDIENCE_KINDS),
            "mode_labels": _resolve(vocab.INTERACTION_MODES),
            "monetisation_labels": _resolve(vocab.MONETISATION),
        }
    return _RESOLVED[language]


def days_ago(days: int) -> str:
    """How old a figure is, in words: "today", "yesterday", "2 days ago", "N days ago"."""
    if days <= 0:
        return gettext("today")
    if days == 1:
        return gettext("yesterday")
    if days == 2:  # Hebrew has a word of its own for two days (יומיים)
        return gettext("2 days ago")
    return ngettext("%(num)d day ago", "%(num)d days ago", days)


def local_name(name_he: str | None, name_en: str | None) -> str:
    """A community's name in the UI's language, for templates that hold the two names."""
    return name_in(name_he, name_en, ui_language())


def init_app(app: Flask) -> None:
    """Offer the catalog's labels, and the name-by-language helper, to every template; read
    the catalog's version with the login session (see cache.page_catalog_version)."""
    from marketplace.auth.services import add_login_value
    from marketplace.catalog.cache import version_of_login

    add_login_value("catalog_version", version_of_login)
    app.context_processor(labels)
    app.add_template_global(local_name)
    app.add_template_filter(days_ago)
