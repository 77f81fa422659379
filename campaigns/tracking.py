"""Tracked links: the UTM tags, the visitor hash, the bot and duplicate rules, promo codes.

Pure rules for the short link each placement gets (``/r/<slug>``), so they can be tested
without a request or a database:

- :func:`validate_destination` accepts a brand's landing page (http or https, a host, no
  credentials) and :func:`add_utm` writes Kesher's UTM tags onto it, keeping its own query;
- :func:`new_slug` draws an unguessable slug (96 random bits from :mod:`secrets`), and
  :func:`is_slug` tells a well-formed one before any database is asked;
- :func:`daily_salt` and :func:`visitor_hash` turn an IP address and a user agent into a
  pseudonym that changes every day (so no visitor can be followed from one day to the next and
  the raw address is never stored);
- :func:`is_bot` reads a user agent against :data:`BOT_MARKERS`; :func:`is_duplicate` says
  whether a click repeats one of the same visitor within :data:`DUPLICATE_WINDOW`;
- :func:`normalise_code` makes a promo code comparable however it was typed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: The tags every tracked link adds (utm_campaign and utm_content name the brief and placement).
UTM_SOURCE = "kesher"
UTM_MEDIUM = "community"
#: The longest landing page a link stores (browsers and proxies cut far longer URLs).
MAX_URL_CHARS = 2000
#: Random bytes in a slug: 12 bytes are 96 bits, 16 URL-safe characters.
SLUG_BYTES = 12
SLUG_PATTERN = re.compile(r"[A-Za-z0-9_-]{16}")
#: A second click by the same visitor on the same link within this window is a duplicate.
DUPLICATE_WINDOW = dt.timedelta(minutes=30)
#: Characters of the hex visitor hash kept (128 bits: no collision among a campaign's clicks).
HASH_CHARS = 32
#: Promo codes: letters, digits, dash and underscore, as shops accept them.
CODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9_-]{2,31}")

#: Lower-case fragments of user agents that are not a person clicking: link-preview fetchers of
#: the messaging apps the communities live in (a WhatsApp or Telegram preview requests the link
#: as soon as it is posted), search and social crawlers, monitoring, HTTP libraries and
#: headless browsers. An empty user agent counts as a bot too: every browser sends one.
BOT_MARKERS: tuple[str, ...] = (
    "bot",  # googlebot, bingbot, telegrambot, twitterbot, discordbot, slackbot, applebot …
    "crawler",
    "spider",
    "slurp",  # Yahoo
    "facebookexternalhit",  # Facebook and Messenger previews
    "facebookcatalog",
    "whatsapp",  # WhatsApp link previews ("WhatsApp/2.23…")
    "skypeuripreview",
    "embedly",
    "preview",  # generic link-preview services
    "headlesschrome",
    "phantomjs",
    "lighthouse",
    "pingdom",
    "uptime",
    "monitor",
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "httpx",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww",
    "scrapy",
    "node-fetch",
    "axios/",
)


class BadDestination(ValueError):
    """A landing page a link cannot point at; the message says why."""


@dataclass(frozen=True)
class ClickCounts:
    """What a link's clicks add up to: people's clicks, the unique ones, and bots apart."""

    total: int = 0
    unique: int = 0
    bots: int = 0

    def __add__(self, other: ClickCounts) -> ClickCounts:
        return ClickCounts(
            self.total + other.total, self.unique + other.unique, self.bots + other.bots
        )


# --- the landing page and its tags ------------------------------------------------------------


def validate_destination(url: str) -> str:
    """`url` without surrounding blanks if a link may point at it, else BadDestination.

    Only http and https, with a host name or address; no user name or password in it (a
    "https://brand.example@evil.example" link shows one host and goes to another); no spaces
    or control characters, which browsers drop or rewrite.
    """
    text = url.strip()
    if not text:
        raise BadDestination("The landing page is empty.")
    if len(text) > MAX_URL_CHARS:
        raise BadDestination(f"The landing page is longer than {MAX_URL_CHARS} characters.")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text) or "\\" in text:
        raise BadDestination("The landing page contains spaces, backslashes or control characters.")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise BadDestination("The landing page is not a valid address.") from error
    if parts.scheme.lower() not in ("http", "https"):
        raise BadDestination("The landing page must start with http:// or https://.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise BadDestination("The landing page must not carry a user name or password.")
    host = parts.hostname or ""
    if not _valid_host(host):
        raise BadDestination("The landing page has no valid host name.")
    del port  # read only to refuse a port that is not a number
    return text


def _valid_host(host: str) -> bool:
    if not host:
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    return all(
        0 < len(label) <= 63 and not label.startswith("-") and not label.endswith("-")
        for label in labels
    ) and all(c.isalnum() or c in "-." for c in host)


def campaign_tag(brief_id: int) -> str:
    """utm_campaign of a brief's links."""
    return f"kesher-brief-{brief_id}"


