"""Hebrew first (right to left), English second; the choice persists; formats follow the locale."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale

from marketplace.i18n import format_money, format_number


def html_tag(page: str) -> str:
    return page[page.index("<html") : page.index(">", page.index("<html")) + 1]


def test_the_ui_is_hebrew_and_right_to_left_by_default(client: Any) -> None:
    page = client.get("/auth/login", headers={"Accept-Language": "en-US,en"}).get_data(as_text=True)
    assert html_tag(page) == '<html lang="he" dir="rtl">'
    assert "התחברות" in page


def test_switching_to_english_turns_the_page_left_to_right(client: Any) -> None:
    response = client.post("/auth/language", data={"lang": "en", "next": "/auth/login"})
    assert response.headers["Location"] == "/auth/login"
    page = client.get("/auth/login").get_data(as_text=True)
    assert html_tag(page) == '<html lang="en" dir="ltr">'
    assert "Log in" in page


def test_an_unknown_language_is_refused_and_changes_nothing(client: Any) -> None:
    response = client.post(
        "/auth/language", data={"lang": "fr"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert "he, en" in response.json["error"]["message"]
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'dir="rtl"' in html_tag(page)


def test_the_language_choice_persists_for_the_user_on_any_device(
    app: Flask, client: Any, auth: Any, make_user: Any
) -> None:
    user = make_user("owner")
    auth.login(user.email)
    client.post("/auth/language", data={"lang": "en"})
    other_device = app.test_client()
    other_device.post(
        "/auth/login", data={"email": user.email, "password": "correct-horse-battery"}
    )
    page = other_device.get("/community/").get_data(as_text=True)
    assert html_tag(page) == '<html lang="en" dir="ltr">'


def test_a_language_chosen_before_sign_up_is_kept_by_the_new_account(
    client: Any, app: Flask
) -> None:
    client.post("/auth/language", data={"lang": "en"})
    client.post(
        "/auth/signup",
        data={
            "account_type": "owner",
            "display_name": "Sarah",
            "email": "sarah@example.com",
            "password": "a long enough passphrase",
            "confirm": "a long enough passphrase",
        },
    )
    from marketplace.auth.models import User
    from marketplace.extensions import db

    with app.app_context():
        assert db.session.query(User).one().locale == "en"


@pytest.mark.parametrize(
    ("locale", "amount", "currency", "expected"),
    [
        ("en", 1_250_050, "ILS", "₪12,500.50"),
        ("en", 99, "USD", "$0.99"),
        ("en", 100_000, "EUR", "€1,000.00"),
        ("he", 1_250_050, "ILS", "\u200f12,500.50\u00a0\u200f₪"),
        ("he", 99, "USD", "\u200f0.99\u00a0\u200f$"),
    ],
)
def test_money_is_formatted_from_minor_units_per_locale(
    app: Flask, locale: str, amount: int, currency: str, expected: str
) -> None:
    with app.test_request_context(), force_locale(locale):
        assert format_money(amount, currency) == expected


def test_money_defaults_to_shekels(app: Flask) -> None:
    with app.test_request_context(), force_locale("en"):
        assert format_money(500) == "₪5.00"
        assert format_number(1234567) == "1,234,567"
