"""Zip files as owners really send them: several chats, odd member names, nested folders."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from pricing.health import BadArchive, NotAnExport, UnknownLayout
from tests.unit.health.helpers import CORPUS, kinds, parse, wa

RUNNERS = wa(
    ("2024-03-01 10:00", None, 'Dana created group "Runners"'),
    ("2024-03-01 10:01", "Dana", "Morning run at 6"),
    ("2024-03-01 10:02", "Avi", "I'm in"),
    ("2024-03-01 10:03", "Noa", "<Media omitted>"),
)
CYCLISTS = RUNNERS.replace(b"Runners", b"Cyclists").replace(b"Avi", b"Ron")


def zipped(*members: tuple[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def test_a_zip_of_two_chats_is_refused_rather_than_one_picked_at_random() -> None:
    data = zipped(
        ("WhatsApp Chat with Runners.txt", RUNNERS),
        ("WhatsApp Chat with Cyclists.txt", CYCLISTS),
    )
    with pytest.raises(UnknownLayout) as caught:
        parse(data, "exports.zip")
    assert caught.value.code == "unknown_layout"
    assert "holds 2 files that are each a WhatsApp chat" in str(caught.value)
    assert "WhatsApp Chat with Cyclists.txt" in str(caught.value)


def test_two_iphone_exports_zipped_together_in_their_folders_are_refused() -> None:
    data = zipped(("Runners/_chat.txt", RUNNERS), ("Cyclists/_chat.txt", CYCLISTS))
    with pytest.raises(UnknownLayout, match="one group at a time"):
        parse(data, "both.zip")


def test_a_chat_beside_a_shared_text_document_is_still_read() -> None:
    data = zipped(
        ("WhatsApp Chat with Runners.txt", RUNNERS),
        ("Training plan.txt", "Week 1: 3 × 5 km\nWeek 2: 3 × 6 km\n".encode()),
    )
    assert kinds(parse(data, "chat.zip"))["message"] == 2


@pytest.mark.parametrize(
    "name",
    ["../../etc/_chat.txt", "/abs/_chat.txt", "a/b/c/d/WhatsApp Chat with Runners.txt"],
)
def test_member_names_outside_the_archive_are_read_in_memory_never_written(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    parsed = parse(zipped((name, RUNNERS)), "chat.zip")
    assert kinds(parsed)["message"] == 2
    assert list(tmp_path.iterdir()) == []


def test_a_zip_whose_compressed_data_is_damaged_is_a_bad_archive() -> None:
    data = bytearray(zipped(("WhatsApp Chat with Runners.txt", RUNNERS * 20)))
    start = 30 + len("WhatsApp Chat with Runners.txt")  # the member's data, after its header
    data[start : start + 40] = bytes(range(7, 247, 6))  # not a deflate stream
    with pytest.raises(BadArchive, match="damaged"):
        parse(bytes(data), "chat.zip")


def test_a_zip_needing_a_newer_unzip_version_is_a_bad_archive() -> None:
    data = bytearray(zipped(("_chat.txt", RUNNERS)))
    directory = data.rindex(b"PK\x01\x02")
    data[directory + 6 : directory + 8] = (109).to_bytes(2, "little")
    with pytest.raises(BadArchive, match="damaged"):
        parse(bytes(data), "chat.zip")


def test_a_facebook_csv_saved_by_excel_for_mac_with_bare_carriage_returns_is_read() -> None:
    text = "Date,Total members,New members,Posts,Comments\r2024-03-01,1200,4,10,31\r"
    text += "2024-03-02,1204,4,12,40\r"
    parsed = parse(text.encode(), "insights.csv")
    assert parsed.daily is not None
    assert len(parsed.daily) == 2


def test_a_damaged_facebook_workbook_is_refused_not_crashed_on() -> None:
    source = Path(__file__).resolve().parents[2] / "data/exports/facebook_insights.xlsx"
    with zipfile.ZipFile(source) as original:
        members = {name: original.read(name) for name in original.namelist()}
    sheet = next(name for name in members if name.startswith("xl/worksheets/"))
    members[sheet] = members[sheet][:200] + b'<row r="1"><c \x01 broken'
    with pytest.raises(NotAnExport, match="damaged"):
        parse(zipped(*members.items()), "insights.xlsx")


def test_a_zip_of_two_telegram_exports_is_refused() -> None:
    group = (CORPUS / "telegram_group.json").read_bytes()
    channel = (CORPUS / "telegram_channel.json").read_bytes()
    data = zipped(
        ("ChatExport_2024-03-01/result.json", group),
        ("ChatExport_2024-03-02/result.json", channel),
    )
    with pytest.raises(UnknownLayout, match="holds 2 Telegram exports"):
        parse(data, "exports.zip")


def test_a_zipped_telegram_export_folder_is_read() -> None:
    group = (CORPUS / "telegram_group.json").read_bytes()
    data = zipped(
        ("ChatExport_2024-03-01/result.json", group),
        ("ChatExport_2024-03-01/photos/a.jpg", b"\xff\xd8\xff" + b"\x00" * 50),
    )
    assert parse(data, "export.zip").source.value == "telegram_json"


# --- a chat shared as a document inside an export "with media" ---------------------------


def _android_with(attachment: str) -> bytes:
    """Runners' Android export whose last message shares `attachment` as a document."""
    return RUNNERS + f"01/03/2024, 10:04 - Avi: {attachment} (file attached)\n".encode()


