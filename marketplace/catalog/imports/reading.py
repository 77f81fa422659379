"""Reading a catalog file (CSV, XLSX or JSON, Hebrew or English headers) into canonical rows.

Spreadsheets are read by `marketplace.spreadsheet`; this maps their headers to the columns
Kesher reads (`catalog.columns`) and flattens the JSON form into the same rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from marketplace import spreadsheet
from marketplace.catalog.columns import (
    COLUMNS,
    COMMUNITY_COLUMNS,
    FORMAT_NAME,
    HEADER_INDEX,
    REQUIRED,
    fold,
)
from marketplace.catalog.imports.problems import (
    MAX_IMPORT_BYTES,
    ImportProblem,
    ImportProblems,
    ImportRefused,
)
from marketplace.spreadsheet import shorten
from pricing import safe_json

# --- reading the file ----------------------------------------------------------------------

Row = dict[str, str]


@dataclass
class Table:
    """The file as rows of canonical columns, with the row number each came from."""

    headers: list[str]
    rows: list[tuple[int, Row]]
    labels: dict[str, str]


def read_table(data: bytes, filename: str) -> Table:
    """Parse CSV, XLSX or JSON into rows of canonical columns, refusing what is not a catalog."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; imports are limited to "
            f"{MAX_IMPORT_BYTES // 1024 // 1024} MB. Split it into several files."
        )
    if not data.strip():
        raise ImportRefused("The file is empty.")
    try:
        if not spreadsheet.is_xlsx(data, filename) and (
            filename.lower().endswith(".json") or data.lstrip()[:1] in (b"{", b"[")
        ):
            return _read_json(spreadsheet.decode(data))
        sheet = spreadsheet.read_table(data, filename)
    except spreadsheet.SpreadsheetError as error:
        if error.row is None:
            raise ImportRefused(error.message) from error
        raise ImportProblems([ImportProblem(error.row, error.column, error.message)]) from error
    return _table(sheet)


def _table(sheet: spreadsheet.Sheet) -> Table:
    headers, labels, problems = _map_headers(sheet.header)
    if problems:
        raise ImportProblems(problems)
    rows = []
    for number, record in sheet.rows:
        if len(record) > len(headers) and any(c.strip() for c in record[len(headers) :]):
            raise ImportProblems(
                [ImportProblem(number, None, f"has {len(record)} cells but the header has "
                                              f"{len(headers)}.")]
            )  # fmt: skip
        rows.append(
            (number, {h: (record[i] if i < len(record) else "") for i, h in enumerate(headers)})
        )
    if not rows:
        raise ImportRefused("The file has a header but no rows.")
    return Table(headers, rows, labels)


def _map_headers(raw: list[str]) -> tuple[list[str], dict[str, str], list[ImportProblem]]:
    headers, labels, problems = [], {}, []
    seen: dict[str, str] = {}
    for name in raw:
        canonical = HEADER_INDEX.get(fold(name))
        if canonical is None:
            problems.append(
                ImportProblem(
                    1,
                    shorten(name) or "(empty)",
                    "Unknown column. See docs/catalog-import.md for the columns Kesher reads.",
                )
            )
            canonical = f"?{name}"
        elif canonical in seen:
            problems.append(
                ImportProblem(
                    1,
                    shorten(name),
                    f"Duplicate column: it means the same as “{shorten(seen[canonical])}”.",
                )
            )
        seen[canonical] = name
        labels[canonical] = name
        headers.append(canonical)
    for column in REQUIRED:
        if column not in seen:
            problems.append(ImportProblem(1, COLUMNS[column][0], "Required column is missing."))
    if "name_he" not in seen and "name_en" not in seen:
        problems.append(
            ImportProblem(1, "name_he", "A name column (name_he or name_en) is missing.")
        )
    return headers, labels, problems


def _read_json(text: str) -> Table:
    try:
        document = safe_json.loads(text)
    except safe_json.JSONRefused as error:  # too deep, a huge number, a lone surrogate
        raise ImportRefused(error.message) from error
    except json.JSONDecodeError as error:
        raise ImportRefused(
            f"The JSON is not valid (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from error
    if isinstance(document, dict) and document.get("format") not in (None, FORMAT_NAME):
        raise ImportRefused(
            f"This JSON is not a Kesher catalog (format “{shorten(document.get('format'))}”)."
        )
    communities = document.get("communities") if isinstance(document, dict) else document
    if not isinstance(communities, list):
        raise ImportRefused('The JSON must hold {"communities": [...]}, as in docs/examples/.')
    rows: list[tuple[int, Row]] = []
    labels = {c: c for c in COLUMNS}
    problems: list[ImportProblem] = []
    number = 0
    for i, entry in enumerate(communities):
        where = f"communities[{i}]"
        if not isinstance(entry, dict):
            problems.append(ImportProblem(None, where, "Each community must be an object."))
            continue
        assets = entry.get("assets")
        if not isinstance(assets, list) or not assets:
            problems.append(
                ImportProblem(None, f"{where}.assets", "A community needs a list of assets.")
            )
            continue
        unknown = set(entry) - set(COMMUNITY_COLUMNS) - {"community_key", "assets"}
        for key in sorted(unknown):
            problems.append(ImportProblem(None, f"{where}.{shorten(key)}", "Unknown field."))
        base = {k: _json_cell(v) for k, v in entry.items() if k != "assets"}
        for j, asset in enumerate(assets):
            number += 1
            if not isinstance(asset, dict):
                problems.append(
                    ImportProblem(None, f"{where}.assets[{j}]", "Each asset must be an object.")
                )
                continue
            row = dict(base)
            for key, value in asset.items():
                if key == "rates" and isinstance(value, dict):
                    row.update({f"rate_{k}": _json_cell(v) for k, v in value.items()})
                elif key == "metrics" and isinstance(value, dict):
                    row.update({k: _json_cell(v) for k, v in value.items()})
                else:
                    row[key] = _json_cell(value)
            for key in sorted(set(row) - set(COLUMNS)):
                problems.append(
                    ImportProblem(None, f"{where}.assets[{j}].{shorten(key)}", "Unknown field.")
                )
            rows.append((number, {k: v for k, v in row.items() if k in COLUMNS}))
    if problems:
        raise ImportProblems(problems)
    if not rows:
        raise ImportRefused("The JSON holds no communities.")
    return Table(list(COLUMNS), rows, labels)


def _json_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
