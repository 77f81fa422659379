"""The browse page's results list: a relevance search as one fixed SQL text per shape.

A search that all users send differently cannot come from a cache, so its own cost is what
counts. Building the SQLAlchemy statement for it (some sixty coercions, its cache key, the
ORM's result set-up) cost more CPU than the database's own work; here a relevance search of a
brand or staff is one SQL text chosen from a handful, with every value a bound parameter, and
run as it is. The texts never vary with the words or the filters (those travel in the MATCH
expression or the tsquery, as parameters), so PostgreSQL (psycopg) prepares each one on a
connection after a few uses, and SQLite keeps it in its statement cache.

Anything else (no words, another order, an owner's own listings, a cursor of another shape)
is answered by `search.search`, which returns the same rows: the tests compare the two.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from dataclasses import replace
from functools import cache
from typing import Any

from marketplace.auth.models import Role, User
from marketplace.catalog import search
from marketplace.catalog.cache import catalog_version
from marketplace.catalog.fulltext import fts5_query, prefix_terms, tsquery
from marketplace.catalog.models import ListingStatus
from marketplace.db import SessionLike
from pricing.taxonomy import Platform

#: The columns of `search.LIST_COLUMNS`, in the same order, as SQL.
_COLUMNS = ", ".join(f"c.{column.key}" for column in search.LIST_COLUMNS)


def list_page(
    session: SessionLike, params: search.SearchParams, user: User, version: int | None
) -> search.SearchPage:
    """One page of a results list, as `search.search(..., for_list=True)` answers it."""
    if user.role not in search.STAFF_ROLES and search.OWNER_RATE_FILTER in params.filters:
        params = replace(
            params,
            filters={k: v for k, v in params.filters.items() if k != search.OWNER_RATE_FILTER},
        )
    page = _relevance_page(session, params, user, version)
    if page is None:
        page = search.search(session, params, user, version=version, for_list=True)
    return page


def _cursor(params: search.SearchParams) -> tuple[int, int] | None:
    """The cursor's (rank, id), None for the first page; BadSearch for any other value."""
    if not params.cursor:
        return None
    values = search.decode_cursor(params.cursor)
    if len(values) != 2 or not all(type(value) is int for value in values):
        raise search.BadSearch("the page cursor is damaged; start the search again")
    return values[0], values[1]


def _relevance_page(
    session: SessionLike, params: search.SearchParams, user: User, version: int | None
) -> search.SearchPage | None:
    """The page of a relevance text search of a brand or staff, or None for other shapes."""
    if not params.q or params.sort != "relevance" or user.role is Role.OWNER:
        return None
    after = _cursor(params)
    listed_only = user.role not in search.STAFF_ROLES
    dialect = session.get_bind().dialect.name
    values: dict[str, Any] = {"limit": params.per_page + 1, "listed": ListingStatus.LISTED.value}
    if after is not None:
        values["after_rank"], values["after_id"] = after
    if dialect == "sqlite":
        if version is None:
            version = catalog_version(session)
        text_match = fts5_query(params.q, prefix_terms(session, version))
        if text_match is None:
            return None
        # The filters, but not the hidden statuses: the join tests each row's status, and
        # FTS5 reading those words' long lists cost 40% of the query (see _sqlite_sql).
        groups = search.facet_groups(params, user)
        values["match"] = f"search_text : ({text_match})" + "".join(
            " AND facet_text : (" + " OR ".join(group) + ")" for group in groups
        )
        sql = _sqlite_sql(listed_only, after is not None)
    elif dialect == "postgresql":
        words = tsquery(params.q)
        if words is None:
            return None
        values["words"] = words
        facets = search.facet_tsquery(params, user)
        if facets:
            values["facets"] = facets
        few = estimated_matches(session, words, facets) < search.FEW_MATCHES
        sql = _postgresql_sql(listed_only, after is not None, few, bool(facets))
    else:
        return None
    rows = list(session.connection().exec_driver_sql(sql, values).all())
    return _page(rows, params)


