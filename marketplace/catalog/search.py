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
    String,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
    tuple_,
)
from sqlalchemy.orm import defer, selectinload

from marketplace.auth.models import Role, User
from marketplace.catalog.cache import catalog_version
from marketplace.catalog.fulltext import fts5_query, prefix_terms, tsquery
from marketplace.catalog.models import (
    ChannelAsset,
    Community,
    CommunityFacet,
    ListingStatus,
    name_in,
    other_name_in,
    ui_language,
)
from marketplace.catalog.services import (
    HEALTH_SORT_FACET,
    STAFF_ROLES,
    facet_token,
    visible_communities,
)
from marketplace.db import SessionLike
from marketplace.errors import KesherError
from marketplace.safety import MAX_ID, bounded_int
from pricing import safe_json
from pricing.taxonomy import Platform

PAGE_SIZE = 20
#: Letters and digits: FTS5's unicode61 tokenizer and PostgreSQL's parser split on the rest
#: (a lone "_" would become an empty phrase that matches nothing and empties every search).
#: The longest text query (the API document's maxLength for q says the same).
MAX_QUERY_LENGTH = 200
#: The most trusted evidence tier (EvidenceTier.VERIFIED): "at least" more is meaningless.
MAX_EVIDENCE = 4

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
    "health": "health",
    "value": "value",
}

#: The filter on bands of the owner's (lowest) rate: agency staff only.
OWNER_RATE_FILTER = "price"

SORTS = (
    "relevance", "newest", "largest", "smallest", "cheapest", "healthiest", "value",
    "value_per_shekel",
)  # fmt: skip


#: The largest page a search answers (the API documents the same bound).
MAX_PER_PAGE = 100


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
        if any("\x00" in value for values in args.listvalues() for value in values):
            raise BadSearch("a search parameter holds a NUL character")
        # An empty value (?topic=) is no filter, as a browser's unticked box sends nothing.
        filters = {
            name: values
            for name in FACET_PARAMS
            if (values := tuple(v for v in args.getlist(name) if v.strip()))
        }
        sort = args.get("sort") or ("relevance" if args.get("q") else "newest")
        if sort not in SORTS:
            raise BadSearch(f"unknown sort {sort!r:.60}; use one of {', '.join(SORTS)}")
        evidence = _whole(args, "evidence", 0, 0, MAX_EVIDENCE)
        per_page = _whole(args, "per_page", PAGE_SIZE, 1, MAX_PER_PAGE)
        status = args.get("status") or None
        if status is not None and status not in {s.value for s in ListingStatus}:
            raise BadSearch(f"unknown status {status!r:.60}")
        q = (args.get("q") or "").strip()
        if len(q) > MAX_QUERY_LENGTH:
            raise BadSearch(
                f"q is {len(q)} characters long; the longest search is {MAX_QUERY_LENGTH}"
            )
        return cls(
            q=q,
            filters=filters,
            evidence=evidence,
            status=status,
            sort=sort,
            cursor=args.get("cursor") or None,
            per_page=per_page,
        )


def _whole(args: Any, name: str, default: int, low: int, high: int) -> int:
    """A whole-number parameter within [low, high], or BadSearch saying what is allowed."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        number = bounded_int(raw)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        allowed = f"from {low} to {high}" if high < MAX_ID else "a whole number"
        raise BadSearch(f"{name} must be {allowed}, not {raw[:30]!r}")
    return number


@dataclass
class SearchPage:
    items: list[Any]  # Community, or ListedCommunity for a results list
    next_cursor: str | None
    params: SearchParams


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    """The sort-key values of a page cursor: a short list of numbers and strings, or BadSearch."""
    damaged = "the page cursor is damaged; start the search again"
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = safe_json.loads(base64.urlsafe_b64decode(padded.encode()), max_bytes=4096)
    except (ValueError, TypeError) as error:
        raise BadSearch(damaged) from error
    if not isinstance(values, list) or not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) and "\x00" not in str(v)
        for v in values
    ):
        raise BadSearch(damaged)
    return values


def _after(keys: list[tuple[Any, bool]], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of the keys (all in one direction).

    A row-value comparison, (size, id) < (?, ?), lets both databases walk the sort index from
    the cursor instead of filtering every row.
    """
    if len(values) != len(keys) or len({descending for _c, descending in keys}) != 1:
        raise BadSearch("the page cursor is damaged; start the search again")
    columns = tuple_(*[c for c, _d in keys])
    bound = tuple_(*[literal(v) for v in values])
    return columns < bound if keys[0][1] else columns > bound


