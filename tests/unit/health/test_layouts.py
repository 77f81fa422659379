"""WhatsApp line layouts of more locales, and one export with every quirk a real phone writes."""

from __future__ import annotations

import codecs

import pytest

from pricing.health import BadValue, UnknownLayout
from tests.unit.health.helpers import kinds, parse, person, utc

# Three messages, 21:05 and 21:06 on 15 January 2024 and 07:06 the next morning, as each
# locale's phone writes the header. Sources: Finnish iPhone "[12.3.2022 klo 14.08.18]" (a
# parser's notes on its own Finnish export), French Android "26/09/2019 à 22:39 - "
# (JBGruber/rwhatsapp#8); Indonesian "30/08/25 18.00 - " (mtln/chat-export#28); English
# (Canada) "2023-12-20, 5:46 p.m." and (South Africa) "2023/12/20, 5:46 pm"
# (dimagi/open-chat-studio#221). The year-first Korean and Hungarian dates, the day half
# before the time in Korean, Chinese and Japanese, Norwegian "kl." and Thai Buddhist years
# follow those phones' own date formats (not checked against a real export).
LAYOUTS = {
    "finnish_iphone": ("[15.1.2024 klo 21.05.00] ", "[15.1.2024 klo 21.06.00] ",
                       "[16.1.2024 klo 7.06.00] "),
    "finnish_android": ("15.1.2024 klo 21.05 - ", "15.1.2024 klo 21.06 - ",
                        "16.1.2024 klo 7.06 - "),
    "french_android": ("15/01/2024 à 21:05 - ", "15/01/2024 à 21:06 - ", "16/01/2024 à 07:06 - "),
    "norwegian_android": ("15.01.2024, kl. 21:05 - ", "15.01.2024, kl. 21:06 - ",
                          "16.01.2024, kl. 07:06 - "),
    "korean_android": ("2024. 1. 15. 오후 9:05 - ", "2024. 1. 15. 오후 9:06 - ",
                       "2024. 1. 16. 오전 7:06 - "),
    "korean_iphone": ("[2024. 1. 15. 오후 9:05:00] ", "[2024. 1. 15. 오후 9:06:00] ",
                      "[2024. 1. 16. 오전 7:06:00] "),
    "chinese_android": ("2024/1/15 下午9:05 - ", "2024/1/15 下午9:06 - ", "2024/1/16 上午7:06 - "),
    "chinese_iphone": ("[2024/1/15 下午9:05:00] ", "[2024/1/15 下午9:06:00] ",
                       "[2024/1/16 上午7:06:00] "),
    "japanese_12h": ("2024/01/15 午後9:05 - ", "2024/01/15 午後9:06 - ", "2024/01/16 午前7:06 - "),
    "hungarian_android": ("2024. 01. 15. 21:05 - ", "2024. 01. 15. 21:06 - ",
                          "2024. 01. 16. 7:06 - "),
    "indonesian_android": ("15/01/24 21.05 - ", "15/01/24 21.06 - ", "16/01/24 07.06 - "),
    "english_canada": ("2024-01-15, 9:05 p.m. - ", "2024-01-15, 9:06 p.m. - ",
                       "2024-01-16, 7:06 a.m. - "),
    "english_south_africa": ("2024/01/15, 9:05 pm - ", "2024/01/15, 9:06 pm - ",
                             "2024/01/16, 7:06 am - "),
    "thai_buddhist_iphone": ("[15/1/2567 21:05:00] ", "[15/1/2567 21:06:00] ",
                             "[16/1/2567 07:06:00] "),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_each_locale_layout_is_read_with_its_times(name: str) -> None:
    first, second, third = LAYOUTS[name]
    text = f"{first}Dana: hi\n{second}Avi: yo\n{third}Noa: morning\n"
    parsed = parse(text.encode())
    assert kinds(parsed) == {"message": 3}
    assert list(parsed.events["ts"]) == [
        utc("2024-01-15 21:05"),
        utc("2024-01-15 21:06"),
        utc("2024-01-16 07:06"),
    ]


def test_noon_in_chinese_is_twelve_and_one_is_one_in_the_afternoon() -> None:
    text = (
        "2024/1/15 中午12:30 - Dana: hi\n2024/1/15 中午1:00 - Avi: yo\n"
        "2024/1/15 晚上9:00 - Noa: x\n"
    )
    assert list(parse(text.encode()).events["ts"]) == [
        utc("2024-01-15 12:30"),
        utc("2024-01-15 13:00"),
        utc("2024-01-15 21:00"),
    ]


def test_buddhist_years_are_said_in_a_note() -> None:
    first, second, third = LAYOUTS["thai_buddhist_iphone"]
    parsed = parse(f"{first}Dana: hi\n{second}Avi: yo\n{third}Noa: x\n".encode())
    assert "Years are in the Buddhist era (a Thai phone): read as 2024." in parsed.notes


def test_a_persian_calendar_year_is_refused_saying_which_calendar_and_where() -> None:
    text = "1402/10/25, 21:05 - Dana: hi\n1402/10/25, 21:06 - Avi: yo\n1402/10/26, 07:06 - Noa: x\n"
    with pytest.raises(BadValue) as caught:
        parse(text.encode())
    assert caught.value.line == 1
    assert "Persian (Solar Hijri) calendar" in str(caught.value)
    assert "set the phone's calendar to Gregorian" in str(caught.value)


# --- one English iPhone export with every quirk at once --------------------------------------

IPHONE = (
    "\u200e[1/5/24, 9:04:00\u202fPM] Runners: \u200eMessages and calls are end-to-end "
    "encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.\n"
    "\u200e[1/5/24, 9:04:30\u202fPM] Runners: \u200eDana created group \u201cRunners\u201d\n"
    "\u200e[1/5/24, 9:05:00\u202fPM] Runners: \u200eDana added "
    "\u202a+972\u00a052\u2011555\u20110101\u202c\n"
    "[1/5/24, 9:06:00\u202fPM] Dana: Morning run at 6\nsecond line of the message\n"
    "\u200e[1/5/24, 9:07:00\u202fPM] \u202a+972\u00a052\u2011555\u20110101\u202c: \u200eimage "
    "omitted\n"
    "\u200e[1/5/24, 9:08:00\u202fPM] Noa: \u200eThis message was deleted.\n"
    "[1/5/24, 9:09:00\u202fPM] Dana: I'll be late \u200e<This message was edited>\n"
    "[1/5/24, 9:10:00\u202fPM] Dana: \u200ePOLL:\n\u200eWhen?\n\u200eOPTION: 6am (2 votes)\n"
    "\u200eOPTION: 7am (1 vote)\n"
    "\u200e[1/5/24, 9:11:00\u202fPM] Noa: \u200eLocation: https://maps.google.com/?q=32.1,34.8\n"
    "\u200e[1/5/24, 9:12:00\u202fPM] Dana: \u200eContact card omitted\n"
    "\u200e[1/5/24, 9:13:00\u202fPM] Noa: \u200e<attached: 00000012-notes.pdf>\n"
    + "".join(f"[1/{day}/24, 7:00:00\u202fAM] Noa: day {day}\n" for day in range(6, 13))
    # The only date that settles the order (a 13 in the second field) is on the last line.
    + "[1/13/24, 7:00:00\u202fAM] Dana: thirteen\n"
)


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode(),
        lambda text: codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode(),
        lambda text: text.replace("\n", "\r\n").encode("utf-16"),  # Notepad's "Unicode"
        lambda text: text.encode("utf-16-le"),
        lambda text: text.encode("utf-16-be"),
    ],
    ids=["utf8", "utf8_bom_crlf", "utf16_bom_crlf", "utf16le", "utf16be"],
)
def test_an_iphone_export_with_every_quirk_reads_the_same_in_every_encoding(encode: object) -> None:
    parsed = parse(encode(IPHONE), "_chat.txt")  # type: ignore[operator]
    assert kinds(parsed) == {"message": 11, "media": 4, "deleted": 1, "system": 2, "join": 1}
    assert parsed.layout["date_order"] == "month_first"
    assert parsed.layout["clock"] == "12h"
    assert parsed.layout["language"] == "en"
    assert parsed.events["ts"].iloc[0] == utc("2024-01-05 21:04")
    assert parsed.events["ts"].iloc[-1] == utc("2024-01-13 07:00")
    # The group's name is no person; Dana, Noa and the phone number are (hashed).
    assert parsed.events["author"].dropna().nunique() == 3


