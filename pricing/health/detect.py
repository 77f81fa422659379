"""Tell which export a file is (from its bytes and name), unpack it safely, and parse it."""

from __future__ import annotations

import codecs
import re
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pricing.health.archive import DEFAULT_LIMITS, MIB, Limits, open_archive, read_member
from pricing.health.errors import (
    EXPECTED_FILES,
    BadArchive,
    EmptyExport,
    ExportError,
    FileTooLarge,
    NotAnExport,
    SeveralExports,
    UnknownLayout,
)
from pricing.health.events import DEFAULT_TIMEZONE, ParsedExport, PersonHasher
from pricing.health.facebook import (
    looks_like_insights_header,
    parse_facebook_csv,
    parse_facebook_xlsx,
)
from pricing.health.telegram import load_json, parse_telegram
from pricing.health.telegram_html import looks_like_telegram_html, page_order, parse_telegram_html
from pricing.health.whatsapp import (
    clean_text,
    first_stamped_line,
    looks_like_a_log,
    parse_whatsapp,
    sniff_layout,
)


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
    for signature, kind in OTHER_ARCHIVES:
        if data.startswith(signature):
            raise BadArchive(
                f"This is a {kind} archive, which Kesher does not open. Upload the chat file "
                "itself, or the .zip exactly as WhatsApp or Telegram made it."
            )
    if suffix in (".xlsx", ".zip"):
        raise NotAnExport(
            f"The file is named {suffix} but is not one. Kesher reads {EXPECTED_FILES}."
        )
    text = decode_text(data, legacy=suffix in (".csv", ".tsv"))
    if _blank(text):
        raise EmptyExport(f"The file is empty. Kesher reads {EXPECTED_FILES}.")
    return _parse_text(text, suffix, hasher, admin_list, timezone)


def _blank(text: str) -> bool:
    """Tell whether decoded text holds nothing but a byte-order mark and white space."""
    return not text.replace("\ufeff", "").strip()