def test_an_android_export_sharing_another_exported_chat_reads_its_own_chat() -> None:
    data = zipped(
        ("WhatsApp Chat with Runners.txt", _android_with("WhatsApp Chat with Cyclists.txt")),
        ("WhatsApp Chat with Cyclists.txt", CYCLISTS * 3),  # larger, and a chat too
        ("IMG-20240301-WA0001.jpg", b"\xff\xd8\xff" + bytes(64)),
    )
    parsed = parse(data, "WhatsApp Chat with Runners.zip")
    assert kinds(parsed) == {"message": 2, "media": 2, "system": 1}


def test_an_iphone_export_sharing_a_chat_shaped_document_reads_its_own_chat() -> None:
    chat = (
        "[01/03/2024, 10:00:00] Runners: \u200eMessages and calls are end-to-end encrypted.\r\n"
        "[01/03/2024, 10:01:00] Dana: Morning run at 6\r\n"
        "[01/03/2024, 10:02:00] Avi: \u200e<attached: 00000012-notes.txt>\r\n"
        "[01/03/2024, 10:03:00] Noa: I'm in\r\n"
    ).encode()
    notes = "[02/03/2024, 08:00:00] Coach: warm-up\n[02/03/2024, 08:05:00] Coach: 5 km\n"
    data = zipped(("_chat.txt", chat), ("00000012-notes.txt", notes.encode() * 40))
    parsed = parse(data, "WhatsApp Chat - Runners.zip")
    assert kinds(parsed) == {"message": 2, "media": 1, "system": 1}


def test_a_localised_export_name_wins_over_an_unreferenced_chat_shaped_text() -> None:
    data = zipped(
        ("Chat de WhatsApp con Corredores.txt", RUNNERS),
        ("copia.txt", CYCLISTS * 5),
    )
    assert kinds(parse(data, "chat.zip"))["message"] == 2
    hebrew = zipped(("צ'אט WhatsApp עם רצים.txt", RUNNERS), ("backup.txt", CYCLISTS * 5))
    assert kinds(parse(hebrew, "chat.zip"))["message"] == 2


def test_two_chats_neither_sharing_the_other_are_refused_naming_both_files() -> None:
    data = zipped(("Runners.txt", RUNNERS), ("Cyclists.txt", CYCLISTS))
    with pytest.raises(UnknownLayout) as caught:
        parse(data, "chats.zip")
    message = str(caught.value)
    assert "2 files that are each a WhatsApp chat ('Cyclists.txt', 'Runners.txt')" in message
    assert "upload each group's export on its own page" in message


def test_two_chats_sharing_each_other_are_refused() -> None:
    data = zipped(
        ("WhatsApp Chat with Runners.txt", _android_with("WhatsApp Chat with Cyclists.txt")),
        ("WhatsApp Chat with Cyclists.txt", _android_with("WhatsApp Chat with Runners.txt")),
    )
    with pytest.raises(UnknownLayout, match="each a WhatsApp chat"):
        parse(data, "chats.zip")


@pytest.mark.parametrize("export", ["result.json", "messages.html"])
def test_a_whatsapp_chat_shared_in_a_telegram_export_is_an_attachment(export: str) -> None:
    page = "telegram_group.json" if export == "result.json" else "real/telegram_messages.html"
    data = zipped(
        (f"ChatExport_2024-03-01/{export}", (CORPUS / page).read_bytes()),
        ("ChatExport_2024-03-01/files/WhatsApp Chat with Runners.txt", RUNNERS),
    )
    source = parse(data, "ChatExport.zip").source.value
    assert source == ("telegram_json" if export == "result.json" else "telegram_html")