def content_tag(placement_id: int) -> str:
    """utm_content of one placement's link."""
    return f"placement-{placement_id}"


def add_utm(url: str, *, campaign: str, content: str) -> str:
    """`url` with Kesher's UTM tags: its own parameters kept in order, ours set (or replaced).

    A parameter the page already had keeps its place and value unless it is one of the four
    tags Kesher sets, whose values are Kesher's (the last word on where a click came from).
    The fragment stays at the end.
    """
    parts = urlsplit(url)
    ours = {
        "utm_source": UTM_SOURCE,
        "utm_medium": UTM_MEDIUM,
        "utm_campaign": campaign,
        "utm_content": content,
    }
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ours]
    query = urlencode([*kept, *ours.items()])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


# --- slugs ----------------------------------------------------------------------------------


def new_slug() -> str:
    """An unguessable slug: 96 random bits, URL-safe, 16 characters."""
    return secrets.token_urlsafe(SLUG_BYTES)


def is_slug(text: str) -> bool:
    """Whether `text` has the shape of a slug (checked before any database is asked)."""
    return SLUG_PATTERN.fullmatch(text) is not None


# --- visitors ---------------------------------------------------------------------------------


def daily_salt(secret: str | bytes, day: dt.date) -> bytes:
    """The key of one UTC day's visitor hashes, derived from the app's secret.

    HMAC-SHA256(secret, "kesher-click-salt:" + ISO day). Nothing is stored: tomorrow's salt
    cannot be told from today's hashes, and yesterday's hashes cannot be joined to today's.
    """
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, f"kesher-click-salt:{day.isoformat()}".encode(), hashlib.sha256).digest()


def visitor_hash(ip: str, user_agent: str, salt: bytes) -> str:
    """A visitor's pseudonym for the day: HMAC-SHA256(salt, ip + "\\n" + user agent), 32 hex."""
    message = f"{ip}\n{user_agent}".encode("utf-8", "replace")
    return hmac.new(salt, message, hashlib.sha256).hexdigest()[:HASH_CHARS]


def is_bot(user_agent: str | None) -> bool:
    """Whether a user agent is a crawler, a preview fetcher or a script (see BOT_MARKERS)."""
    agent = (user_agent or "").strip().lower()
    return not agent or any(marker in agent for marker in BOT_MARKERS)


def is_duplicate(
    previous: dt.datetime | None, at: dt.datetime, window: dt.timedelta = DUPLICATE_WINDOW
) -> bool:
    """Whether a click at `at` repeats the visitor's `previous` click on the link.

    A duplicate when the previous click is at most `window` earlier (the same instant counts).
    """
    return previous is not None and dt.timedelta(0) <= at - previous <= window


def duplicate_since(at: dt.datetime, window: dt.timedelta = DUPLICATE_WINDOW) -> dt.datetime:
    """The earliest previous click that makes a click at `at` a duplicate (for the query)."""
    return at - window


# --- promo codes ----------------------------------------------------------------------------


def normalise_code(text: str) -> str:
    """A promo code as stored and compared: trimmed, upper case (shops ignore case)."""
    return text.strip().upper()


def is_code(text: str) -> bool:
    """Whether a normalised code has an acceptable shape (3-32 letters, digits, - and _)."""
    return CODE_PATTERN.fullmatch(text) is not None
