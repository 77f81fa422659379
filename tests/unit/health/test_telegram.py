"""Telegram Desktop result.json: messages, replies, reactions, forwards, service lines, channels."""

from __future__ import annotations

import json

import pytest

from pricing.health import AdminSource, NotACommunity, UnknownLayout
from pricing.taxonomy import Platform
from tests.unit.health.helpers import corpus, kinds, parse, person, telegram, tg_message, utc


def test_telegram_group_export_counts_messages_media_reactors_joins_and_leaves() -> None:
    parsed = corpus("telegram_group.json", admin_names=["Dana Levi"])
    # 60 messages, every 10th (k % 10 == 4) a photo; 12 messages with reactions listing two
    # recent reactors each; 2 invited + 1 joined by link; Avi left; a pin and the creation.
    assert kinds(parsed) == {
        "message": 54,
        "media": 6,
        "reaction": 24,
        "join": 3,
        "leave": 1,
        "system": 2,
    }
    assert parsed.platform is Platform.TELEGRAM_GROUP
    assert parsed.admin_source is AdminSource.NAMED
    assert parsed.admins == frozenset({person("user100")})


def test_telegram_group_replies_reactions_and_forwards_are_kept_as_counts() -> None:
    events = corpus("telegram_group.json").events
    posts = events[events["kind"].isin(["message", "media"])]
    assert posts["reply_to"].notna().sum() == 20  # k % 3 == 1
    assert posts["reactions"].sum() == 12 * 4  # 3 👍 + 1 🔥 on each of 12 messages
    assert posts["forwarded"].sum() == 9  # k % 7 == 2 for k < 60
    reply = posts[posts["msg_id"] == 11].iloc[0]
    assert reply["reply_to"] == 10


def test_telegram_admins_are_inferred_from_creating_the_group() -> None:
    parsed = corpus("telegram_group.json")
    assert parsed.admin_source is AdminSource.INFERRED
    assert parsed.admins == frozenset({person("user100")})


def test_telegram_channel_posts_carry_views_and_the_channel_is_the_admin() -> None:
    parsed = corpus("telegram_channel.json")
    events = parsed.events
    posts = events[events["kind"] == "channel_post"]
    assert parsed.platform is Platform.TELEGRAM_CHANNEL
    assert parsed.admin_source is AdminSource.CHANNEL
    assert parsed.admins == frozenset({person("channel777")})
    assert len(posts) == 40
    assert posts["views"].tolist() == [1000 + 10 * k for k in range(40)]
    assert posts["forwarded"].sum() == 5  # k % 8 == 3


def test_date_unixtime_wins_over_the_local_date_string() -> None:
    message = tg_message(1, "2024-03-01 10:00", "a")
    message["date"] = "2024-03-01T12:00:00"  # the exporting computer's local time
    parsed = parse(telegram([message]), "result.json", timezone="Asia/Jerusalem")
    assert parsed.events["ts"].tolist() == [utc("2024-03-01 10:00")]


def test_an_old_export_without_unixtime_reads_the_date_in_the_given_zone() -> None:
    message = tg_message(1, "2024-03-01 10:00", "a")
    del message["date_unixtime"]
    message["date"] = "2024-03-01T12:00:00"
    parsed = parse(telegram([message]), "result.json", timezone="Asia/Jerusalem")
    assert parsed.events["ts"].tolist() == [utc("2024-03-01 10:00")]


def test_a_reply_to_a_message_outside_the_export_is_still_a_reply() -> None:
    parsed = parse(telegram([tg_message(5, "2024-03-01 10:00", "a", reply_to_message_id=2)]))
    assert parsed.events["reply_to"].tolist() == [2]


def test_a_personal_chat_is_refused_as_not_a_community() -> None:
    with pytest.raises(NotACommunity) as caught:
        parse(telegram([tg_message(1, "2024-03-01 10:00", "a")], "personal_chat"), "result.json")
    assert caught.value.code == "not_a_community"


def test_a_whole_account_export_asks_for_a_single_chat() -> None:
    data = json.dumps({"about": "...", "chats": {"list": []}}).encode()
    with pytest.raises(UnknownLayout, match="Export a single group or channel"):
        parse(data, "result.json")


def test_an_unknown_chat_type_is_refused_naming_the_types_expected() -> None:
    data = telegram([tg_message(1, "2024-03-01 10:00", "a")], "secret_forum")
    with pytest.raises(UnknownLayout, match="private_supergroup"):
        parse(data, "result.json")