#: Archives people re-pack exports into, by their first bytes.
OTHER_ARCHIVES = (
    (b"Rar!\x1a\x07", "RAR"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
    (b"\x1f\x8b", "gzip"),
)

#: How much of a text export is looked at to tell its format (a few hundred lines).
SNIFF_CHARS = 64 * 1024
_BRACKET_LOG = (
    "This looks like a chat log, but not in a layout Kesher reads. Expected a WhatsApp export, "
    "whose lines start like '[12/03/2024, 14:05:33] Name: …' (iPhone) or "
    "'12/03/2024, 14:05 - Name: …' (Android)."
)


def _parse_text(
    text: str, suffix: str, hasher: PersonHasher, admin_names: list[str], timezone: str
) -> ParsedExport:
    """Parse a decoded text export, told apart by its content rather than its first character.

    An iPhone's `_chat.txt` starts with "[12/03/2024, 10:15:02] …", which is also how a JSON
    array starts, so WhatsApp's line layout is looked for before JSON is tried.
    """
    if sniff_layout(clean_text(text[:SNIFF_CHARS])) is not None:
        return parse_whatsapp(text, hasher=hasher, admin_names=admin_names, timezone=timezone)
    if text.lstrip()[:1] == "<" and looks_like_telegram_html(text):
        return parse_telegram_html(
            [text], hasher=hasher, admin_names=admin_names, timezone=timezone
        )
    if text.lstrip()[:1] in ("{", "["):
        try:
            document = load_json(text)
        except ExportError:
            if text.lstrip()[:1] == "[" and looks_like_a_log(clean_text(text[:SNIFF_CHARS])):
                line = first_stamped_line(clean_text(text[:SNIFF_CHARS]))
                raise UnknownLayout(_BRACKET_LOG, line=line) from None
            raise
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
    """Decode UTF-8 (with or without BOM) or UTF-16 (with or without BOM).

    A file re-saved by a Windows tool in an "ANSI" code page (Hebrew Windows-1255, Arabic 1256
    or Russian 1251, told apart by which makes letters of the text) is read too when nothing in
    it is UTF-8 (a spreadsheet, when `legacy`, whatever it holds); a file mixing the two is
    refused at the first line that is not UTF-8.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise NotAnExport("The file claims to be UTF-16 text but is not.") from None
    if b"\x00" in data[:4096]:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
        raise NotAnExport(
            f"This is a binary file, not a text export. Kesher reads {EXPECTED_FILES}."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        if legacy or _only_legacy_bytes(data):
            decoded = _legacy_decode(data)
            if decoded is not None:
                return decoded
        line = data[: error.start].count(b"\n") + 1
        raise NotAnExport(
            f"The file is not UTF-8 text (as WhatsApp and Telegram write). Kesher reads "
            f"{EXPECTED_FILES}.",
            line=line,
        ) from None


def _utf16_without_bom(data: bytes) -> str | None:
    """Text saved as UTF-16 without a byte-order mark (some Windows tools), else None.

    Chat text is mostly ASCII digits and punctuation, so one byte of nearly every pair is zero:
    the odd bytes in little-endian files, the even ones in big-endian files.
    """
    head = data[:4096]
    if len(data) % 2 or len(head) < 8:
        return None
    even_zero = head[0::2].count(0) / (len(head) / 2)
    odd_zero = head[1::2].count(0) / (len(head) / 2)
    if odd_zero > 0.3 and even_zero < 0.05:
        encoding = "utf-16-le"
    elif even_zero > 0.3 and odd_zero < 0.05:
        encoding = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    sample = text[:2048]
    printable = sum(1 for ch in sample if ch.isprintable() or ch in "\r\n\t")
    return text if printable >= 0.95 * len(sample) else None


#: Windows code pages a re-saved export may be in: Hebrew first (Kesher's users), then Arabic
#: and Russian, the other languages whose exports are read.
LEGACY_ENCODINGS = {
    "cp1255": re.compile("[\u05d0-\u05ea]"),  # Hebrew letters
    "cp1256": re.compile("[\u0621-\u064a]"),  # Arabic letters
    "cp1251": re.compile("[\u0410-\u044f\u0401\u0451]"),  # Cyrillic letters
}


def _legacy_decode(data: bytes) -> str | None:
    """Decode with the first code page, in order, whose own letters make most of the non-ASCII
    characters (else the one with the highest share).

    Each code page turns the others' letters into a mix of accented Latin, symbols, undefined
    bytes and some of its own letters; Hebrew bytes read as Windows-1251 are all Cyrillic, which
    is why Hebrew is tried first and needs only a clear majority.
    """
    if _in_latin_words(data):
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    best: tuple[float, str] | None = None
    for encoding, letters in LEGACY_ENCODINGS.items():
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        high = _NON_ASCII.findall(text, 0, 50_000)
        score = len(letters.findall("".join(high))) / len(high) if high else 1.0
        if score >= LEGACY_MAJORITY:
            return text
        if best is None or score > best[0]:
            best = (score, text)
    return None if best is None else best[1]


def _in_latin_words(data: bytes) -> bool:
    """Tell whether most non-ASCII bytes sit inside Latin words ("Hélène", "à", "Größe"): a
    French, Spanish, German … export re-saved as Windows-1252. Hebrew, Arabic and Cyrillic
    words in their code pages are runs of such bytes between spaces, never beside a Latin letter.
    """
    sample = data[:50_000]
    high = [i for i, byte in enumerate(sample) if byte >= 0x80]
    if not high:
        return False
    letters = frozenset(range(65, 91)) | frozenset(range(97, 123))
    beside = sum(
        1
        for i in high
        if (i > 0 and sample[i - 1] in letters)
        or (i + 1 < len(sample) and sample[i + 1] in letters)
    )
    return beside >= LATIN_MAJORITY * len(high)


#: The share of non-ASCII bytes beside a Latin letter that makes a file Windows-1252.
LATIN_MAJORITY = 0.5

#: The share of non-ASCII characters that must be a code page's own letters to settle on it.
LEGACY_MAJORITY = 0.8


_NON_ASCII = re.compile("[^\x00-\x7f]")


def _only_legacy_bytes(data: bytes) -> bool:
    """Tell whether no byte sequence in `data` is UTF-8 beyond ASCII (a one-byte code page)."""
    loose = data.decode("utf-8", errors="replace")
    return _UTF8_BEYOND_ASCII.search(loose) is None


_UTF8_BEYOND_ASCII = re.compile("[^\x00-\x7f\ufffd]")


def _parse_zip(
    data: bytes,
    suffix: str,
    hasher: PersonHasher,
    admin_names: list[str],
    timezone: str,
    limits: Limits,
    *,
    depth: int = 0,
) -> ParsedExport:
    """Open a WhatsApp .zip, a zipped Telegram export or an .xlsx, refusing zip bombs.

    A .zip holding only another .zip (an export zipped again, or downloaded from a cloud drive)
    is opened one level down, under the same limits.
    """
    archive = open_archive(data, limits)
    infos = archive.infolist()
    names = {info.filename for info in infos}
    if "xl/workbook.xml" in names or suffix == ".xlsx":
        return parse_facebook_xlsx(data, limits)
    chosen, sure = _pick_member(archive, infos, limits)
    pages = _html_pages(infos)
    if pages and not sure:
        texts = [decode_text(read_member(archive, info, limits)) for info in pages]
        return parse_telegram_html(texts, hasher=hasher, admin_names=admin_names, timezone=timezone)
    if chosen is None:
        inner_zips = [
            i for i in _real_files(infos) if i.filename.lower().endswith((".zip", ".xlsx"))
        ]
        if depth == 0 and len(inner_zips) == 1:
            inner = read_member(archive, inner_zips[0], limits)
            inner_suffix = PurePosixPath(inner_zips[0].filename).suffix.lower()
            return _parse_zip(
                inner, inner_suffix, hasher, admin_names, timezone, limits, depth=depth + 1
            )
        raise BadArchive(
            "The .zip holds no chat export: expected the chat's .txt file (WhatsApp), "
            "result.json or messages.html (Telegram), or a Facebook insights .csv or .xlsx "
            "inside it."
        )
    inner = read_member(archive, chosen, limits)
    if not inner.strip():
        raise EmptyExport("The chat file inside the .zip is empty.")
    member_suffix = PurePosixPath(chosen.filename).suffix.lower()
    text = decode_text(inner, legacy=member_suffix in (".csv", ".tsv"))
    if _blank(text):
        raise EmptyExport("The chat file inside the .zip is empty.")
    return _parse_text(text, member_suffix, hasher, admin_names, timezone)


def _real_files(infos: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """Members that are files, leaving out folders and macOS resource forks."""
    return [
        info
        for info in infos
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and "/__MACOSX/" not in info.filename
        and not PurePosixPath(info.filename).name.startswith("._")
    ]


def _html_pages(infos: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """The messages.html, messages2.html … pages of a Telegram HTML export, in order."""
    pages = [
        (order, info)
        for info in _real_files(infos)
        if (order := page_order(info.filename.lower())) is not None
    ]
    folders = {PurePosixPath(info.filename.replace("\\", "/")).parent for _, info in pages}
    if len(folders) > 1:
        raise SeveralExports(
            "This is a Telegram export of several chats. Export a single group or channel "
            "instead: open it in Telegram Desktop, then ⋮ → Export chat history."
        )
    return [info for _, info in sorted(pages, key=lambda pair: pair[0])]


def _pick_member(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: Limits
) -> tuple[zipfile.ZipInfo | None, bool]:
    """The export in an archive: the .txt whose first lines are a WhatsApp chat (iOS's
    _chat.txt, Android's 'WhatsApp Chat with …'.txt in any language), Telegram's result.json,
    else a Facebook insights .csv.

    A WhatsApp zip "with media" may hold shared .txt documents, some larger than the chat, so
    text members are told apart by their content, not their name or size.
    """
    candidates = [
        info
        for info in _real_files(infos)
        if info.filename.lower().endswith((".txt", "result.json", ".csv"))
    ]
    if not candidates:
        return None, False

    def rank(info: zipfile.ZipInfo) -> tuple[int, int]:
        name = PurePosixPath(info.filename).name.lower()
        preferred = name == "_chat.txt" or "whatsapp" in name or name == "result.json"
        return (0 if preferred else 2 if name.endswith(".csv") else 1, -info.file_size)

    ordered = sorted(candidates, key=rank)
    # A Telegram export's folder holds the files shared in the chat (files/…), a WhatsApp
    # chat among them perhaps: those are attachments, not the export.
    telegram = {
        _folder(info)
        for info in _real_files(infos)
        if PurePosixPath(info.filename).name.lower() == "result.json"
        or page_order(info.filename.lower()) is not None
    }
    texts = [
        info
        for info in ordered
        if info.filename.lower().endswith(".txt")
        and not any(root in _folder(info).parents for root in telegram)
    ]
    chats = [
        info for info in texts[:MAX_SNIFFED_MEMBERS] if _is_whatsapp_chat(archive, info, limits)
    ]
    if len(chats) > 1:
        chats = _the_export(archive, chats, limits)
    if len(chats) > 1:
        names = ", ".join(f"'{info.filename}'" for info in sorted(chats, key=_by_name)[:5])
        raise SeveralExports(
            f"This .zip holds {len(chats)} files that are each a WhatsApp chat ({names}), and "
            "none of them is a document shared in another. Kesher measures one group at a "
            "time: upload each group's export on its own page (the chat's .txt, or the .zip "
            "exactly as WhatsApp made it)."
        )
    if chats:
        return chats[0], True
    results = [
        info for info in ordered if PurePosixPath(info.filename).name.lower() == "result.json"
    ]
    if len(results) > 1:
        raise SeveralExports(
            f"This .zip holds {len(results)} Telegram exports (result.json files). Kesher "
            "measures one group or channel at a time: upload each export on its own page."
        )
    # Not a WhatsApp chat: result.json or a .csv is what it says; a .txt is only a guess.
    return ordered[0], not ordered[0].filename.lower().endswith(".txt")


#: At most this many .txt members of one archive are opened to find the chat.
MAX_SNIFFED_MEMBERS = 20

#: How WhatsApp names the chat file of an export: iPhone's `_chat.txt`; Android's "WhatsApp
#: Chat with X.txt" in the phone's language ("צ'אט WhatsApp עם X", "Chat de WhatsApp con X",
#: "WhatsApp-Chat mit X", "Discussion WhatsApp avec X", "Чат WhatsApp с X" …) names WhatsApp,
#: in Latin letters or in Arabic or Hebrew script.
_EXPORT_NAME = re.compile(r"^_chat\.txt$|whats ?app|واتس ?اب|ווטסאפ|וואטסאפ", re.IGNORECASE)
#: iPhone names the media and documents of an export "00000012-notes.txt".
_IPHONE_ATTACHMENT = re.compile(r"^\d{8}-")


def _folder(info: zipfile.ZipInfo) -> PurePosixPath:
    return PurePosixPath(info.filename.replace("\\", "/")).parent


def _by_name(info: zipfile.ZipInfo) -> str:
    return info.filename


def _the_export(
    archive: zipfile.ZipFile, chats: list[zipfile.ZipInfo], limits: Limits
) -> list[zipfile.ZipInfo]:
    """Narrow several members that read as WhatsApp chats down to the export's own chat file.

    An export "with media" holds every document shared in the chat, and one may be another
    exported chat (or notes with chat-shaped lines). Such a member is left out when another
    chat names it as an attachment ("notes.txt (file attached)", "<attached: 00000012-notes.txt>"
    in any language: the file's name is what they share), when its name is an iPhone
    attachment's ("00000012-…"), or when exactly one of the rest is named as WhatsApp names an
    export. Two members that are both genuinely exports are all returned (the caller refuses).
    """
    names = {info.filename: PurePosixPath(info.filename.replace("\\", "/")).name for info in chats}
    bodies = {
        info.filename: clean_text(_decode_loosely(read_member(archive, info, limits)))
        for info in chats
    }
    attached = {
        info.filename
        for info in chats
        if any(
            names[info.filename] in body for other, body in bodies.items() if other != info.filename
        )
    }
    left = [info for info in chats if info.filename not in attached] or chats
    if len(left) > 1:
        left = [info for info in left if not _IPHONE_ATTACHMENT.match(names[info.filename])] or left
    if len(left) > 1:
        named = [info for info in left if _EXPORT_NAME.search(names[info.filename])]
        if len(named) == 1:
            left = named
    return left


def _decode_loosely(data: bytes) -> str:
    try:
        return decode_text(data)
    except ExportError:
        return _decode_head_loosely(data)


def _is_whatsapp_chat(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> bool:
    """Tell whether an archive member starts like a WhatsApp chat (reads its head only)."""
    if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
        return False
    try:
        with archive.open(info) as stream:
            head = stream.read(SNIFF_CHARS)
    except (
        RuntimeError,
        NotImplementedError,
        zipfile.BadZipFile,
        OSError,
        EOFError,
        ValueError,
        zlib.error,
    ):
        return False
    try:
        text = decode_text(head)
    except ExportError:  # the head may end inside a character
        text = _decode_head_loosely(head)
    return sniff_layout(clean_text(text)) is not None


def _decode_head_loosely(head: bytes) -> str:
    """The first bytes of a member as text, whatever character they end inside."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="ignore")
    if b"\x00" in head[:4096]:
        even_zero = head[0:4096:2].count(0)
        odd_zero = head[1:4096:2].count(0)
        return head.decode("utf-16-le" if odd_zero > even_zero else "utf-16-be", errors="ignore")
    return head.decode("utf-8", errors="ignore")
