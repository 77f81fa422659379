"""Tracked-link rules: UTM tags, landing pages, slugs, visitor hashes, bots, duplicates, codes.

The hashes below were computed by hand with openssl, not with Python's hmac:

    printf 'kesher-click-salt:2026-12-07' | openssl dgst -sha256 -hmac 'test-secret'
    printf '203.0.113.7\\nMozilla/5.0 (iPhone)' | openssl dgst -sha256 -mac HMAC \\
        -macopt hexkey:<the salt above>
"""

from __future__ import annotations

import datetime as dt

import pytest

from campaigns import tracking
from campaigns.tracking import BadDestination, ClickCounts

SALT_1207 = "9779723cb12ae29cb5b352620d7e093571b7b6b10d4528befef5efd284b03f84"
SALT_1208 = "6d0534da34fc54533ce3b85b13eab11fb96319257b0b707f48992eda7112a418"
IPHONE = "Mozilla/5.0 (iPhone)"


# --- UTM ------------------------------------------------------------------------------------


def test_utm_tags_are_added_after_the_pages_own_parameters() -> None:
    url = tracking.add_utm(
        "https://shop.example/shoes?color=red&size=42#reviews",
        campaign="kesher-brief-7",
        content="placement-31",
    )
    assert url == (
        "https://shop.example/shoes?color=red&size=42&utm_source=kesher&utm_medium=community"
        "&utm_campaign=kesher-brief-7&utm_content=placement-31#reviews"
    )


def test_kesher_replaces_the_utm_tags_it_sets_and_keeps_the_others() -> None:
    url = tracking.add_utm(
        "https://shop.example/?utm_source=newsletter&utm_term=running&x=",
        campaign="c",
        content="p",
    )
    assert url == (
        "https://shop.example/?utm_term=running&x=&utm_source=kesher&utm_medium=community"
        "&utm_campaign=c&utm_content=p"
    )


def test_a_page_without_a_query_gets_one() -> None:
    assert tracking.add_utm("http://brand.example", campaign="a", content="b") == (
        "http://brand.example?utm_source=kesher&utm_medium=community&utm_campaign=a&utm_content=b"
    )


def test_the_tags_name_the_brief_and_the_placement() -> None:
    assert tracking.campaign_tag(12) == "kesher-brief-12"
    assert tracking.content_tag(345) == "placement-345"


# --- landing pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["https://shop.example/a?b=c", "http://127.0.0.1:8080/x", "  https://xn--4dbrk0ce.example/ "],
)
def test_http_and_https_pages_are_accepted(url: str) -> None:
    assert tracking.validate_destination(url) == url.strip()


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("", "empty"),
        ("javascript:alert(1)", "http"),
        ("data:text/html,<script>", "http"),
        ("ftp://files.example/x", "http"),
        ("//evil.example/", "http"),
        ("/relative/path", "http"),
        ("https://brand.example@evil.example/", "user name"),
        ("https://user:pw@brand.example/", "user name"),
        ("https://", "host"),
        ("https://bad_host!.example/", "host"),
        ("https://brand.example/a b", "spaces"),
        ("https://brand.example/\tx", "spaces"),
        ("https://brand.example\\@evil.example", "backslashes"),
        ("https://brand.example:99999/", "valid address"),
        ("https://brand.example/" + "a" * 2000, "longer"),
    ],
)
def test_other_pages_are_refused_with_the_reason(url: str, why: str) -> None:
    with pytest.raises(BadDestination, match=why):
        tracking.validate_destination(url)


# --- slugs ------------------------------------------------------------------------------------


def test_slugs_carry_96_random_bits_and_never_repeat() -> None:
    slugs = {tracking.new_slug() for _ in range(2000)}
    assert len(slugs) == 2000
    assert all(tracking.is_slug(slug) and len(slug) == 16 for slug in slugs)
    assert tracking.SLUG_BYTES * 8 >= 64


