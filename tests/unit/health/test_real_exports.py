"""Exports in the layouts real phones write: locales, clocks, marks, encodings, zips with media.

The files are in tests/data/exports/real (written by its write_real.py); each test states the
counts the file holds by construction, line by line.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import sys
import zipfile
from pathlib import Path

import pytest

from pricing.health import (
    AdminSource,
    BadArchive,
    BadValue,
    EmptyExport,
    ExportFormat,
    NotAnExport,
    UnknownLayout,
    ZipBomb,
)
from pricing.health.whatsapp import classify_system_line
from tests.unit.health.helpers import CORPUS, corpus, kinds, parse, person, utc

REAL = CORPUS / "real"


def real(name: str) -> bytes:
    return (REAL / name).read_bytes()


def test_the_writer_rewrites_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("write_real", REAL / "write_real.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    sizes = module.build(tmp_path)
    assert [n for n in sizes if (tmp_path / n).read_bytes() != real(n)] == []
    assert max(sizes.values()) < 20_000


def test_android_hebrew_dotted_export_reads_every_hebrew_system_line() -> None:
    parsed = corpus("real/android_he_dotted.txt")
    # Joins: two added at once, one "נוסף/ה", one by link; leaves: "עזב/ה" and one removed.
    # Media: a placeholder, a location and a view-once "null"; a poll and an edited message
    # are messages.
    assert kinds(parsed) == {
        "message": 7,
        "media": 3,
        "deleted": 1,
        "join": 4,
        "leave": 2,
        "system": 2,
    }
    events = parsed.events
    assert events[events["kind"] == "join"]["author"].tolist() == [
        person("יוסי כהן"),
        person("+972 52-555-0101"),
        person("מיכל אברהם"),
        person("+972 54-555-0199"),
    ]
    assert events[events["kind"] == "leave"]["author"].tolist() == [
        person("מיכל אברהם"),
        person("יוסי כהן"),
    ]
    assert parsed.admins == frozenset({person("דנה לוי")})
    assert parsed.layout["language"] == "he"
    assert events["ts"].iloc[0] == utc("2024-03-01 07:12")


def test_ios_us_export_with_narrow_spaces_bom_and_crlf() -> None:
    parsed = corpus("real/ios_en_us_nnbsp.txt")
    assert parsed.source is ExportFormat.WHATSAPP_IOS
    # Media: image, Location, sticker, contact card.
    assert kinds(parsed) == {
        "message": 5,
        "media": 4,
        "deleted": 1,
        "join": 2,
        "leave": 1,
        "system": 2,
    }
    assert person("Maple St Neighbors") not in set(parsed.events["author"].dropna())
    assert parsed.events["author"].nunique() == 4
    assert parsed.layout["date_order"] == "month_first"
    # "[1/15/24, 12:03:09 AM]" is three minutes past midnight (22:03 UTC the day before).
    assert utc("2024-01-14 22:03:09") in set(parsed.events["ts"])
    assert parsed.lines_read == 18  # CRLF counted once per line


def test_android_russian_export_is_read() -> None:
    parsed = corpus("real/android_ru_dotted.txt")
    assert kinds(parsed) == {
        "message": 2,
        "media": 1,
        "deleted": 1,
        "join": 2,
        "leave": 2,
        "system": 2,
    }
    assert parsed.layout["language"] == "ru"
    assert parsed.admins == frozenset({person("Дана")})
    leaves = parsed.events[parsed.events["kind"] == "leave"]["author"].tolist()
    assert leaves == [person("Ави"), person("+7 916 555-01-23")]


def test_android_arabic_export_with_arabic_digits_and_clock_is_read() -> None:
    parsed = corpus("real/android_ar_digits.txt")
    assert kinds(parsed) == {
        "message": 2,
        "media": 1,
        "deleted": 1,
        "join": 2,
        "leave": 1,
        "system": 2,
    }
    assert parsed.layout["language"] == "ar"
    assert parsed.layout["clock"] == "12h"
    # "١٥/١/٢٠٢٤، ٩:٠٥ م" is 15 January 2024, 21:05 in Jerusalem; "١٢:١٥ م" is a quarter past noon.
    assert parsed.events["ts"].iloc[0] == utc("2024-01-15 19:05")
    assert utc("2024-01-16 10:15") in set(parsed.events["ts"])
    assert parsed.admins == frozenset({person("دانا")})


def test_android_iso_dates_with_dotted_am_pm_are_read() -> None:
    parsed = corpus("real/android_en_ca_iso.txt")
    assert kinds(parsed) == {"message": 3, "media": 1, "join": 2, "system": 2}
    assert parsed.layout["date_order"] == "year_first"
    assert parsed.layout["date_order_certain"] == "yes"
    # "2024-01-16, 12:01 a.m." is one minute past midnight.
    assert utc("2024-01-15 22:01") in set(parsed.events["ts"])


def test_ios_export_with_dotted_times_is_read_not_taken_for_broken_json() -> None:
    parsed = corpus("real/ios_en_fi_dotted_time.txt")
    assert parsed.source is ExportFormat.WHATSAPP_IOS
    assert kinds(parsed) == {"message": 3, "system": 2}
    assert parsed.events["ts"].iloc[-1] == utc("2024-02-13 16:15")


def test_a_bracketed_log_in_an_unknown_layout_is_an_unknown_layout_not_a_broken_json() -> None:
    # (Finnish iPhones' "[12.3.2022 klo 14.08.18]" is read now: see test_layouts.py.)
    data = "\n".join(f"[2024-02-{d}T12:00:00Z] Aino: moi" for d in range(10, 20)).encode()
    with pytest.raises(UnknownLayout, match=r"\[12/03/2024, 14:05:33\] Name"):
        parse(data, "_chat.txt")


def test_a_community_announcement_group_is_read_and_its_creator_is_the_admin() -> None:
    parsed = corpus("real/android_en_announcements.txt")
    assert kinds(parsed) == {"message": 2, "media": 1, "join": 2, "system": 3}
    assert parsed.admin_source is AdminSource.INFERRED
    assert parsed.admins == frozenset({person("Dana Levi")})


def test_a_zip_with_media_finds_the_chat_by_its_content_not_its_size() -> None:
    # A re-zipped folder: the Hebrew-named chat .txt, a photo, a shared .txt document longer
    # than the chat, and macOS resource forks.
    parsed = corpus("real/android_he_media.zip")
    assert parsed.source is ExportFormat.WHATSAPP_ANDROID
    # The photo and the document are "(הקובץ מצורף)" media lines.
    assert kinds(parsed) == {"message": 2, "media": 2, "system": 2}


def test_a_zip_holding_the_export_zip_is_opened_one_level_down() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("Downloads/WhatsApp Chat - הורים.zip", real("android_he_media.zip"))
    parsed = parse(out.getvalue(), "drive-download.zip", timezone="Asia/Jerusalem")
    assert kinds(parsed) == {"message": 2, "media": 2, "system": 2}


def test_a_zip_nested_twice_is_not_opened() -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("chat.zip", real("android_he_media.zip"))
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as archive:
        archive.writestr("again.zip", inner.getvalue())
    with pytest.raises(Exception, match="holds no chat export"):
        parse(outer.getvalue(), "x.zip")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16", "cp1255"])
def test_a_hebrew_export_resaved_in_another_encoding_is_read(encoding: str) -> None:
    text = real("android_he_dotted.txt").decode("utf-8")
    if encoding == "cp1255":  # the code page has no direction marks beyond LRM/RLM
        text = text.replace("\u202a", "").replace("\u202c", "")
    parsed = parse(text.encode(encoding), "chat.txt", timezone="Asia/Jerusalem")
    assert kinds(parsed) == kinds(corpus("real/android_he_dotted.txt"))
    assert parsed.events["author"].nunique() == 5


def test_utf16_detection_does_not_take_a_binary_file_for_text() -> None:
    with pytest.raises(NotAnExport, match="binary file"):
        parse(b"\x00\x01\x02\x03" * 500, "chat.txt")


@pytest.mark.parametrize(
    ("line", "kind", "actor", "subjects", "language"),
    [
        ("יוסי כהן נוסף/ה", "join", None, ("יוסי כהן",), "he"),
        ("מיכל אברהם עזב/ה", "leave", None, ("מיכל אברהם",), "he"),
        ("הקבוצה נוספה לקהילה", "system", None, (), "he"),
        ("רון עזב/ה את הקהילה", "leave", None, ("רון",), "he"),
        ("Дана добавил(а) Ави и Олега", "join", "Дана", ("Ави", "Олега"), "ru"),
        ("Ави вышел(-а)", "leave", None, ("Ави",), "ru"),
        ("دانا أضاف علي، أحمد", "join", "دانا", ("علي", "أحمد"), "ar"),
        ("علي غادر", "leave", None, ("علي",), "ar"),
        ('Dana created the community "Street 12"', "system", "Dana", (), "en"),
        ("+44 7700 900123 was added", "join", None, ("+44 7700 900123",), "en"),
        ("Avi joined via an invite link", "join", None, ("Avi",), "en"),
    ],
)
def test_system_lines_in_more_languages(
    line: str, kind: str, actor: str | None, subjects: tuple[str, ...], language: str
) -> None:
    read = classify_system_line(line)
    assert (read.kind.value, read.actor, read.subjects, read.language) == (
        kind,
        actor,
        subjects,
        language,
    )


def test_the_day_month_order_is_decided_by_a_day_above_12_late_in_the_file() -> None:
    # 36 lines that fit both orders, then "13/12/24": the whole file is day-first, so the
    # first line "1/2/24" is 1 February, not 2 January.
    lines = [f"{d}/{m}/24, 10:00 - A: x" for m in range(2, 14) for d in (1, 5, 10) if m <= 12]
    lines += ["13/12/24, 10:00 - B: y", "13/12/24, 10:00 - C left"]
    parsed = parse(("\n".join(lines) + "\n").encode())
    assert parsed.layout["date_order"] == "day_first"
    assert parsed.layout["date_order_certain"] == "yes"
    assert parsed.events["ts"].iloc[0] == utc("2024-02-01 10:00")


# --- Telegram Desktop's HTML export -----------------------------------------------------------


def test_telegram_html_export_reads_both_pages_in_order() -> None:
    parsed = corpus("real/telegram_html.zip")
    assert parsed.source is ExportFormat.TELEGRAM_HTML
    assert parsed.platform.value == "telegram_group"
    assert parsed.layout["pages"] == "2"
    # 7 messages (one forwarded, two "joined" continuations), a photo; 3 invited and one by
    # link; one left and one removed; the creation and a pin.
    assert kinds(parsed) == {
        "message": 7,
        "media": 1,
        "join": 4,
        "leave": 2,
        "system": 2,
    }
    events = parsed.events.set_index("msg_id")
    # "joined" messages continue the author before them, across the page break too.
    assert events.loc[4, "author"] == person("דנה לוי")
    assert events.loc[8, "author"] == person("Avi")
    assert events.loc[5, "reply_to"] == 3
    assert events.loc[5, "reactions"] == 4
    assert bool(events.loc[7, "forwarded"])
    # The forwarded message's original author is not a member of this chat.
    assert person("Run TLV") not in set(parsed.events["author"].dropna())
    assert events.loc[3, "ts"] == utc("2024-01-07 07:05:12")
    assert parsed.admins == frozenset({person("דנה לוי")})
    assert parsed.events["author"].nunique() == 6


def test_a_single_telegram_html_page_is_read_without_its_zip() -> None:
    parsed = parse(real("telegram_messages.html"), "messages.html")
    assert parsed.source is ExportFormat.TELEGRAM_HTML
    assert kinds(parsed) == {"message": 4, "media": 1, "join": 3, "system": 1}


def test_telegram_html_keeps_no_text_or_names() -> None:
    cells = corpus("real/telegram_html.zip").events.to_string()
    for secret in ["דנה", "Yossi", "בוקר", "Run TLV", "רצים"]:
        assert secret not in cells


def test_a_telegram_html_channel_is_a_channel() -> None:
    page = real("telegram_messages.html").decode("utf-8")
    for name in ["דנה לוי", "Yossi Cohen", "מיכל אברהם", "Avi"]:
        page = page.replace(f"\n{name}\n       </div>", "\nרצים ת״א\n       </div>")
    parsed = parse(page.encode(), "messages.html")
    assert parsed.platform.value == "telegram_channel"
    assert kinds(parsed)["channel_post"] == 5
    assert parsed.admins == frozenset({person("רצים ת״א")})


def test_a_whole_account_html_export_asks_for_one_chat() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for k in (1, 2):
            archive.writestr(f"chats/chat_00{k}/messages.html", real("telegram_messages.html"))
    with pytest.raises(UnknownLayout, match="several chats"):
        parse(out.getvalue(), "DataExport.zip")


def test_a_telegram_html_message_without_a_time_is_refused_naming_it() -> None:
    page = real("telegram_messages.html").decode("utf-8")
    page = page.replace('title="07.01.2024 09:10:30 UTC+02:00"', 'title="yesterday"')
    with pytest.raises(BadValue, match="messages.html: message 5 has no readable time") as caught:
        parse(page.encode(), "messages.html")
    assert page.split("\n")[caught.value.line - 1].strip() == (
        '<div class="message default clearfix" id="message5">'
    )


def test_an_html_page_that_is_not_telegram_is_not_an_export() -> None:
    page = b"<!DOCTYPE html><html><body><div class='message'>hi</div></body></html>"
    with pytest.raises(NotAnExport):
        parse(page, "messages.html")


@pytest.mark.parametrize(
    "data",
    [b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n\r\n", b"\xff\xfe", "\ufeff \n".encode("utf-16-le")],
)
def test_a_file_holding_only_a_byte_order_mark_is_empty_not_a_mystery(data: bytes) -> None:
    with pytest.raises(EmptyExport, match="The file is empty"):
        parse(data, "_chat.txt")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("_chat.txt", data)
    with pytest.raises(EmptyExport, match="inside the .zip is empty"):
        parse(out.getvalue(), "chat.zip")


@pytest.mark.parametrize(
    "line",
    [
        'Дана изменил(а) тему с "Бег" на "Бег: 10 км"',
        'دانا غيّر اسم المجموعة إلى "الجري: ١٠ كم"',
        'דנה לוי שינה/תה את שם הקבוצה ל"ריצה: 10 ק״מ"',
    ],
)
def test_a_subject_change_with_a_colon_is_a_system_line_in_every_language(line: str) -> None:
    data = f"01/03/2024, 10:00 - {line}\n01/03/2024, 10:01 - Dana: hi\n".encode()
    parsed = parse(data)
    assert parsed.events["kind"].tolist() == ["system", "message"]
    assert parsed.events["author"].isna().tolist() == [True, False]


SECRETS = {
    "android_he_dotted.txt": ["דנה", "יוסי", "555-0101", "5550199", "בונים", "ספרייה"],
    "ios_en_us_nnbsp.txt": ["Dana", "Avi", "Noa", "Maple", "5550147", "pickup"],
    "android_ru_dotted.txt": ["Дана", "Ави", "5550123", "Бегуны", "Пробежка"],
    "android_ar_digits.txt": ["دانا", "علي", "5550123", "الحي", "مرحبا"],
    "android_he_media.zip": ["דנה", "יוסי", "כיתה", "ציוד", "WA0001"],
    "telegram_html.zip": ["דנה", "Yossi", "Noa", "עומר", "רצים", "נמל", "photo_6"],
}


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_no_name_number_or_text_of_a_real_export_is_kept(name: str) -> None:
    parsed = corpus(f"real/{name}")
    kept = (
        parsed.events.to_string()
        + repr(parsed.to_dict())
        + repr(sorted(parsed.admins))
        + repr(dict(parsed.layout))
    )
    for secret in SECRETS[name]:
        assert secret not in kept
    assert set(parsed.events["author"].dropna().str.len()) == {32}


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("\u200eההודעה נמחקה.", "deleted"),
        ("\u200eמחקת את ההודעה הזו.", "deleted"),
        ("\u200eכרטיס איש קשר הושמט", "media"),
        ("\u200eсообщение удалено", "message"),
        ("Это сообщение было удалено.", "deleted"),
        ("تم حذف هذه الرسالة.", "deleted"),
        ("null", "media"),
        ("live location shared", "media"),
        ("\u200eLocation: https://maps.google.com/?q=32.08,34.78", "media"),
        ("Nothing is null here", "message"),
        ("\u200eview once photo omitted", "media"),
        ("\u200eView once voice message omitted", "media"),
        ("\u200e<View once message omitted>", "media"),
        ("Details omitted", "message"),
        ("חדשות טובות <ההודעה נערכה>", "message"),
    ],
)
def test_ios_hebrew_and_other_placeholders_with_a_full_stop(body: str, kind: str) -> None:
    data = f"[15/01/2024, 21:05:12] דנה: שלום\n[15/01/2024, 21:06:12] אבי: {body}\n"
    data += "[15/01/2024, 21:07:12] רון: בוקר טוב\n"
    assert parse(data.encode()).events["kind"].tolist() == ["message", kind, "message"]


def test_a_zip_bomb_inside_a_zip_is_still_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("export.zip", (CORPUS / "bad_zip_bomb.zip").read_bytes())
    with pytest.raises(ZipBomb, match="expands 1028 times"):
        parse(out.getvalue(), "chat.zip")


def test_a_telegram_json_with_entity_lists_deleted_accounts_forwards_and_polls_is_read() -> None:
    messages = [
        {"id": 1, "type": "service", "date": "2024-01-07T09:00:00", "date_unixtime": "1704610800",
         "actor": "Dana Levi", "actor_id": "user100", "action": "create_group", "title": "Runners",
         "members": ["Dana Levi"], "text": "", "text_entities": []},
        {"id": 2, "type": "message", "date": "2024-01-07T09:05:00", "date_unixtime": "1704611100",
         "from": "Dana Levi", "from_id": "user100",
         "text": ["Run at ", {"type": "bold", "text": "7"}, " tomorrow"],
         "text_entities": [{"type": "plain", "text": "Run at "}, {"type": "bold", "text": "7"}]},
        {"id": 3, "type": "message", "date": "2024-01-07T09:06:00", "date_unixtime": "1704611160",
         "from": None, "from_id": "user200", "text": "from a deleted account",
         "text_entities": []},
        {"id": 4, "type": "message", "date": "2024-01-07T09:07:00", "date_unixtime": "1704611220",
         "from": "Avi", "from_id": "user300", "forwarded_from": "Some Channel",
         "photo": "photos/photo_1@07-01-2024_09-07-00.jpg", "width": 1280, "height": 960,
         "text": "", "text_entities": []},
        {"id": 5, "type": "message", "date": "2024-01-07T09:08:00", "date_unixtime": "1704611280",
         "edited": "2024-01-07T09:09:00", "edited_unixtime": "1704611340", "from": "Avi",
         "from_id": "user300", "reply_to_message_id": 2, "text": "ok", "text_entities": [],
         "reactions": [{"type": "emoji", "count": 2, "emoji": "👍",
                        "recent": [{"from": "Dana Levi", "from_id": "user100",
                                    "date": "2024-01-07T09:10:00"}]}]},
        {"id": 6, "type": "service", "date": "2024-01-07T09:11:00", "date_unixtime": "1704611460",
         "actor": "Noa", "actor_id": "user400", "action": "join_group_by_link",
         "inviter": "Dana Levi", "text": "", "text_entities": []},
        {"id": 7, "type": "message", "date": "2024-01-07T09:12:00", "date_unixtime": "1704611520",
         "from": "Noa", "from_id": "user400", "media_type": "sticker", "sticker_emoji": "👋",
         "file": "(File not included. Change data exporting settings to download.)",
         "text": "", "text_entities": []},
        {"id": 8, "type": "message", "date": "2024-01-07T09:13:00", "date_unixtime": "1704611580",
         "from": "Noa", "from_id": "user400",
         "poll": {"question": "When?", "closed": False, "total_voters": 2, "answers": []},
         "text": "", "text_entities": []},
    ]  # fmt: skip
    document = {"name": "Runners", "type": "private_supergroup", "id": 1, "messages": messages}
    parsed = parse(json.dumps(document, ensure_ascii=False).encode(), "result.json")
    assert kinds(parsed) == {"message": 3, "media": 3, "join": 1, "system": 1, "reaction": 1}
    assert parsed.events["author"].nunique() == 4
    assert parsed.admins == frozenset({person("user100")})


def test_a_german_iphone_export_reads_the_group_name_as_the_chat_not_a_person() -> None:
    # The notice and the system lines are filed under "Läufer" (the group's name): it is not a
    # member, and "Bild weggelassen" is a photo.
    lrm = "\u200e"
    lines = [
        f"[07.01.24, 09:00:00] Läufer: {lrm}Nachrichten und Anrufe sind Ende-zu-Ende-"
        "verschlüsselt. Niemand außerhalb dieses Chats kann sie lesen oder anhören.",
        f"[07.01.24, 09:00:05] Läufer: {lrm}Anna hat die Gruppe „Läufer“ erstellt.",
        f"[07.01.24, 09:00:09] Läufer: {lrm}Anna hat Oleg hinzugefügt.",
        "[07.01.24, 09:05:00] Anna: Hallo zusammen",
        f"[07.01.24, 09:06:00] Oleg: {lrm}Bild weggelassen",
    ]
    parsed = parse(("\n".join(lines) + "\n").encode(), "_chat.txt")
    assert kinds(parsed) == {"system": 2, "join": 1, "message": 1, "media": 1}
    assert parsed.layout["language"] == "de"
    assert person("Läufer") not in set(parsed.events["author"])
    assert parsed.admin_source is AdminSource.INFERRED


def test_a_facebook_workbook_downloaded_zipped_is_read() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "Group insights/insights.xlsx", (CORPUS / "facebook_insights.xlsx").read_bytes()
        )
    parsed = parse(out.getvalue(), "download.zip")
    assert parsed.source is ExportFormat.FACEBOOK_XLSX
    assert parsed.daily is not None
    assert len(parsed.daily) == 90


def test_a_telegram_html_message_sent_via_a_bot_keeps_its_author() -> None:
    page = real("telegram_messages.html").decode("utf-8")
    page = page.replace(
        "\nAvi\n       </div>", '\nAvi <span class="details"> via @gif</span>\n       </div>'
    )
    events = parse(page.encode(), "messages.html").events.set_index("msg_id")
    assert events.loc[7, "author"] == person("Avi")


def test_telegram_html_reactions_without_a_count_count_their_reactors() -> None:
    page = real("telegram_messages.html").decode("utf-8")
    page = page.replace(
        '<span class="count">1</span>',
        '<span class="userpics"><div class="userpic userpic1"></div>'
        '<div class="userpic userpic2"></div></span>',
    )
    events = parse(page.encode(), "messages.html").events.set_index("msg_id")
    assert events.loc[5, "reactions"] == 3 + 2


@pytest.mark.parametrize(
    "document",
    [
        {
            "participants": [{"name": "Dana Levi"}, {"name": "Avi"}],
            "messages": [
                {"sender_name": "Dana Levi", "timestamp_ms": 1704611100000, "content": "hi"}
            ],
            "title": "Runners",
            "thread_path": "inbox/runners_1234",
        },
        {"group_posts_v2": [{"timestamp": 1704611100, "title": "Dana Levi posted in Runners"}]},
    ],
)
def test_a_facebook_download_your_information_file_is_named_not_misread(
    document: dict[str, object],
) -> None:
    # A Messenger chat has a "messages" list too: it used to fail on "message #1 has no date".
    with pytest.raises(UnknownLayout, match="Download your information") as caught:
        parse(json.dumps(document).encode(), "message_1.json")
    assert "Insights → Export" in str(caught.value)


def test_a_short_hebrew_or_arabic_twelve_hour_chat_is_read_day_first() -> None:
    # Every date fits both orders and time runs forwards either way: the AM/PM marker's
    # language decides (US phones write "PM", Hebrew and Arabic ones the day first).
    hebrew = "3/2/24, 10:00 לפנה״צ - דנה: שלום\n3/3/24, 2:00 אחה״צ - אבי: היי\n"
    hebrew += "3/3/24, 2:00 אחה״צ - רון יצא/ה\n"
    arabic = "3/2/24, 10:00 ص - دانا: مرحبا\n3/3/24, 2:00 م - علي: أهلا\n"
    arabic += "3/3/24, 2:00 م - سامي غادر\n"
    for text in (hebrew, arabic):
        parsed = parse(text.encode())
        assert parsed.layout["date_order"] == "day_first"
        assert parsed.events["ts"].iloc[0] == utc("2024-02-03 10:00")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_a_utf16_chat_in_a_zip_beside_a_longer_document_is_found(encoding: str) -> None:
    # Only the first 64 KB of each .txt is looked at; here that cut falls between the two
    # halves of an emoji, which a strict decoder refuses.
    lines = "".join(
        f"{k % 28 + 1}.3.2024, {k % 24:02d}:{k % 60:02d} - משתתף {k % 97}: 🏃 ריצה {k * 7919}\n"
        for k in range(3000)
    )

    def chat_with(pad: int) -> bytes:
        return (f"1.3.2024, 09:00 - Avi: {'x' * pad}\n" + lines).encode(encoding)

    pad = next(n for n in range(100) if not _decodes(chat_with(n)[: 64 * 1024], encoding))
    chat = chat_with(pad)
    document = "\n".join(f"{k}. ציוד: מים, כובע, קרם הגנה" for k in range(20_000)).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notes.txt", document)
        archive.writestr("צ'אט WhatsApp עם רצים.txt", chat)
    parsed = parse(out.getvalue(), "chat.zip")
    assert kinds(parsed) == {"message": 3001}


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def test_russian_and_arabic_exports_resaved_in_their_windows_code_pages_are_read() -> None:
    russian = real("android_ru_dotted.txt")
    parsed = parse(russian.decode("utf-8").encode("cp1251"), "chat.txt", timezone="Asia/Jerusalem")
    assert kinds(parsed) == kinds(corpus("real/android_ru_dotted.txt"))
    assert parsed.layout["language"] == "ru"
    arabic = (
        "15/01/2024, 21:05 - الرسائل والمكالمات مشفرة تمامًا بين الطرفين.\n"
        "15/01/2024, 21:06 - دانا أضاف علي\n"
        "15/01/2024, 21:07 - دانا: مساء الخير للجميع\n"
        "15/01/2024, 21:08 - علي: <تم استبعاد الوسائط>\n"
    )
    parsed = parse(arabic.encode("cp1256"), "chat.txt")
    assert kinds(parsed) == {"system": 1, "join": 1, "message": 1, "media": 1}
    assert parsed.layout["language"] == "ar"


def test_a_zip_made_by_a_windows_tool_with_backslashes_in_its_names_is_read() -> None:
    with zipfile.ZipFile(REAL / "telegram_html.zip") as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name.replace("/", "\\"), data)
    parsed = parse(out.getvalue(), "export.zip")
    assert parsed.source is ExportFormat.TELEGRAM_HTML
    assert parsed.layout["pages"] == "2"


@pytest.mark.parametrize(
    ("text", "line", "quoted"),
    [
        (
            "\ufeff[1/14/24, 9:05:01\u202fPM] A: hi\r\nsecond\r\n[1/15/24, 9:05:01\u202fPM] B: yo"
            "\r\n[2/30/24, 9:05:01\u202fPM] B: the 30th of February\r\n",
            4,
            "'2/30/24'",
        ),
        (
            "١٥/١/٢٠٢٤، ٩:٠٥ م - دانا: مرحبا\n٣٠/٢/٢٠٢٤، ٩:٠٦ م - علي: <تم استبعاد الوسائط>\n",
            2,
            "'30/2/2024'",
        ),
        ("2024-01-15, 21:05 - A: hi\n2024-13-01, 21:06 - B: yo\n", 2, "'2024-13-01'"),
    ],
)
def test_an_impossible_date_is_refused_with_its_line_in_every_layout(
    text: str, line: int, quoted: str
) -> None:
    with pytest.raises(BadValue) as caught:
        parse(text.encode())
    assert caught.value.line == line
    assert quoted in str(caught.value)


def test_the_chat_is_found_among_many_shared_text_documents() -> None:
    # More shared .txt documents than are opened to look for the chat, all larger than it:
    # the chat's name ("WhatsApp" in any language's wording) puts it first.
    with zipfile.ZipFile(REAL / "android_he_media.zip") as source:
        chat_name = next(n for n in source.namelist() if "WhatsApp" in n)
        chat = source.read(chat_name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for k in range(30):
            document = "\n".join(f"{k}.{j} ציוד: מים {j * 7919}" for j in range(300))
            archive.writestr(f"DOC-20240312-WA{k:04d}.txt", document.encode())
        archive.writestr(chat_name, chat)
    parsed = parse(out.getvalue(), "chat.zip", timezone="Asia/Jerusalem")
    assert kinds(parsed) == {"message": 2, "media": 2, "system": 2}


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"Rar!\x1a\x07\x01\x00" + bytes(64), "RAR"),
        (b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(64), "7-Zip"),
        (gzip.compress(b"01/03/2024, 10:00 - Dana: hi\n"), "gzip"),
    ],
)
def test_an_export_repacked_in_another_archive_format_is_named(data: bytes, kind: str) -> None:
    with pytest.raises(BadArchive, match=f"This is a {kind} archive"):
        parse(data, "chat.zip")