def _row_filters(params: SearchParams, user: User, id_column: Any) -> list[ColumnElement[bool]]:
    """The filters of a search, as conditions on a community id.

    Each is a correlated EXISTS on an index (the facet table's primary key, the communities'
    primary key), so a filter costs a few index probes per candidate row, wherever the
    candidates come from: a scan of the communities or the full-text matches.
    """
    clauses: list[ColumnElement[bool]] = []
    conditions: list[ColumnElement[bool]] = []
    if user.role not in STAFF_ROLES and user.role is not Role.OWNER:
        conditions.append(Community.status == ListingStatus.LISTED)
    if params.status and user.role in STAFF_ROLES:
        conditions.append(Community.status == params.status)
    if params.evidence:
        conditions.append(Community.best_evidence >= params.evidence)
    if conditions and id_column is Community.id:
        clauses.extend(conditions)  # the community row itself is at hand
    elif conditions:
        clauses.append(select(Community.id).where(Community.id == id_column, *conditions).exists())
    for name, values in params.filters.items():
        clauses.append(
            select(CommunityFacet.community_id)
            .where(
                CommunityFacet.community_id == id_column,
                CommunityFacet.facet == FACET_PARAMS[name],
                CommunityFacet.value.in_(values),
            )
            .exists()
        )
    return clauses


#: What the browse page's results list shows of a community (the API reads every column).
LIST_COLUMNS = (
    Community.id, Community.name_he, Community.name_en, Community.region, Community.city,
    Community.total_size, Community.min_rate_ils, Community.status, Community.description,
    Community.topics, Community.best_evidence,
)  # fmt: skip


def search(
    session: SessionLike,
    params: SearchParams,
    user: User,
    *,
    version: int | None = None,
    for_list: bool = False,
) -> SearchPage:
    """Run a catalog search for `user`, one page at a time (keyset paging, fast at any depth).

    The price bands index the owner's rate, so only agency staff may filter by them: for anyone
    else a band would bracket the owner's rate and, beside the brand price shown, reveal the
    margin (see catalog.prices). The "cheapest" sort stays for everyone: the brand price rises
    strictly with the owner's rate, so both orders are the same and the order tells nothing.

    ``version`` is the catalog version when the caller has read it already; ``for_list`` loads
    only what a results list shows.
    """
    if user.role not in STAFF_ROLES and OWNER_RATE_FILTER in params.filters:
        params = replace(
            params, filters={k: v for k, v in params.filters.items() if k != OWNER_RATE_FILTER}
        )
    query = visible_communities(user)
    rank: ColumnElement[Any] | None = None
    hits = _text_hits(session, params, user, version) if params.q else None
    if hits is not None:
        query, rank = hits(query)
    else:
        filtered = False
        if params.q and session.get_bind().dialect.name != "sqlite":
            query, rank, filtered = _apply_tsquery(session, query, params, user)
        if not filtered:
            query = query.where(*_row_filters(params, user, Community.id))

    keys = _sort_keys(params.sort, rank)
    if params.cursor:
        query = query.where(_after(keys, decode_cursor(params.cursor)))
    query = query.order_by(*[(c.desc() if d else c.asc()) for c, d in keys])
    key_columns = [c.label(f"k{i}") for i, (c, _d) in enumerate(keys)]
    query = query.add_columns(*key_columns).limit(params.per_page + 1)
    if for_list:
        return _list_page(session, query, params, len(keys))
    query = query.options(
        # The results need neither the indexed texts nor the long stories.
        defer(Community.search_text),
        defer(Community.facet_text),
        defer(Community.founding_story),
        defer(Community.content_allowed),
        defer(Community.content_forbidden),
        # Each channel's platform and size, never its rates.
        selectinload(Community.assets).load_only(
            ChannelAsset.platform, ChannelAsset.size, ChannelAsset.community_id
        ),
    )
    rows = session.execute(query).all()
    has_more = len(rows) > params.per_page
    rows = rows[: params.per_page]
    items = [row[0] for row in rows]
    next_cursor = encode_cursor(list(rows[-1][1:])) if has_more and rows else None
    return SearchPage(items=items, next_cursor=next_cursor, params=params)


