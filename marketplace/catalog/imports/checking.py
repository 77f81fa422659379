"""Checking an import completely before anything is written: every row, then the database.

Every problem is named by row and column; the plan says what the import would do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace import spreadsheet
from marketplace.auth.models import Role, User
from marketplace.catalog import rules, services, vocab
from marketplace.catalog.columns import (
    COMMUNITY_COLUMNS,
    EVIDENCE_NAMES,
    IMPORTABLE_STATUSES,
    METRIC_COLUMNS,
    RATE_COLUMNS,
)
from marketplace.catalog.imports.problems import (
    MAX_NUMBER_CHARS,
    MAX_PROBLEMS,
    ImportProblem,
    ImportProblems,
    ImportRefused,
)
from marketplace.catalog.imports.reading import Row, Table, read_table
from marketplace.catalog.models import ChannelAsset, Community, ListingStatus
from marketplace.db import SessionLike
from marketplace.spreadsheet import shorten
from pricing.money import CURRENCY_EXPONENTS, Money
from pricing.taxonomy import RATE_METRICS, EvidenceTier, InteractionMode, MetricKind, Platform

# --- checking the rows ---------------------------------------------------------------------


@dataclass
class ImportedAsset:
    """One checked row of the file: a channel of a community, with its rates and figures."""

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
class ImportedCommunity:
    """A community as the file describes it (not the matching engine's `CommunityRecord`)."""

    key: str
    row: int
    owner_email: str
    status: ListingStatus
    fields: dict[str, Any]
    assets: list[ImportedAsset] = field(default_factory=list)


@dataclass
class ImportPlan:
    """What an import would do, or why it cannot."""

    filename: str
    sha256: str
    problems: list[ImportProblem]
    communities: list[ImportedCommunity]
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
        # Kesher's own exports guard formula-like cells with a leading apostrophe.
        return spreadsheet.unescape_cell((row.get(column) or "").strip())

    def choice(self, n: int, row: Row, column: str, allowed: Iterable[str], default: str) -> str:
        value = self.text(row, column).lower() or default
        options = list(allowed)
        if value not in options:
            self.add(n, column, f"“{shorten(value)}” is not one of: {', '.join(options)}.")
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
                self.add(n, column, f"unknown value(s) {shorten(', '.join(unknown))}; allowed: "
                                    f"{', '.join(allowed)}.")  # fmt: skip
        return values

    def number(self, n: int, row: Row, column: str, *, integer: bool = False) -> Decimal | None:
        raw = self.text(row, column).replace(",", "").replace("₪", "").replace("%", "").strip()
        if not raw:
            return None
        if len(raw) > MAX_NUMBER_CHARS:
            self.add(n, column, f"“{shorten(raw)}” has more digits than any real figure.")
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            self.add(n, column, f"“{shorten(self.text(row, column))}” is not a number.")
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
        for parse in (iso_date, dmy_date):
            parsed = parse(raw)
            if parsed is not None:
                if parsed > self.today:
                    self.add(n, column, "the date is in the future.")
                    return None
                return parsed
        self.add(n, column, f"“{shorten(raw)}” is not a date; use YYYY-MM-DD or DD/MM/YYYY.")
        return None


def iso_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def dmy_date(raw: str) -> date | None:
    parts = raw.replace(".", "/").replace("-", "/").split("/")
    if len(parts) != 3 or not all(p.isdecimal() for p in parts):
        return None
    day_, month, year = (int(p) for p in parts)
    year += 2000 if year < 100 else 0
    try:
        return date(year, month, day_)
    except ValueError:
        return None


def check_rows(
    table: Table, *, today: date | None = None
) -> tuple[list[ImportedCommunity], list[ImportProblem]]:
    """Turn rows into community records, naming every problem by row and column."""
    checker = _Checker(table.labels, today or date.today())
    communities: dict[str, ImportedCommunity] = {}
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
            record = ImportedCommunity(key, n, owner, status, fields)
            communities[key] = record
        else:
            for column, value in fields.items():
                if value not in ("", [], None) and value != record.fields.get(column):
                    if record.fields.get(column) in ("", [], None):
                        record.fields[column] = value
                    else:
                        checker.add(n, column, f"differs from row {record.row} of the same "
                                               f"community “{shorten(key)}”.")  # fmt: skip
            if owner and owner != record.owner_email:
                checker.add(n, "owner_email", f"differs from row {record.row} of “{shorten(key)}”.")
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


def _asset(checker: _Checker, n: int, row: Row) -> ImportedAsset | None:
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
            checker.add(n, "currency", f"“{shorten(currency)}” is not ILS, USD or EUR.")
            continue
        if amount == 0:
            checker.add(n, column, "a rate must be above zero (leave it empty if not offered).")
            continue
        try:
            minor = Money.from_major(amount, currency).amount_minor
        except ValueError:
            checker.add(n, column, "has more than two decimal places.")
            continue
        over = [message for _field, message in rules.check_rate(minor, currency)]
        if over:  # above the highest rate a rate card takes
            checker.add(n, column, over[0])
            continue
        placement = vocab.PlacementType(column.removeprefix("rate_"))
        offered = rules.check_offered(platform, placement) if platform is not None else []
        for _field, message in offered:  # one table of what each platform has
            checker.add(n, column, message)
        rates[placement] = (minor, currency)
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
    return ImportedAsset(
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
    existing = existing_communities(session, keys)
    url_keys = [a.url_key for r in plan.communities for a in r.assets if a.url_key]
    taken = _existing_assets(session, url_keys)
    new_communities = new_assets = snapshots = 0
    for record in plan.communities:
        owner = owners.get(record.owner_email)
        if record.owner_email and (owner is None or owner.role is not Role.OWNER):
            plan.problems.append(ImportProblem(
                record.row, labels.get("owner_email"),
                f"no community-owner account uses {shorten(record.owner_email)}; create it first.",
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
    plan: ImportPlan, holder: ChannelAsset, asset: ImportedAsset, labels: Mapping[str, str]
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


def existing_communities(session: SessionLike, keys: list[str]) -> dict[str, Community]:
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
