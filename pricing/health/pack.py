"""Keeping the anonymised rows of an upload between its two steps (preview, then confirm).

A parsed export (hashes, times, kinds, counts; there is no text) is serialised compactly to
bytes and rebuilt with the engine's own column types. Split from `marketplace.health.services`,
which stores the bytes for an hour at most.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import numpy as np
import pandas as pd

from pricing.health.events import (
    DAILY_COLUMNS,
    AdminSource,
    ExportFormat,
    ParsedExport,
    events_frame,
)
from pricing.taxonomy import Platform

PACK_VERSION = 1


def _nullable(values: pd.Series) -> list[int | None]:
    floats = values.to_numpy(dtype="float64", na_value=np.nan).tolist()
    return [None if v != v else int(v) for v in floats]


def _nanoseconds(stamps: pd.Series) -> list[int]:
    nanoseconds: list[int] = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64).tolist()
    return nanoseconds


def pack_export(parsed: ParsedExport) -> bytes:
    """Serialise a parsed export (hashes, times, kinds, counts; there is no text) compactly."""
    events = parsed.events
    codes, people = pd.factorize(events["author"])
    body: dict[str, Any] = {
        "version": PACK_VERSION,
        "source": parsed.source.value,
        "platform": parsed.platform.value,
        "admins": sorted(parsed.admins),
        "admin_source": parsed.admin_source.value,
        "timezone": parsed.timezone,
        "lines_read": parsed.lines_read,
        "notes": list(parsed.notes),
        "layout": dict(parsed.layout),
        "events": {
            "msg_id": events["msg_id"].astype(np.int64).tolist(),
            "people": [str(p) for p in people],
            "author": codes.astype(np.int64).tolist(),
            "ts": _nanoseconds(events["ts"]),
            "kind": events["kind"].astype(str).tolist(),
            "reply_to": _nullable(events["reply_to"]),
            "reactions": events["reactions"].astype(np.int64).tolist(),
            "views": _nullable(events["views"]),
            "forwarded": events["forwarded"].astype(np.int8).tolist(),
        },
        "daily": None,
    }
    if parsed.daily is not None:
        daily = parsed.daily
        body["daily"] = {"date": _nanoseconds(daily["date"])} | {
            column: _nullable(daily[column]) for column in DAILY_COLUMNS[1:]
        }
    return zlib.compress(json.dumps(body, separators=(",", ":")).encode("utf-8"), 6)


def unpack_export(blob: bytes) -> ParsedExport:
    """Rebuild the parsed export `pack_export` kept, with the engine's own column types."""
    body = json.loads(zlib.decompress(blob))
    if body.get("version") != PACK_VERSION:
        raise ValueError("unknown version of stored health rows")
    rows = body["events"]
    people = np.array([*rows["people"], None], dtype=object)  # code -1 (no person) → None
    events = events_frame(
        author=people[np.asarray(rows["author"], dtype=np.int64)],
        ts=pd.DatetimeIndex(pd.to_datetime(np.asarray(rows["ts"], dtype=np.int64), utc=True)),
        kind=np.asarray(rows["kind"], dtype=object),
        msg_id=np.asarray(rows["msg_id"], dtype=np.int64),
        reply_to=rows["reply_to"],
        reactions=np.asarray(rows["reactions"], dtype=np.int64),
        views=rows["views"],
        forwarded=np.asarray(rows["forwarded"], dtype=bool),
    )
    daily = None
    if body["daily"] is not None:
        stored = body["daily"]
        dates = pd.to_datetime(np.asarray(stored["date"], dtype=np.int64), utc=True)
        daily = pd.DataFrame(
            {"date": pd.Series(dates.as_unit("ns"))}
            | {column: pd.array(stored[column], dtype="Int64") for column in DAILY_COLUMNS[1:]}
        )
    return ParsedExport(
        source=ExportFormat(body["source"]),
        platform=Platform(body["platform"]),
        events=events,
        admins=frozenset(body["admins"]),
        admin_source=AdminSource(body["admin_source"]),
        daily=daily,
        timezone=body["timezone"],
        lines_read=body["lines_read"],
        notes=tuple(body["notes"]),
        layout=body["layout"],
    )