def test_a_bad_date_deep_in_a_crlf_export_with_a_bom_is_refused_at_its_line() -> None:
    lines = IPHONE.replace("[1/13/24, 7:00:00\u202fAM]", "[1/32/24, 7:00:00\u202fAM]")
    data = codecs.BOM_UTF8 + lines.replace("\n", "\r\n").encode()
    with pytest.raises(BadValue) as caught:
        parse(data, "_chat.txt")
    assert caught.value.line == IPHONE.count("\n")  # the last line
    assert "'1/32/24' is not a valid date" in str(caught.value)


def test_the_day_month_order_is_decided_by_a_date_far_past_the_sniffed_lines() -> None:
    # 600 lines on 2 January or 1 February (a US phone: 1/2, 2/1 …), then the 13th settles it.
    early = "".join(
        f"1/2/24, 10:{k % 60:02d} - {'Dana' if k % 2 else 'Avi'}: hi\n" for k in range(600)
    )
    parsed = parse((early + "1/13/24, 09:00 - Noa: late\n").encode())
    assert parsed.layout["date_order"] == "month_first"
    assert parsed.layout["date_order_certain"] == "yes"
    assert parsed.events["ts"].iloc[0] == utc("2024-01-02 10:00")
    day_first = early.replace("1/2/24", "2/1/24") + "13/1/24, 09:00 - Noa: late\n"
    assert parse(day_first.encode()).events["ts"].iloc[0] == utc("2024-01-02 10:00")


