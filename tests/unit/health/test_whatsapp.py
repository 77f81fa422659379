"""WhatsApp exports: Android and iOS, Hebrew and English, both clocks, both date orders."""

from __future__ import annotations

import pandas as pd
import pytest

from pricing.health import AdminSource, BadValue, ExportFormat
from pricing.health.whatsapp import classify_system_line
from pricing.taxonomy import Platform
from tests.unit.health.helpers import corpus, kinds, parse, person, utc, wa

# The scripted "Runners TLV" chat, by construction (see make_corpus.py): 240 messages of which
# 20 are media and 6 deleted; 5 joins (3 added at once, 2 by link), 2 leaves (one left, one
# removed), and 3 other system lines (encryption notice, group created, subject changed).
RUNNERS = {"message": 214, "media": 20, "deleted": 6, "join": 5, "leave": 2, "system": 3}
LAYOUTS = [
    "whatsapp_android_he_24h.txt",
    "whatsapp_android_en_12h_us.txt",
    "whatsapp_ios_he.txt",
    "whatsapp_ios_en_12h.txt",
    "whatsapp_android_en.zip",
]


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_layout_of_the_runners_chat_yields_its_scripted_counts(name: str) -> None:
    parsed = corpus(name)
    assert kinds(parsed) == RUNNERS
    assert parsed.platform is Platform.WHATSAPP_GROUP
    assert parsed.events["author"].nunique() == 10


def test_all_layouts_of_one_chat_parse_to_the_same_events_to_the_minute() -> None:
    tables = [corpus(name).events for name in LAYOUTS]
    reference = tables[0]
    for table in tables[1:]:
        assert table["kind"].tolist() == reference["kind"].tolist()
        assert table["author"].tolist() == reference["author"].tolist()
        # Android writes minutes, iOS seconds.
        assert (table["ts"].dt.floor("min") == reference["ts"].dt.floor("min")).all()


def test_android_24h_hebrew_export_counts_joins_and_media() -> None:
    parsed = corpus("whatsapp_android_he_24h.txt")
    events = parsed.events
    assert parsed.source is ExportFormat.WHATSAPP_ANDROID
    assert parsed.layout["language"] == "he"
    assert parsed.layout["clock"] == "24h"
    assert parsed.layout["date_order"] == "day_first"
    joins = events[events["kind"] == "join"]["author"].tolist()
    assert joins == [person(p) for p in ["Yossi Cohen", "מיכל אברהם", "Avi", "רון ברק"]] + [
        person("+972 54-555-0199")
    ]
    assert (events["kind"] == "media").sum() == 20


def test_android_12h_month_first_english_export_reads_pm_times_and_us_dates() -> None:
    parsed = corpus("whatsapp_android_en_12h_us.txt")
    assert parsed.layout["date_order"] == "month_first"
    assert parsed.layout["date_order_certain"] == "yes"
    assert parsed.layout["clock"] == "12h"
    # The first line is "1/7/24, 9:00 AM": 7 January 2024, 09:00 in Jerusalem = 07:00 UTC.
    assert parsed.events["ts"].iloc[0] == utc("2024-01-07 07:00")


def test_ios_hebrew_export_files_system_lines_under_the_group_name_not_a_person() -> None:
    parsed = corpus("whatsapp_ios_he.txt")
    assert parsed.source is ExportFormat.WHATSAPP_IOS
    assert person("רצים ת״א") not in set(parsed.events["author"].dropna())
    assert kinds(parsed) == RUNNERS


def test_ios_english_12h_export_keeps_seconds() -> None:
    parsed = corpus("whatsapp_ios_en_12h.txt")
    # "[1/7/24, 9:00:05 AM] … created group": seconds are kept on iOS.
    assert parsed.events["ts"].iloc[1] == utc("2024-01-07 07:00:05")


def test_admins_seen_adding_and_removing_members_are_inferred_when_none_are_named() -> None:
    parsed = corpus("whatsapp_android_he_24h.txt")
    assert parsed.admin_source is AdminSource.INFERRED
    assert parsed.admins == frozenset({person("דנה לוי")})


def test_named_admins_are_hashed_like_authors_and_win_over_inference() -> None:
    parsed = corpus("whatsapp_ios_en_12h.txt", admin_names=["Avi"])
    assert parsed.admin_source is AdminSource.NAMED
    assert parsed.admins == frozenset({person("Avi")})


