"""Bulk import and export of the catalog: CSV, XLSX and JSON, Hebrew or English headers.

An import is planned first — decoded, parsed and checked completely, every problem named by
row and column — and written only when the plan has no problem, in one transaction. Matching
is by stable keys (a community's key, an asset's normalised URL), so importing the same file
twice changes nothing the second time. The format is documented in docs/catalog-import.md and
docs/catalog-import.schema.json.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import selectinload

from marketplace.auth.models import Role, User
from marketplace.catalog import bulk, rules, services, vocab
from marketplace.catalog.models import (
    ChannelAsset,
    Community,
    CommunityFacet,
    ListingStatus,
    MetricSnapshot,
    RateCard,
)
from marketplace.db import SessionLike, utcnow
from pricing import safe_json
from pricing.money import CURRENCY_EXPONENTS, Money
from pricing.taxonomy import RATE_METRICS, EvidenceTier, InteractionMode, MetricKind, Platform

#: Largest file accepted by an import (the web caps requests a little above this).
MAX_IMPORT_BYTES = 20 * 1024 * 1024
#: Stop listing problems after this many; the file needs fixing anyway.
MAX_PROBLEMS = 500

FORMAT_NAME = "kesher-catalog"
FORMAT_VERSION = 1

# --- the columns ---------------------------------------------------------------------------

#: canonical column → (English header, Hebrew header)
COLUMNS: dict[str, tuple[str, str]] = {
    "community_key": ("community_key", "מפתח קהילה"),
    "owner_email": ("owner_email", "מייל בעלים"),
    "status": ("status", "סטטוס"),
    "name_he": ("name_he", "שם בעברית"),
    "name_en": ("name_en", "שם באנגלית"),
    "description": ("description", "תיאור"),
    "founding_story": ("founding_story", "סיפור הקמה"),
    "need_answered": ("need_answered", "הצורך"),
    "dna_tone": ("tone", "טון"),
    "dna_values": ("values", "ערכים"),
    "dna_rituals": ("rituals", "טקסים"),
    "dna_language": ("shared_language", "שפה משותפת"),
    "member_type": ("member_type", "סוג חברים"),
    "common_denominator": ("common_denominator", "מכנה משותף"),
    "topics": ("topics", "נושאים"),
    "tags": ("tags", "תגיות"),
    "languages": ("languages", "שפות"),
    "region": ("region", "אזור"),
    "city": ("city", "עיר"),
    "audience_kind": ("audience_kind", "סוג קהל"),
    "admission": ("admission", "קבלה"),
    "sensitive_flags": ("sensitive", "רגישות"),
    "content_allowed": ("content_allowed", "תוכן מותר"),
    "content_forbidden": ("content_forbidden", "תוכן אסור"),
    "disclosure_wording": ("disclosure", "נוסח גילוי"),
    "monetisation_experience": ("brand_experience", "ניסיון עם מותגים"),
    "platform": ("platform", "פלטפורמה"),
    "url": ("url", "קישור"),
    "handle": ("handle", "שם בפלטפורמה"),
    "size": ("size", "גודל"),
    "interaction_mode": ("interaction_mode", "אופי אינטראקציה"),
    "posts_per_week": ("posts_per_week", "פוסטים בשבוע"),
    "currency": ("currency", "מטבע"),
    **{
        f"rate_{p.value}": (f"rate_{p.value}", f"מחיר {label_he}")
        for p, label_he in {
            vocab.PlacementType.POST: "פוסט",
            vocab.PlacementType.PINNED_POST: "פוסט נעוץ",
            vocab.PlacementType.STORY: "סטורי",
            vocab.PlacementType.NEWSLETTER_SPONSORSHIP: "חסות בניוזלטר",
            vocab.PlacementType.DEDICATED_SEND: "דיוור ייעודי",
            vocab.PlacementType.PODCAST_READ: "הקראה בפודקאסט",
            vocab.PlacementType.EXPERT_SESSION: "מפגש מומחה",
            vocab.PlacementType.MEETUP: "מפגש אצל המותג",
            vocab.PlacementType.SURVEY: "סקר",
            vocab.PlacementType.ROUND_TABLE: "שולחן עגול",
            vocab.PlacementType.PRODUCT_PILOT: "פיילוט מוצר",
        }.items()
    },
    "as_of": ("as_of", "נכון לתאריך"),
    "evidence": ("evidence", "רמת הוכחה"),
    "source": ("source", "מקור"),
    "active_members": ("active_members", "חברים פעילים"),
    "comments_per_week": ("comments_per_week", "תגובות בשבוע"),
    "reactions_per_week": ("reactions_per_week", "תגובות רגשיות בשבוע"),
    "views_per_post": ("views_per_post", "צפיות לפוסט"),
    "open_rate": ("open_rate_percent", "שיעור פתיחה באחוזים"),
    "click_rate": ("click_rate_percent", "שיעור הקלקה באחוזים"),
    "event_attendance": ("event_attendance", "משתתפים באירוע"),
}
REQUIRED = ("community_key", "owner_email", "platform", "size")
COMMUNITY_COLUMNS = [
    c for c in list(COLUMNS)[: list(COLUMNS).index("platform")] if c != "community_key"
]
LIST_COLUMNS = ("topics", "tags", "languages", "sensitive_flags")
RATE_COLUMNS = [c for c in COLUMNS if c.startswith("rate_")]
METRIC_COLUMNS = {
    "active_members": MetricKind.ACTIVE_MEMBERS,
    "comments_per_week": MetricKind.COMMENTS_PER_WEEK,
    "reactions_per_week": MetricKind.REACTIONS_PER_WEEK,
    "views_per_post": MetricKind.VIEWS_PER_POST,
    "open_rate": MetricKind.OPEN_RATE,
    "click_rate": MetricKind.CLICK_RATE,
    "event_attendance": MetricKind.EVENT_ATTENDANCE,
}
EVIDENCE_NAMES = {tier.slug: tier for tier in EvidenceTier}
IMPORTABLE_STATUSES = (ListingStatus.DRAFT, ListingStatus.SUBMITTED, ListingStatus.LISTED,
                       ListingStatus.PAUSED)  # fmt: skip


def _header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, (english, hebrew) in COLUMNS.items():
        for name in {canonical, english, hebrew}:
            index[_fold(name)] = canonical
    return index


def _fold(header: str) -> str:
    return " ".join(header.replace("\ufeff", "").replace("_", " ").strip().lower().split())


HEADER_INDEX = _header_index()

# --- problems ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with the file: where (row, column) and what."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where) or 'file'}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportRefused(Exception):
    """The whole file is unusable (encoding, format, size); nothing can be checked further."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.problem = ImportProblem(None, None, message)


