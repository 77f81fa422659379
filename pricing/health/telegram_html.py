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
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pricing.health.errors import BadValue, NotAnExport
from pricing.health.events import (
    EventKind,
    ExportFormat,
    ParsedExport,
    PersonHasher,
    normalise_person,
)
from pricing.health.telegram import EventRows, telegram_export

_DATE_TITLE = re.compile(
    r"^(\d{1,2})\.(\d{1,2})\.(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?(?: UTC([+-])(\d{2}):?(\d{2}))?"
)
_GO_TO = re.compile(r"go_to_message(\d+)")
_PAGE_NAME = re.compile(r"(?:^|[/\\])messages(\d*)\.html$")

# Service sentences as Telegram Desktop writes them: in English whatever the app's language
# (export_output_html.cpp builds them from fixed English strings, not the translations). A
# member leaving is written "X removed X"; a voice-chat invitation and a removed group photo
# are not membership changes.
_SERVICE: tuple[tuple[re.Pattern[str], EventKind | None], ...] = (
    (re.compile(r"^.+? (?:invited .+ to the (?:voice|video) chat|removed group photo)"), None),
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


# Telegram Desktop writes its pages the same way every time, and message text is escaped (a "<"
# in a message is "&lt;"), so each message is found and read with a few patterns: several
# times faster than a general HTML parser on a big export.
_MESSAGE_START = re.compile(r'<div class="message ([^"]*)" id="message(-?\d+)"')
_OWN_DATE = re.compile(r'class="[^"]*\bdate details" title="([^"]*)"')
_FROM_NAME = re.compile(r'<div class="from_name">(.*?)</div>', re.S)
_SERVICE_BODY = re.compile(r'<div class="body details">(.*?)</div>', re.S)
_TITLE = re.compile(r'<div class="page_header">.*?<div class="text bold">(.*?)</div>', re.S)
_REACTION = re.compile(r'<(?:span|div) class="reaction\b')
_COUNT = re.compile(r'class="count">\s*([\d\s,.]+?)\s*<')
_TAG = re.compile(r"<[^>]*>")
_DETAILS = re.compile(r'<span class="details">.*?</span>', re.S)


def _plain(markup: str) -> str:
    """Text of a bit of markup: tags dropped, entities decoded, white space collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split())


def _scan_page(text: str, number: int) -> tuple[str, list[_Record]]:
    """The chat's title and the records of one exported page."""
    title_match = _TITLE.search(text, 0, 50_000)
    title = _plain(title_match.group(1)) if title_match else ""
    starts = list(_MESSAGE_START.finditer(text))
    records: list[_Record] = []
    line, counted_to = 1, 0
    for k, start in enumerate(starts):
        classes = start.group(1).split()
        if "service" not in classes and "default" not in classes:
            continue
        line += text.count("\n", counted_to, start.start())
        counted_to = start.start()
        chunk = text[start.end() : starts[k + 1].start() if k + 1 < len(starts) else len(text)]
        record = _Record(
            service="service" in classes, msg_id=int(start.group(2)), line=line, page=number
        )
        if record.service:
            body = _SERVICE_BODY.search(chunk)
            record.text = _plain(body.group(1)) if body else ""
        else:
            _read_message(chunk, record)
        records.append(record)
    return title, records


def _read_message(chunk: str, record: _Record) -> None:
    """Fill a message's record from its markup."""
    forwarded_at = chunk.find('class="forwarded body"')
    own = chunk if forwarded_at < 0 else chunk[:forwarded_at]
    record.forwarded = forwarded_at >= 0
    date = _OWN_DATE.search(own)
    record.date = date.group(1) if date else None
    name = _FROM_NAME.search(own)
    # "Dana <span class="details">via @gif</span>": the bot a message was sent through is not
    # part of the author's name.
    record.author = (_plain(_DETAILS.sub("", name.group(1))) or None) if name else None
    reply_at = own.find('class="reply_to')
    if reply_at >= 0:
        link = _GO_TO.search(own, reply_at)
        record.reply_to = int(link.group(1)) if link else None
    record.media = 'class="media_wrap' in chunk
    reactions_at = chunk.find('class="reactions"')
    if reactions_at >= 0:
        block = chunk[reactions_at:]
        pieces = _REACTION.split(block)[1:]
        for piece in pieces:
            count = _COUNT.search(piece)
            digits = re.sub(r"\D", "", count.group(1)) if count else ""
            # Without a count Telegram shows the reactors' pictures, one per person.
            record.reactions += int(digits) if digits else max(1, piece.count('class="userpic '))


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
        page_title, page_records = _scan_page(page_text, page_count)
        title = title or page_title
        records.extend(page_records)
    if not records:
        raise NotAnExport(
            "This HTML file holds no Telegram messages. Upload the messages.html pages of a "
            "Telegram Desktop export (or the .zip holding them), or export as JSON instead."
        )
    named = {normalise_person(name) for name in admin_names if normalise_person(name)}
    authors = {r.author for r in records if not r.service and r.author}
    channel = bool(title) and authors == {title}

    rows = EventRows()
    admins: set[str] = set()
    actors: set[str] = set()
    last_author: str | None = None
    last_ts: int | None = None
    pending: list[tuple[int, _Record]] = []  # service lines before the first dated message

    def add(msg_id: int, person: str | None, ts: int, kind: EventKind, record: _Record) -> None:
        author = hasher.hash(person) if person else None
        rows.add(msg_id, author, ts, kind, reply_to=record.reply_to, reactions=record.reactions,
                 forwarded=record.forwarded)  # fmt: skip

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
    # The HTML export has no view counts at all, so a channel is always told so.
    return telegram_export(
        ExportFormat.TELEGRAM_HTML,
        rows,
        admins,
        actors,
        hasher,
        channel=channel,
        named=bool(named),
        timezone=timezone,
        lines_read=len(records),
        notes=[
            "Service lines (joins, leaves) carry no time in the HTML export; each takes the time "
            "of the message before it."
        ],
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
        # Only an admin removes someone else; "X removed X" is X leaving.
        admin = actor if kind is EventKind.LEAVE and actor not in subjects else None
        return kind, admin, tuple(subjects)
    return EventKind.SYSTEM, None, ()


#: Years a chat export's messages can be from (others are refused, not read as 1970 or 9999).
FIRST_YEAR, LAST_YEAR = 2000, 2100


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
        if not FIRST_YEAR <= year < LAST_YEAR:
            raise ValueError(year)
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
