"""Privacy by construction: no text, no names, no phone numbers; the owner sees what is kept."""

from __future__ import annotations

import pytest

from pricing.health import EVENT_COLUMNS, PersonHasher, what_is_kept
from pricing.health.events import normalise_person
from tests.unit.health.helpers import CORPUS, SALT, corpus, parse, person, wa

ROSTER = ["דנה לוי", "Yossi Cohen", "מיכל אברהם", "Avi", "רון ברק", "Shira", "עומר", "Noa"]
PHONES = ["5550101", "5550199"]


@pytest.mark.parametrize(
    "name", ["whatsapp_android_he_24h.txt", "whatsapp_ios_en_12h.txt", "telegram_group.json"]
)
def test_no_name_phone_number_or_message_text_survives_parsing(name: str) -> None:
    parsed = corpus(name)
    assert tuple(parsed.events.columns) == EVENT_COLUMNS
    cells = parsed.events.to_string()
    for secret in [*ROSTER, *PHONES, "route", "beach", "שלום", "Runners"]:
        assert secret not in cells
    assert set(parsed.events["author"].dropna().str.len()) == {32}


@pytest.mark.parametrize(
    "spelling",
    ["+972 50-123-4567", "972501234567", "\u202a+972 50 123 4567\u202c", "+972-50-123-4567"],
)
def test_one_phone_number_written_four_ways_hashes_the_same(spelling: str) -> None:
    assert normalise_person(spelling) == "972501234567"
    assert PersonHasher(SALT).hash(spelling) == person("972501234567")


def test_names_hash_the_same_whatever_the_case_marks_or_spacing() -> None:
    assert person("\u200fDana  Levi ") == person("dana levi") == person("~ Dana Levi")
    assert person("Dana Levi") != person("Dana Levy")


def test_another_salt_gives_other_hashes() -> None:
    assert PersonHasher(b"another-salt-0000").hash("Dana") != person("Dana")


def test_what_is_kept_lists_exactly_the_stored_columns_and_a_sample_of_rows() -> None:
    parsed = corpus("whatsapp_android_he_24h.txt")
    kept = what_is_kept(parsed)
    assert [c["name"] for c in kept["columns"]] == list(EVENT_COLUMNS)
    assert kept["rows"] == len(parsed.events) == 250
    assert kept["counts"] == {
        "message": 214,
        "media": 20,
        "deleted": 6,
        "join": 5,
        "leave": 2,
        "system": 3,
    }
    assert kept["people"] == 10
    assert kept["sample"][0] == {
        "msg_id": 0,
        "author": None,
        "ts": "2024-01-07T07:00:00+00:00",
        "kind": "system",
        "reply_to": None,
        "reactions": 0,
        "views": None,
        "forwarded": False,
    }
    assert "message text, captions and file names" in kept["never_kept"]


def test_what_is_kept_from_facebook_is_the_daily_table() -> None:
    kept = what_is_kept(corpus("facebook_insights.csv"))
    assert kept["table"] == "daily"
    assert kept["rows"] == 90
    assert kept["sample"][0]["members"] == 1001


def test_the_parsed_export_describes_itself_without_rows() -> None:
    described = corpus("whatsapp_ios_he.txt").to_dict()
    assert described["events"] == 250
    assert described["source"] == "whatsapp_ios"
    assert "sample" not in described


def test_a_deleted_message_keeps_no_trace_of_what_it_said() -> None:
    parsed = parse(wa(("2024-03-01 10:00", "Dana", "This message was deleted"), group=True))
    assert parsed.events.iloc[0][["kind", "author"]].tolist() == ["deleted", person("Dana")]
    assert (CORPUS / "whatsapp_android_he_24h.txt").exists()
