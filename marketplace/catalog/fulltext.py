"""The catalog's full-text queries: a searcher's words as FTS5 (SQLite) and tsquery (PostgreSQL)
expressions, and the index terms a word stands for, kept per catalog version."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable

from marketplace.db import SessionLike, driver_sql

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_QUERY_WORDS = 8


def _words(q: str) -> list[list[str]]:
    """The query's words, each searched as a prefix.

    Documents are indexed with Hebrew words also stripped of their one-letter prefix, so
    "ריצה" finds "הריצה". The query itself is not stripped: "הורים" (parents) stripped to
    "ורים" would also find "מורים" (teachers).
    """
    return [[word] for word in _WORD.findall(q.lower())][:MAX_QUERY_WORDS]


def fts5_query(q: str, expand: Callable[[str], list[str] | None] | None = None) -> str | None:
    """A safe FTS5 MATCH expression: every word (or its bare form) as a prefix, all required.

    ``expand`` may name the index's terms that start with a word: the prefix then becomes an
    OR of those terms, which FTS5 reads in rowid order and can stop early, where a prefix
    query first merges the whole of every matching term's list (35 ms for a word that is in
    every description, against 0.5 ms).
    """
    groups = _words(q)
    if not groups:
        return None

    def term(word: str) -> str:
        terms = expand(word) if expand is not None else None
        if terms is None:
            return f'"{word}"*'
        # No term at all: the prefix query costs nothing then (and folds what the tokenizer
        # folds, such as diacritics, which a plain comparison of terms would not).
        return " OR ".join(f'"{t}"' for t in terms) if terms else f'"{word}"*'

    return " AND ".join("(" + " OR ".join(term(w) for w in group) + ")" for group in groups)


#: A prefix that stands for more terms than this stays a prefix query.
MAX_EXPANSION = 64
_expansions: OrderedDict[tuple[str, int, str], list[str] | None] = OrderedDict()
_expansions_lock = threading.Lock()


def prefix_terms(session: SessionLike, version: int | None) -> Callable[[str], list[str] | None]:
    """The index's terms that start with a word (None: too many), kept per catalog version.

    Reading a word's terms from fts5vocab costs a few milliseconds (it counts documents), so
    each process keeps the answer under the catalog's version: a write to the catalog moves
    the version, and a new term is never missed.
    """
    bind = session.get_bind()
    url = str(bind.engine.url)

    def expand(word: str) -> list[str] | None:
        if version is None:
            return None
        key = (url, version, word)
        with _expansions_lock:
            if key in _expansions:
                _expansions.move_to_end(key)
                return _expansions[key]
        rows = driver_sql(
            session,
            "SELECT term FROM community_search_terms WHERE term >= :low AND term < :high "
            "LIMIT :most",
            {"low": word, "high": word + "\U0010ffff", "most": MAX_EXPANSION + 1},
        )
        terms: list[str] | None = [str(row[0]) for row in rows]
        if terms is not None and len(terms) > MAX_EXPANSION:
            terms = None
        with _expansions_lock:
            _expansions[key] = terms
            while len(_expansions) > 4096:
                _expansions.popitem(last=False)
        return terms

    return expand


def tsquery(q: str) -> str | None:
    """The same query for PostgreSQL's to_tsquery('simple', …).

    `search_vector` holds the text's words as they are and the facet words with a leading "="
    (migration 5e1c9a7b3d20), which to_tsquery never produces: a word typed here, even "f" as a
    prefix, matches the text only.
    """
    groups = _words(q)
    if not groups:
        return None
    return " & ".join("(" + " | ".join(f"{w}:*" for w in group) + ")" for group in groups)