# --- reading the file ----------------------------------------------------------------------


def decode(data: bytes) -> str:
    """Decode text as Excel and friends write it: UTF-8 (with or without BOM), UTF-16, cp1255.

    Windows-1255 is tried only when strict UTF-8 fails; Hebrew in one never decodes as the
    other, so the guess is deterministic.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16")
    if b"\x00" in data[:4096]:
        raise ImportRefused(
            "The file contains NUL bytes: it is binary, or UTF-16 without its byte-order mark. "
            "Save it as CSV UTF-8 or as an Excel workbook."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1255")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            f"The file is neither UTF-8 nor Windows-1255 (Hebrew) text: byte {error.start + 1} "
            "cannot be read. Save it as CSV UTF-8."
        ) from error


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise ImportRefused(
            f"The file says it is {encoding.upper()} but byte {error.start + 1} is not."
        ) from error


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
    name = filename.lower()
    if name.endswith(".xlsx") or data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if name.endswith(".json") or data.lstrip()[:1] in (b"{", b"["):
        return _read_json(decode(data))
    return _read_csv(decode(data))


def _read_csv(text: str) -> Table:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = list(reader)
    except csv.Error as error:
        raise ImportRefused(
            f"The CSV is malformed near line {reader.line_num}: {error}. Check for an unclosed "
            "quotation mark."
        ) from error
    return _table(records, first_row=1)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
        if expanded > 20 * MAX_IMPORT_BYTES:
            raise ImportRefused("The workbook expands to an implausible size; it is refused.")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as error:
        raise ImportRefused(
            "The file is not a readable Excel workbook (.xlsx). Save it again from Excel, or "
            "export it as CSV UTF-8."
        ) from error
    sheet = workbook.worksheets[0]
    records = [
        ["" if cell is None else _cell_text(cell) for cell in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    workbook.close()
    return _table(records, first_row=1)


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _table(records: list[list[str]], *, first_row: int) -> Table:
    while records and not any(cell.strip() for cell in records[-1]):
        records.pop()
    if not records:
        raise ImportRefused("The file is empty.")
    raw_headers = [h.strip() for h in records[0]]
    headers, labels, problems = _map_headers(raw_headers)
    if problems:
        raise ImportProblems(problems)
    rows = []
    for offset, record in enumerate(records[1:], start=first_row + 1):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(headers) and any(c.strip() for c in record[len(headers) :]):
            raise ImportProblems(
                [ImportProblem(offset, None, f"has {len(record)} cells but the header has "
                                              f"{len(headers)}.")]
            )  # fmt: skip
        rows.append(
            (offset, {h: (record[i] if i < len(record) else "") for i, h in enumerate(headers)})
        )
    if not rows:
        raise ImportRefused("The file has a header but no rows.")
    return Table(headers, rows, labels)


class ImportProblems(Exception):
    """Problems found before the rows could be read (headers, structure)."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