def test_a_named_admin_who_never_appears_is_reported() -> None:
    parsed = parse(wa(("2024-03-01 10:00", "Dana", "hi"), group=True), admin_names=["Nobody Here"])
    assert "1 named admin(s) never appear in the export." in parsed.notes


def test_multi_line_messages_count_once_and_their_extra_lines_are_ignored() -> None:
    data = wa(("2024-03-01 10:00", "Dana", "first line\nsecond line\n12/03 is race day"))
    data += wa(("2024-03-01 10:05", "Avi", "ok"), group=True)
    parsed = parse(data)
    assert kinds(parsed) == {"message": 2, "system": 1}
    assert parsed.lines_read == 5


def test_direction_marks_do_not_split_one_person_into_two() -> None:
    data = (
        "1.3.2024, 10:00 - \u200f\u202a+972 50-123-4567\u202c: שלום\n"
        "1.3.2024, 10:05 - +972501234567: hi\n"
        "1.3.2024, 10:06 - \u200eדנה\u200f: <המדיה לא נכללה>\n"
        "1.3.2024, 10:07 - \u200fדנה: \u200fהודעה זו נמחקה\n"
        "1.3.2024, 10:08 - \u200fההודעות והשיחות מוצפנות מקצה לקצה.\n"
    ).encode()
    parsed = parse(data)
    assert parsed.events["author"].tolist() == [
        person("972501234567"),
        person("972501234567"),
        person("דנה"),
        person("דנה"),
        None,
    ]
    assert parsed.events["kind"].tolist() == ["message", "message", "media", "deleted", "system"]
    assert parsed.layout["language"] == "he"


@pytest.mark.parametrize(
    ("line", "kind", "actor", "subjects"),
    [
        ("Dana joined using this group's invite link", "join", None, ("Dana",)),
        (
            "+972 52-555-0101 joined using this group's invite link",
            "join",
            None,
            ("+972 52-555-0101",),
        ),
        ("Dana added Avi, Noa and Ron", "join", "Dana", ("Avi", "Noa", "Ron")),
        ("You added Avi", "join", None, ("Avi",)),
        ("Avi left", "leave", None, ("Avi",)),
        ("Dana removed Avi", "leave", "Dana", ("Avi",)),
        ('Dana created group "Runners"', "system", "Dana", ()),
        ("Messages and calls are end-to-end encrypted. Tap to learn more.", "system", None, ()),
        ("Dana changed this group's icon", "system", None, ()),
        ("דנה הצטרף/ה באמצעות קישור ההזמנה של הקבוצה", "join", None, ("דנה",)),
        ("ההצטרפות של דנה בוצעה", "join", None, ("דנה",)),
        ("דנה הוסיף/ה את אבי, נועה ו-רון", "join", "דנה", ("אבי", "נועה", "רון")),
        ("אבי יצא/ה", "leave", None, ("אבי",)),
        ("דנה הסיר/ה את אבי", "leave", "דנה", ("אבי",)),
        ('דנה יצר/ה את הקבוצה "רצים"', "system", "דנה", ()),
        ("ההודעות והשיחות מוצפנות מקצה לקצה.", "system", None, ()),
    ],
)
def test_system_lines_are_read_in_english_and_hebrew(
    line: str, kind: str, actor: str | None, subjects: tuple[str, ...]
) -> None:
    read = classify_system_line(line)
    assert (read.kind.value, read.actor, read.subjects) == (kind, actor, subjects)
    assert read.language in ("en", "he")


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("<Media omitted>", "media"),
        ("<המדיה לא נכללה>", "media"),
        ("\u200eimage omitted", "media"),
        ("\u200eתמונה הושמטה", "media"),
        ("<attached: 00000012-PHOTO-2024-03-01-10-00-00.jpg>", "media"),
        ("IMG-20240301-WA0001.jpg (file attached)", "media"),
        ("This message was deleted", "deleted"),
        ("You deleted this message", "deleted"),
        ("הודעה זו נמחקה", "deleted"),
        ("<3", "message"),
        ("Route: 10km, omitted nothing", "message"),
    ],
)
def test_message_bodies_are_classified_as_media_deleted_or_text(body: str, kind: str) -> None:
    parsed = parse(wa(("2024-03-01 10:00", "Dana", body), group=True))
    assert parsed.events["kind"].tolist() == [kind, "system"]


