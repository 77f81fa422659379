"""Catalog search: full text (FTS5 on SQLite, tsvector on PostgreSQL), facets, keyset paging."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    cast,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import selectinload

from marketplace.auth.models import User
from marketplace.catalog import vocab
from marketplace.catalog.models import ChannelAsset, Community, CommunityFacet, ListingStatus
from marketplace.catalog.services import STAFF_ROLES, search_terms, visible_communities
from marketplace.db import SessionLike
from marketplace.errors import KesherError

PAGE_SIZE = 20
MAX_QUERY_WORDS = 8

#: Facet filters: URL parameter → facet name in CommunityFacet.
FACET_PARAMS = {
    "platform": "platform",
    "topic": "topic",
    "language": "language",
    "region": "region",
    "audience": "audience",
    "audience_kind": "audience_kind",
    "size": "size",
    "price": "price",
}

SORTS = ("relevance", "newest", "largest", "smallest", "cheapest")


class BadSearch(KesherError):
    code = "bad_search"


@dataclass(frozen=True)
class SearchParams:
    """What the user asked for; built from query-string arguments."""

    q: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    evidence: int = 0
    status: str | None = None
    sort: str = "relevance"
    cursor: str | None = None
    per_page: int = PAGE_SIZE

    @classmethod
    def from_args(cls, args: Any) -> SearchParams:
        """Read the parameters of a search page or API call, refusing nonsense clearly."""
        filters = {
            name: tuple(v for v in args.getlist(name) if v)
            for name in FACET_PARAMS
            if args.getlist(name)
        }
        sort = args.get("sort") or ("relevance" if args.get("q") else "newest")
        if sort not in SORTS:
            raise BadSearch(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
        try:
            evidence = int(args.get("evidence") or 0)
            per_page = min(max(int(args.get("per_page") or PAGE_SIZE), 1), 100)
        except ValueError as error:
            raise BadSearch("evidence and per_page must be whole numbers") from error
        status = args.get("status") or None
        if status is not None and status not in {s.value for s in ListingStatus}:
            raise BadSearch(f"unknown status {status!r}")
        return cls(
            q=(args.get("q") or "").strip()[:200],
            filters=filters,
            evidence=evidence,
            status=status,
            sort=sort,
            cursor=args.get("cursor") or None,
            per_page=per_page,
        )


@dataclass
class SearchPage:
    items: list[Community]
    next_cursor: str | None
    params: SearchParams


def _words(q: str) -> list[list[str]]:
    """Each query word with its variants (a Hebrew word also without its prefix letter)."""
    groups: list[list[str]] = []
    for word in search_terms(q)[: MAX_QUERY_WORDS * 2]:
        if groups and len(word) == len(groups[-1][0]) - 1 and groups[-1][0][1:] == word:
            groups[-1].append(word)
        else:
            groups.append([word])
    return groups[:MAX_QUERY_WORDS]


def fts5_query(q: str) -> str | None:
    """A safe FTS5 MATCH expression: every word (or its bare form) as a prefix, all required."""
    groups = _words(q)
    if not groups:
        return None
    return " AND ".join("(" + " OR ".join(f'"{w}"*' for w in group) + ")" for group in groups)


def tsquery(q: str) -> str | None:
    """The same query for PostgreSQL's to_tsquery('simple', …)."""
    groups = _words(q)
    if not groups:
        return None
    return " & ".join("(" + " | ".join(f"{w}:*" for w in group) + ")" for group in groups)