def _page(rows: list[Any], params: search.SearchParams) -> search.SearchPage:
    """The rows (listed columns, channels, rank, id) as a results page and its next cursor."""
    has_more = len(rows) > params.per_page
    rows = rows[: params.per_page]
    width = len(search.LIST_COLUMNS)
    names = [column.key for column in search.LIST_COLUMNS]
    items = []
    for row in rows:
        item = search.ListedCommunity(**dict(zip(names, row[:width], strict=True)))
        item.status = ListingStatus(item.status)
        if isinstance(item.topics, str):  # SQLite hands JSON back as text
            item.topics = json.loads(item.topics)
        listed = sorted(
            (int(asset_id), platform, int(size))
            for asset_id, platform, size in (
                piece.split(":") for piece in str(row[width] or "").split(",") if piece
            )
        )
        item.assets = [
            search.ListedChannel(Platform(platform), size) for _id, platform, size in listed
        ]
        items.append(item)
    cursor = search.encode_cursor([rows[-1][width + 1], rows[-1][width + 2]]) if has_more else None
    return search.SearchPage(items=items, next_cursor=cursor, params=params)


def _channels(aggregate: str) -> str:
    """Each row's channels as one text, "id:platform:size,…" (see search._channels_column)."""
    piece = (
        "CAST(a.id AS VARCHAR) || ':' || CAST(a.platform AS VARCHAR) || ':' || "
        "CAST(a.size AS VARCHAR)"
    )
    return (
        f"(SELECT {aggregate}({piece}, ',') FROM channel_assets AS a "  # noqa: S608 - fixed text
        "WHERE a.community_id = c.id)"
    )


@cache
def _sqlite_sql(listed_only: bool, after: bool) -> str:
    """FTS5 hands out the matches in rank order (its rowid is the static rank), each is joined
    to its community by the rank's index and tested, and the page's end stops both: no sort,
    and only the page's rows (and those skipped as not visible) are read.

    Testing the status in the join costs less than excluding the hidden statuses' words in
    the MATCH, which makes FTS5 read their long lists (0.48 against 0.79 ms a search at 100k).
    """
    conditions = ["community_search MATCH :match"]
    if after:
        conditions.append("s.rowid > :after_rank")
    if listed_only:
        conditions.append("c.status = :listed")
    return (
        f"SELECT {_COLUMNS}, {_channels('group_concat')}, s.rowid, c.id "  # noqa: S608 - fixed
        "FROM community_search AS s JOIN communities AS c ON c.search_rank = s.rowid "
        f"WHERE {' AND '.join(conditions)} ORDER BY s.rowid LIMIT :limit"
    )


def _match(vector: str, facets: bool) -> str:
    return search.vector_match(vector, "%(words)s", "%(facets)s" if facets else None)


#: What the planner estimates, by part: the rows a word's tsquery matches, the rows the
#: filters' tsquery matches, and the rows of the catalog.
_ESTIMATED = {
    "words": "SELECT 1 FROM communities WHERE search_vector @@ to_tsquery('simple', %(words)s)",
    "facets": "SELECT 1 FROM communities WHERE search_vector @@ CAST(%(facets)s AS tsquery)",
    "total": "SELECT 1 FROM communities",
}
#: The estimates are kept per process for this long (they only choose a plan; the rows are
#: the same either way), then asked again, so a new ANALYZE is seen within minutes.
ESTIMATE_SECONDS = 600
_estimates: OrderedDict[tuple[str, str, str, int], float] = OrderedDict()
_estimates_lock = threading.Lock()


