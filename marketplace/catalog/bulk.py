"""Insert many new communities at once: batched INSERT ... RETURNING instead of the ORM's flush.

Used by the catalog import (for communities that are new) and by the benchmark demo catalog.
The input objects only need the attributes of the models (transient ORM objects or simple
namespaces both do); ids come back from the database, so sequences stay right on PostgreSQL.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text

from marketplace.catalog.models import (
    AudienceShare,
    ChannelAsset,
    Community,
    CommunityFacet,
    MetricSnapshot,
    RateCard,
)
from marketplace.db import SessionLike

BATCH = 2_000


def _row(model: Any, obj: Any, fixed: dict[str, Any]) -> dict[str, Any]:
    """A complete parameter row: the object's values, else the column's Python default."""
    row: dict[str, Any] = {}
    for column in model.__table__.columns:
        key = column.key
        if key == "id":
            continue
        if key in fixed:
            row[key] = fixed[key]
            continue
        value = getattr(obj, key, None)
        if value is None and column.default is not None:
            default = column.default.arg
            value = default(None) if callable(default) else default
        row[key] = value
    return row


def _insert_returning_ids(
    session: SessionLike, model: Any, rows: list[dict[str, Any]]
) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        statement = insert(model).returning(model.id, sort_by_parameter_order=True)
        ids.extend(session.scalars(statement, rows[start : start + BATCH]).all())
    return ids


def _insert(session: SessionLike, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(model), rows[start : start + BATCH])


def insert_communities(
    session: SessionLike,
    items: Sequence[tuple[Any, int, Iterable[tuple[str, str]]]],
    *,
    created_by_id: int | None = None,
) -> list[int]:
    """Insert (community, owner id, facets) triples with their assets, rates, figures, audience.

    Derived fields (totals, search text) must already be set on the communities.
    """
    community_ids = _insert_returning_ids(
        session, Community, [_row(Community, c, {"owner_id": owner}) for c, owner, _f in items]
    )
    assets = [
        (asset, community_id)
        for (community, _owner, _facets), community_id in zip(items, community_ids, strict=True)
        for asset in community.assets
    ]
    asset_ids = _insert_returning_ids(
        session, ChannelAsset, [_row(ChannelAsset, a, {"community_id": cid}) for a, cid in assets]
    )
    _insert(
        session,
        RateCard,
        [
            _row(RateCard, rate, {"asset_id": asset_id})
            for (asset, _cid), asset_id in zip(assets, asset_ids, strict=True)
            for rate in asset.rates
        ],
    )
    _insert(
        session,
        MetricSnapshot,
        [
            _row(MetricSnapshot, metric, {"asset_id": asset_id, "created_by_id": created_by_id})
            for (asset, _cid), asset_id in zip(assets, asset_ids, strict=True)
            for metric in asset.metrics
        ],
    )
    _insert(
        session,
        AudienceShare,
        [
            _row(AudienceShare, share, {"community_id": community_id})
            for (community, _o, _f), community_id in zip(items, community_ids, strict=True)
            for share in community.audience
        ],
    )
    _insert(
        session,
        CommunityFacet,
        [
            {"community_id": community_id, "facet": facet, "value": value}
            for (_c, _o, facets), community_id in zip(items, community_ids, strict=True)
            for facet, value in sorted(facets)
        ],
    )
    return community_ids


# --- the fast loader: ids chosen here, rows written by the driver's own bulk path ------------

#: The tables a catalog load writes, each with a trigger that advances the catalog version
#: (migrations d4e6f8a0b2c4 and b8d0f2a4c6e8).
VERSIONED = (
    "communities",
    "channel_assets",
    "community_facets",
    "audience_shares",
    "rate_cards",
    "metric_snapshots",
)


def next_ids(session: SessionLike, model: Any) -> int:
    """The first free id of a table, for a loader that numbers its own rows."""
    return int(session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1


def _converters(model: Any, dialect: Any, *, with_id: bool) -> list[tuple[str, Any, Any]]:
    """(column key, the default's bound value, bind processor) for the columns of the table.

    Without ``with_id`` the id column is left to the database. A Python default (a value,
    or a callable such as the current time) is evaluated and converted once per load, not
    once per row: the rows of one load are written at one moment.
    """
    converters = []
    for column in model.__table__.columns:
        if column.key == "id" and not with_id:
            continue
        default = None
        if column.default is not None and not getattr(column.default, "is_sequence", False):
            default = column.default.arg
            if callable(default):
                default = default(None)
        processor = column.type._cached_bind_processor(dialect)  # noqa: SLF001 - what Core uses
        if default is not None and processor is not None:
            default = processor(default)
        converters.append((column.key, default, processor))
    return converters


def _tuples(
    converters: list[tuple[str, Any, Any]], rows: Sequence[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """The rows as value tuples in the converters' column order, converted column by column.

    A missing value takes the column's default; any other goes through its bind processor.
    """
    columns = []
    for key, default, processor in converters:
        values = [row.get(key) for row in rows]
        if processor is not None:
            values = [default if v is None else processor(v) for v in values]
        elif default is not None:
            values = [default if v is None else v for v in values]
        columns.append(values)
    return list(zip(*columns, strict=True))


def load(session: SessionLike, model: Any, rows: Sequence[dict[str, Any]]) -> int:
    """Write complete rows with the driver's bulk path; return how many.

    Rows carry their ids, or none of them does and the database numbers them.

    COPY on PostgreSQL, a plain ``executemany`` on SQLite: no RETURNING, no ORM, no per-row
    statement. Values go through the columns' own bind processors (enums, JSON, UTC times)
    and missing ones take the columns' Python defaults, so the rows equal what an ORM insert
    writes.
    """
    connection = session.connection()
    dialect = connection.dialect
    if not rows:
        return 0
    converters = _converters(model, dialect, with_id="id" in rows[0])
    names = [model.__table__.columns[key].name for key, _d, _p in converters]
    raw = connection.connection.dbapi_connection
    assert raw is not None
    table = model.__table__.name
    values = _tuples(converters, rows)
    if dialect.name == "postgresql":
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            statement = f"COPY {table} ({', '.join(names)}) FROM STDIN"  # noqa: S608 - our names
            with cursor.copy(statement) as copy:
                for row in values:
                    copy.write_row(row)
        return len(values)
    statement = (
        f"INSERT INTO {table} ({', '.join(names)}) "  # noqa: S608 - names from our own models
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    cursor = raw.cursor()
    cursor.executemany(statement, values)
    cursor.close()
    return len(values)


class version_triggers_paused:  # noqa: N801 - used as a `with` block, like contextlib's
    """Within the block, catalog writes do not each advance the catalog version; it moves once.

    A bulk load of millions of rows would otherwise run one trigger per row. The triggers are
    switched off inside the same transaction (DDL is transactional on SQLite and PostgreSQL),
    so a failed load rolls them back on together with its rows; the version is advanced once
    at the start, which is all a reader needs to see that the catalog changed.
    """

    def __init__(self, session: SessionLike) -> None:
        self.session = session
        self.saved: list[str] = []

    def __enter__(self) -> None:
        session = self.session
        # First a write, so the transaction is open before any DDL (pysqlite autocommits DDL
        # outside one).
        session.execute(text("UPDATE catalog_state SET version = version + 1 WHERE id = 1"))
        if session.get_bind().dialect.name == "postgresql":
            for table in VERSIONED:
                trigger = f"catalog_version_{table}"
                session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
            return
        found = session.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'catalog_version_%' AND tbl_name IN :tables"
            ).bindparams(bindparam("tables", expanding=True)),
            {"tables": list(VERSIONED)},
        ).all()
        for name, sql in found:
            self.saved.append(sql)
            session.execute(text(f'DROP TRIGGER "{name}"'))

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is not None:
            return  # the transaction is lost: its rollback restores the triggers
        session = self.session
        if session.get_bind().dialect.name == "postgresql":
            for table in VERSIONED:
                trigger = f"catalog_version_{table}"
                session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))
            return
        for sql in self.saved:
            session.execute(text(sql))


#: The SQLite full-text index of communities and the trigger that feeds it row by row
#: (migration d210b9a51867): a bulk load fills it in one statement at the end instead.
_SEARCH_INDEX = "community_search"
_SEARCH_INSERT_TRIGGER = "community_search_ai"


class indexes_deferred:  # noqa: N801 - used as a `with` block, like contextlib's
    """Within the block, the tables' secondary indexes are dropped; at its end, built again.

    Building an index once over sorted rows is much cheaper than keeping it up to date row by
    row while millions are written (random B-tree inserts; on PostgreSQL the GIN index of the
    search text the most). On SQLite the full-text index is filled the same way: its
    per-row insert trigger is dropped and the new rows are indexed by one INSERT … SELECT.
    Indexes that back a constraint (primary keys, UNIQUE constraints) stay. Everything runs in
    the caller's transaction (DDL is transactional on both databases), so a failed load
    rolls back to the indexes as they were.
    """

    def __init__(self, session: SessionLike, tables: Sequence[str], *, first_id: int) -> None:
        self.session = session
        self.tables = list(tables)
        self.first_id = first_id
        self.saved: list[str] = []
        self.search: tuple[str, str] | None = None

    def __enter__(self) -> None:
        session = self.session
        if session.get_bind().dialect.name == "postgresql":
            found = session.execute(
                text(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                    "WHERE i.schemaname = current_schema() AND i.tablename IN :tables "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                    "WHERE c.conname = i.indexname AND c.contype IN ('p', 'u', 'x'))"
                ).bindparams(bindparam("tables", expanding=True)),
                {"tables": self.tables},
            ).all()
        else:
            found = session.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND sql IS NOT NULL AND tbl_name IN :tables"
                ).bindparams(bindparam("tables", expanding=True)),
                {"tables": self.tables},
            ).all()
            trigger = session.execute(
                text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
                {"name": _SEARCH_INSERT_TRIGGER},
            ).scalar()
            if trigger is not None and "communities" in self.tables:
                columns = {
                    row[1] for row in session.execute(text("PRAGMA table_xinfo(communities)"))
                }
                rowid = "search_rank" if "search_rank" in columns else "id"
                self.search = (trigger, rowid)
                session.execute(text(f'DROP TRIGGER "{_SEARCH_INSERT_TRIGGER}"'))
        for name, sql in found:
            self.saved.append(sql)
            session.execute(text(f'DROP INDEX "{name}"'))

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is not None:
            return  # the transaction is lost: its rollback restores the indexes
        session = self.session
        for sql in self.saved:
            session.execute(text(sql))
        if self.search is not None:
            trigger, rowid = self.search
            session.execute(
                text(
                    f"INSERT INTO {_SEARCH_INDEX}(rowid, search_text, facet_text) "  # noqa: S608
                    f"SELECT {rowid}, search_text, facet_text FROM communities WHERE id >= :first"
                ),
                {"first": self.first_id},
            )
            session.execute(text(trigger))


class sqlite_bulk_settings:  # noqa: N801 - used as a `with` block, like contextlib's
    """On SQLite, a large page cache and in-memory sorting for this connection during a load.

    The default cache (2 MB) makes every insert into a large table's B-trees, and each index
    built at the end, go back to the file; 256 MB keeps a 100,000-community load in memory.
    Only this connection, only for the block (the previous values are put back); nothing
    here weakens durability.
    """

    def __init__(self, session: SessionLike) -> None:
        self.session = session
        self.saved: list[tuple[str, Any]] = []

    def __enter__(self) -> None:
        if self.session.get_bind().dialect.name != "sqlite":
            return
        for pragma, value in (("cache_size", -262_144), ("temp_store", 2)):
            self.saved.append((pragma, self.session.execute(text(f"PRAGMA {pragma}")).scalar()))
            self.session.execute(text(f"PRAGMA {pragma} = {int(value)}"))

    def __exit__(self, *exc: object) -> None:
        for pragma, value in self.saved:
            self.session.execute(text(f"PRAGMA {pragma} = {int(value)}"))


class collector_paused:  # noqa: N801 - used as a `with` block, like contextlib's
    """Python's cyclic garbage collector off within the block (back on after, if it was on).

    A bulk load makes millions of small dicts, tuples and lists, none in a cycle; each of
    the collector's passes walks every live object, and they cost more than half of
    generating a demo catalog.
    """

    def __enter__(self) -> None:
        self.enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            gc.enable()


def reset_sequences(session: SessionLike, models: Iterable[Any]) -> None:
    """After rows were written with their own ids, move PostgreSQL's id sequences past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__table__.name
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        )
