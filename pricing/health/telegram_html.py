"""Telegram Desktop "Export chat history" in HTML (messages.html, messages2.html …) to events.

Telegram Desktop writes HTML by default; its pages hold what the JSON export holds, in markup:
each message is a `<div class="message default">` with its time in the `title` of a
`date details` element ("07.01.2024 09:05:12 UTC+02:00"), its author in `from_name` (left out
on a "joined" message that continues the previous author's run), `reply_to` with a link to the
message answered, `media_wrap` for photos, files, stickers and polls, `forwarded` for a forward,
and `reactions` with their counts. Service messages (`message service`) carry only a sentence,
no time: they take the time of the message before them. People are known by display name only
(the HTML has no user ids), so they hash differently from a JSON export of the same chat.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pandas as pd

from pricing.health.errors import BadValue, EmptyExport, NotAnExport
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

_DATE_TITLE = re.compile(
    r"^(\d{1,2})\.(\d{1,2})\.(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?(?: UTC([+-])(\d{2}):?(\d{2}))?"
)
_MESSAGE_ID = re.compile(r"^message(-?\d+)$")
_GO_TO = re.compile(r"go_to_message(\d+)")
_VOID = frozenset({"img", "br", "hr", "meta", "link", "input", "source", "wbr", "area", "col"})
_PAGE_NAME = re.compile(r"(?:^|/)messages(\d*)\.html$")

# Service sentences as Telegram Desktop writes them in English.
_SERVICE: tuple[tuple[re.Pattern[str], EventKind | None], ...] = (
    (re.compile(r"^(?P<actor>.+?) invited (?P<subjs>.+)$"), EventKind.JOIN),
    (re.compile(r"^(?P<actor>.+?) added (?P<subjs>.+)$"), EventKind.JOIN),
    (re.compile(r"^(?P<subj>.+?) joined (?:the )?(?:group|channel|by)"), EventKind.JOIN),
    (re.compile(r"^(?P<subj>.+?) left (?:the )?(?:group|channel)"), EventKind.LEAVE),
    (re.compile(r"^(?P<actor>.+?) removed (?P<subjs>.+)$"), EventKind.LEAVE),
    (re.compile(r"^(?P<actor>.+?) (?:created (?:group|the group|channel)|converted)"), None),
)
_LIST_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+and\s+")


def looks_like_telegram_html(text: str) -> bool:
    """Tell whether a page is one of Telegram Desktop's exported chat pages."""
    head = text[:8192]
    return 'class="page_wrap"' in head or ('class="history"' in text and 'class="message' in text)


def page_order(name: str) -> int | None:
    """1 for messages.html, 2 for messages2.html …; None for any other file."""
    match = _PAGE_NAME.search(name)
    if match is None:
        return None
    return int(match.group(1) or 1)


@dataclass
class _Record:
    """One message or service line as read from the markup."""

    service: bool
    msg_id: int | None
    date: str | None = None
    author: str | None = None
    reply_to: int | None = None
    media: bool = False
    forwarded: bool = False
    reactions: int = 0
    text: str = ""
    line: int = 0  # where the message starts in its page
    page: int = 1