@dataclass
class ListedChannel:
    platform: Platform
    size: int


@dataclass
class ListedCommunity:
    """What a results list shows of a community: plain values read as rows, no ORM objects.

    It answers the attributes the results template reads of a Community.
    """

    id: int
    name_he: str | None
    name_en: str | None
    region: str
    city: str
    total_size: int
    min_rate_ils: int | None
    status: ListingStatus
    description: str
    topics: list[str]
    best_evidence: int
    assets: list[ListedChannel] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        return name_in(self.name_he, self.name_en, ui_language())

    @property
    def other_name(self) -> tuple[str, str] | None:
        return other_name_in(self.name_he, self.name_en, ui_language())


def _channels_column(dialect: str) -> ColumnElement[Any]:
    """Each row's channels as one text, "id:platform:size,…", read in the page's own query.

    A second query for the page's channels cost a statement per page; the order of an
    aggregate is not guaranteed, so the channel ids come along and Python sorts by them.
    """
    piece = (
        cast(ChannelAsset.id, String)
        + literal(":")
        + cast(ChannelAsset.platform, String)
        + literal(":")
        + cast(ChannelAsset.size, String)
    )
    aggregate = (
        func.group_concat(piece, ",") if dialect == "sqlite" else func.string_agg(piece, ",")
    )
    return (
        select(aggregate)
        .where(ChannelAsset.community_id == Community.id)
        .correlate(Community)
        .scalar_subquery()
        .label("channels")
    )


def _list_page(session: SessionLike, query: Select[Any], params: SearchParams, keys: int) -> Any:
    """The page as rows of the listed columns and their channels, in one query.

    Building ORM instances and their identity map cost as much as the search itself.
    """
    channels = _channels_column(session.get_bind().dialect.name)
    rows = session.execute(
        query.with_only_columns(*LIST_COLUMNS, channels, *query.selected_columns[-keys:])
    )
    found: list[Any] = list(rows.all())
    has_more = len(found) > params.per_page
    found = found[: params.per_page]
    width = len(LIST_COLUMNS)
    names = [c.key for c in LIST_COLUMNS]
    items = []
    for row in found:
        item = ListedCommunity(**dict(zip(names, row[:width], strict=True)))
        item.status = ListingStatus(item.status)
        listed = sorted(
            (int(asset_id), platform, int(size))
            for asset_id, platform, size in (
                piece.split(":") for piece in str(row[width] or "").split(",") if piece
            )
        )
        item.assets = [ListedChannel(Platform(platform), size) for _id, platform, size in listed]
        items.append(item)
    next_cursor = encode_cursor(list(found[-1][width + 1 :])) if has_more and found else None
    return SearchPage(items=items, next_cursor=next_cursor, params=params)


def facet_groups(params: SearchParams, user: User) -> list[list[str]]:
    """The filters as groups of facet words (any word of a group, every group)."""
    groups: list[list[tuple[str, str]]] = [
        [(FACET_PARAMS[name], value) for value in values] for name, values in params.filters.items()
    ]
    if params.status and user.role in STAFF_ROLES:
        groups.append([("status", params.status)])
    if params.evidence:
        groups.append([("evidence", str(params.evidence))])
    return [[facet_token(f, v) for f, v in group] for group in groups]


