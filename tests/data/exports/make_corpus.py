"""Build the synthetic export corpus next to this file (deterministic: run it to regenerate).

One scripted group chat ("Runners TLV") is rendered in every WhatsApp layout, so the tests can
demand the same events from each; Telegram, Facebook and the malformed files follow. The
benchmark imports `write_big_whatsapp` to write its million-message export to a temp dir.

    .venv/bin/python tests/data/exports/make_corpus.py
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
SEED = 20240107
TZ = ZoneInfo("Asia/Jerusalem")
ZIP_DATE = (2024, 4, 11, 8, 0, 0)

LRM, RLM, LRE, PDF = "\u200e", "\u200f", "\u202a", "\u202c"
NNBSP = "\u202f"

# The group's people: the admin first. Phone numbers are how non-contacts appear.
ADMIN = "דנה לוי"
ROSTER = [
    ADMIN,
    "Yossi Cohen",
    "+972 52-555-0101",
    "מיכל אברהם",
    "Avi",
    "רון ברק",
    "Noa 🏃‍♀️",
    "+972 54-555-0199",
    "Shira",
    "עומר",
]
ADDED = ["Yossi Cohen", "מיכל אברהם", "Avi"]  # added by the admin on day 0
INVITED = ["רון ברק", "+972 54-555-0199"]  # joined by link on days 10 and 40
LEAVER, REMOVED = "Shira", "עומר"  # left on day 60; removed by the admin on day 70

#: What the scenario holds, by construction (the tests quote these numbers).
FILLERS = 240
MEDIA_EVERY, MEDIA_AT = 12, 5  # filler i is media when i % 12 == 5  → 20
DELETED_EVERY, DELETED_AT = 40, 7  # deleted when i % 40 == 7           → 6
MULTILINE_EVERY, MULTILINE_AT = 15, 3  # two extra lines when i % 15 == 3


@dataclass(frozen=True)
class Line:
    """One header line of the scenario: when (local), what, who, and whom."""

    when: dt.datetime
    kind: str  # message, media, deleted, encryption, created, added, joined, left, removed, subject
    who: str | None = None
    others: tuple[str, ...] = ()
    text: str = ""


def runners_scenario() -> list[Line]:
    """The scripted chat: 240 messages over 95 days, 5 joins, 2 leaves, 3 other system lines."""
    rnd = random.Random(SEED)
    start = dt.datetime(2024, 1, 7, 9, 0, 0)
    lines = [
        Line(start, "encryption"),
        Line(start + dt.timedelta(seconds=5), "created", ADMIN),
        Line(start + dt.timedelta(minutes=1), "added", ADMIN, tuple(ADDED)),
        Line(start + dt.timedelta(days=10, hours=1), "joined", INVITED[0]),
        Line(start + dt.timedelta(days=40, hours=2), "joined", INVITED[1]),
        Line(start + dt.timedelta(days=45, hours=3), "subject", ADMIN),
        Line(start + dt.timedelta(days=60, hours=4), "left", LEAVER),
        Line(start + dt.timedelta(days=70, hours=5), "removed", ADMIN, (REMOVED,)),
    ]
    words_en = [
        "morning",
        "run",
        "tomorrow",
        "6am",
        "beach",
        "route",
        "pace",
        "who",
        "is",
        "coming",
        "great",
        "see",
        "you",
        "there",
    ]
    weights = [30, 12, 8, 10, 8, 6, 8, 5, 7, 6]
    moment = start + dt.timedelta(minutes=3)
    for i in range(FILLERS):
        moment += dt.timedelta(seconds=rnd.randint(60, 95 * 86_400 // FILLERS * 2 - 60))
        present = [p for p in ROSTER if _member_at(p, moment - start)]
        who = rnd.choices(present, weights=[weights[ROSTER.index(p)] for p in present])[0]
        if i % MEDIA_EVERY == MEDIA_AT:
            lines.append(Line(moment, "media", who))
        elif i % DELETED_EVERY == DELETED_AT:
            lines.append(Line(moment, "deleted", who))
        else:
            text = " ".join(rnd.choices(words_en, k=rnd.randint(2, 9)))
            if i == 11:
                text = "Route: 10km along the beach, meet at 5:45"  # a colon in the body
            elif i == 23:
                text = "<3"  # starts like a placeholder, is not one
            elif i % MULTILINE_EVERY == MULTILINE_AT:
                text += "\nsecond line of the message\n12/03 is the race, bring water"
            lines.append(Line(moment, "message", who, text=text))
    lines.sort(key=lambda line: line.when)
    return lines


def _member_at(person: str, elapsed: dt.timedelta) -> bool:
    days = elapsed.total_seconds() / 86_400
    if person == INVITED[0]:
        return days > 10.1
    if person == INVITED[1]:
        return days > 40.2
    if person == LEAVER:
        return days < 60
    if person == REMOVED:
        return days < 70
    return True


# --- WhatsApp rendering -----------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """How a phone writes the export: platform, language, clock and date order."""

    ios: bool
    hebrew: bool
    twelve_hour: bool
    month_first: bool
    short_year: bool
    separator: str
    padded: bool
    group: str = "Runners TLV"


def _stamp(when: dt.datetime, layout: Layout) -> str:
    d, m = (when.day, when.month)
    first, second = (m, d) if layout.month_first else (d, m)
    year = when.year % 100 if layout.short_year else when.year
    fmt = "{:02d}" if layout.padded else "{}"
    date = f"{fmt.format(first)}{layout.separator}{fmt.format(second)}{layout.separator}{year}"
    if layout.twelve_hour:
        hour = when.hour % 12 or 12
        clock = f"{hour}:{when.minute:02d}"
        if layout.ios:
            clock += f":{when.second:02d}"
        clock += f"{NNBSP}{'AM' if when.hour < 12 else 'PM'}"
    else:
        clock = (
            f"{when.hour:02d}:{when.minute:02d}"
            if layout.padded
            else (f"{when.hour}:{when.minute:02d}")
        )
        if layout.ios:
            clock += f":{when.second:02d}"
    return f"[{date}, {clock}] " if layout.ios else f"{date}, {clock} - "


def _person(name: str, layout: Layout) -> str:
    # Hebrew phones wrap phone numbers in left-to-right embedding marks.
    if name.startswith("+") and layout.hebrew:
        return f"{LRE}{name}{PDF}"
    return name


def _system_text(line: Line, layout: Layout) -> str:
    who = _person(line.who or "", layout)
    others = [_person(o, layout) for o in line.others]
    he = layout.hebrew
    if line.kind == "encryption":
        if he:
            return (
                "ההודעות והשיחות מוצפנות מקצה לקצה. לאף אחד מחוץ לצ'אט הזה, גם לא "
                "ל-WhatsApp, אין אפשרות לקרוא אותן או להאזין להן."
            )
        return (
            "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
            "WhatsApp, can read or listen to them. Tap to learn more."
        )
    if line.kind == "created":
        return f'{who} יצר/ה את הקבוצה "רצים"' if he else f'{who} created group "Runners"'
    if line.kind == "added":
        if he:
            return f"{who} הוסיף/ה את {', '.join(others[:-1])} ו-{others[-1]}"
        return f"{who} added {', '.join(others[:-1])} and {others[-1]}"
    if line.kind == "joined":
        if he:
            return f"{who} הצטרף/ה באמצעות קישור ההזמנה של הקבוצה"
        return f"{who} joined using this group's invite link"
    if line.kind == "left":
        return f"{who} יצא/ה" if he else f"{who} left"
    if line.kind == "removed":
        return f"{who} הסיר/ה את {others[0]}" if he else f"{who} removed {others[0]}"
    if he:
        return f'{who} שינה/תה את נושא הקבוצה מ"רצים" ל"רצים ת״א: ראשון 6:00"'
    return f'{who} changed the subject from "Runners" to "Runners TLV: Sunday 6am"'


def render_whatsapp(lines: list[Line], layout: Layout) -> str:
    """Write the scenario as a phone would export it."""
    out: list[str] = []
    for line in lines:
        stamp = _stamp(line.when, layout)
        if line.kind in ("message", "media", "deleted"):
            who = _person(line.who or "", layout)
            if line.kind == "message":
                body = line.text
            elif line.kind == "media":
                body = _media(layout, line.when.minute)
            else:
                body = _deleted(layout, line.who == ADMIN)
            prefix = RLM if layout.hebrew and not layout.ios else ""
            out.append(f"{stamp}{prefix}{who}: {body}")
            continue
        text = _system_text(line, layout)
        if layout.ios:
            # iOS files a system line under the group's name, marked left-to-right.
            out.append(f"{LRM}{stamp}{layout.group}: {LRM}{text}")
        else:
            out.append(f"{stamp}{RLM if layout.hebrew else ''}{text}")
    return "\n".join(out) + "\n"


def _media(layout: Layout, salt: int) -> str:
    if layout.ios:
        choices = (
            ["תמונה הושמטה", "סטיקר הושמט"]
            if layout.hebrew
            else [
                "image omitted",
                "sticker omitted",
            ]
        )
        return LRM + choices[salt % 2]
    return "<המדיה לא נכללה>" if layout.hebrew else "<Media omitted>"


def _deleted(layout: Layout, own: bool) -> str:
    if layout.hebrew:
        return f"{LRM if layout.ios else ''}{'מחקת הודעה זו' if own else 'הודעה זו נמחקה'}"
    if own:
        return f"{LRM if layout.ios else ''}You deleted this message"
    return f"{LRM}This message was deleted." if layout.ios else "This message was deleted"


WHATSAPP_LAYOUTS: dict[str, Layout] = {
    "whatsapp_android_he_24h.txt": Layout(False, True, False, False, False, ".", False, "רצים"),
    "whatsapp_android_en_12h_us.txt": Layout(False, False, True, True, True, "/", False),
    "whatsapp_ios_he.txt": Layout(True, True, False, False, False, ".", False, "רצים ת״א"),
    "whatsapp_ios_en_12h.txt": Layout(True, False, True, True, True, "/", False),
}
ZIP_LAYOUT = Layout(False, False, False, False, False, "/", True)


# --- Telegram ---------------------------------------------------------------------------------


def _tg_time(when: dt.datetime) -> dict[str, str]:
    local = when.replace(tzinfo=TZ)
    return {
        "date": when.isoformat(timespec="seconds"),
        "date_unixtime": str(int(local.timestamp())),
    }


def telegram_group() -> dict[str, object]:
    """A supergroup: 60 messages with replies, reactions, forwards and service messages."""
    rnd = random.Random(SEED + 1)
    people = [
        ("user100", "Dana Levi"),
        ("user101", "Yossi"),
        ("user102", "מיכל"),
        ("user103", "Avi"),
        ("user104", "רון"),
    ]
    start = dt.datetime(2024, 2, 1, 8, 0, 0)
    messages: list[dict[str, object]] = [
        {
            "id": 1,
            "type": "service",
            **_tg_time(start),
            "actor": "Dana Levi",
            "actor_id": "user100",
            "action": "create_group",
            "title": "Runners TLV",
            "members": ["Yossi", "מיכל"],
            "text": "",
            "text_entities": [],
        },
        {
            "id": 2,
            "type": "service",
            **_tg_time(start + dt.timedelta(minutes=1)),
            "actor": "Dana Levi",
            "actor_id": "user100",
            "action": "invite_members",
            "members": ["Avi", "רון"],
            "text": "",
            "text_entities": [],
        },
        {
            "id": 3,
            "type": "service",
            **_tg_time(start + dt.timedelta(days=3)),
            "actor": "Noa",
            "actor_id": "user105",
            "action": "join_group_by_link",
            "inviter": "Group",
            "text": "",
            "text_entities": [],
        },
    ]
    moment = start + dt.timedelta(minutes=5)
    for k in range(60):
        msg_id = 10 + k
        moment += dt.timedelta(minutes=rnd.randint(5, 1500))
        user_id, name = people[0] if k % 4 == 0 else rnd.choice(people[1:])
        message: dict[str, object] = {
            "id": msg_id,
            "type": "message",
            **_tg_time(moment),
            "from": name,
            "from_id": user_id,
            "text": rnd.choice(["שלום", "see you at 6", "מי בא?", "great run"]),
            "text_entities": [],
        }
        if k % 3 == 1:
            message["reply_to_message_id"] = msg_id - 1
        if k % 10 == 4:
            message["photo"] = "(File not included. Change data exporting settings to download.)"
            message["width"], message["height"] = 1280, 960
        if k % 7 == 2:
            message["forwarded_from"] = "Marathon News"
        if k % 5 == 0:
            message["reactions"] = [
                {
                    "type": "emoji",
                    "count": 3,
                    "emoji": "👍",
                    "recent": [
                        {"from": "Yossi", "from_id": "user101", "date": moment.isoformat()},
                        {"from": "Noa", "from_id": "user105", "date": moment.isoformat()},
                    ],
                },
                {"type": "emoji", "count": 1, "emoji": "🔥"},
            ]
        messages.append(message)
    messages.append(
        {
            "id": 200,
            "type": "service",
            **_tg_time(moment + dt.timedelta(hours=1)),
            "actor": "Avi",
            "actor_id": "user103",
            "action": "remove_members",
            "members": ["Avi"],
            "text": "",
            "text_entities": [],
        }
    )
    messages.append(
        {
            "id": 201,
            "type": "service",
            **_tg_time(moment + dt.timedelta(hours=2)),
            "actor": "Dana Levi",
            "actor_id": "user100",
            "action": "pin_message",
            "message_id": 12,
            "text": "",
            "text_entities": [],
        }
    )
    return {
        "name": "Runners TLV",
        "type": "private_supergroup",
        "id": 1234567890,
        "messages": messages,
    }


def telegram_channel() -> dict[str, object]:
    """A public channel: 40 posts with views and reactions."""
    rnd = random.Random(SEED + 2)
    start = dt.datetime(2024, 3, 1, 7, 0, 0)
    messages: list[dict[str, object]] = [
        {
            "id": 1,
            "type": "service",
            **_tg_time(start),
            "actor": "Runners News",
            "actor_id": "channel777",
            "action": "create_channel",
            "title": "Runners News",
            "text": "",
            "text_entities": [],
        },
    ]
    moment = start
    for k in range(40):
        moment += dt.timedelta(hours=rnd.randint(10, 40))
        post: dict[str, object] = {
            "id": 2 + k,
            "type": "message",
            **_tg_time(moment),
            "from": "Runners News",
            "from_id": "channel777",
            "views": 1000 + 10 * k,
            "text": [{"type": "bold", "text": "מרוץ"}, " this Friday"],
            "text_entities": [],
            "reactions": [{"type": "emoji", "count": 20 + k % 5, "emoji": "❤"}],
        }
        if k % 8 == 3:
            post["forwarded_from"] = "Israel Athletics"
        messages.append(post)
    return {"name": "Runners News", "type": "public_channel", "id": 777, "messages": messages}


# --- Facebook ---------------------------------------------------------------------------------

FB_HEADER = [
    "Date",
    "Total members",
    "New members",
    "Members left",
    "Posts",
    "Comments",
    "Reactions",
    "Active members",
]


def facebook_rows() -> list[list[object]]:
    """90 days of group insights: 1,000 members growing slowly, a join burst on day 50."""
    rows: list[list[object]] = []
    members = 1000
    for day in range(90):
        date = dt.date(2024, 1, 1) + dt.timedelta(days=day)
        joins = 60 if day == 50 else 2 + day % 3
        leaves = 1 + day % 2
        members += joins - leaves
        posts = 4 + day % 5
        rows.append([date, members, joins, leaves, posts, posts * 3, posts * 12, 180 + day % 40])
    return rows


def facebook_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FB_HEADER)
    for row in facebook_rows():
        writer.writerow([row[0].isoformat() if isinstance(row[0], dt.date) else row[0], *row[1:]])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")  # Excel's UTF-8 with BOM


def facebook_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Group insights"
    sheet.append(["Runners TLV – group insights, 1 Jan 2024 – 30 Mar 2024"])  # a title row
    sheet.append(FB_HEADER)
    for row in facebook_rows():
        sheet.append(row)
    book.properties.created = dt.datetime(2024, 4, 11, 8, 0, 0)
    out = io.BytesIO()
    book.save(out)
    return _pinned(out.getvalue())


def _pinned(workbook: bytes) -> bytes:
    """Re-zip a workbook with fixed dates (openpyxl stamps the time of saving), so it is stable."""
    fixed = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-04-11T08:00:00Z", content
                )
            clone = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            clone.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(clone, content)
    return fixed.getvalue()


# --- malformed files --------------------------------------------------------------------------


def random_text() -> str:
    rnd = random.Random(SEED + 3)
    words = [
        "lorem",
        "ipsum",
        "dolor",
        "sit",
        "amet",
        "shalom",
        "olam",
        "kesher",
        "community",
        "value",
    ]
    return "\n".join(" ".join(rnd.choices(words, k=rnd.randint(4, 14))) for _ in range(40)) + "\n"


def unknown_layout() -> str:
    """An IRC-style log: timestamped, but not a layout Kesher reads."""
    start = dt.datetime(2024, 1, 7, 9, 0, 0)
    names = ["dana", "yossi", "avi"]
    return "".join(
        f"{(start + dt.timedelta(minutes=7 * k)):%Y-%m-%d %H:%M:%S} <{names[k % 3]}> hello {k}\n"
        for k in range(30)
    )


def empty_chat() -> str:
    """A chat that was created and exported before anyone wrote."""
    layout = WHATSAPP_LAYOUTS["whatsapp_android_he_24h.txt"]
    return render_whatsapp(runners_scenario()[:2], layout)


def zip_bomb() -> bytes:
    """A small archive whose chat file expands 1,000 times (8 MB of one letter)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        info = zipfile.ZipInfo("_chat.txt", date_time=ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, b"a" * (8 * 1024 * 1024))
    return out.getvalue()


