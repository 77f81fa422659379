"""The benchmark tables the engine reads, as admins edit them: stored versions, the active one.

Every function takes the session explicitly and flushes; the caller commits once.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy import select

from marketplace.db import SessionLike
from marketplace.spreadsheet import escape_cell
from marketplace.valuation.models import PricingTableVersion
from pricing.valuation import Priors, default_priors
from pricing.valuation.priors import TABLE_COLUMNS, PriorsError, priors_from_tables, read_tables

# --- admin-edited benchmark tables ----------------------------------------------------------

#: The key of ``model.json``'s text in a version's `tables` (the model settings it ran with).
MODEL_KEY = "model"

#: Priors built from stored versions, by model version (a version's tables never change).
_PRIORS_BY_VERSION: dict[str, Priors] = {}

#: What a spreadsheet would run as a formula; `escape_cell` prefixes such cells with ``'``.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")


def table_names() -> list[str]:
    """The editable tables, in the order the engine reads them (``sources`` first)."""
    return list(TABLE_COLUMNS)


def _to_csv(frame: pd.DataFrame) -> str:
    return str(frame.to_csv(index=False, lineterminator="\n"))


def _unescape(value: str) -> str:
    """Undo the download's formula escape, so a table round-trips through a spreadsheet."""
    if value.startswith("'") and value[1:].startswith(_FORMULA_PREFIXES):
        return value[1:]
    return value


def parse_table(name: str, text: str) -> pd.DataFrame:
    """Read one table's CSV text as the engine does (every cell a string); PriorsError if not."""
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        raise PriorsError(f"{name}.csv cannot be read as CSV: {error}") from None
    columns = [str(c).strip() for c in frame.columns]
    if any(c.startswith("Unnamed:") or not c for c in columns) or len(set(columns)) != len(columns):
        raise PriorsError(f"{name}.csv has empty or repeated column names: {columns}")
    frame.columns = pd.Index(columns)
    return frame.map(lambda v: _unescape(str(v).strip()))


def priors_from_texts(tables: Mapping[str, str]) -> Priors:
    """Build and validate the priors of a stored set of table texts (PriorsError on any flaw)."""
    frames = {name: parse_table(name, tables.get(name, "")) for name in TABLE_COLUMNS}
    try:
        model = json.loads(tables[MODEL_KEY])
    except (KeyError, ValueError) as error:
        raise PriorsError(f"model.json cannot be read: {error}") from None
    return priors_from_tables(frames, model)


def shipped_texts() -> dict[str, str]:
    """The shipped tables of ``pricing/data`` as a version's `tables` (CSV texts + model.json)."""
    frames, model = read_tables(None)
    texts = {name: _to_csv(frames[name]) for name in TABLE_COLUMNS}
    texts[MODEL_KEY] = json.dumps(model, ensure_ascii=False, indent=2)
    return texts


def active_version(session: SessionLike) -> PricingTableVersion | None:
    """The version estimates use now; None means the shipped tables."""
    return session.scalars(
        select(PricingTableVersion).where(PricingTableVersion.is_active.is_(True)).limit(1)
    ).first()


def version_priors(version: PricingTableVersion) -> Priors:
    """The priors of a stored version, built once per process."""
    priors = _PRIORS_BY_VERSION.get(version.model_version)
    if priors is None:
        priors = priors_from_texts(version.tables)
        _PRIORS_BY_VERSION[version.model_version] = priors
    return priors


def active_priors(session: SessionLike) -> Priors:
    """The priors estimates are computed with: the active version's, else the shipped ones."""
    version = active_version(session)
    return default_priors() if version is None else version_priors(version)


def current_texts(session: SessionLike) -> dict[str, str]:
    """The table texts in use: the active version's, else the shipped ones."""
    version = active_version(session)
    return dict(version.tables) if version is not None else shipped_texts()


def download_csv(text: str) -> str:
    """A table's CSV for download, formula-like cells neutralised (as the catalog export)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in csv.reader(io.StringIO(text)):
        writer.writerow([escape_cell(cell) for cell in row])
    return out.getvalue()


def create_version(
    session: SessionLike, *, table: str, text: str, note: str, actor: Any
) -> PricingTableVersion:
    """Store a new, inactive version: the tables in use with `table` replaced by `text`.

    The whole set is validated by building its priors; PriorsError says what is wrong and
    nothing is stored.
    """
    if table not in TABLE_COLUMNS:
        raise PriorsError(f"unknown table {table!r}")
    frame = parse_table(table, text)
    tables = current_texts(session)
    tables[table] = _to_csv(frame)
    priors = priors_from_texts(tables)
    version = priors.model_version
    if version == active_priors(session).model_version:
        raise PriorsError(f"nothing changed: these tables are model version {version}")
    existing = session.scalars(
        select(PricingTableVersion).where(PricingTableVersion.model_version == version)
    ).first()
    if existing is not None:
        raise PriorsError(f"these tables are already stored as model version {version}")
    row = PricingTableVersion(
        created_by_id=getattr(actor, "id", None),
        note=note,
        model_version=version,
        tables=tables,
        is_active=False,
    )
    session.add(row)
    session.flush()
    _PRIORS_BY_VERSION[version] = priors
    return row


def make_active(session: SessionLike, version: PricingTableVersion) -> None:
    """Make `version` the only active one; the estimates follow by a recompute (a job)."""
    version_priors(version)  # refuse to activate tables that no longer validate
    for other in session.scalars(
        select(PricingTableVersion).where(PricingTableVersion.is_active.is_(True))
    ):
        other.is_active = False
    session.flush()
    version.is_active = True
    session.flush()