def _encode(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as error:
        raise BadSearch("the page cursor is damaged; start the search again") from error
    if not isinstance(values, list):
        raise BadSearch("the page cursor is damaged; start the search again")
    return values


def _after(keys: list[tuple[Any, bool]], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order given by (column, descending) keys."""
    if len(values) != len(keys):
        raise BadSearch("the page cursor is damaged; start the search again")
    clauses = []
    for i, (col, descending) in enumerate(keys):
        equal = [keys[j][0] == values[j] for j in range(i)]
        beyond = col < values[i] if descending else col > values[i]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


def search(session: SessionLike, params: SearchParams, user: User) -> SearchPage:
    """Run a catalog search for `user`, one page at a time (keyset paging, fast at any depth)."""
    query = visible_communities(user)
    if params.status and user.role in STAFF_ROLES:
        query = query.where(Community.status == params.status)
    for name, values in params.filters.items():
        facet = FACET_PARAMS[name]
        query = query.where(
            Community.id.in_(
                select(CommunityFacet.community_id).where(
                    CommunityFacet.facet == facet, CommunityFacet.value.in_(values)
                )
            )
        )
    if params.evidence:
        query = query.where(Community.best_evidence >= params.evidence)

    rank: ColumnElement[Any] | None = None
    if params.q:
        query, rank = _apply_text(session, query, params.q)

    keys = _sort_keys(params.sort, rank)
    if params.cursor:
        query = query.where(_after(keys, _decode(params.cursor)))
    query = query.order_by(*[(c.desc() if d else c.asc()) for c, d in keys])
    key_columns = [c.label(f"k{i}") for i, (c, _d) in enumerate(keys)]
    rows = session.execute(query.add_columns(*key_columns).limit(params.per_page + 1)).all()
    has_more = len(rows) > params.per_page
    rows = rows[: params.per_page]
    items = [row[0] for row in rows]
    _load_assets(session, items)
    next_cursor = _encode(list(rows[-1][1:])) if has_more and rows else None
    return SearchPage(items=items, next_cursor=next_cursor, params=params)


def _apply_text(
    session: SessionLike, query: Select[Any], q: str
) -> tuple[Select[Any], ColumnElement[Any] | None]:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        match = fts5_query(q)
        if match is None:
            return query, None
        fts = table("community_search", column("rowid"), column("rank"))
        hits = (
            select(fts.c.rowid.label("id"), literal_column("bm25(community_search)").label("score"))
            .select_from(fts)
            .where(text("community_search MATCH :match").bindparams(match=match))
            .subquery()
        )
        query = query.join(hits, hits.c.id == Community.id)
        # bm25 is smaller for better matches; scaled to an integer so the cursor is exact.
        return query, cast(hits.c.score * 1_000_000, Integer)
    expression = tsquery(q)
    if expression is None:
        return query, None
    vector = func.to_tsvector("simple", Community.search_text)
    ts = func.to_tsquery("simple", expression)
    query = query.where(vector.op("@@")(ts))
    return query, cast(func.ts_rank(vector, ts) * -1_000_000, Integer)


def _sort_keys(sort: str, rank: ColumnElement[Any] | None) -> list[tuple[Any, bool]]:
    """(column, descending) pairs, always ending in the id so the order is total."""
    if sort == "relevance" and rank is not None:
        return [(rank, False), (Community.id, False)]
    if sort == "largest":
        return [(Community.total_size, True), (Community.id, True)]
    if sort == "smallest":
        return [(Community.total_size, False), (Community.id, False)]
    if sort == "cheapest":
        return [(func.coalesce(Community.min_rate_ils, 2**31 - 1), False), (Community.id, False)]
    return [(Community.id, True)]  # newest first: ids grow with time


def _load_assets(session: SessionLike, items: list[Community]) -> None:
    """Load the page's assets in one query (the results list shows their platforms)."""
    if items:
        session.scalars(
            select(Community)
            .where(Community.id.in_([c.id for c in items]))
            .options(selectinload(Community.assets).selectinload(ChannelAsset.rates))
        ).all()


def with_cursor(params: SearchParams, cursor: str | None) -> SearchParams:
    return replace(params, cursor=cursor)


def facet_choices() -> dict[str, dict[str, Any]]:
    """The filter options the browse page offers, by parameter."""
    return {
        "platform": {p.value: label for p, label in vocab.PLATFORMS.items()},
        "topic": dict(vocab.TOPICS),
        "language": dict(vocab.LANGUAGES),
        "region": dict(vocab.REGIONS),
    }
