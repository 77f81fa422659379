"""Telegram Desktop "Export chat history" result.json (groups and channels) to the events table.

Telegram Desktop writes `date_unixtime` (UTC seconds) next to `date` (the exporting computer's
local time); the first is used when present. Channel view counts are read from a `views` field
when the export carries one (Telegram Desktop itself does not write it yet; other exporters do).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from pricing import safe_json
from pricing.health.errors import (
    EXPECTED_FILES,
    BadValue,
    EmptyExport,
    NotACommunity,
    NotAnExport,
    SeveralExports,
    TruncatedFile,
    UnknownLayout,
)
from pricing.health.events import (
    CONTENT_KINDS,
    AdminSource,
    EventKind,
    ExportFormat,
    ParsedExport,
    PersonHasher,
    events_frame,
    normalise_person,
)
from pricing.taxonomy import Platform

GROUP_TYPES = frozenset({"private_group", "private_supergroup", "public_supergroup"})
CHANNEL_TYPES = frozenset({"public_channel", "private_channel"})
PERSONAL_TYPES = frozenset({"personal_chat", "bot_chat", "saved_messages", "private_chat"})
_MEDIA_KEYS = ("photo", "file", "media_type", "poll", "location_information", "contact_information")
_JOIN_ACTIONS = frozenset({"join_group_by_link", "join_group_by_request"})
# Only admins can create the group or remove someone else.
_ADMIN_ACTIONS = frozenset({"create_group", "create_channel", "migrate_from_group"})


def load_json(text: str) -> Any:
    """Decode JSON, telling a truncated file from one that is not JSON at all."""
    try:
        return safe_json.loads(text)
    except safe_json.JSONRefused as error:  # too deep, a huge number, a lone surrogate
        raise NotAnExport(f"{error.message} Kesher reads {EXPECTED_FILES}.") from None
    except json.JSONDecodeError as error:
        if not text.rstrip().endswith(("}", "]")):
            raise TruncatedFile(
                "The JSON file ends in the middle (the export or the upload was interrupted). "
                "Export the chat again from Telegram Desktop and upload the whole result.json.",
                line=error.lineno,
            ) from None
        raise NotAnExport(
            f"This is not valid JSON ({error.msg}). Kesher reads {EXPECTED_FILES}.",
            line=error.lineno,
        ) from None


def parse_telegram(
    document: Any,
    *,
    hasher: PersonHasher,
    admin_names: Iterable[str] = (),
    timezone: str,
) -> ParsedExport:
    """Parse a decoded Telegram Desktop export of one group or channel."""
    if isinstance(document, dict) and "chats" in document and "messages" not in document:
        raise SeveralExports(
            "This is a whole-account Telegram export. Export a single group or channel instead: "
            "open it in Telegram Desktop, then ⋮ → Export chat history → JSON."
        )
    if _is_facebook_download(document):
        raise UnknownLayout(
            "This is a file from Facebook's 'Download your information' (a Messenger chat or "
            "your group posts), which Kesher does not read. For a Facebook group, upload its "
            "insights export instead: the group → Admin tools → Insights → Export."
        )
    if not isinstance(document, dict) or not isinstance(document.get("messages"), list):
        raise NotAnExport(
            "This JSON file is not a Telegram export: expected an object with a 'messages' list "
            f"(Telegram Desktop's result.json). Kesher reads {EXPECTED_FILES}."
        )
    chat_type = str(document.get("type", ""))
    if chat_type in PERSONAL_TYPES:
        raise NotACommunity(
            f"This is a personal chat ('{chat_type}'), not a group or channel: there is no "
            "community to measure. Export the group or channel itself."
        )
    messages: list[Any] = document["messages"]
    if not messages:
        raise EmptyExport("The Telegram export holds no messages. Export a chat that has some.")
    if chat_type in CHANNEL_TYPES:
        channel = True
    elif chat_type in GROUP_TYPES:
        channel = False
    elif chat_type:
        raise UnknownLayout(
            f"Unknown Telegram chat type '{chat_type[:40]}'. Expected a group (private_group, "
            "private_supergroup, public_supergroup) or a channel (public_channel, private_channel)."
        )
    else:
        channel = _looks_like_channel(messages)
    zone = ZoneInfo(timezone)
    rows = EventRows()
    named = {normalise_person(name) for name in admin_names if normalise_person(name)}
    admins: set[str] = set()
    actors: set[str] = set()
    for index, message in enumerate(messages, start=1):
        if not isinstance(message, dict):
            raise BadValue(f"message #{index} is not a JSON object.")
        ts = _timestamp(message, zone, index)
        msg_id = message.get("id")
        if not isinstance(msg_id, int):
            raise BadValue(f"message #{index} has no numeric 'id'.")
        if message.get("type") == "service":
            _service(message, ts, msg_id, hasher, rows, actors)
            continue
        if message.get("type") != "message":
            rows.add(msg_id, None, ts, EventKind.SYSTEM)
            continue
        person = _person(message.get("from_id"), message.get("from"))
        author = hasher.hash(person) if person else None
        if author and (
            normalise_person(str(message.get("from", ""))) in named
            or normalise_person(str(message.get("from_id", ""))) in named
        ):
            admins.add(author)
        if channel:
            kind = EventKind.CHANNEL_POST
            if author:
                admins.add(author)
        elif any(key in message for key in _MEDIA_KEYS):
            kind = EventKind.MEDIA
        else:
            kind = EventKind.MESSAGE
        reactions = message.get("reactions") or []
        views = message.get("views")
        reply = message.get("reply_to_message_id")
        rows.add(
            msg_id,
            author,
            ts,
            kind,
            reply_to=reply if isinstance(reply, int) else None,
            reactions=_reaction_count(reactions),
            views=views if isinstance(views, int) else None,
            forwarded="forwarded_from" in message,
        )
        for reactor, when in _reactors(reactions, zone):
            rows.add(msg_id, hasher.hash(reactor), when or ts, EventKind.REACTION, reply_to=msg_id)
    return telegram_export(
        ExportFormat.TELEGRAM_JSON,
        rows,
        admins,
        actors,
        hasher,
        channel=channel,
        named=bool(named),
        timezone=timezone,
        lines_read=len(messages),
        notes=[],
        layout={"chat_type": chat_type or ("channel" if channel else "group")},
    )


def telegram_export(
    source: ExportFormat,
    rows: EventRows,
    admins: set[str],
    actors: set[str],
    hasher: PersonHasher,
    *,
    channel: bool,
    named: bool,
    timezone: str,
    lines_read: int,
    notes: list[str],
    layout: dict[str, str],
) -> ParsedExport:
    """A Telegram chat, read from JSON or HTML: its events in time order, a channel or a group,
    who its admins are and how that is known, and a note when a channel has no view counts.

    An export with nothing but service messages is refused (EmptyExport).
    """
    if not any(kind in CONTENT_KINDS for kind in rows.kind):
        raise EmptyExport(ONLY_SERVICE_MESSAGES)
    events = events_frame(
        msg_id=rows.msg_id,
        author=rows.author,
        ts=pd.DatetimeIndex(pd.to_datetime(rows.ts, unit="s", utc=True)),
        kind=[k.value for k in rows.kind],
        reply_to=rows.reply_to,
        reactions=rows.reactions,
        views=rows.views,
        forwarded=rows.forwarded,
    )
    events = events.sort_values("ts", kind="stable").reset_index(drop=True)
    admins, admin_from = admin_source(admins, actors, hasher, channel=channel, named=named)
    if channel and events["views"].isna().all():
        notes = [*notes, "The export has no view counts (Telegram Desktop does not write them)."]
    return ParsedExport(
        source=source,
        platform=Platform.TELEGRAM_CHANNEL if channel else Platform.TELEGRAM_GROUP,
        events=events,
        admins=frozenset(admins),
        admin_source=admin_from,
        timezone=timezone,
        lines_read=lines_read,
        notes=tuple(notes),
        layout=layout,
    )


class EventRows:
    """Columns of the events table, filled one event at a time."""

    def __init__(self) -> None:
        self.msg_id: list[int] = []
        self.author: list[str | None] = []
        self.ts: list[int] = []
        self.kind: list[EventKind] = []
        self.reply_to: list[int | None] = []
        self.reactions: list[int] = []
        self.views: list[int | None] = []
        self.forwarded: list[bool] = []

    def add(
        self,
        msg_id: int,
        author: str | None,
        ts: int,
        kind: EventKind,
        *,
        reply_to: int | None = None,
        reactions: int = 0,
        views: int | None = None,
        forwarded: bool = False,
    ) -> None:
        self.msg_id.append(msg_id)
        self.author.append(author)
        self.ts.append(ts)
        self.kind.append(kind)
        self.reply_to.append(reply_to)
        self.reactions.append(reactions)
        self.views.append(views)
        self.forwarded.append(forwarded)


#: The refusal of an export with nothing but service messages (both Telegram formats).
ONLY_SERVICE_MESSAGES = (
    "The Telegram export holds only service messages (joins, pins …), no posts or messages. "
    "Export a chat that has conversation in it."
)


def admin_source(
    admins: set[str], actors: set[str], hasher: PersonHasher, *, channel: bool, named: bool
) -> tuple[set[str], AdminSource]:
    """Who the admins are and how that is known: a channel's posters, the owner's named
    admins, or (failing both) whoever the service messages show adding or removing people."""
    if channel:
        return admins, AdminSource.CHANNEL
    if named:
        return admins, AdminSource.NAMED
    if actors:
        return {hasher.hash(actor) for actor in actors}, AdminSource.INFERRED
    return admins, AdminSource.NONE


def _service(
    message: Mapping[str, Any],
    ts: int,
    msg_id: int,
    hasher: PersonHasher,
    rows: EventRows,
    actors: set[str],
) -> None:
    """Record a service message: joins, leaves, and everything else as a system line."""
    action = message.get("action") if isinstance(message.get("action"), str) else None
    actor = _person(message.get("actor_id"), message.get("actor"))
    listed = message.get("members")
    members = [str(m) for m in listed if m] if isinstance(listed, list) else []
    if action == "invite_members":
        for member in members:
            rows.add(msg_id, hasher.hash(member), ts, EventKind.JOIN)
    elif action in _JOIN_ACTIONS and actor:
        rows.add(msg_id, hasher.hash(actor), ts, EventKind.JOIN)
    elif action == "remove_members":
        for member in members:
            rows.add(msg_id, hasher.hash(member), ts, EventKind.LEAVE)
        own_name = str(message.get("actor", ""))
        if actor and any(normalise_person(m) != normalise_person(own_name) for m in members):
            actors.add(actor)
    else:
        rows.add(msg_id, None, ts, EventKind.SYSTEM)
        if action in _ADMIN_ACTIONS and actor:
            actors.add(actor)


def _person(person_id: Any, name: Any) -> str | None:
    """The stable key of a person: Telegram's id ("user123"), else the display name."""
    if isinstance(person_id, str | int) and str(person_id):
        return str(person_id)
    if isinstance(name, str) and name.strip():
        return name
    return None