def _map_headers(raw: list[str]) -> tuple[list[str], dict[str, str], list[ImportProblem]]:
    headers, labels, problems = [], {}, []
    seen: dict[str, str] = {}
    for name in raw:
        canonical = HEADER_INDEX.get(_fold(name))
        if canonical is None:
            problems.append(
                ImportProblem(1, name or "(empty)", "Unknown column. See docs/catalog-import.md "
                                                    "for the columns Kesher reads.")
            )  # fmt: skip
            canonical = f"?{name}"
        elif canonical in seen:
            problems.append(
                ImportProblem(
                    1, name, f"Duplicate column: it means the same as “{seen[canonical]}”."
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
            f"This JSON is not a Kesher catalog (format “{document.get('format')}”)."
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
            problems.append(ImportProblem(None, f"{where}.{key}", "Unknown field."))
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
                problems.append(ImportProblem(None, f"{where}.assets[{j}].{key}", "Unknown field."))
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


# --- checking the rows ---------------------------------------------------------------------


@dataclass
class AssetRecord:
    row: int
    platform: Platform
    url: str
    url_key: str | None
    handle: str
    size: int
    interaction_mode: InteractionMode
    posts_per_week: float | None
    rates: dict[vocab.PlacementType, tuple[int, str]]
    as_of: date
    tier: EvidenceTier
    source: str
    metrics: dict[MetricKind, float]


@dataclass
class CommunityRecord:
    key: str
    row: int
    owner_email: str
    status: ListingStatus
    fields: dict[str, Any]
    assets: list[AssetRecord] = field(default_factory=list)


@dataclass
class ImportPlan:
    """What an import would do, or why it cannot."""

    filename: str
    sha256: str
    problems: list[ImportProblem]
    communities: list[CommunityRecord]
    summary: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Checker:
    def __init__(self, labels: Mapping[str, str], today: date) -> None:
        self.labels = labels
        self.today = today
        self.problems: list[ImportProblem] = []

    def add(self, row: int | None, column: str | None, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            label = self.labels.get(column, column) if column else None
            self.problems.append(ImportProblem(row, label, message))

    def text(self, row: Row, column: str) -> str:
        value = (row.get(column) or "").strip()
        # Kesher's own exports guard formula-like cells with a leading apostrophe.
        if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
            value = value[1:]
        return value

    def choice(self, n: int, row: Row, column: str, allowed: Iterable[str], default: str) -> str:
        value = self.text(row, column).lower() or default
        options = list(allowed)
        if value not in options:
            self.add(n, column, f"“{value}” is not one of: {', '.join(options)}.")
            return default
        return value

    def many(
        self, n: int, row: Row, column: str, allowed: Mapping[str, object] | None
    ) -> list[str]:
        values = [
            v.strip() for v in self.text(row, column).replace(";", ",").split(",") if v.strip()
        ]
        if allowed is not None:
            values = [v.lower() for v in values]
            unknown = [v for v in values if v not in allowed]
            if unknown:
                self.add(n, column, f"unknown value(s) {', '.join(unknown)}; allowed: "
                                    f"{', '.join(allowed)}.")  # fmt: skip
        return values

    def number(self, n: int, row: Row, column: str, *, integer: bool = False) -> Decimal | None:
        raw = self.text(row, column).replace(",", "").replace("₪", "").replace("%", "").strip()
        if not raw:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            self.add(n, column, f"“{self.text(row, column)}” is not a number.")
            return None
        if not value.is_finite():
            self.add(n, column, "is not a number.")
            return None
        if value < 0:
            self.add(n, column, "cannot be negative.")
            return None
        if integer and value != value.to_integral_value():
            self.add(n, column, "must be a whole number.")
            return None
        return value

    def day(self, n: int, row: Row, column: str) -> date | None:
        raw = self.text(row, column)
        if not raw:
            return None
        for parse in (_iso_date, _dmy_date):
            parsed = parse(raw)
            if parsed is not None:
                if parsed > self.today:
                    self.add(n, column, "the date is in the future.")
                    return None
                return parsed
        self.add(n, column, f"“{raw}” is not a date; use YYYY-MM-DD or DD/MM/YYYY.")
        return None


def _iso_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def _dmy_date(raw: str) -> date | None:
    parts = raw.replace(".", "/").replace("-", "/").split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    day_, month, year = (int(p) for p in parts)
    year += 2000 if year < 100 else 0
    try:
        return date(year, month, day_)
    except ValueError:
        return None


def check_rows(
    table: Table, *, today: date | None = None
) -> tuple[list[CommunityRecord], list[ImportProblem]]:
    """Turn rows into community records, naming every problem by row and column."""
    checker = _Checker(table.labels, today or date.today())
    communities: dict[str, CommunityRecord] = {}
    seen_urls: dict[str, int] = {}
    for n, row in table.rows:
        key = checker.text(row, "community_key")
        if not key:
            checker.add(n, "community_key", "is empty; every row needs its community's key.")
            continue
        if len(key) > 80:
            checker.add(n, "community_key", "is longer than 80 characters.")
            continue
        fields = _community_fields(checker, n, row)
        owner = checker.text(row, "owner_email").lower()
        if not owner:
            checker.add(n, "owner_email", "is empty.")
        status = ListingStatus(checker.choice(
            n, row, "status", [s.value for s in IMPORTABLE_STATUSES], ListingStatus.LISTED.value
        ))  # fmt: skip
        record = communities.get(key)
        if record is None:
            if not (fields.get("name_he") or fields.get("name_en")):
                checker.add(n, "name_he", "the community has no name in Hebrew or English.")
            record = CommunityRecord(key, n, owner, status, fields)
            communities[key] = record
        else:
            for column, value in fields.items():
                if value not in ("", [], None) and value != record.fields.get(column):
                    if record.fields.get(column) in ("", [], None):
                        record.fields[column] = value
                    else:
                        checker.add(n, column, f"differs from row {record.row} of the same "
                                               f"community “{key}”.")  # fmt: skip
            if owner and owner != record.owner_email:
                checker.add(n, "owner_email", f"differs from row {record.row} of “{key}”.")
        asset = _asset(checker, n, row)
        if asset is None:
            continue
        if asset.url_key:
            if asset.url_key in seen_urls:
                checker.add(n, "url", f"duplicates row {seen_urls[asset.url_key]}: an address is "
                                      "listed once.")  # fmt: skip
                continue
            seen_urls[asset.url_key] = n
        record.assets.append(asset)
    return list(communities.values()), checker.problems


def _community_fields(checker: _Checker, n: int, row: Row) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    choices: dict[str, tuple[Mapping[str, object], str]] = {
        "region": (vocab.REGIONS, "nationwide"),
        "audience_kind": (vocab.AUDIENCE_KINDS, "b2c"),
        "admission": (vocab.ADMISSION, "open"),
        "monetisation_experience": (vocab.MONETISATION, "none"),
    }
    lists: dict[str, Mapping[str, object] | None] = {
        "topics": vocab.TOPICS,
        "tags": None,
        "languages": vocab.LANGUAGES,
        "sensitive_flags": vocab.SENSITIVE_FLAGS,
    }
    for column in COMMUNITY_COLUMNS:
        if column in ("owner_email", "status") or column not in row:
            continue
        if column in choices:
            allowed, default = choices[column]
            if checker.text(row, column):
                fields[column] = checker.choice(n, row, column, allowed, default)
        elif column in lists:
            fields[column] = checker.many(n, row, column, lists[column])
        else:
            value = checker.text(row, column)
            limit = 200 if column.startswith("name_") else 5000
            if len(value) > limit:
                checker.add(n, column, f"is longer than {limit} characters.")
            fields[column] = value
    return fields


def _asset(checker: _Checker, n: int, row: Row) -> AssetRecord | None:
    before = len(checker.problems)
    platform_name = checker.choice(n, row, "platform", [p.value for p in Platform], "")
    if not checker.text(row, "size"):
        checker.add(n, "size", "is empty; give the members/followers count.")
    size = checker.number(n, row, "size", integer=True)
    url = checker.text(row, "url")
    platform = Platform(platform_name) if platform_name in Platform._value2member_map_ else None
    if platform is not None:
        for column, message in rules.check_asset(
            platform, url, int(size) if size is not None else None
        ):
            checker.add(n, column, message)
    mode = checker.choice(n, row, "interaction_mode", [m.value for m in InteractionMode],
                          InteractionMode.MANY_TO_MANY.value)  # fmt: skip
    posts = checker.number(n, row, "posts_per_week")
    currency = checker.text(row, "currency").upper()
    rates: dict[vocab.PlacementType, tuple[int, str]] = {}
    for column in RATE_COLUMNS:
        amount = checker.number(n, row, column)
        if amount is None:
            continue
        if not currency:
            checker.add(n, "currency", f"is empty but {checker.labels.get(column, column)} has a "
                                       "price; a rate needs a currency.")  # fmt: skip
            continue
        if currency not in CURRENCY_EXPONENTS:
            checker.add(n, "currency", f"“{currency}” is not ILS, USD or EUR.")
            continue
        if amount == 0:
            checker.add(n, column, "a rate must be above zero (leave it empty if not offered).")
            continue
        try:
            minor = Money.from_major(amount, currency).amount_minor
        except ValueError:
            checker.add(n, column, "has more than two decimal places.")
            continue
        rates[vocab.PlacementType(column.removeprefix("rate_"))] = (minor, currency)
    as_of = checker.day(n, row, "as_of") or checker.today
    tier_name = checker.choice(n, row, "evidence", list(EVIDENCE_NAMES), "self_reported")
    metrics: dict[MetricKind, float] = {}
    for column, kind in METRIC_COLUMNS.items():
        value = checker.number(n, row, column)
        if value is None:
            continue
        number = float(value) / 100 if kind in RATE_METRICS else float(value)
        if platform is not None:
            found = rules.check_metric(
                kind, number, platform=platform, observed_on=as_of, today=checker.today
            )
            for _field, message in found:
                checker.add(n, column, message)
        metrics[kind] = number
    if len(checker.problems) > before or platform is None or size is None:
        return None
    return AssetRecord(
        row=n, platform=platform, url=url, url_key=rules.normalise_url(url) if url else None,
        handle=checker.text(row, "handle")[:200], size=int(size),
        interaction_mode=InteractionMode(mode),
        posts_per_week=float(posts) if posts is not None else None, rates=rates, as_of=as_of,
        tier=EVIDENCE_NAMES[tier_name], source=checker.text(row, "source")[:300],
        metrics=metrics,
    )  # fmt: skip


# --- planning against the database ---------------------------------------------------------


def plan_import(
    session: SessionLike, data: bytes, filename: str, *, actor: User, today: date | None = None
) -> ImportPlan:
    """Check a file completely against the rules and the database; write nothing."""
    digest = hashlib.sha256(data).hexdigest()
    try:
        table = read_table(data, filename)
    except ImportRefused as refused:
        return ImportPlan(filename, digest, [refused.problem], [])
    except ImportProblems as found:
        return ImportPlan(filename, digest, found.problems, [])
    records, problems = check_rows(table, today=today)
    plan = ImportPlan(filename, digest, problems, records)
    if actor.role not in services.STAFF_ROLES:
        plan.problems.insert(0, ImportProblem(None, None, "Only agency staff import catalogs."))
        return plan
    _check_against_database(session, plan, table.labels)
    return plan


def _check_against_database(
    session: SessionLike, plan: ImportPlan, labels: Mapping[str, str]
) -> None:
    emails = {record.owner_email for record in plan.communities}
    owners = (
        {user.email: user for user in session.scalars(select(User).where(User.email.in_(emails)))}
        if emails
        else {}
    )
    keys = [record.key for record in plan.communities]
    existing = _existing_communities(session, keys)
    url_keys = [a.url_key for r in plan.communities for a in r.assets if a.url_key]
    taken = _existing_assets(session, url_keys)
    new_communities = new_assets = snapshots = 0
    for record in plan.communities:
        owner = owners.get(record.owner_email)
        if record.owner_email and (owner is None or owner.role is not Role.OWNER):
            plan.problems.append(ImportProblem(
                record.row, labels.get("owner_email"),
                f"no community-owner account uses {record.owner_email}; create it first.",
            ))  # fmt: skip
        community = existing.get(record.key)
        new_communities += community is None
        for asset in record.assets:
            if asset.url_key and asset.url_key in taken:
                holder = taken[asset.url_key]
                if community is None or holder.community_id != community.id:
                    plan.problems.append(ImportProblem(
                        asset.row, labels.get("url"),
                        "this address already belongs to another community in the catalog.",
                    ))  # fmt: skip
                    continue
                snapshots += _jump_problems(plan, holder, asset, labels)
            else:
                new_assets += 1
                snapshots += 1 + len(asset.metrics)
    plan.summary = {
        "communities": len(plan.communities),
        "new_communities": new_communities,
        "updated_communities": len(plan.communities) - new_communities,
        "assets": sum(len(r.assets) for r in plan.communities),
        "new_assets": new_assets,
        "new_figures": snapshots,
    }


def _jump_problems(
    plan: ImportPlan, holder: ChannelAsset, asset: AssetRecord, labels: Mapping[str, str]
) -> int:
    """Check an existing asset's new figures against its history; count the new snapshots."""
    added = 0
    for kind, value in [(MetricKind.MEMBERS, float(asset.size)), *asset.metrics.items()]:
        previous = services.latest_metric(holder, kind)
        if previous is not None and previous.value == value and previous.observed_on == asset.as_of:
            continue
        column = (
            "size"
            if kind == MetricKind.MEMBERS
            else next(c for c, k in METRIC_COLUMNS.items() if k == kind)
        )
        for _field, message in rules.check_metric(
            kind, value, platform=asset.platform, observed_on=asset.as_of,
            previous=previous.value if previous else None, today=asset.as_of,
        ):  # fmt: skip
            plan.problems.append(ImportProblem(asset.row, labels.get(column, column), message))
        added += 1
    return added


def _existing_communities(session: SessionLike, keys: list[str]) -> dict[str, Community]:
    found: dict[str, Community] = {}
    for chunk in _chunks(keys, 500):
        for community in session.scalars(
            select(Community)
            .where(Community.external_key.in_(chunk))
            .options(
                selectinload(Community.assets).selectinload(ChannelAsset.metrics),
                selectinload(Community.assets).selectinload(ChannelAsset.rates),
                selectinload(Community.audience),
            )
        ):
            found[str(community.external_key)] = community
    return found


def _existing_assets(session: SessionLike, url_keys: list[str]) -> dict[str, ChannelAsset]:
    found: dict[str, ChannelAsset] = {}
    for chunk in _chunks(url_keys, 500):
        for asset in session.scalars(
            select(ChannelAsset)
            .where(ChannelAsset.url_key.in_(chunk))
            .options(selectinload(ChannelAsset.metrics))
        ):
            found[str(asset.url_key)] = asset
    return found


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- applying ------------------------------------------------------------------------------


def apply_import(session: SessionLike, plan: ImportPlan, *, actor: User) -> dict[str, int]:
    """Write a problem-free plan: everything or, on any error, nothing (the caller commits)."""
    if not plan.ok:
        raise ValueError("a plan with problems cannot be applied")
    owners = {
        user.email: user
        for user in session.scalars(
            select(User).where(User.email.in_({r.owner_email for r in plan.communities}))
        )
    }
    existing = _existing_communities(session, [r.key for r in plan.communities])
    now = utcnow()
    new = [record for record in plan.communities if record.key not in existing]
    # New communities go in through batched INSERT ... RETURNING: the ORM's unit of work
    # costs several times more for tens of thousands of rows.
    fresh = [_new_community(record, now, actor) for record in new]
    bulk.insert_communities(
        session,
        [
            (c, owners[r.owner_email].id, services.compute_derived(cast(Community, c)))
            for c, r in zip(fresh, new, strict=True)
        ],
        created_by_id=actor.id,
    )
    touched: list[Community] = []
    # One flush at the end lets SQLAlchemy batch the updates of each table.
    with session.no_autoflush:
        for record in plan.communities:
            community = existing.get(record.key)
            if community is None:
                continue
            for column, value in record.fields.items():
                setattr(community, column, (value or None) if column.startswith("name_") else value)
            if community.status != record.status:
                community.status = record.status
                if record.status == ListingStatus.LISTED and community.listed_at is None:
                    community.listed_at = now
            assets = {a.url_key: a for a in community.assets if a.url_key}
            for item in record.assets:
                asset = assets.get(item.url_key) if item.url_key else None
                if asset is None:
                    asset = ChannelAsset(platform=item.platform)
                    community.assets.append(asset)
                _apply_asset(asset, item, actor)
            touched.append(community)
        # Derived fields before the flush, so each row is written once in its final form.
        facets = [services.compute_derived(community) for community in touched]
    session.flush()
    _rewrite_facets(session, touched, facets)
    return {
        "communities": len(plan.communities),
        "assets": sum(len(r.assets) for r in plan.communities),
    }


def _new_community(record: CommunityRecord, now: Any, actor: User) -> SimpleNamespace:
    """A plain object with a new community's columns, assets, rates and first figures."""
    fields: dict[str, Any] = dict.fromkeys(COMMUNITY_COLUMNS, "")
    fields.update({column: [] for column in LIST_COLUMNS})
    fields.update(record.fields)
    for column in ("name_he", "name_en"):
        fields[column] = fields[column] or None
    fields.pop("owner_email", None)
    fields.pop("status", None)
    defaults = {"region": "nationwide", "audience_kind": "b2c", "admission": "open",
                "monetisation_experience": "none"}  # fmt: skip
    for column, default in defaults.items():
        fields[column] = fields[column] or default
    fields["disclosure_wording"] = fields["disclosure_wording"] or vocab.DEFAULT_DISCLOSURE
    listed = record.status in (ListingStatus.LISTED, ListingStatus.PAUSED)
    community = SimpleNamespace(
        external_key=record.key, status=record.status, listed_at=now if listed else None,
        audience=[], assets=[], **fields,
    )  # fmt: skip
    for item in record.assets:
        metrics = [
            SimpleNamespace(
                id=None,
                kind=kind,
                value=value,
                observed_on=item.as_of,
                tier=int(item.tier),
                source=item.source or "Catalog import",
            )  # fmt: skip
            for kind, value in [(MetricKind.MEMBERS, float(item.size)), *item.metrics.items()]
        ]
        rates = [
            SimpleNamespace(placement=placement, amount_minor=amount, currency=currency)
            for placement, (amount, currency) in item.rates.items()
        ]
        community.assets.append(
            SimpleNamespace(
                platform=item.platform,
                url=item.url,
                url_key=item.url_key,
                handle=item.handle,
                size=item.size,
                interaction_mode=item.interaction_mode,
                posts_per_week=item.posts_per_week,
                rates=rates,
                metrics=metrics,
            )  # fmt: skip
        )
    return community


def _apply_asset(asset: ChannelAsset, item: AssetRecord, actor: User) -> None:
    asset.platform = item.platform
    asset.url, asset.url_key, asset.handle = item.url, item.url_key, item.handle
    asset.interaction_mode = item.interaction_mode
    asset.posts_per_week = item.posts_per_week
    current = {rate.placement: rate for rate in asset.rates}
    for placement, (amount, currency) in item.rates.items():
        rate = current.get(placement)
        if rate is None:
            asset.rates.append(
                RateCard(placement=placement, amount_minor=amount, currency=currency)
            )
        else:
            rate.amount_minor, rate.currency = amount, currency
    for kind, value in [(MetricKind.MEMBERS, float(item.size)), *item.metrics.items()]:
        previous = services.latest_metric(asset, kind) if asset.id else None
        if previous is not None and previous.value == value and previous.observed_on == item.as_of:
            continue  # the same figure again: history stays as it is
        asset.metrics.append(
            MetricSnapshot(
                kind=kind,
                value=value,
                observed_on=item.as_of,
                tier=int(item.tier),
                source=item.source or "Catalog import",
                created_by_id=actor.id,
            )  # fmt: skip
        )
        if kind == MetricKind.MEMBERS and (previous is None or item.as_of >= previous.observed_on):
            asset.size = item.size


def _rewrite_facets(
    session: SessionLike, communities: list[Community], facets: list[set[tuple[str, str]]]
) -> None:
    """Replace the facet rows of the imported communities, in a few bulk statements."""
    ids = [community.id for community in communities]
    for start in range(0, len(ids), 500):
        session.execute(
            delete(CommunityFacet).where(CommunityFacet.community_id.in_(ids[start : start + 500]))
        )
    rows = [
        {"community_id": community.id, "facet": facet, "value": value}
        for community, pairs in zip(communities, facets, strict=True)
        for facet, value in sorted(pairs)
    ]
    for start in range(0, len(rows), 5000):
        session.execute(insert(CommunityFacet), rows[start : start + 5000])


# --- export --------------------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")


def escape_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula (CWE-1236)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_rows(session: SessionLike, *, actor: User) -> list[dict[str, Any]]:
    """Every visible community's assets as flat rows of canonical columns (latest figures)."""
    query = (
        services.visible_communities(actor)
        .order_by(Community.id)
        .options(
            selectinload(Community.owner),
            selectinload(Community.assets).selectinload(ChannelAsset.rates),
            selectinload(Community.assets).selectinload(ChannelAsset.metrics),
        )
    )
    rows: list[dict[str, Any]] = []
    for community in session.scalars(query):
        rows.extend(community_rows(community, community.owner.email))
    return rows


def community_rows(community: Community, owner_email: str) -> list[dict[str, Any]]:
    """One community as flat rows, one per asset, in canonical columns."""
    base: dict[str, Any] = {
        "community_key": community.external_key or f"kesher-{community.id}",
        "owner_email": owner_email,
        "status": community.status.value,
    }
    for column in COMMUNITY_COLUMNS:
        if column in ("owner_email", "status"):
            continue
        value = getattr(community, column)
        base[column] = ", ".join(value or []) if column in LIST_COLUMNS else (value or "")
    rows = []
    for asset in community.assets:
        row = dict(base)
        members = services.latest_metric(asset, MetricKind.MEMBERS)
        row.update(
            platform=asset.platform.value, url=asset.url, handle=asset.handle, size=asset.size,
            interaction_mode=asset.interaction_mode.value,
            posts_per_week=asset.posts_per_week if asset.posts_per_week is not None else "",
            as_of=(members.observed_on if members else date.today()).isoformat(),
            evidence=EvidenceTier(members.tier).slug if members else "self_reported",
            source=members.source if members else "",
        )  # fmt: skip
        currencies = {rate.currency for rate in asset.rates}
        row["currency"] = currencies.pop() if len(currencies) == 1 else ""
        for rate in asset.rates:
            amount = Money(rate.amount_minor, rate.currency).as_decimal()
            row[f"rate_{rate.placement.value}"] = str(amount)
        for column, kind in METRIC_COLUMNS.items():
            latest = services.latest_metric(asset, kind)
            if latest is not None:
                value = latest.value * 100 if kind in RATE_METRICS else latest.value
                row[column] = int(value) if float(value).is_integer() else round(value, 4)
        rows.append(row)
    return rows


def export_file(rows: list[dict[str, Any]], fmt: str, *, hebrew_headers: bool = False) -> bytes:
    """Write rows as CSV (UTF-8 with BOM, for Excel), XLSX or JSON."""
    columns = list(COLUMNS)
    title = {c: COLUMNS[c][1 if hebrew_headers else 0] for c in columns}
    if fmt == "json":
        return json.dumps(_nest(rows), ensure_ascii=False, indent=2).encode()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([title[c] for c in columns])
        for row in rows:
            writer.writerow([escape_cell(_plain(row.get(c, ""))) for c in columns])
        return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Kesher catalog")
        sheet.append([title[c] for c in columns])
        for row in rows:
            sheet.append([escape_cell(row.get(c, "")) for c in columns])
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    raise ValueError(f"unknown export format {fmt!r}")


def _plain(value: Any) -> Any:
    return "" if value is None else value


def _nest(rows: list[dict[str, Any]]) -> dict[str, Any]:
    communities: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = row["community_key"]
        if key not in communities:
            entry: dict[str, Any] = {"community_key": key}
            for column in COMMUNITY_COLUMNS:
                value = row.get(column, "")
                if column in LIST_COLUMNS:
                    value = [v.strip() for v in str(value).split(",") if v.strip()]
                entry[column] = value
            entry["assets"] = []
            communities[key] = entry
        asset: dict[str, Any] = {
            "platform": row["platform"], "url": row["url"], "handle": row["handle"],
            "size": row["size"], "interaction_mode": row["interaction_mode"],
            "posts_per_week": row.get("posts_per_week") or None,
            "currency": row.get("currency") or None,
            "as_of": row["as_of"], "evidence": row["evidence"], "source": row.get("source", ""),
            "rates": {c.removeprefix("rate_"): row[c] for c in RATE_COLUMNS if row.get(c)},
            "metrics": {c: row[c] for c in METRIC_COLUMNS if row.get(c) not in (None, "")},
        }  # fmt: skip
        communities[key]["assets"].append(asset)
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "communities": list(communities.values()),
    }


def problems_by_row(problems: list[ImportProblem]) -> dict[int | None, list[ImportProblem]]:
    grouped: dict[int | None, list[ImportProblem]] = defaultdict(list)
    for problem in problems:
        grouped[problem.row].append(problem)
    return dict(grouped)
