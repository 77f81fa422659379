"""The normalised events table every parser produces, and the salted hashing of people."""

from __future__ import annotations

import enum
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from pricing.taxonomy import Platform

#: Local times in WhatsApp exports are read in this zone unless the caller names another.
DEFAULT_TIMEZONE = "Asia/Jerusalem"

#: The least salt we accept: a short salt makes the hashes of a small group guessable.
MIN_SALT_BYTES = 16


class EventKind(enum.StrEnum):
    """What one row of the events table records."""

    MESSAGE = "message"
    MEDIA = "media"
    DELETED = "deleted"
    JOIN = "join"
    LEAVE = "leave"
    SYSTEM = "system"
    REACTION = "reaction"
    CHANNEL_POST = "channel_post"


#: Kinds that count as a message written to the community.
CONTENT_KINDS = frozenset({EventKind.MESSAGE, EventKind.MEDIA, EventKind.CHANNEL_POST})
#: Kinds that make their author an active member.
ACTIVE_KINDS = CONTENT_KINDS | {EventKind.DELETED, EventKind.REACTION}


class ExportFormat(enum.StrEnum):
    """The file layout an export was read from."""

    WHATSAPP_ANDROID = "whatsapp_android"
    WHATSAPP_IOS = "whatsapp_ios"
    TELEGRAM_JSON = "telegram_json"
    TELEGRAM_HTML = "telegram_html"
    FACEBOOK_CSV = "facebook_csv"
    FACEBOOK_XLSX = "facebook_xlsx"


class AdminSource(enum.StrEnum):
    """How the admins of a chat were identified."""

    NAMED = "named"  # the owner named them (admin_names)
    INFERRED = "inferred"  # they added/removed members or created the group
    CHANNEL = "channel"  # a Telegram channel: the channel itself posts
    NONE = "none"  # unknown; the analysis may presume the most active author


#: Columns of the events table, in order. There is no text column, by construction.
EVENT_COLUMNS = ("msg_id", "author", "ts", "kind", "reply_to", "reactions", "views", "forwarded")
#: Columns of the daily table (Facebook insights, which has no per-message rows).
DAILY_COLUMNS = (
    "date",
    "members",
    "joins",
    "leaves",
    "posts",
    "comments",
    "reactions",
    "active_members",
)

#: What each stored column means, shown to the owner before they confirm.
COLUMN_MEANINGS: dict[str, str] = {
    "msg_id": "position of the event in the export (Telegram: the message id)",
    "author": "salted hash of the person (never the name or phone number); empty for system lines",
    "ts": "when it happened, in UTC",
    "kind": "message, media, deleted, join, leave, system, reaction or channel_post",
    "reply_to": "msg_id of the message this one answers (Telegram only)",
    "reactions": "number of reactions the message received",
    "views": "number of views of a channel post, when the export has it",
    "forwarded": "whether the message was forwarded from elsewhere",
    "date": "the day (UTC)",
    "members": "total members that day",
    "joins": "members who joined that day",
    "leaves": "members who left that day",
    "posts": "posts that day",
    "comments": "comments that day",
    "active_members": "active members that day, as Facebook counts them",
}

_MARKS_RE = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\u061c]")
_PHONE_RE = re.compile(r"^\+?[\d\s\-().]+$")


def normalise_person(raw: str) -> str:
    """Reduce a display name or phone number to the key that is hashed.

    Direction marks and the "~" WhatsApp puts before non-contacts are dropped, whitespace is
    collapsed and names are case-folded; a phone number keeps its digits only, so
    "+972 50-123-4567" and "972501234567" are the same person.
    """
    text = _MARKS_RE.sub("", raw).replace("\u202f", " ").replace("\u00a0", " ")
    text = unicodedata.normalize("NFC", text).strip().lstrip("~").strip()
    if _PHONE_RE.match(text) and sum(ch.isdigit() for ch in text) >= 7:
        return "".join(ch for ch in text if ch.isdigit())
    return " ".join(text.split()).casefold()


class PersonHasher:
    """Replace people by salted hashes, so the stored rows can never name anyone."""

    def __init__(self, salt: bytes) -> None:
        if not isinstance(salt, bytes) or len(salt) < MIN_SALT_BYTES:
            raise ValueError(f"salt must be at least {MIN_SALT_BYTES} bytes")
        # blake2b takes a key of at most 64 bytes; a longer salt is condensed first.
        self._key = salt if len(salt) <= 64 else hashlib.blake2b(salt, digest_size=64).digest()

    def hash(self, raw: str) -> str:
        """Return the hex hash of a person's name or phone number."""
        key = normalise_person(raw)
        digest = hashlib.blake2b(key.encode("utf-8"), key=self._key, digest_size=16)
        return digest.hexdigest()

    def hash_all(self, raws: Iterable[str]) -> frozenset[str]:
        """Hash several people (blank entries are ignored)."""
        return frozenset(self.hash(raw) for raw in raws if normalise_person(raw))


