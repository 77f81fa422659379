"""Small builders for hand-made exports whose right answers are computed by hand in the tests."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from pricing.health import ParsedExport, PersonHasher, parse_export

CORPUS = Path(__file__).resolve().parents[2] / "data" / "exports"
SALT = b"kesher-test-salt-0001"


def person(name: str) -> str:
    """The hash the parsers give `name` under the test salt."""
    return PersonHasher(SALT).hash(name)


def stamp(local: str) -> str:
    """An Android en-GB header stamp for "2024-03-01 10:00"."""
    return f"{dt.datetime.fromisoformat(local):%d/%m/%Y, %H:%M} - "


#: A system line only a group has (a chat between two people is refused): added at the end.
GROUP_LINE = "Dana changed this group's icon"


def wa(*lines: tuple[str, str | None, str], group: bool = False) -> bytes:
    """A WhatsApp Android export from (local time, author or None for a system line, body);
    with `group`, ending with a system line only a group has (`GROUP_LINE`)."""
    if group:
        lines = (*lines, (lines[-1][0], None, GROUP_LINE))
    out = [f"{stamp(when)}{f'{who}: ' if who else ''}{body}" for when, who, body in lines]
    return ("\n".join(out) + "\n").encode("utf-8")


def parse(data: bytes, filename: str = "chat.txt", **options: Any) -> ParsedExport:
    """Parse with the test salt, reading local times as UTC unless told otherwise."""
    options.setdefault("timezone", "UTC")
    return parse_export(data, filename, salt=SALT, **options)


def corpus(name: str, **options: Any) -> ParsedExport:
    """Parse a committed corpus file (local times in Asia/Jerusalem, as the phones wrote them)."""
    options.setdefault("timezone", "Asia/Jerusalem")
    return parse_export((CORPUS / name).read_bytes(), name, salt=SALT, **options)


def telegram(messages: list[dict[str, Any]], chat_type: str = "private_supergroup") -> bytes:
    """A Telegram Desktop result.json holding `messages`."""
    return json.dumps({"name": "Test", "type": chat_type, "id": 1, "messages": messages}).encode()


def tg_message(msg_id: int, utc: str, who: str, **extra: Any) -> dict[str, Any]:
    """One Telegram message from user `who` at `utc` ("2024-03-01 10:00")."""
    moment = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    return {
        "id": msg_id,
        "type": "message",
        "date": moment.replace(tzinfo=None).isoformat(),
        "date_unixtime": str(int(moment.timestamp())),
        "from": who,
        "from_id": f"user_{who}",
        "text": "hello",
        **extra,
    }


def utc(value: str) -> pd.Timestamp:
    """A UTC timestamp from "2024-03-01 10:00"."""
    return pd.Timestamp(value, tz="UTC")


def kinds(parsed: ParsedExport) -> dict[str, int]:
    """Rows per kind, leaving out kinds with none."""
    counts = parsed.events["kind"].value_counts()
    return {str(kind): int(n) for kind, n in counts.items() if n}
