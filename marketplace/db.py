"""The declarative base, the constraint naming convention and column types shared by all models."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, TypeAlias

from sqlalchemy import DateTime, Dialect, MetaData, TypeDecorator, func
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, scoped_session

#: Deterministic constraint names, so Alembic migrations read the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time, aware and in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always stored and returned as an aware UTC datetime.

    SQLite has no time zones and hands back naive values; this type refuses naive input and
    re-attaches UTC on the way out, so both databases behave the same.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base class of every Kesher model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: What services accept: a plain session, or Flask-SQLAlchemy's request-scoped one.
SessionLike: TypeAlias = Session | scoped_session[Any]

#: Search structures that live outside the ORM metadata (created by migrations, per dialect):
#: SQLite's FTS5 table and its shadow tables, PostgreSQL's full-text GIN index, and the static
#: search rank (a generated column, stored on PostgreSQL, virtual on SQLite) with its index,
#: and PostgreSQL's stored tsvector.
SEARCH_OBJECT_PREFIXES = (
    "community_search",
    "ix_communities_search",
    "search_rank",
    "search_vector",
)


def include_in_schema_comparison(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Tell Alembic's comparison to leave the dialect-specific search structures alone."""
    return not (name or "").startswith(SEARCH_OBJECT_PREFIXES)


intpk = Annotated[int, mapped_column(primary_key=True)]
created_at = Annotated[
    datetime, mapped_column(UTCDateTime(), default=utcnow, server_default=func.now())
]


_DRIVER_SQL: dict[tuple[str, str], str] = {}


def driver_sql(session: SessionLike, sql: str, params: dict[str, Any] | None = None) -> Any:
    """Run a fixed SQL text, written with ``:name`` parameters, on the session's connection.

    For the few statements every page runs (the catalog version, the unread count): an ORM
    ``select()`` is rebuilt and keyed for the cache on each call, which costs several times
    the database's own work for a one-row read. The text goes to the driver as it is (in
    PostgreSQL's ``%(name)s`` style there), so psycopg prepares it after a few uses.

    Like the ORM's own queries it flushes what the session holds first (autoflush): a
    transaction that has just added communities must read the catalog version they moved
    (the demo seed ranks its own catalog before committing).
    """
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    connection = session.connection()
    dialect = connection.dialect.name
    found = _DRIVER_SQL.get((dialect, sql))
    if found is None:
        found = sql if dialect == "sqlite" else re.sub(r":(\w+)", r"%(\1)s", sql)
        _DRIVER_SQL[(dialect, sql)] = found
    return connection.exec_driver_sql(found, params or {})
