"""Open zip archives (chat exports, .xlsx workbooks) without letting one expand without bound."""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

from pricing.health.errors import BadArchive, ZipBomb

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """How much an upload may weigh, and how far an archive may expand."""

    max_bytes: int = 128 * MIB  # the uploaded file itself
    max_uncompressed: int = 256 * MIB  # everything an archive would expand to
    max_ratio: float = 100.0  # expanded size / compressed size, per archive member
    max_entries: int = 10_000  # members of an archive (a WhatsApp zip holds its media too)


DEFAULT_LIMITS = Limits()


def open_archive(data: bytes, limits: Limits = DEFAULT_LIMITS) -> zipfile.ZipFile:
    """Open a zip held in memory and check what it declares, before anything is expanded."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        raise BadArchive("The archive is damaged and cannot be opened. Upload it again.") from None
    check_archive(infos, limits)
    return archive


def check_archive(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse an archive that declares too many members, too much data or a bomb's ratio."""
    if len(infos) > limits.max_entries:
        raise ZipBomb(
            f"The archive holds {len(infos)} files; at most {limits.max_entries} are read."
        )
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed:
        raise ZipBomb(
            f"The archive would expand to {total / MIB:.0f} MB, more than the "
            f"{limits.max_uncompressed / MIB:.0f} MB Kesher unpacks."
        )
    for info in infos:
        if info.file_size == 0:
            continue
        ratio = info.file_size / info.compress_size if info.compress_size else float("inf")
        if ratio > limits.max_ratio:
            raise ZipBomb(
                f"'{info.filename[-60:]}' in the archive expands {ratio:.0f} times its size; "
                f"real exports expand less than {limits.max_ratio:.0f} times. It was not opened."
            )


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> bytes:
    """Read one member, stopping at the cap even if the archive lied about its size."""
    cap = min(limits.max_uncompressed, int(max(info.compress_size, 1) * limits.max_ratio))
    try:
        with archive.open(info) as stream:
            content = stream.read(cap + 1)
    except (RuntimeError, NotImplementedError):
        raise BadArchive("The archive is encrypted or uses an unsupported compression.") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error):
        # ValueError: a member's offset points outside the file; zlib.error: corrupt data.
        raise BadArchive("The archive is damaged and cannot be read. Upload it again.") from None
    if len(content) > cap:
        raise ZipBomb(
            f"'{info.filename[-60:]}' expands beyond what its archive declares; it was not opened."
        )
    return content