def _timestamp(message: Mapping[str, Any], zone: ZoneInfo, index: int) -> int:
    """UTC epoch seconds of a message: `date_unixtime`, else `date` read in the local zone."""
    raw = message.get("date_unixtime")
    if raw is not None:
        try:
            seconds: int | None = int(raw)
        except (TypeError, ValueError):
            seconds = None
        if seconds is not None:
            if not _plausible(seconds):
                raise BadValue(
                    f"message #{index} has an impossible time (date_unixtime {str(raw)[:20]}): "
                    "not between 2000 and 2100."
                )
            return seconds
    seconds = _local_iso(message.get("date"), zone)
    if seconds is None:
        raise BadValue(f"message #{index} has no readable 'date' or 'date_unixtime'.")
    return seconds


#: Times outside these years (UTC epoch seconds) cannot be a Telegram message's.
_EARLIEST, _LATEST = 946_684_800, 4_102_444_800  # 2000-01-01, 2100-01-01


def _plausible(seconds: int) -> bool:
    """Tell whether epoch seconds fall in the years a chat export can hold."""
    return _EARLIEST <= seconds < _LATEST


def _local_iso(value: Any, zone: ZoneInfo) -> int | None:
    """Epoch seconds of a local ISO time such as "2024-03-12T14:05:33", or None."""
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    try:
        seconds = int(moment.timestamp())
    except (OverflowError, ValueError):
        return None
    return seconds if _plausible(seconds) else None


