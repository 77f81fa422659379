"""Tell which export a file is (from its bytes and name), unpack it safely, and parse it."""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Iterable
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pricing.health.archive import DEFAULT_LIMITS, MIB, Limits, open_archive, read_member
from pricing.health.errors import (
    EXPECTED_FILES,
    BadArchive,
    EmptyExport,
    FileTooLarge,
    NotAnExport,
)
from pricing.health.events import DEFAULT_TIMEZONE, ParsedExport, PersonHasher
from pricing.health.facebook import (
    looks_like_insights_header,
    parse_facebook_csv,
    parse_facebook_xlsx,
)
from pricing.health.telegram import load_json, parse_telegram
from pricing.health.whatsapp import clean_text, parse_whatsapp, sniff_layout


def parse_export(
    data: bytes,
    filename: str,
    *,
    salt: bytes,
    admin_names: Iterable[str] = (),
    timezone: str = DEFAULT_TIMEZONE,
    limits: Limits = DEFAULT_LIMITS,
) -> ParsedExport:
    """Read an uploaded export into hashed, text-free events, or raise an `ExportError`.

    `salt` keys the hashes of people (keep one per community so the same member hashes the same
    across uploads); `admin_names` are display names or phone numbers of the admins; WhatsApp
    local times are read in `timezone`.
    """
    hasher = PersonHasher(salt)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {timezone!r}") from None
    admin_list = list(admin_names)
    if len(data) > limits.max_bytes:
        raise FileTooLarge(
            f"The file is {len(data) / MIB:.1f} MB; the most Kesher accepts is "
            f"{limits.max_bytes / MIB:.0f} MB. Export without media, or a shorter period."
        )
    if not data or data.isspace():
        raise EmptyExport(f"The file is empty. Kesher reads {EXPECTED_FILES}.")
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        return _parse_zip(data, suffix, hasher, admin_list, timezone, limits)
    if suffix in (".xlsx", ".zip"):
        raise NotAnExport(
            f"The file is named {suffix} but is not one. Kesher reads {EXPECTED_FILES}."
        )
    text = decode_text(data, legacy=suffix in (".csv", ".tsv"))
    return _parse_text(text, suffix, hasher, admin_list, timezone)


#: How much of a text export is looked at to tell its format (a few hundred lines).
SNIFF_CHARS = 64 * 1024


def _parse_text(
    text: str, suffix: str, hasher: PersonHasher, admin_names: list[str], timezone: str
) -> ParsedExport:
    """Parse a decoded text export, told apart by its content rather than its first character.

    An iPhone's `_chat.txt` starts with "[12/03/2024, 10:15:02] …", which is also how a JSON
    array starts, so WhatsApp's line layout is looked for before JSON is tried.
    """
    if sniff_layout(clean_text(text[:SNIFF_CHARS])) is not None:
        return parse_whatsapp(text, hasher=hasher, admin_names=admin_names, timezone=timezone)
    if text.lstrip()[:1] in ("{", "["):
        document = load_json(text)
        return parse_telegram(document, hasher=hasher, admin_names=admin_names, timezone=timezone)
    if suffix == ".json":
        raise NotAnExport(
            f"The file is named .json but does not hold JSON. Kesher reads {EXPECTED_FILES}."
        )
    first_line = text.lstrip().split("\n", 1)[0]
    if suffix in (".csv", ".tsv") or looks_like_insights_header(first_line):
        return parse_facebook_csv(text)
    return parse_whatsapp(text, hasher=hasher, admin_names=admin_names, timezone=timezone)


def decode_text(data: bytes, *, legacy: bool = False) -> str:
    """Decode UTF-8 (with or without BOM) or UTF-16; Windows-1255 too when `legacy`."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise NotAnExport("The file claims to be UTF-16 text but is not.") from None
    if b"\x00" in data[:4096]:
        raise NotAnExport(
            f"This is a binary file, not a text export. Kesher reads {EXPECTED_FILES}."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        if legacy:
            try:
                return data.decode("cp1255")
            except UnicodeDecodeError:
                pass
        line = data[: error.start].count(b"\n") + 1
        raise NotAnExport(
            f"The file is not UTF-8 text (as WhatsApp and Telegram write). Kesher reads "
            f"{EXPECTED_FILES}.",
            line=line,
        ) from None


def _parse_zip(
    data: bytes,
    suffix: str,
    hasher: PersonHasher,
    admin_names: list[str],
    timezone: str,
    limits: Limits,
) -> ParsedExport:
    """Open a WhatsApp .zip, a zipped Telegram export or an .xlsx, refusing zip bombs."""
    archive = open_archive(data, limits)
    infos = archive.infolist()
    names = {info.filename for info in infos}
    if "xl/workbook.xml" in names or suffix == ".xlsx":
        return parse_facebook_xlsx(data, limits)
    chosen = _pick_member(infos)
    if chosen is None:
        raise BadArchive(
            "The .zip holds no chat export: expected the chat's .txt file (WhatsApp), "
            "result.json (Telegram) or a Facebook insights .csv inside it."
        )
    inner = read_member(archive, chosen, limits)
    if not inner.strip():
        raise EmptyExport("The chat file inside the .zip is empty.")
    member_suffix = PurePosixPath(chosen.filename).suffix.lower()
    text = decode_text(inner, legacy=member_suffix in (".csv", ".tsv"))
    return _parse_text(text, member_suffix, hasher, admin_names, timezone)


def _pick_member(infos: list[zipfile.ZipInfo]) -> zipfile.ZipInfo | None:
    """The export in an archive: iOS's _chat.txt, Android's 'WhatsApp Chat with …'.txt,
    Telegram's result.json, else a Facebook insights .csv."""
    candidates = [
        info
        for info in infos
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and info.filename.lower().endswith((".txt", "result.json", ".csv"))
    ]
    if not candidates:
        return None

    def rank(info: zipfile.ZipInfo) -> tuple[int, int]:
        name = PurePosixPath(info.filename).name.lower()
        preferred = name == "_chat.txt" or name.startswith("whatsapp chat") or name == "result.json"
        return (0 if preferred else 2 if name.endswith(".csv") else 1, -info.file_size)

    return min(candidates, key=rank)