def test_a_log_in_a_layout_not_read_is_refused_at_its_first_stamped_line() -> None:
    # The time before the date: a layout Kesher does not read; two lines of preface before it.
    text = "Chat history\n\n" + "".join(
        f"21:0{k} 15/1/2024 - {name}: hi\n" for k, name in enumerate(["Dana", "Avi", "Noa"])
    )
    with pytest.raises(UnknownLayout) as caught:
        parse(text.encode())
    assert caught.value.line == 3
    assert str(caught.value).startswith("line 3: This looks like a chat log")
    bracketed = "".join(f"[2024-02-{d}T12:00:00Z] Aino: moi\n" for d in range(10, 20))
    with pytest.raises(UnknownLayout) as caught:
        parse(bracketed.encode(), "_chat.txt")
    assert caught.value.line == 1


def test_iphone_placeholders_in_any_case_and_a_tilde_contact_are_read() -> None:
    text = (
        "[15/01/2024, 21:04:00] Runners: \u200eMessages and calls are end-to-end encrypted.\n"
        "[15/01/2024, 21:05:00] Runners: \u200eDana added ~\u202fNoa\n"
        "[15/01/2024, 21:06:00] ~\u202fNoa: hi\n"
        "[15/01/2024, 21:09:00] Avi: \u200eVideo note omitted\n"
        "[15/01/2024, 21:10:00] Avi: \u200eGIF omitted\n"
        "[15/01/2024, 21:11:00] Avi: \u200eDocument omitted\n"
        "[15/01/2024, 21:12:00] Avi: notes.pdf \u2022 \u200e3 pages \u200edocument omitted\n"
    )
    parsed = parse(text.encode(), "_chat.txt")
    assert kinds(parsed) == {"media": 4, "message": 1, "join": 1, "system": 1}
    # The added "~ Noa" and the writer "~ Noa" are one person.
    assert list(parsed.events["author"]).count(person("Noa")) == 2


def test_a_repeated_bracketed_placeholder_in_an_unknown_language_is_media() -> None:
    # Hindi Android's "<Media omitted>"; a person's one-off "<b>" stays a message.
    hindi = "".join(f"15/01/2024, 21:0{k} - Avi: <मीडिया छोड़ दिया गया>\n" for k in range(6, 9))
    text = f"15/01/2024, 21:05 - Dana: hi\n{hindi}15/01/2024, 21:09 - Noa: <b>\n"
    parsed = parse(text.encode())
    assert kinds(parsed) == {"message": 2, "media": 3}
    assert any("3 messages of the same bracketed text" in note for note in parsed.notes)
    twice = "".join(hindi.splitlines(keepends=True)[:2])
    assert kinds(
        parse(f"15/01/2024, 21:05 - Dana: hi\n{twice}".encode() + b"15/01/2024, 21:09 - Noa: x\n")
    ) == {"message": 4}
