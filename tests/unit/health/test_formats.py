"""Every supported export is recognised by its content, bare or zipped, whatever its first byte."""

from __future__ import annotations

import io
import zipfile

import pytest

from pricing.health import ExportFormat
from tests.unit.health.helpers import CORPUS, corpus, parse, person

LRM = "\u200e"


def zipped(member: str, data: bytes) -> bytes:
    """`data` as the only file of a .zip, as phones and Telegram Desktop pack exports."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, data)
    return out.getvalue()


def without_leading_marks(name: str) -> bytes:
    """A corpus iOS export as many iPhones write it: lines start with "[", no direction mark."""
    text = (CORPUS / name).read_text("utf-8")
    return "\n".join(line.removeprefix(LRM) for line in text.split("\n")).encode()


IOS_HEBREW_SLASHES = "\n".join(
    [
        "[12/03/2024, 10:15:02] קבוצת הורים: \u200fההודעות והשיחות מוצפנות מקצה לקצה. לאף אחד "
        "מחוץ לצ'אט הזה, גם לא ל-WhatsApp, אין אפשרות לקרוא אותן או להאזין להן.",
        '[12/03/2024, 10:15:09] קבוצת הורים: \u200fדנה לוי יצר/ה את הקבוצה "קבוצת הורים"',
        "[12/03/2024, 10:16:00] דנה לוי: בוקר טוב לכולם",
        "[12/03/2024, 10:17:30] Yossi Cohen: בוקר טוב!",
        "[12/03/2024, 11:02:11] מיכל אברהם: מישהו יודע מתי האסיפה?",
        "[13/03/2024, 08:40:00] דנה לוי: ביום חמישי בשמונה",
        "[13/03/2024, 09:12:45] Yossi Cohen: תודה",
    ]
).encode()

#: (corpus file or built bytes, the name it is uploaded as, the member name inside a .zip, format)
CASES = [
    ("whatsapp_ios_he.txt", "_chat.txt", "_chat.txt", ExportFormat.WHATSAPP_IOS),
    ("whatsapp_ios_en_12h.txt", "_chat.txt", "_chat.txt", ExportFormat.WHATSAPP_IOS),
    ("ios_he_bare_bracket", "_chat.txt", "_chat.txt", ExportFormat.WHATSAPP_IOS),
    ("ios_en_bare_bracket", "_chat.txt", "_chat.txt", ExportFormat.WHATSAPP_IOS),
    ("ios_he_slashes", "_chat.txt", "_chat.txt", ExportFormat.WHATSAPP_IOS),
    ("whatsapp_android_he_24h.txt", "WhatsApp Chat with רצים.txt",
     "WhatsApp Chat with רצים.txt", ExportFormat.WHATSAPP_ANDROID),
    ("whatsapp_android_en_12h_us.txt", "WhatsApp Chat with Runners.txt",
     "WhatsApp Chat with Runners.txt", ExportFormat.WHATSAPP_ANDROID),
    ("telegram_group.json", "result.json", "ChatExport_2024-04-11/result.json",
     ExportFormat.TELEGRAM_JSON),
    ("telegram_channel.json", "result.json", "ChatExport_2024-04-11/result.json",
     ExportFormat.TELEGRAM_JSON),
    ("facebook_insights.csv", "insights.csv", "insights.csv", ExportFormat.FACEBOOK_CSV),
]  # fmt: skip
BUILT = {
    "ios_he_bare_bracket": lambda: without_leading_marks("whatsapp_ios_he.txt"),
    "ios_en_bare_bracket": lambda: without_leading_marks("whatsapp_ios_en_12h.txt"),
    "ios_he_slashes": lambda: IOS_HEBREW_SLASHES,
}


def content(source: str) -> bytes:
    return BUILT[source]() if source in BUILT else (CORPUS / source).read_bytes()


def test_the_bare_ios_files_really_start_with_a_bracket() -> None:
    for source in ("ios_he_bare_bracket", "ios_en_bare_bracket", "ios_he_slashes"):
        assert content(source).startswith(b"[")


@pytest.mark.parametrize(("source", "name", "member", "expected"), CASES)
def test_each_format_is_recognised_bare(
    source: str, name: str, member: str, expected: ExportFormat
) -> None:
    parsed = parse(content(source), name, timezone="Asia/Jerusalem")
    assert parsed.source == expected
    assert len(parsed.events) > 0 or parsed.daily is not None


@pytest.mark.parametrize(("source", "name", "member", "expected"), CASES)
def test_each_format_is_recognised_zipped(
    source: str, name: str, member: str, expected: ExportFormat
) -> None:
    parsed = parse(zipped(member, content(source)), "export.zip", timezone="Asia/Jerusalem")
    assert parsed.source == expected
    assert len(parsed.events) > 0 or parsed.daily is not None


@pytest.mark.parametrize("name", ["_chat.txt", "chat.json", "upload"])
def test_an_ios_export_starting_with_a_bracket_is_not_taken_for_json(name: str) -> None:
    parsed = parse(IOS_HEBREW_SLASHES, name)
    assert parsed.source == ExportFormat.WHATSAPP_IOS
    # The notice and the creation are the group's system lines, not a member's messages.
    assert parsed.events["author"].nunique() == 3


def test_the_facebook_workbook_is_recognised() -> None:
    assert corpus("facebook_insights.xlsx").source == ExportFormat.FACEBOOK_XLSX


def test_a_real_json_array_is_still_read_as_json() -> None:
    with pytest.raises(Exception, match="Telegram") as caught:
        parse(b'[{"id": 1}]', "result.json")
    assert "JSON" in str(caught.value) or "Telegram" in str(caught.value)


def test_a_french_export_re_saved_as_windows_1252_reads_its_names_as_in_utf8() -> None:
    text = (
        "15/01/2024 à 21:04 - Les messages et les appels sont chiffrés de bout en bout.\n"
        "15/01/2024 à 21:05 - Hélène a créé le groupe « Coureurs »\n"
        "15/01/2024 à 21:06 - Hélène: Départ à 6 h, café après\n"
        "15/01/2024 à 21:07 - François: Très bien, j'arrive\n"
        "15/01/2024 à 21:08 - Zoé: Génial ! Ça marche\n"
    )
    utf8 = parse(text.encode())
    ansi = parse(text.encode("cp1252"))
    assert list(ansi.events["author"]) == list(utf8.events["author"])
    assert person("François") in set(ansi.events["author"])
    assert list(ansi.events["ts"]) == list(utf8.events["ts"])
