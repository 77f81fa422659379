"""Languages, text direction and locale-aware formatting of numbers, dates and money."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_request_context, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user
from jinja2 import Undefined

from marketplace.extensions import babel
from pricing.money import Money

#: Language names as each language writes its own name, for the switcher.
LANGUAGE_NAMES = {"he": "עברית", "en": "English"}


def select_locale() -> str:
    """Pick the UI language: the user's saved choice, then this browser's, then Hebrew.

    The browser's Accept-Language is deliberately not consulted: Israeli users often run
    English-language browsers but want the Hebrew UI, which is Kesher's first language.
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and jobs speak the default language
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return str(current_user.locale)
    chosen = session.get("locale")
    if chosen in languages:
        return str(chosen)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def text_direction() -> str:
    """Return "rtl" or "ltr" for the current locale."""
    locale = get_locale()
    return "rtl" if locale is not None and locale.character_order == "right-to-left" else "ltr"


def format_money(amount_minor: int, currency: str | None = None) -> str:
    """Format integer minor units as money in the current locale, e.g. 1250000 → ‏12,500.00 ₪."""
    money = Money(int(amount_minor), currency or current_app.config["DEFAULT_CURRENCY"])
    from flask_babel import format_currency

    return str(format_currency(money.as_decimal(), money.currency))


def format_number(value: Any) -> str:
    """Format a number with the locale's grouping and decimal signs; empty when there is none."""
    if value is None or isinstance(value, Undefined):
        return ""
    return str(format_decimal(value))


def format_when(value: datetime | None, style: str = "medium") -> str:
    """Format an aware datetime in the user's time zone; empty for None."""
    if value is None:
        return ""
    return str(format_datetime(value, style))


def init_app(app: Flask) -> None:
    """Set up Flask-Babel, the template filters and the language globals."""
    from pathlib import Path

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    app.jinja_env.filters.update(
        money=format_money, number=format_number, when=format_when, date=format_date
    )

    @app.context_processor
    def language_globals() -> dict[str, Any]:
        locale = get_locale()
        return {
            "current_language": str(locale) if locale else app.config["BABEL_DEFAULT_LOCALE"],
            "text_direction": text_direction(),
            "language_names": LANGUAGE_NAMES,
            "languages": app.config["LANGUAGES"],
        }