def whatsapp_zip(text: str) -> bytes:
    """The .zip Android's 'Export chat' shares: the chat text and (here, one tiny) media file."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (
            ("WhatsApp Chat with Runners TLV.txt", text.encode("utf-8")),
            ("IMG-20240107-WA0001.jpg", b"\xff\xd8\xff\xe0fake-jpeg"),
        ):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return out.getvalue()


def build(target: Path = HERE) -> dict[str, int]:
    """Write every corpus file into `target`; return each file's size in bytes."""
    scenario = runners_scenario()
    files: dict[str, Callable[[], bytes]] = {
        name: (lambda layout=layout: render_whatsapp(scenario, layout).encode("utf-8"))
        for name, layout in WHATSAPP_LAYOUTS.items()
    }
    files["whatsapp_android_en.zip"] = lambda: whatsapp_zip(render_whatsapp(scenario, ZIP_LAYOUT))
    files["telegram_group.json"] = lambda: _json(telegram_group())
    files["telegram_channel.json"] = lambda: _json(telegram_channel())
    files["facebook_insights.csv"] = facebook_csv
    files["facebook_insights.xlsx"] = facebook_xlsx
    files["bad_random.txt"] = lambda: random_text().encode("utf-8")
    files["bad_wrong_columns.csv"] = lambda: b"Name,Email,Phone\r\nDana,dana@example.com,050\r\n"
    files["bad_truncated.json"] = lambda: _json(telegram_group())[:6000]
    files["bad_empty_chat.txt"] = lambda: empty_chat().encode("utf-8")
    files["bad_unknown_layout.txt"] = lambda: unknown_layout().encode("utf-8")
    files["bad_zip_bomb.zip"] = zip_bomb
    sizes = {}
    for name, make in files.items():
        content = make()
        (target / name).write_bytes(content)
        sizes[name] = len(content)
    return sizes