def _reaction_count(reactions: Any) -> int:
    """Total reactions of a message (the sum over emoji)."""
    if not isinstance(reactions, list):
        return 0
    total = 0
    for reaction in reactions:
        if isinstance(reaction, dict) and isinstance(reaction.get("count"), int):
            total += max(0, reaction["count"])
    return total


def _reactors(reactions: Any, zone: ZoneInfo) -> list[tuple[str, int | None]]:
    """The people Telegram lists as recent reactors, with when they reacted."""
    found: list[tuple[str, int | None]] = []
    if not isinstance(reactions, list):
        return found
    for reaction in reactions:
        recent = reaction.get("recent") if isinstance(reaction, dict) else None
        for entry in recent if isinstance(recent, list) else []:
            if not isinstance(entry, dict):
                continue
            person = _person(entry.get("from_id"), entry.get("from"))
            if person:
                found.append((person, _local_iso(entry.get("date"), zone)))
    return found


def _looks_like_channel(messages: list[Any]) -> bool:
    """Guess the chat type when the export does not say: only channels post as a channel."""
    senders = {
        str(m.get("from_id", ""))
        for m in messages[:500]
        if isinstance(m, dict) and m.get("type") == "message"
    }
    return bool(senders) and all(s.startswith("channel") for s in senders)


def _is_facebook_download(document: Any) -> bool:
    """Tell a Facebook "Download your information" JSON (Messenger, group posts) from Telegram's."""
    if isinstance(document, dict):
        if any(str(key).startswith(("group_posts", "groups_", "your_group")) for key in document):
            return True
        messages = document.get("messages")
        first = messages[0] if isinstance(messages, list) and messages else None
        return (
            "participants" in document
            and isinstance(first, dict)
            and ("sender_name" in first or "timestamp_ms" in first)
        )
    return False
