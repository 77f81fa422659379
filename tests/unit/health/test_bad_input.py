"""Bad input: every refusal says what was expected, carries a stable code, and returns nothing."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from pricing.health import (
    BadArchive,
    EmptyExport,
    ExportError,
    FileTooLarge,
    Limits,
    NotAnExport,
    TruncatedFile,
    UnknownLayout,
    ZipBomb,
    parse_export,
)
from pricing.health.detect import read_member
from tests.unit.health.helpers import CORPUS, SALT, corpus, parse, wa


@pytest.mark.parametrize(
    ("name", "error", "code", "says"),
    [
        ("bad_random.txt", NotAnExport, "not_an_export", "WhatsApp 'Export chat' file"),
        ("bad_wrong_columns.csv", ExportError, "wrong_columns", "'Date' column"),
        ("bad_truncated.json", TruncatedFile, "truncated_file", "ends in the middle"),
        ("bad_empty_chat.txt", EmptyExport, "empty_export", "no messages"),
        ("bad_unknown_layout.txt", UnknownLayout, "unknown_layout", "'12/03/2024, 14:05 - Name"),
        ("bad_zip_bomb.zip", ZipBomb, "zip_bomb", "expands 1028 times"),
    ],
)
def test_each_malformed_corpus_file_is_refused_with_a_clear_message(
    name: str, error: type[ExportError], code: str, says: str
) -> None:
    with pytest.raises(error) as caught:
        corpus(name)
    assert caught.value.code == code
    assert says in str(caught.value)
    assert caught.value.to_dict()["code"] == code


def test_a_truncated_json_points_at_the_line_where_it_stops() -> None:
    with pytest.raises(TruncatedFile) as caught:
        corpus("bad_truncated.json")
    assert caught.value.line == (CORPUS / "bad_truncated.json").read_bytes().count(b"\n") + 1


def test_an_empty_file_is_an_empty_export() -> None:
    with pytest.raises(EmptyExport, match="The file is empty"):
        parse(b"  \n", "chat.txt")


def test_a_file_over_the_size_cap_is_refused_before_it_is_read() -> None:
    data = (CORPUS / "whatsapp_android_he_24h.txt").read_bytes()
    with pytest.raises(FileTooLarge, match="the most Kesher accepts is"):
        parse(data, "chat.txt", limits=Limits(max_bytes=10_000))


def test_an_archive_expanding_past_the_cap_is_refused() -> None:
    data = (CORPUS / "whatsapp_android_en.zip").read_bytes()
    with pytest.raises(ZipBomb, match="would expand to"):
        parse(data, "chat.zip", limits=Limits(max_uncompressed=1_000))


def test_an_archive_member_expanding_a_few_hundred_times_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("_chat.txt", b"a" * 20_000)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        info = archive.getinfo("_chat.txt")
        ratio = info.file_size / info.compress_size
    assert 100 < ratio < 1000
    with pytest.raises(ZipBomb, match=f"expands {ratio:.0f} times"):
        parse(out.getvalue(), "chat.zip")


def test_an_archive_with_too_many_members_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for k in range(12):
            archive.writestr(f"IMG-{k}.jpg", b"x")
    with pytest.raises(ZipBomb, match="holds 12 files"):
        parse(out.getvalue(), "chat.zip", limits=Limits(max_entries=10))


def test_reading_a_member_stops_at_the_cap_even_if_its_header_lies() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("_chat.txt", b"x" * 1000)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        info = archive.getinfo("_chat.txt")
        with pytest.raises(ZipBomb, match="expands beyond"):
            read_member(archive, info, Limits(max_uncompressed=100))


def test_a_zip_without_a_chat_file_says_what_it_should_hold() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("IMG-1.jpg", b"\xff\xd8")
    with pytest.raises(BadArchive, match=r"chat's \.txt file"):
        parse(out.getvalue(), "chat.zip")


def test_a_damaged_zip_is_a_bad_archive() -> None:
    data = (CORPUS / "whatsapp_android_en.zip").read_bytes()
    with pytest.raises(BadArchive):
        parse(data[:200], "chat.zip")


def test_a_file_named_xlsx_that_is_not_one_is_not_an_export() -> None:
    with pytest.raises(NotAnExport, match="named .xlsx but is not one"):
        parse(b"Date,Members\n", "insights.xlsx")


def test_a_binary_file_is_not_an_export() -> None:
    with pytest.raises(NotAnExport, match="binary file"):
        parse(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.txt")


def test_text_mixing_utf8_and_another_encoding_is_refused_with_the_line() -> None:
    # A whole file in Windows-1255 is read (see test_real_exports); one that mixes it with
    # UTF-8 is damaged, and the first line that is not UTF-8 is named.
    data = wa(("2024-03-01 10:00", "דנה", "היי")) + "שלום\n".encode("cp1255")
    with pytest.raises(NotAnExport) as caught:
        parse(data, "chat.txt")
    assert caught.value.line == 2


def test_json_that_is_not_a_telegram_export_is_refused() -> None:
    with pytest.raises(NotAnExport, match="'messages' list"):
        parse(b'{"name": "x", "items": []}', "result.json")


def test_a_telegram_export_without_messages_is_empty() -> None:
    with pytest.raises(EmptyExport):
        parse(b'{"name": "x", "type": "public_channel", "messages": []}', "result.json")


def test_a_salt_too_short_is_a_programming_error_not_an_export_error() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes") as caught:
        parse_export(b"x", "chat.txt", salt=b"short")
    assert not isinstance(caught.value, ExportError)


def test_an_unknown_time_zone_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        parse_export(b"x", "chat.txt", salt=SALT, timezone="Mars/Olympus")


def test_the_zip_android_shares_parses_like_its_text() -> None:
    zipped = corpus("whatsapp_android_en.zip").events
    with zipfile.ZipFile(CORPUS / "whatsapp_android_en.zip") as archive:
        text = archive.read("WhatsApp Chat with Runners TLV.txt")
    plain = parse(text, "chat.txt", timezone="Asia/Jerusalem").events
    assert zipped.equals(plain)


def test_an_unknown_telegram_chat_type_is_not_quoted_at_length() -> None:
    document = {"name": "x", "type": "t" * 10_000, "messages": [{"id": 1, "type": "message"}]}
    with pytest.raises(UnknownLayout) as caught:
        parse(json.dumps(document).encode(), "result.json")
    assert len(str(caught.value)) < 300