def events_frame(
    *,
    author: Iterable[str | None] | npt.NDArray[Any],
    ts: pd.DatetimeIndex | pd.Series,
    kind: Iterable[str] | npt.NDArray[Any],
    msg_id: Iterable[int] | npt.NDArray[Any] | None = None,
    reply_to: Iterable[int | None] | npt.NDArray[Any] | None = None,
    reactions: Iterable[int] | npt.NDArray[Any] | None = None,
    views: Iterable[int | None] | npt.NDArray[Any] | None = None,
    forwarded: Iterable[bool] | npt.NDArray[Any] | None = None,
) -> pd.DataFrame:
    """Build an events table with the canonical columns and dtypes."""
    stamps = pd.DatetimeIndex(ts)
    if stamps.tz is None:
        raise ValueError("event timestamps must be timezone-aware")
    n = len(stamps)
    columns: dict[str, Any] = {
        "msg_id": np.arange(n, dtype=np.int64) if msg_id is None else np.asarray(msg_id),
        "author": _people(author, n),
        "ts": stamps.tz_convert("UTC").as_unit("ns"),
        "kind": pd.Categorical(
            list(kind) if not isinstance(kind, np.ndarray) else kind,
            categories=[k.value for k in EventKind],
        ),
        "reply_to": _nullable_ints(reply_to, n),
        "reactions": np.zeros(n, np.int64) if reactions is None else np.asarray(reactions),
        "views": _nullable_ints(views, n),
        "forwarded": np.zeros(n, bool) if forwarded is None else np.asarray(forwarded, bool),
    }
    frame = pd.DataFrame(columns)
    frame["msg_id"] = frame["msg_id"].astype(np.int64)
    frame["reactions"] = frame["reactions"].astype(np.int64)
    if frame["kind"].isna().any():
        raise ValueError("unknown event kind")
    return frame


def _people(values: Iterable[str | None] | npt.NDArray[Any], n: int) -> pd.Series:
    """The author column: hash strings, and None (not NaN) where there is no person."""
    column = np.empty(n, dtype=object)
    column[:] = values if isinstance(values, np.ndarray) else list(values)
    missing = np.array([not isinstance(v, str) for v in column.tolist()], dtype=bool)
    column[missing] = None
    return pd.Series(column, dtype=object)


def _nullable_ints(
    values: Iterable[int | None] | npt.NDArray[Any] | None, n: int
) -> pd.api.extensions.ExtensionArray:
    """A nullable integer column; all missing when `values` is None."""
    if values is None:
        return pd.arrays.IntegerArray(np.zeros(n, np.int64), np.ones(n, bool))
    return pd.array(values if isinstance(values, np.ndarray) else list(values), dtype="Int64")


def empty_events() -> pd.DataFrame:
    """An events table with no rows (a Facebook export has only daily figures)."""
    return events_frame(author=[], ts=pd.DatetimeIndex([], tz="UTC"), kind=[])


#: `layout["language"]` of a WhatsApp export whose system lines are in a language not read.
UNKNOWN_LANGUAGE = "unknown"
UNKNOWN_LANGUAGE_NOTE = (
    "The export's system lines are in a language Kesher does not read yet: messages and "
    "authors are measured, but joins and leaves could not be counted (growth and churn are "
    "unknown) and media placeholders count as messages."
)


@dataclass(frozen=True)
class ParsedExport:
    """One export, reduced to what may be kept: hashed people, timestamps and counts."""

    source: ExportFormat
    platform: Platform
    events: pd.DataFrame
    admins: frozenset[str] = frozenset()
    admin_source: AdminSource = AdminSource.NONE
    daily: pd.DataFrame | None = None
    timezone: str = DEFAULT_TIMEZONE
    lines_read: int = 0
    notes: tuple[str, ...] = ()
    layout: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_channel(self) -> bool:
        """Tell whether this is a broadcast channel (one author, the channel itself)."""
        return self.platform is Platform.TELEGRAM_CHANNEL

    @property
    def joins_known(self) -> bool:
        """Tell whether join and leave lines could be read (not so in an unknown language)."""
        return self.layout.get("language") != UNKNOWN_LANGUAGE

    @property
    def is_aggregate(self) -> bool:
        """Tell whether only daily totals are known (no per-message rows)."""
        return self.daily is not None

    def span(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """Return the first and last timestamps the export covers, or None when empty."""
        if self.daily is not None and len(self.daily):
            return self.daily["date"].min(), self.daily["date"].max()
        if len(self.events):
            return self.events["ts"].min(), self.events["ts"].max()
        return None

    def to_dict(self) -> dict[str, Any]:
        """Describe the export (never its rows) for JSON."""
        span = self.span()
        counts = self.events["kind"].value_counts(sort=False)
        return {
            "source": self.source.value,
            "platform": self.platform.value,
            "timezone": self.timezone,
            "layout": dict(self.layout),
            "lines_read": self.lines_read,
            "events": len(self.events),
            "daily_rows": 0 if self.daily is None else len(self.daily),
            "counts": {str(kind): int(n) for kind, n in counts.items() if n},
            "people": int(self.events["author"].nunique()),
            "admins": len(self.admins),
            "admin_source": self.admin_source.value,
            "first": None if span is None else span[0].isoformat(),
            "last": None if span is None else span[1].isoformat(),
            "notes": list(self.notes),
        }