class _Page(HTMLParser):
    """Collect the records of one exported page, and the chat's title."""

    def __init__(self, number: int = 1) -> None:
        super().__init__(convert_charrefs=True)
        self.number = number
        self.records: list[_Record] = []
        self.title = ""
        self._stack: list[tuple[str, frozenset[str]]] = []
        self._record: _Record | None = None
        self._record_depth = 0
        self._forward_depth = 0  # > 0 while inside a forwarded block
        self._reply_depth = 0
        self._reactions_depth = 0
        self._capture: str | None = None  # "author", "service", "count" or "title"
        self._capture_depth = 0
        self._buffer: list[str] = []
        self._counted = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        values = {key: value or "" for key, value in attrs}
        classes = frozenset(values.get("class", "").split())
        self._stack.append((tag, classes))
        depth = len(self._stack)
        if tag == "div" and "message" in classes and ("default" in classes or "service" in classes):
            match = _MESSAGE_ID.match(values.get("id", ""))
            self._record = _Record(
                service="service" in classes,
                msg_id=int(match.group(1)) if match else None,
                line=self.getpos()[0],
                page=self.number,
            )
            self._record_depth = depth
            self._counted = False
            return
        if self._record is None:
            if "text" in classes and "bold" in classes and not self.title:
                self._start_capture("title", depth)
            return
        record = self._record
        if "forwarded" in classes and not self._forward_depth:
            record.forwarded = True
            self._forward_depth = depth
        if "reply_to" in classes:
            self._reply_depth = depth
        if self._reply_depth and tag == "a" and record.reply_to is None:
            link = _GO_TO.search(values.get("href", "") + values.get("onclick", ""))
            record.reply_to = int(link.group(1)) if link else None
        if "media_wrap" in classes:
            record.media = True
        if "reactions" in classes:
            self._reactions_depth = depth
        elif self._reactions_depth and "reaction" in classes:
            record.reactions += 1  # replaced by the count when there is one
            self._counted = False
        elif self._reactions_depth and "count" in classes:
            self._start_capture("count", depth)
        if self._forward_depth or self._reply_depth:
            return
        if "date" in classes and "details" in classes and record.date is None:
            record.date = values.get("title") or None
        elif "from_name" in classes and record.author is None:
            self._start_capture("author", depth)
        elif record.service and "body" in classes and "details" in classes:
            self._start_capture("service", depth)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not any(open_tag == tag for open_tag, _ in self._stack):
            return
        while self._stack:
            depth = len(self._stack)
            open_tag, _ = self._stack.pop()
            self._closed(depth)
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._capture is not None:
            self._buffer.append(data)

    def _start_capture(self, what: str, depth: int) -> None:
        self._capture, self._capture_depth, self._buffer = what, depth, []

    def _closed(self, depth: int) -> None:
        """An element at `depth` has closed: finish whatever it held."""
        if self._capture is not None and depth == self._capture_depth:
            text = " ".join("".join(self._buffer).split())
            if self._capture == "title":
                self.title = text
            elif self._record is not None:
                self._finish_capture(self._record, text)
            self._capture = None
        if depth == self._forward_depth:
            self._forward_depth = 0
        if depth == self._reply_depth:
            self._reply_depth = 0
        if depth == self._reactions_depth:
            self._reactions_depth = 0
        if self._record is not None and depth == self._record_depth:
            self.records.append(self._record)
            self._record = None

    def _finish_capture(self, record: _Record, text: str) -> None:
        if self._capture == "author":
            record.author = text or None
        elif self._capture == "service":
            record.text = text
        elif self._capture == "count":
            digits = re.sub(r"\D", "", text)
            if digits:
                # The reaction was counted as one when it opened; its count replaces that one.
                record.reactions += int(digits) - (0 if self._counted else 1)
                self._counted = True