def estimated_matches(session: SessionLike, words: str, facets: str) -> float:
    """The planner's estimate of a search's matches (see search._apply_tsquery), from parts
    kept per process: a word's and a selection of filters'.

    The planner takes the words and the filters as independent, so its estimate of both is
    words × filters / catalog (3,476 × 16,974 / 100,439 = 587, as it says of the whole): the
    parts are kept, and a search of a word already seen with new filters, or new words with
    filters already seen, asks one EXPLAIN for what is missing, usually none. (Every search
    of the benchmark's mix is different; its words and its filters are not.) Each part is its
    own EXPLAIN, read at the plan's top: a UNION ALL of them may be planned in parallel, and a
    parallel plan's inner rows are each worker's share.
    """
    url = str(session.get_bind().engine.url)
    period = int(time.time() // ESTIMATE_SECONDS)
    wanted = {"words": words, "total": ""} | ({"facets": facets} if facets else {})
    found: dict[str, float] = {}
    for part, text in wanted.items():
        key = (url, part, text, period)
        with _estimates_lock:
            kept = _estimates.get(key)
            if kept is not None:
                _estimates.move_to_end(key)
        if kept is None:
            plan: Any = (
                session.connection()
                .exec_driver_sql(
                    "EXPLAIN (FORMAT JSON) " + _ESTIMATED[part],
                    {part: text} if part != "total" else {},
                )
                .scalar()
            )
            kept = float(plan[0]["Plan"]["Plan Rows"])
            with _estimates_lock:
                _estimates[key] = kept
                while len(_estimates) > 4096:
                    _estimates.popitem(last=False)
        found[part] = kept
    if not facets:
        return found["words"]
    return found["words"] * found["facets"] / max(found["total"], 1.0)


#: The "many matches" plan walks the rank index over at most this many communities (the best
#: ranked), testing each; the matches past them, if the page is not full yet, are read from the
#: GIN index and sorted. The planner's estimate of the matches can be far off (a word and a
#: platform that never meet: 2,066 estimated, none found), and an unbounded walk then tested
#: every community: 1.8–2.9 s at 100k. With an estimate of 2,000 matches or more (FEW_MATCHES),
#: about 60 are expected among the first 3,000 at 100k, so the walk usually fills the page.
WALK_ROWS = 3_000


@cache
def _postgresql_sql(listed_only: bool, after: bool, few: bool, facets: bool) -> str:
    """The matches as (id, rank), the page's ids taken from them in rank order, and only those
    rows read in full.

    Few: every match read from the GIN index (a materialised CTE, so the planner cannot test
    the text row by row after a filter instead) with its rank and status, and sorted.
    Many: the rank index walked over the best `WALK_ROWS` communities, each tested, up to the
    page's end; only if that leaves the page short are the matches after them read from the
    GIN index and sorted (a UNION ALL under a LIMIT stops before its second part, and the CTE
    is never computed then). Both parts are in rank order and the second starts where the first
    ends, so the page is the same as one sort of every match.
    """
    status = " AND communities.status = %(listed)s" if listed_only else ""
    prefix = (
        "WITH text_matches AS MATERIALIZED (SELECT communities.id, communities.search_rank "  # noqa: S608
        f"FROM communities WHERE {_match('communities.search_vector', facets)}{status})"
    )
    read_conditions = []
    if not few:
        prefix += (
            ", bound AS (SELECT coalesce((SELECT b.search_rank FROM communities AS b "  # noqa: S608
            f"ORDER BY b.search_rank OFFSET {int(WALK_ROWS)} LIMIT 1), "
            "9223372036854775807) AS rank)"
        )
        read_conditions.append("m.search_rank >= (SELECT bound.rank FROM bound)")
    # The rank is unique (the id is in its low bits), so (rank, id) > cursor is rank > its rank.
    if after:
        read_conditions.append("m.search_rank > %(after_rank)s")
    where = f"WHERE {' AND '.join(read_conditions)} " if read_conditions else ""
    read = (
        f"SELECT m.id, m.search_rank FROM text_matches AS m {where}"  # noqa: S608 - fixed
        "ORDER BY m.search_rank, m.id LIMIT %(limit)s"
    )
    if not few:
        walk_conditions = [
            _match("w.search_vector", facets),
            "w.search_rank < (SELECT bound.rank FROM bound)",
        ]
        if listed_only:
            walk_conditions.append("w.status = %(listed)s")
        if after:
            walk_conditions.append("w.search_rank > %(after_rank)s")
        walk = (
            f"SELECT w.id, w.search_rank FROM communities AS w "  # noqa: S608 - fixed
            f"WHERE {' AND '.join(walk_conditions)} ORDER BY w.search_rank LIMIT %(limit)s"
        )
        read = (
            f"SELECT u.id, u.search_rank FROM (({walk}) UNION ALL ({read})) AS u "  # noqa: S608
            "LIMIT %(limit)s"
        )
    return (
        f"{prefix} SELECT {_COLUMNS}, {_channels('string_agg')}, c.search_rank, c.id "  # noqa: S608
        f"FROM communities AS c JOIN ({read}) AS top ON c.id = top.id "
        "ORDER BY c.search_rank, c.id"
    )