def test_a_subject_change_with_a_colon_is_a_system_line_not_an_author() -> None:
    data = wa(
        ("2024-03-01 10:00", None, 'Dana changed the subject from "A" to "B: the sequel"'),
        ("2024-03-01 10:01", "Dana", "hi"),
    )
    parsed = parse(data)
    assert parsed.events["kind"].tolist() == ["system", "message"]
    assert parsed.events["author"].isna().tolist() == [True, False]


def test_local_times_are_read_in_jerusalem_and_stored_in_utc_across_dst() -> None:
    data = wa(
        ("2024-03-28 23:30", "Dana", "winter: UTC+2"),
        ("2024-03-29 03:30", "Dana", "summer: UTC+3"),
        ("2024-10-27 01:30", "Dana", "the repeated hour is read as summer time"),
        group=True,
    )
    parsed = parse(data, timezone="Asia/Jerusalem")
    assert parsed.events["ts"].tolist()[:3] == [
        utc("2024-03-28 21:30"),
        utc("2024-03-29 00:30"),
        utc("2024-10-26 22:30"),
    ]
    assert str(parsed.events["ts"].dt.tz) == "UTC"


def test_hebrew_twelve_hour_clock_reads_afternoon_marker() -> None:
    data = "1.3.2024, 2:05 אחה״צ - דנה: שלום\n1.3.2024, 12:10 לפנה״צ - דנה: לילה\n".encode()
    parsed = parse(data + "1.3.2024, 12:10 לפנה״צ - דנה שינה/תה את סמל הקבוצה\n".encode())
    assert parsed.events["ts"].tolist()[:2] == [utc("2024-03-01 14:05"), utc("2024-03-01 00:10")]


def test_an_ambiguous_date_order_is_decided_by_time_running_forwards() -> None:
    # Every field is at most 12. Read month-first, "2/1 2/2 3/1" runs 1 Feb → 2 Feb → 1 Mar;
    # read day-first it would jump 2 Jan → 2 Feb → back to 3 Jan. Month-first wins.
    data = b"2/1/24, 10:00 - A: x\n2/2/24, 10:00 - B: y\n3/1/24, 10:00 - A: z\n"
    parsed = parse(data + b"3/1/24, 10:00 - C joined using this group's invite link\n")
    assert parsed.layout["date_order"] == "month_first"
    assert parsed.layout["date_order_certain"] == "no"
    assert [(t.month, t.day) for t in parsed.events["ts"]][:3] == [(2, 1), (2, 2), (3, 1)]
    # And the mirror image: "1/2 2/2 1/3" only runs forwards day-first.
    data = b"1/2/24, 10:00 - A: x\n2/2/24, 10:00 - B: y\n1/3/24, 10:00 - A: z\n"
    parsed = parse(data + b"1/3/24, 10:00 - C joined using this group's invite link\n")
    assert parsed.layout["date_order"] == "day_first"
    assert [(t.month, t.day) for t in parsed.events["ts"]][:3] == [(2, 1), (2, 2), (3, 1)]


def test_when_both_date_orders_run_forwards_the_locale_decides() -> None:
    dotted = parse(b"3.2.24, 10:00 - A: x\n3.3.24, 10:00 - B: y\n3.3.24, 10:00 - C left\n")
    us = parse(b"3/2/24, 10:00 AM - A: x\n3/3/24, 10:00 AM - B: y\n3/3/24, 10:00 AM - C left\n")
    assert dotted.layout["date_order"] == "day_first"
    assert us.layout["date_order"] == "month_first"
    assert "Every date fits both orders; read as month-first." in us.notes


def test_an_impossible_date_is_refused_with_its_line_number() -> None:
    data = wa(("2024-03-01 10:00", "Dana", "a\nb"))
    data += b"31/02/2024, 10:00 - Dana: the 31st of February\n"
    with pytest.raises(BadValue) as caught:
        parse(data)
    assert caught.value.line == 3
    assert "31/02/2024" in str(caught.value)


def test_the_events_table_has_the_canonical_columns_and_dtypes() -> None:
    events = corpus("whatsapp_android_he_24h.txt").events
    assert list(events.columns) == [
        "msg_id",
        "author",
        "ts",
        "kind",
        "reply_to",
        "reactions",
        "views",
        "forwarded",
    ]
    assert isinstance(events["ts"].dtype, pd.DatetimeTZDtype)
    assert events["author"].dtype == object  # hashes, and None for system lines
    assert events["reply_to"].isna().all()  # WhatsApp exports do not record replies
    assert events["msg_id"].tolist() == list(range(len(events)))
