"""Read and write the spreadsheets people upload and download: CSV and XLSX, Hebrew-safe.

Every spreadsheet that crosses the web edge goes through here, so each gets the same care:

- `read_table(data, filename)` decodes a CSV (UTF-8 with or without BOM, UTF-16 with its BOM,
  Windows-1255) or opens an XLSX — after checking the workbook's zip against the health
  upload's archive limits, before openpyxl expands anything — and gives a `Sheet`: the header
  and the non-blank rows, each with the row number a person sees in Excel. Cells and headers
  over their caps are refused with the row and column.
- `write_csv` / `write_xlsx` write a header and rows, neutralising cells that a spreadsheet
  would run as formulas (`escape_cell`; `unescape_cell` undoes it when Kesher reads its own
  export back).
- `shorten` bounds any piece of the input quoted back in a message.

Problems are raised as `SpreadsheetError`, a clear English sentence with the row and column
when there is one; callers map it to their own problem type.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from marketplace.bidi import without_overrides
from pricing.health.archive import Limits, open_archive
from pricing.health.errors import BadArchive, ZipBomb

#: Excel's own limit on a cell; nothing longer comes from a real spreadsheet.
MAX_CELL_CHARS = 32_767
#: A column title longer than this is not a title.
MAX_HEADER_CHARS = 200
#: How much of a value a message quotes back.
ECHO_CHARS = 80
#: The health upload's archive limits, for the zip inside every .xlsx.
XLSX_LIMITS = Limits()

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
#: Control characters an XLSX cannot hold at all (openpyxl refuses them).
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class SpreadsheetError(ValueError):
    """The file cannot be read as a table; `row` and `column` say where, when known."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column


@dataclass
class Sheet:
    """A table as read: the header's cells, and every non-blank row with its row number."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


def shorten(value: object, limit: int = ECHO_CHARS) -> str:
    """`value` as text of at most `limit` characters, with an ellipsis when it was cut."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def column_letter(position: int) -> str:
    """Excel's name of the column at 1-based `position`: A … Z, AA …"""
    letters = ""
    while position > 0:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# --- reading -------------------------------------------------------------------------------


def is_xlsx(data: bytes, filename: str) -> bool:
    """Tell whether the upload is a workbook (by its name, or by its zip signature)."""
    return filename.lower().endswith(".xlsx") or data.startswith(b"PK\x03\x04")


def read_table(
    data: bytes,
    filename: str,
    *,
    limits: Limits = XLSX_LIMITS,
    max_cell_chars: int = MAX_CELL_CHARS,
    max_header_chars: int = MAX_HEADER_CHARS,
) -> Sheet:
    """Read a CSV or the first sheet of an XLSX into its header and numbered non-blank rows."""
    if is_xlsx(data, filename):
        records = read_xlsx_records(data, limits=limits)
    else:
        records = read_csv_records(decode(data))
    while records and not any(cell.strip() for cell in records[-1]):
        records.pop()
    if not records:
        raise SpreadsheetError("The file is empty.")
    header = [cell.strip() for cell in records[0]]
    for position, title in enumerate(header):
        if len(title) > max_header_chars:
            raise SpreadsheetError(
                f"The column title is {len(title)} characters long; a title has at most "
                f"{max_header_chars}.",
                row=1,
                column=column_letter(position + 1),
            )
    rows: list[tuple[int, list[str]]] = []
    for number, record in enumerate(records[1:], start=2):
        if record and max(map(len, record)) > max_cell_chars:  # one C-level pass per row
            position = next(i for i, cell in enumerate(record) if len(cell) > max_cell_chars)
            title = header[position] if position < len(header) else ""
            raise SpreadsheetError(
                f"The cell holds {len(record[position])} characters; a cell holds at most "
                f"{max_cell_chars}.",
                row=number,
                column=shorten(title) or column_letter(position + 1),
            )
        if any(cell.strip() for cell in record):
            rows.append((number, record))
    return Sheet(header, rows)


def decode(data: bytes) -> str:
    """Decode text as Excel and friends write it: UTF-8 (with or without BOM), UTF-16, cp1255.

    Windows-1255 is tried only when strict UTF-8 fails; Hebrew in one never decodes as the
    other, so the guess is deterministic.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16")
    if b"\x00" in data[:4096]:
        raise SpreadsheetError(
            "The file contains NUL bytes: it is binary, or UTF-16 without its byte-order mark. "
            "Save it as CSV UTF-8 or as an Excel workbook."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1255")
    except UnicodeDecodeError as error:
        raise SpreadsheetError(
            f"The file is neither UTF-8 nor Windows-1255 (Hebrew) text: byte {error.start + 1} "
            "cannot be read. Save it as CSV UTF-8."
        ) from error


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise SpreadsheetError(
            f"The file says it is {encoding.upper()} but byte {error.start + 1} is not."
        ) from error


def read_csv_records(text: str) -> list[list[str]]:
    """Split CSV text into records; the delimiter (comma, semicolon, tab) is the first line's."""
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return list(reader)
    except csv.Error as error:
        raise SpreadsheetError(
            f"The CSV is malformed near line {reader.line_num}: {shorten(error)}. Check for an "
            "unclosed quotation mark."
        ) from error


def check_xlsx(data: bytes, limits: Limits = XLSX_LIMITS) -> None:
    """Refuse a workbook whose zip is damaged or would expand past the archive limits."""
    try:
        open_archive(data, limits).close()
    except ZipBomb as error:
        raise SpreadsheetError(
            f"The workbook is refused: {error.message} Save it again from Excel, or export it "
            "as CSV UTF-8."
        ) from None
    except BadArchive:
        raise SpreadsheetError(_NOT_A_WORKBOOK) from None


_NOT_A_WORKBOOK = (
    "The file is not a readable Excel workbook (.xlsx). Save it again from Excel, or export it "
    "as CSV UTF-8."
)


def read_xlsx_records(data: bytes, *, limits: Limits = XLSX_LIMITS) -> list[list[str]]:
    """The first sheet's cells as text, once the workbook's zip has passed `check_xlsx`."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_xlsx(data, limits)
    try:
        with warnings.catch_warnings():
            # Workbooks from other tools make openpyxl warn about styles it ignores anyway.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as error:
        raise SpreadsheetError(_NOT_A_WORKBOOK) from error
    try:
        sheet = workbook.worksheets[0]
        return [
            ["" if cell is None else cell_text(cell) for cell in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    finally:
        workbook.close()


def cell_text(value: Any) -> str:
    """A workbook cell as the text a person sees: whole floats without ".0", ISO dates."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


# --- writing -------------------------------------------------------------------------------


def escape_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula (CWE-1236), and drop the
    bidi overrides that would show a cell's text in another order than it is stored."""
    if not isinstance(value, str):
        return value
    value = without_overrides(value)
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """Undo `escape_cell` on a value read back from one of Kesher's own files."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV in UTF-8 with a BOM (so Excel reads Hebrew), CRLF, formula-like cells escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_cell(title) for title in header])
    for row in rows:
        writer.writerow([escape_cell("" if value is None else value) for value in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str) -> bytes:
    """A one-sheet workbook named `title`, formula-like cells escaped.

    Control characters, which an XLSX cannot hold, are dropped rather than failing the file.
    """
    from openpyxl import Workbook

    def cell(value: Any) -> Any:
        value = escape_cell(value)
        return XLSX_ILLEGAL.sub("", value) if isinstance(value, str) else value

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append([cell(title) for title in header])
    for row in rows:
        sheet.append([cell(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