def _json(document: dict[str, object]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


# --- the benchmark's big export ----------------------------------------------------------------


def write_big_whatsapp(path: Path, messages: int, *, seed: int = SEED) -> int:
    """Write an Android (en-GB, 24 h) export of `messages` messages; return its size in bytes.

    1,000 authors with a heavy-tailed activity, ~5% media, ~1% deleted, ~3% multi-line messages,
    and a join line every 2,000 messages.
    """
    rnd = random.Random(seed)
    names = [f"Member {k}" for k in range(700)] + [
        f"+972 5{k % 10} {100 + k % 900:03d} {1000 + k:04d}" for k in range(300)
    ]
    weights = [1.0 / (k + 1) ** 0.9 for k in range(len(names))]
    authors = rnd.choices(names, weights=weights, k=messages)
    gaps = [rnd.randint(5, 90) for _ in range(messages)]
    kinds = rnd.choices(range(100), k=messages)
    words = [
        "shalom",
        "hi",
        "yes",
        "no",
        "maybe",
        "tomorrow",
        "meeting",
        "great",
        "thanks",
        "ok",
        "wow",
        "see",
        "you",
        "there",
    ]
    bodies = [" ".join(rnd.choices(words, k=n)) for n in (rnd.randint(1, 12) for _ in range(512))]
    start = dt.datetime(2022, 1, 1, 8, 0)
    minute = 0
    day_cache: dict[int, str] = {}
    out: list[str] = []
    for k in range(messages):
        minute += gaps[k] // 30
        day, minute_of_day = divmod(minute, 1440)
        date = day_cache.get(day)
        if date is None:
            date = day_cache[day] = f"{start + dt.timedelta(days=day):%d/%m/%Y}"
        stamp = f"{date}, {minute_of_day // 60:02d}:{minute_of_day % 60:02d} - "
        kind = kinds[k]
        if k % 2000 == 1999:
            out.append(f"{stamp}{authors[k - 1]} joined using this group's invite link\n")
        if kind < 5:
            out.append(f"{stamp}{authors[k]}: <Media omitted>\n")
        elif kind < 6:
            out.append(f"{stamp}{authors[k]}: This message was deleted\n")
        elif kind < 9:
            out.append(f"{stamp}{authors[k]}: {bodies[k % 512]}\nand a second line\n")
        else:
            out.append(f"{stamp}{authors[k]}: {bodies[k % 512]}\n")
    data = "".join(out).encode("utf-8")
    path.write_bytes(data)
    return len(data)


if __name__ == "__main__":
    for file_name, size in build().items():
        print(f"{size:>8}  {file_name}")
