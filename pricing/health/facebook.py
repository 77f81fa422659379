"""Facebook group insights exports (CSV or XLSX, one row per day) to the daily table.

Facebook gives group admins daily figures, not messages, so this parser fills `daily` and leaves
the events table empty. Columns are matched by name (English or Hebrew, case and punctuation
ignored); a title or description row above or below the header is tolerated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pricing.health.archive import DEFAULT_LIMITS, Limits, open_archive
from pricing.health.errors import BadValue, EmptyExport, NotAnExport, WrongColumns
from pricing.health.events import (
    DAILY_COLUMNS,
    AdminSource,
    ExportFormat,
    ParsedExport,
    empty_events,
)
from pricing.taxonomy import Platform

#: Header names accepted for each daily column, compared after `_header_key`.
ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "day", "תאריך", "יום"),
    "members": ("total members", "members", "member count", "סך הכל חברים", "סהכ חברים", "חברים"),
    "joins": ("new members", "members joined", "joins", "joined", "חברים חדשים", "הצטרפו"),
    "leaves": ("members left", "left", "leaves", "חברים שעזבו", "עזבו"),
    "posts": ("posts", "פוסטים"),
    "comments": ("comments", "תגובות"),
    "reactions": ("reactions", "likes", "תגובות רגשיות", "ריאקציות", "לייקים"),
    "active_members": ("active members", "daily active members", "חברים פעילים"),
}
_METRICS = DAILY_COLUMNS[1:]
#: The header must be within this many rows of the top.
HEADER_SEARCH_ROWS = 10
_EXPECTED = (
    "Expected a Facebook group insights export: a 'Date' column and daily figures such as "
    "'Total members', 'New members', 'Members left', 'Posts', 'Comments', 'Reactions' and "
    "'Active members'"
)


def _header_key(value: Any) -> str:
    """Lower-case a header cell and drop punctuation, so 'Total Members:' matches."""
    text = re.sub(r"[\"'״׳:()\[\]_*#.]", "", str(value or "")).casefold()
    return " ".join(text.replace("-", " ").split())


_LOOKUP = {alias: column for column, names in ALIASES.items() for alias in names}


def parse_facebook_csv(text: str) -> ParsedExport:
    """Parse a Facebook group insights CSV already decoded to text."""
    # Excel for Mac saves "CSV (Macintosh)" with bare carriage returns between rows.
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    first = lines.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(lines), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as error:
        raise NotAnExport(
            f"The CSV file cannot be read ({error}). Upload the insights export exactly as "
            "Facebook made it.",
            line=reader.line_num,
        ) from None
    return _parse_rows(rows, ExportFormat.FACEBOOK_CSV)


def parse_facebook_xlsx(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ParsedExport:
    """Parse a Facebook group insights workbook (the first sheet with the right header).

    The workbook is a zip: its declared sizes are checked before openpyxl expands anything.
    """
    from openpyxl import load_workbook

    open_archive(data, limits).close()
    try:
        with warnings.catch_warnings():
            # Workbooks from other tools make openpyxl warn about styles it ignores anyway.
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many types for a bad file
        raise NotAnExport(
            f"This .xlsx file cannot be opened as a spreadsheet ({type(error).__name__})."
        ) from None
    try:
        problem: WrongColumns | None = None
        for sheet in book.worksheets:
            try:
                rows = [list(row) for row in sheet.iter_rows(values_only=True)]
            except Exception as error:  # noqa: BLE001 - sheets are read lazily, damage shows here
                raise NotAnExport(
                    f"This .xlsx file is damaged: its sheet '{sheet.title[:40]}' cannot be read "
                    f"({type(error).__name__}). Export it again from Facebook."
                ) from None
            try:
                return _parse_rows(rows, ExportFormat.FACEBOOK_XLSX)
            except WrongColumns as error:
                problem = problem or error
        raise problem or WrongColumns(f"{_EXPECTED}; the workbook has no sheets.")
    finally:
        book.close()


def header_columns(row: Sequence[Any]) -> dict[str, int]:
    """Map daily columns to their position in a header row (only those recognised)."""
    found: dict[str, int] = {}
    for position, cell in enumerate(row):
        column = _LOOKUP.get(_header_key(cell))
        if column and column not in found:
            found[column] = position
    return found


def looks_like_insights_header(line: str) -> bool:
    """Tell whether a CSV line is a Facebook insights header (date plus two figures)."""
    delimiter = max((",", ";", "\t"), key=line.count)
    found = header_columns(next(csv.reader([line], delimiter=delimiter), []))
    return "date" in found and len(found) >= 3


def _parse_rows(rows: list[list[Any]], source: ExportFormat) -> ParsedExport:
    """Find the header, read one row per day, and build the daily table."""
    header_at, columns = -1, {}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = header_columns(row)
        if "date" in found and len(found) >= 3:
            header_at, columns = index, found
            break
    if header_at < 0:
        seen = [str(c).strip() for c in (rows[0] if rows else []) if str(c or "").strip()][:12]
        listed = ", ".join(f"'{c[:30]}'" for c in seen) or "none"
        raise WrongColumns(f"{_EXPECTED}; the first row has these columns: {listed}.", row=1)
    days: list[dt.date | str] = []
    values: dict[str, list[int | None]] = {c: [] for c in _METRICS}
    row_numbers: list[int] = []
    skipped = 0
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        cells = {c: (row[p] if p < len(row) else None) for c, p in columns.items()}
        if cells["date"] is None or str(cells["date"]).strip() == "":
            continue
        figures = {c: _number(cells.get(c)) for c in _METRICS if c in columns}
        if all(v is _NOT_A_NUMBER or v is None for v in figures.values()):
            skipped += 1  # a description or totals row under the header
            continue
        for column, figure in figures.items():
            if figure is _NOT_A_NUMBER:
                raise BadValue(
                    f"'{str(cells[column])[:30]}' in column {column} is not a number.", row=number
                )
        days.append(
            cells["date"] if isinstance(cells["date"], dt.date) else str(cells["date"]).strip()
        )
        for column in _METRICS:
            figure = figures.get(column)
            values[column].append(figure if isinstance(figure, int) else None)
        row_numbers.append(number)
    if not days:
        raise EmptyExport("The insights export has a header but no daily rows.")
    dates = _dates(days, row_numbers)
    daily = pd.DataFrame(
        {"date": dates, **{c: pd.array(values[c], dtype="Int64") for c in _METRICS}}
    )
    notes = []
    if daily["date"].duplicated().any():
        notes.append("Some days appear twice; the last row of each day was kept.")
        daily = daily.drop_duplicates("date", keep="last")
    if skipped:
        notes.append(f"{skipped} row(s) without figures were skipped.")
    missing = [c for c in _METRICS if c not in columns]
    if missing:
        notes.append("Columns not in the export: " + ", ".join(missing) + ".")
    daily = daily.sort_values("date").reset_index(drop=True)
    return ParsedExport(
        source=source,
        platform=Platform.FACEBOOK_GROUP,
        events=empty_events(),
        admin_source=AdminSource.NONE,
        daily=daily,
        lines_read=len(rows),
        notes=tuple(notes),
        layout={"columns": ",".join(c for c in DAILY_COLUMNS if c in columns)},
    )


class _NotANumber:
    """Marks a cell that holds text where a figure was expected."""


_NOT_A_NUMBER = _NotANumber()


def _number(cell: Any) -> int | None | _NotANumber:
    """Read a figure: 1234, 1234.0, "1,234", "1 234"; None when blank."""
    if cell is None or isinstance(cell, bool):
        return None
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float):
        return None if np.isnan(cell) else round(cell)
    raw = str(cell).strip()
    if _DOT_THOUSANDS.match(raw):  # "1.204" from a European Excel is 1,204 people, not one
        raw = raw.replace(".", "")
    text = re.sub(r"[,\s\u00a0\u202f']", "", raw)
    if text in ("", "-", "—"):
        return None
    try:
        return round(float(text))
    except ValueError:
        return _NOT_A_NUMBER


#: A whole number grouped with dots ("1.204", "12.345.678"): the figures are counts of people
#: and posts, never fractions, so three digits after each dot are a thousands separator.
_DOT_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
#: Dates spelled with an English month name ("March 1, 2024", "1 Mar 2024").
_NAMED_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y")

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_LOCAL = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?: .*)?$")


def _dates(days: list[dt.date | str], rows: list[int]) -> pd.Series:
    """Read the date column, deciding day/month order once for the whole column."""
    parts: list[tuple[int, int, int] | dt.date] = []
    for value, row in zip(days, rows, strict=True):
        if isinstance(value, dt.date):
            parts.append(value if not isinstance(value, dt.datetime) else value.date())
            continue
        iso = _ISO.match(value)
        local = _LOCAL.match(value)
        if iso:
            parts.append(_checked(int(iso[1]), int(iso[2]), int(iso[3]), value, row))
        elif local:
            year = int(local[3]) + (2000 if len(local[3]) == 2 else 0)
            parts.append((int(local[1]), int(local[2]), year))
        elif (named := _named_date(value)) is not None:
            parts.append(named)
        else:
            raise BadValue(f"'{value[:30]}' is not a date.", row=row)
    pairs = [p for p in parts if isinstance(p, tuple)]
    month_first = (
        bool(pairs)
        and not any(p[0] > 12 for p in pairs)
        and (any(p[1] > 12 for p in pairs) or "." not in str(days[0]))
    )
    out: list[dt.date] = []
    for part, raw, row in zip(parts, days, rows, strict=True):
        if isinstance(part, dt.date):
            out.append(part)
        else:
            first, second, year = part
            month, day = (first, second) if month_first else (second, first)
            out.append(_checked(year, month, day, str(raw), row))
    return pd.Series(pd.to_datetime(out).tz_localize("UTC").as_unit("ns"))


def _named_date(value: str) -> dt.date | None:
    """A date spelled with an English month name, or None."""
    text = " ".join(value.replace(".", "").split())
    for pattern in _NAMED_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _checked(year: int, month: int, day: int, raw: str, row: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise BadValue(f"'{raw[:30]}' is not a valid date.", row=row) from None