def _hidden_words(user: User) -> list[str]:
    """The status words of what `user` may not see, when the listed-only rule applies.

    Excluding the few unlisted is cheaper than intersecting with the long list of listed
    communities. (The row itself is checked too: see visible_communities.)
    """
    if user.role in STAFF_ROLES or user.role is Role.OWNER:
        return []
    return [facet_token("status", s.value) for s in ListingStatus if s is not ListingStatus.LISTED]


def _facet_match(params: SearchParams, user: User) -> str:
    """The filters as an FTS5 expression on facet_text, to AND with the text's words."""
    expression = "".join(
        " AND facet_text : (" + " OR ".join(group) + ")" for group in facet_groups(params, user)
    )
    if hidden := _hidden_words(user):
        expression += " NOT facet_text : (" + " OR ".join(hidden) + ")"
    return expression


def facet_tsquery(params: SearchParams, user: User) -> str:
    """The filters as a tsquery of `search_vector`'s facet words, or "" for none.

    The vector stores each facet word with a leading "=" (migration 5e1c9a7b3d20), so they are
    named here as quoted lexemes of a tsquery literal, which PostgreSQL takes as they are.
    """
    groups = [
        "(" + " | ".join(f"'={word}'" for word in group) + ")"
        for group in facet_groups(params, user)
    ]
    if hidden := _hidden_words(user):
        groups.append("!(" + " | ".join(f"'={word}'" for word in hidden) + ")")
    return " & ".join(groups)


def vector_match(vector: str, words: str, facets: str | None) -> str:
    """SQL: `vector` holds the words (to_tsquery) and, when given, the facet tsquery.

    `words` and `facets` are the parameters' placeholders (":words" or "%(words)s"); the words
    are parsed by to_tsquery, the facet words taken as written (see facet_tsquery).
    """
    if facets is None:
        return f"{vector} @@ to_tsquery('simple', {words})"
    return f"{vector} @@ (to_tsquery('simple', {words}) && CAST({facets} AS tsquery))"


#: The community's static search rank (migration d210b9a51867): computed by the database from
#: its evidence and size, best first, with the id in the low bits so it is unique. A text
#: search is ordered by it instead of a per-query score, so the index can hand out matches in
#: that order and stop at the page's end.
SEARCH_RANK: ColumnElement[int] = literal_column("communities.search_rank", Integer)


def _text_hits(session: SessionLike, params: SearchParams, user: User, version: int | None) -> Any:
    """On SQLite, a function that joins the FTS5 matches to a query.

    The filters are words of the facet_text column, so FTS5 intersects them with the text's
    matches in its own index. The index is keyed by the static search rank, so in relevance
    order a page is read straight from the index: the matches after the cursor, in rowid
    order, up to the page's end, and nothing is scored.
    """
    if session.get_bind().dialect.name != "sqlite":
        return None
    if version is None:
        version = catalog_version(session)
    text_match = fts5_query(params.q, prefix_terms(session, version))
    fts = table("community_search", column("rowid"))

    def join(query: Select[Any]) -> tuple[Select[Any], ColumnElement[Any] | None]:
        if text_match is None:
            return query.where(*_row_filters(params, user, Community.id)), None
        match = f"search_text : ({text_match})" + _facet_match(params, user)
        hits_query = (
            select(fts.c.rowid.label("rank"))
            .select_from(fts)
            .where(text("community_search MATCH :match").bindparams(match=match))
        )
        if params.sort == "relevance" and user.role is not Role.OWNER:
            # The page read inside the index: only its rows are fetched from the communities
            # table. (Owners' visibility is checked outside, so they skip this.)
            if params.cursor:
                after = decode_cursor(params.cursor)[0]
                if isinstance(after, str):
                    raise BadSearch("the page cursor is damaged; start the search again")
                hits_query = hits_query.where(fts.c.rowid > after)
            hits_query = hits_query.order_by(fts.c.rowid).limit(params.per_page + 1)
        hits = hits_query.subquery()
        return query.join(hits, hits.c.rank == SEARCH_RANK), hits.c.rank

    return join


