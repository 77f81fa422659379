"""Which channel addresses are private invite links (never shown to brands)."""

from __future__ import annotations

import pytest

from marketplace.catalog.prices import PriceView, is_invite_link, shown_text, shown_url


@pytest.mark.parametrize(
    "url",
    [
        "https://chat.whatsapp.com/AbC123xyz",
        "chat.whatsapp.com/AbC123xyz",
        "http://www.chat.whatsapp.com/AbC",
        "https://wa.me/972501234567",
        "https://t.me/+AbCdEf123",
        "https://t.me/joinchat/AAAAAE",
        "https://telegram.me/joinchat/AAAAAE",
        "tg://join?invite=AbC",
        "https://discord.gg/abc",
        "https://signal.group/#CjQK",
        "HTTPS://CHAT.WHATSAPP.COM/UPPER",
    ],
)
def test_invite_links_are_recognised_and_hidden_from_brands(url: str) -> None:
    assert is_invite_link(url)
    assert shown_url(url, PriceView.BRAND) is None
    assert shown_url(url, PriceView.OWNER) == url
    assert shown_url(url, PriceView.AGENCY) == url


@pytest.mark.parametrize(
    "url",
    ["https://t.me/public_channel", "https://www.facebook.com/somepage", "https://example.org",
     "https://www.instagram.com/runners"],
)  # fmt: skip
def test_public_addresses_stay_visible(url: str) -> None:
    assert not is_invite_link(url)
    assert shown_url(url, PriceView.BRAND) == url


def test_invite_links_pasted_in_free_text_are_hidden_from_brands() -> None:
    text = "הצטרפו: https://chat.whatsapp.com/Abc123 או t.me/+Xyz ובערוץ https://t.me/public"
    shown = shown_text(text, PriceView.BRAND)
    assert "Abc123" not in shown
    assert "+Xyz" not in shown
    assert "https://t.me/public" in shown
    assert shown_text(text, PriceView.OWNER) == text