@pytest.mark.parametrize(
    "text", ["", "abc", "a" * 15, "a" * 17, "abcdefghijklmno/", "ערךערךערךערךערךע"]
)
def test_malformed_slugs_are_told_apart(text: str) -> None:
    assert not tracking.is_slug(text)


# --- visitors ---------------------------------------------------------------------------------


def test_the_daily_salt_is_an_hmac_of_the_day_under_the_app_secret() -> None:
    assert tracking.daily_salt("test-secret", dt.date(2026, 12, 7)).hex() == SALT_1207
    assert tracking.daily_salt(b"test-secret", dt.date(2026, 12, 8)).hex() == SALT_1208


def test_the_visitor_hash_is_an_hmac_of_ip_and_agent_under_the_days_salt() -> None:
    salt = bytes.fromhex(SALT_1207)
    assert tracking.visitor_hash("203.0.113.7", IPHONE, salt) == "5cf43211cdc86e2b39b0cedfa31b4a9c"


def test_the_same_visitor_hashes_differently_the_next_day() -> None:
    salt = bytes.fromhex(SALT_1208)
    assert tracking.visitor_hash("203.0.113.7", IPHONE, salt) == "d86fa0fd9d67c5c5484e99c7233dd505"


def test_another_address_or_agent_is_another_visitor() -> None:
    salt = bytes.fromhex(SALT_1207)
    base = tracking.visitor_hash("203.0.113.7", IPHONE, salt)
    assert tracking.visitor_hash("203.0.113.8", IPHONE, salt) != base
    assert tracking.visitor_hash("203.0.113.7", IPHONE + " ", salt) != base


# --- bots -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "agent",
    [
        "",
        None,
        "   ",
        "WhatsApp/2.23.20.0 A",
        "TelegramBot (like TwitterBot)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "curl/8.4.0",
        "python-requests/2.31",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0",
        "Slackbot-LinkExpanding 1.0",
    ],
)
def test_crawlers_previews_and_scripts_are_bots(agent: str | None) -> None:
    assert tracking.is_bot(agent)


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    ],
)
def test_people_s_browsers_are_not_bots(agent: str) -> None:
    assert not tracking.is_bot(agent)


# --- duplicates -------------------------------------------------------------------------------

T0 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)


def test_a_first_click_is_never_a_duplicate() -> None:
    assert not tracking.is_duplicate(None, T0)


def test_a_click_within_thirty_minutes_of_the_last_is_a_duplicate() -> None:
    assert tracking.is_duplicate(T0, T0)
    assert tracking.is_duplicate(T0, T0 + dt.timedelta(minutes=29, seconds=59))
    assert tracking.is_duplicate(T0, T0 + dt.timedelta(minutes=30))


def test_a_click_after_the_window_counts_again() -> None:
    assert not tracking.is_duplicate(T0, T0 + dt.timedelta(minutes=30, seconds=1))
    assert not tracking.is_duplicate(T0, T0 + dt.timedelta(minutes=5), dt.timedelta(minutes=4))


def test_the_window_start_is_thirty_minutes_back() -> None:
    assert tracking.duplicate_since(T0) == dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC)


def test_click_counts_add_up() -> None:
    assert ClickCounts(3, 2, 1) + ClickCounts(4, 1, 0) == ClickCounts(7, 3, 1)


# --- promo codes ------------------------------------------------------------------------------


def test_codes_are_compared_in_upper_case_without_blanks() -> None:
    assert tracking.normalise_code("  run10 ") == "RUN10"


@pytest.mark.parametrize(("text", "ok"), [("RUN10", True), ("A-B_C", True), ("AB", False),
                                          ("RUN 10", False), ("-RUN", False), ("X" * 33, False),
                                          ("ריצה10", False)])  # fmt: skip
def test_code_shapes(text: str, ok: bool) -> None:
    assert tracking.is_code(text) is ok
