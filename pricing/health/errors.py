"""Why an uploaded export was refused: one error per problem, each with a stable code."""

from __future__ import annotations

from typing import ClassVar

#: What Kesher reads, quoted in every "not an export" message so the owner knows what to upload.
EXPECTED_FILES = (
    "a WhatsApp 'Export chat' file (.txt, or the .zip it comes in), "
    "a Telegram Desktop 'Export chat history' (result.json, or messages.html in HTML), "
    "or a Facebook group insights export (.csv or .xlsx)"
)


class ExportError(ValueError):
    """An uploaded file cannot be turned into evidence; nothing from it is kept.

    `code` is stable (the web layer maps it to a translated message); `str(error)` is a clear
    English sentence saying what was expected. `line` (text exports) or `row` (spreadsheets)
    points at the offending place when there is one.
    """

    code: ClassVar[str] = "export_invalid"

    def __init__(self, message: str, *, line: int | None = None, row: int | None = None) -> None:
        where = f"line {line}: " if line is not None else f"row {row}: " if row is not None else ""
        super().__init__(f"{where}{message}" if where else message)
        self.message = message
        self.line = line
        self.row = row

    def to_dict(self) -> dict[str, object]:
        """Describe the error for a JSON answer."""
        return {"code": self.code, "message": str(self), "line": self.line, "row": self.row}


class NotAnExport(ExportError):
    """The file is not any export Kesher reads (random text, an image, a stray JSON …)."""

    code = "not_an_export"


class UnknownLayout(ExportError):
    """The file looks like a chat log or an export, but in a layout Kesher does not read."""

    code = "unknown_layout"


class SeveralExports(UnknownLayout):
    """An archive holding the exports of several chats (two WhatsApp chats zipped together, a
    Telegram export of several chats): one chat is measured at a time. Its code stays
    `unknown_layout` for callers matching on it; `refusal` names it for the owner's message."""

    refusal: ClassVar[str] = "several_exports"


class UnknownLanguage(ExportError):
    """A WhatsApp export whose system lines are in a language Kesher does not read yet."""

    code = "unknown_language"


class NotACommunity(ExportError):
    """A personal or bot chat: there is no community to measure."""

    code = "not_a_community"


class EmptyExport(ExportError):
    """The file is empty, or the chat holds no messages at all."""

    code = "empty_export"


class TruncatedFile(ExportError):
    """The file ends in the middle (an interrupted download or copy)."""

    code = "truncated_file"


class WrongColumns(ExportError):
    """A spreadsheet without the columns of a Facebook group insights export."""

    code = "wrong_columns"


class BadValue(ExportError):
    """A date, time or number inside the export cannot be read."""

    code = "bad_value"


class FileTooLarge(ExportError):
    """The upload is over the size cap."""

    code = "file_too_large"


class ZipBomb(ExportError):
    """An archive that would expand far beyond its size or past the cap."""

    code = "zip_bomb"


class BadArchive(ExportError):
    """A zip that cannot be read, or holds no chat export."""

    code = "bad_archive"
