"""Languages, text direction and locale-aware formatting of numbers, dates and money."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from babel import Locale, numbers
from babel import dates as babel_dates
from flask import Flask, current_app, has_request_context, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user
from jinja2 import Undefined, pass_context
from jinja2.runtime import Context

from marketplace import bidi
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
    locale = get_locale()
    if locale is None:
        from flask_babel import format_currency

        return str(format_currency(money.as_decimal(), money.currency))
    return _money_text(money.amount_minor, money.currency, str(locale))


def money_formatter(language: str | None = None) -> Callable[[int, str], str]:
    """format_money for many amounts of one page, the locale looked up once; with `language`,
    that language's format whatever the page's (a JSON answer or a command writes each of its
    languages' sentences with their own)."""
    if language is not None:
        return lambda amount_minor, currency: _money_text(int(amount_minor), currency, language)
    locale = get_locale()
    if locale is None:
        return format_money
    key = str(locale)
    return lambda amount_minor, currency: _money_text(int(amount_minor), currency, key)


def currency_symbol(currency: str | None = None) -> str:
    """The sign a money field is labelled with in the current locale: ILS → ₪, USD → $."""
    code = currency or current_app.config["DEFAULT_CURRENCY"]
    locale = get_locale()
    return str(numbers.get_currency_symbol(code, locale=str(locale) if locale else "en"))


def major_units(amount_minor: int, currency: str | None = None) -> str:
    """Integer minor units as a plain major-unit number for an input's value or max (70750 →
    "707.50"): exact, no float, no grouping or sign."""
    return str(Money(int(amount_minor), currency or current_app.config["DEFAULT_CURRENCY"])
               .as_decimal())  # fmt: skip


#: The signed figure of a formatted amount: "-5,088.75".
_SIGNED_FIGURE = re.compile(r"-[\d.,\u00a0\u202f]*\d")


@lru_cache(maxsize=8192)
def _money_text(amount_minor: int, currency: str, locale: str) -> str:
    """Babel's formatting of an amount (about 80 µs), kept: a results page prints dozens.

    In a right-to-left language a negative amount's figure is one left-to-right unit: Babel
    writes "\u200f-5,088.75 \u200f₪", and the bidi algorithm, seeing the minus between the
    right-to-left mark and the digits, puts it on their far side ("₪ 5,088.75-").
    """
    money = Money(amount_minor, currency)
    text = str(numbers.format_currency(money.as_decimal(), money.currency, locale=locale))
    if amount_minor < 0 and Locale.parse(locale).character_order == "right-to-left":
        text = _SIGNED_FIGURE.sub(lambda figure: bidi.isolate_ltr(figure.group()), text, count=1)
    return text


#: (group, decimal) signs per locale: Babel's full formatter costs ~50 µs a number, and a
#: results page prints about a hundred of them.
_NUMBER_SIGNS: dict[str, tuple[str, str]] = {}


def format_number(value: Any) -> str:
    """Format a number with the locale's grouping and decimal signs; empty when there is none."""
    if value is None or isinstance(value, Undefined):
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number_formatter()(value)
    return str(format_decimal(value))


def number_formatter() -> Callable[[int | float], str]:
    """format_number for ints and floats in the current locale, the locale looked up once."""
    locale = get_locale()
    key = str(locale)
    if key not in _NUMBER_SIGNS:
        symbols = locale.number_symbols["latn"] if locale is not None else {}
        _NUMBER_SIGNS[key] = (symbols.get("group", ","), symbols.get("decimal", "."))
    group, decimal = _NUMBER_SIGNS[key]
    signs = str.maketrans({",": group, ".": decimal})

    def formatted(value: int | float) -> str:
        # Babel's default pattern #,##0.###: grouping of three, at most three decimals.
        text = f"{value:,.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
        return text.translate(signs)

    return formatted


def format_when(value: datetime | str | None) -> str:
    """Format an aware datetime in the user's time zone to the minute ("7 בדצמ׳ 2026, 20:45",
    "Dec 7, 2026, 8:45 PM"), also from the ISO text of a JSON view; empty for None. Seconds
    read like a log line, not a page."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return str(format_datetime(moment, _minute_pattern(str(get_locale() or "en"))))


@lru_cache(maxsize=16)
def _minute_pattern(locale: str) -> str:
    """The locale's medium date and short time, joined as its medium date-time joins them."""
    parsed = Locale.parse(locale)
    joined = str(parsed.datetime_formats["medium"])
    return joined.replace("{1}", parsed.date_formats["medium"].pattern).replace(
        "{0}", parsed.time_formats["short"].pattern
    )


def format_day(value: date | str | None) -> str:
    """A day in the reader's language ("28 בדצמ׳ 2026"), also from the ISO text kept in JSON
    terms; empty for None."""
    if value is None or value == "":
        return ""
    return str(format_date(date.fromisoformat(value) if isinstance(value, str) else value))


def language_of(user: Any) -> str:
    """The language a user reads Kesher in (their mail too): their saved choice, else the
    default."""
    if user.locale in current_app.config["LANGUAGES"]:
        return str(user.locale)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def day_in(value: date | str, language: str) -> str:
    """A day in a document's own language, whoever reads it ("7 בדצמ׳ 2026", "Dec 7, 2026"):
    a PDF is printed in the language it was made in."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return str(babel_dates.format_date(day, "medium", locale="he" if language == "he" else "en"))


def format_month(value: date | str | None) -> str:
    """A month in the reader's language ("דצמ׳ 2026", "Dec 2026"), also from "2026-12"."""
    if value is None or value == "":
        return ""
    day = date.fromisoformat(f"{value}-01") if isinstance(value, str) else value
    return str(format_date(day, "MMM y"))


def install_cached_gettext(app: Flask) -> None:
    """Give templates a gettext that remembers each translation per language.

    Flask-Babel looks the catalog up again on every call; a page calls it a few hundred times.
    Translations only change on restart, so (language, message) → text is safe to keep.
    """
    from flask_babel import gettext, ngettext

    cache: dict[tuple[str, str], str] = {}

    @pass_context
    def cached_gettext(context: Context, message: str) -> str:
        # Jinja's new-style wrapper escapes and fills in the %(variables)s afterwards. The
        # language comes from the page's globals (language_globals below) when it has them:
        # get_locale() through Flask's proxies cost about as much as the rest of the call.
        language = context.get("current_language") or str(get_locale())
        key = (language, message)
        text = cache.get(key)
        if text is None:
            text = cache[key] = gettext(message)
        return text

    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        cached_gettext, ngettext, newstyle=True
    )


def init_app(app: Flask) -> None:
    """Set up Flask-Babel, the template filters and the language globals."""
    from pathlib import Path

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    app.jinja_env.filters.update(
        money=format_money, number=format_number, when=format_when, date=format_date,
        day=format_day, month=format_month, currency_symbol=currency_symbol,
        major_units=major_units,
    )  # fmt: skip
    install_cached_gettext(app)
    bidi.init_app(app)

    @app.context_processor
    def language_globals() -> dict[str, Any]:
        locale = get_locale()
        return {
            "current_language": str(locale) if locale else app.config["BABEL_DEFAULT_LOCALE"],
            "text_direction": text_direction(),
            "language_names": LANGUAGE_NAMES,
            "languages": app.config["LANGUAGES"],
        }