def parse_telegram_html(
    pages: Iterable[str],
    *,
    hasher: PersonHasher,
    admin_names: Iterable[str] = (),
    timezone: str,
) -> ParsedExport:
    """Parse the pages of one chat's HTML export, in order (messages.html first)."""
    zone = ZoneInfo(timezone)
    records: list[_Record] = []
    title = ""
    page_count = 0
    for page_text in pages:
        page_count += 1
        page = _Page(page_count)
        page.feed(page_text)
        page.close()
        title = title or page.title
        records.extend(page.records)
    if not records:
        raise NotAnExport(
            "This HTML file holds no Telegram messages. Upload the messages.html pages of a "
            "Telegram Desktop export (or the .zip holding them), or export as JSON instead."
        )
    named = {normalise_person(name) for name in admin_names if normalise_person(name)}
    authors = {r.author for r in records if not r.service and r.author}
    channel = bool(title) and authors == {title}

    msg_ids: list[int] = []
    people: list[str | None] = []
    stamps: list[int] = []
    kinds: list[str] = []
    replies: list[int | None] = []
    reactions: list[int] = []
    forwards: list[bool] = []
    admins: set[str] = set()
    actors: set[str] = set()
    last_author: str | None = None
    last_ts: int | None = None
    pending: list[tuple[int, _Record]] = []  # service lines before the first dated message

    def add(msg_id: int, person: str | None, ts: int, kind: EventKind, record: _Record) -> None:
        msg_ids.append(msg_id)
        people.append(hasher.hash(person) if person else None)
        stamps.append(ts)
        kinds.append(kind.value)
        replies.append(record.reply_to)
        reactions.append(record.reactions)
        forwards.append(record.forwarded)

    def service(msg_id: int, ts: int, record: _Record) -> None:
        kind, actor, subjects = _read_service(record.text)
        if actor:
            actors.add(actor)
        if subjects:
            for person in subjects:
                add(msg_id, person, ts, kind, _Record(service=True, msg_id=msg_id))
        else:
            add(msg_id, None, ts, EventKind.SYSTEM, _Record(service=True, msg_id=msg_id))

    for position, record in enumerate(records, start=1):
        if record.msg_id is not None and record.msg_id < 0:
            continue  # a date separator
        msg_id = record.msg_id if record.msg_id is not None else -position
        if record.service:
            if last_ts is None:
                pending.append((msg_id, record))
            else:
                service(msg_id, last_ts, record)
            continue
        ts = _read_date(record, zone)
        if last_ts is None:
            for early_id, early in pending:
                service(early_id, ts, early)
            pending.clear()
        last_ts = ts
        author = record.author or last_author
        last_author = author
        if channel:
            kind = EventKind.CHANNEL_POST
        elif record.media:
            kind = EventKind.MEDIA
        else:
            kind = EventKind.MESSAGE
        add(msg_id, author, ts, kind, record)
        if author and (channel or normalise_person(author) in named):
            admins.add(hasher.hash(author))
    if not any(EventKind(k) in CONTENT_KINDS for k in kinds):
        raise EmptyExport(
            "The Telegram export holds only service messages (joins, pins …), no posts or "
            "messages. Export a chat that has conversation in it."
        )
    events = events_frame(
        msg_id=msg_ids,
        author=people,
        ts=pd.DatetimeIndex(pd.to_datetime(stamps, unit="s", utc=True)),
        kind=kinds,
        reply_to=replies,
        reactions=reactions,
        forwarded=forwards,
    )
    events = events.sort_values("ts", kind="stable").reset_index(drop=True)
    if channel:
        source = AdminSource.CHANNEL
    elif named:
        source = AdminSource.NAMED
    elif actors:
        admins = {hasher.hash(actor) for actor in actors}
        source = AdminSource.INFERRED
    else:
        source = AdminSource.NONE
    notes = [
        "Service lines (joins, leaves) carry no time in the HTML export; each takes the time "
        "of the message before it."
    ]
    if channel:
        notes.append("The export has no view counts (Telegram Desktop does not write them).")
    return ParsedExport(
        source=ExportFormat.TELEGRAM_HTML,
        platform=Platform.TELEGRAM_CHANNEL if channel else Platform.TELEGRAM_GROUP,
        events=events,
        admins=frozenset(admins),
        admin_source=source,
        timezone=timezone,
        lines_read=len(records),
        notes=tuple(notes),
        layout={"chat_type": "channel" if channel else "group", "pages": str(page_count)},
    )


def _read_service(text: str) -> tuple[EventKind, str | None, tuple[str, ...]]:
    """What a service sentence says: its kind, who acted, and who joined or left."""
    for pattern, kind in _SERVICE:
        match = pattern.search(text)
        if match is None:
            continue
        groups = match.groupdict()
        actor = groups.get("actor")
        if kind is None:
            return EventKind.SYSTEM, actor, ()
        subjects = [groups["subj"]] if groups.get("subj") else []
        if groups.get("subjs"):
            subjects.extend(p.strip() for p in _LIST_SPLIT.split(groups["subjs"]) if p.strip())
        admin = actor if kind is EventKind.LEAVE else None
        return kind, admin, tuple(subjects)
    return EventKind.SYSTEM, None, ()


def _read_date(record: _Record, zone: ZoneInfo) -> int:
    """Epoch seconds of a message's "07.01.2024 09:05:12 UTC+02:00" (offset optional)."""
    value = record.date or ""
    page = "messages.html" if record.page == 1 else f"messages{record.page}.html"
    match = _DATE_TITLE.match(value)
    if match is None:
        raise BadValue(
            f"{page}: message {record.msg_id} has no readable time ('{value[:40]}'); "
            "expected a title like '07.01.2024 09:05:12 UTC+02:00'.",
            line=record.line,
        )
    day, month, year, hour, minute = (int(match.group(k)) for k in range(1, 6))
    second = int(match.group(6) or 0)
    try:
        moment = dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise BadValue(
            f"{page}: message {record.msg_id} has an impossible time '{value[:40]}'.",
            line=record.line,
        ) from None
    if match.group(7):
        sign = 1 if match.group(7) == "+" else -1
        offset = dt.timedelta(hours=int(match.group(8)), minutes=int(match.group(9)))
        moment = moment.replace(tzinfo=dt.timezone(sign * offset))
    else:
        moment = moment.replace(tzinfo=zone)
    return int(moment.timestamp())
