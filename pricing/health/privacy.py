"""What Kesher keeps from an export, shown to the owner before they confirm the upload."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pricing.health.events import COLUMN_MEANINGS, DAILY_COLUMNS, EVENT_COLUMNS, ParsedExport

#: What is read from the file but never kept, in the owner's words.
NEVER_KEPT = (
    "message text, captions and file names",
    "names and phone numbers (each person is a salted hash)",
    "the chat's or group's name",
    "photos, videos, voice notes and other media",
    "links, polls and locations",
)
#: Rows shown as a sample of exactly what is stored.
SAMPLE_ROWS = 5


def what_is_kept(parsed: ParsedExport) -> dict[str, Any]:
    """Describe exactly the columns, row counts and a sample of the rows that would be stored."""
    if parsed.daily is not None:
        table, columns = parsed.daily, DAILY_COLUMNS
    else:
        table, columns = parsed.events, EVENT_COLUMNS
    assert tuple(table.columns) == columns, "a parser produced an unexpected column"
    span = parsed.span()
    counts = parsed.events["kind"].value_counts(sort=False)
    return {
        "source": parsed.source.value,
        "platform": parsed.platform.value,
        "table": "daily" if parsed.daily is not None else "events",
        "rows": len(table),
        "columns": [{"name": name, "meaning": COLUMN_MEANINGS[name]} for name in columns],
        "counts": {str(kind): int(n) for kind, n in counts.items() if n},
        "people": int(parsed.events["author"].nunique()),
        "admins": len(parsed.admins),
        "first": None if span is None else span[0].isoformat(),
        "last": None if span is None else span[1].isoformat(),
        "sample": [_row(record) for record in table.head(SAMPLE_ROWS).to_dict("records")],
        "never_kept": list(NEVER_KEPT),
    }


def _row(record: dict[Any, Any]) -> dict[str, Any]:
    """One stored row, as plain JSON values."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, pd.Timestamp):
            out[str(key)] = value.isoformat()
        elif value is None or value is pd.NA or (isinstance(value, float) and value != value):
            out[str(key)] = None
        elif hasattr(value, "item"):
            out[str(key)] = value.item()
        else:
            out[str(key)] = value
    return out
