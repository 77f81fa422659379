"""Insert many new communities at once: batched INSERT ... RETURNING instead of the ORM's flush.

Used by the catalog import (for communities that are new) and by the benchmark demo catalog.
The input objects only need the attributes of the models (transient ORM objects or simple
namespaces both do); ids come back from the database, so sequences stay right on PostgreSQL.
"""

from __future__ import annotations

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
    """(column key, Python default, bind processor) for the columns of the table.

    Without ``with_id`` the id column is left to the database.
    """
    converters = []
    for column in model.__table__.columns:
        if column.key == "id" and not with_id:
            continue
        default = None
        if column.default is not None and not getattr(column.default, "is_sequence", False):
            default = column.default.arg
        processor = column.type._cached_bind_processor(dialect)  # noqa: SLF001 - what Core uses
        converters.append((column.key, default, processor))
    return converters


def _values(converters: list[tuple[str, Any, Any]], row: dict[str, Any]) -> tuple[Any, ...]:
    values = []
    for key, default, processor in converters:
        value = row.get(key)
        if value is None and default is not None:
            value = default(None) if callable(default) else default
        values.append(value if processor is None or value is None else processor(value))
    return tuple(values)


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
    count = 0
    if dialect.name == "postgresql":
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            statement = f"COPY {table} ({', '.join(names)}) FROM STDIN"  # noqa: S608 - our names
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(_values(converters, row))
                    count += 1
        return count
    statement = (
        f"INSERT INTO {table} ({', '.join(names)}) "  # noqa: S608 - names from our own models
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    cursor = raw.cursor()
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(_values(converters, row))
        if len(batch) == 10_000:
            cursor.executemany(statement, batch)
            count += len(batch)
            batch.clear()
    cursor.executemany(statement, batch)
    cursor.close()
    return count + len(batch)


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