#: Fewer matches than this and PostgreSQL is steered to read them all from the GIN index.
#: Walking the rank index tests about page × communities / matches rows, reading the matches
#: costs about one row's test per match, so the two meet near √(21 × 100,000) ≈ 1,500 at
#: 100k. Measured there: 10,644 matches walked in 7 ms, read and sorted in 244 ms; 971
#: matches walked in 43 ms, read and sorted in 17 ms.
FEW_MATCHES = 2_000


def _apply_tsquery(
    session: SessionLike, query: Select[Any], params: SearchParams, user: User
) -> tuple[Select[Any], ColumnElement[Any] | None, bool]:
    """PostgreSQL full text: the stored, GIN-indexed tsvector, in static rank order.

    The filters are facet words of the same vector (migration dcb4d2213f94), so the GIN index
    intersects them with the text's matches, as FTS5 does on SQLite; the third value says the
    filters are applied.

    Two plans answer it: walk the rank index and test each row (quick when many rows match),
    or read the matches from the GIN index and sort them (quick when few do). The planner
    costs a row's test as nearly free, so it walks for a rare word too and tests thousands of
    rows (160 ms for "runners"). Its estimate of the matches (text and filters) decides
    instead: for few, the order is by an expression the rank index cannot give.
    """
    words = tsquery(params.q)
    if words is None:
        return query, None, False
    facets = facet_tsquery(params, user)
    values = {"words": words, "facets": facets} if facets else {"words": words}
    condition = vector_match("communities.search_vector", ":words", ":facets" if facets else None)
    # The planner's own estimate of the matches (its statistics on the tsvector's lexemes
    # are good: 933 for 971), read in under a millisecond; counting them costs more.
    plan: Any = session.execute(
        text(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM communities WHERE {condition}"),  # noqa: S608
        values,
    ).scalar()
    matching = text(condition).bindparams(**values)
    if int(plan[0]["Plan"]["Plan Rows"]) >= FEW_MATCHES:
        return query.where(matching), SEARCH_RANK, True
    # Few: the matches read once from the GIN index (a materialised CTE, so the planner cannot
    # test the text row by row after a filter instead: 356 ms for a word in 6,000 communities
    # and the 45,000 of a size band), and the order by an expression the rank index cannot give.
    matches = select(Community.id).where(matching).cte("text_matches").prefix_with("MATERIALIZED")
    return query.where(Community.id.in_(select(matches.c.id))), SEARCH_RANK + 0, True


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
    if sort == "value":  # the best estimated P50 value; communities without one come last
        return [(func.coalesce(Community.value_p50_ils, -1), True), (Community.id, True)]
    if sort == "value_per_shekel":
        return [(func.coalesce(Community.value_per_shekel_bp, -1), True), (Community.id, True)]
    if sort == "healthiest":
        # The score lives in the facet index (zero-padded text), so communities need no
        # column for it; those without a score come last.
        score = (
            select(CommunityFacet.value)
            .where(
                CommunityFacet.community_id == Community.id,
                CommunityFacet.facet == HEALTH_SORT_FACET,
            )
            .scalar_subquery()
        )
        return [(func.coalesce(score, ""), True), (Community.id, True)]
    return [(Community.id, True)]  # newest first: ids grow with time


def with_cursor(params: SearchParams, cursor: str | None) -> SearchParams:
    return replace(params, cursor=cursor)


def facet_choices() -> dict[str, dict[str, Any]]:
    """The filter options the browse page offers, by parameter (labels in this language)."""
    from marketplace.catalog.context import labels

    resolved = labels()
    return {
        "platform": {p.value: label for p, label in resolved["platform_labels"].items()},
        "topic": resolved["topic_labels"],
        "language": resolved["language_labels"],
        "region": resolved["region_labels"],
    }
