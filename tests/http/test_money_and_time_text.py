"""Money and times as a reader sees them: a negative amount keeps its minus before the figure
in Hebrew, and a time of day is read to the minute, not the second."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import render_template_string
from flask_babel import force_locale

LRI, PDI, RLM = "\u2066", "\u2069", "\u200f"


def test_a_negative_amount_in_hebrew_is_one_left_to_right_figure(app: Any) -> None:
    """ "₪ 5,088.75-": the bidi algorithm put Babel's minus after the digits (on their left)."""
    with app.test_request_context("/"), force_locale("he"):
        shown = render_template_string("{{ -508875 | money }}|{{ 508875 | money }}")
    negative, positive = shown.split("|")
    assert negative == f"{RLM}{LRI}-5,088.75{PDI}\xa0{RLM}₪"
    assert positive == f"{RLM}5,088.75\xa0{RLM}₪"


def test_a_negative_amount_in_english_is_unchanged(app: Any) -> None:
    with app.test_request_context("/"), force_locale("en"):
        assert render_template_string("{{ -508875 | money }}") == "-₪5,088.75"


@pytest.mark.parametrize(
    ("locale", "shown"), [("he", "7 בדצמ׳ 2026, 20:45"), ("en", "Dec 7, 2026, 8:45\u202fPM")]
)
def test_a_time_is_shown_to_the_minute(app: Any, locale: str, shown: str) -> None:
    """ "20:45:49" read like a log line."""
    moment = dt.datetime(2026, 12, 7, 18, 45, 49, tzinfo=dt.UTC)  # 20:45:49 in Jerusalem
    with app.test_request_context("/"), force_locale(locale):
        assert render_template_string("{{ moment | when }}", moment=moment) == shown
