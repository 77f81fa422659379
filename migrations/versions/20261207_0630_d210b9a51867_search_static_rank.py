"""a static search rank: text searches ordered by it, found in its order, no per-query scoring

Revision ID: d210b9a51867
Revises: a9c4e1f7b3d2
Create Date: 2026-12-07 06:30:00

`communities.search_rank` is computed by the database from the community's evidence and size
(best evidenced, then largest first) with the id in its low bits, so it is unique. On SQLite the
full-text index is keyed by it (FTS5 `content_rowid`): FTS5 hands out matches in rank order, so
the first page of a search reads 21 matches and stops, where bm25 scored every match (80 ms
for a word that is in every description). On PostgreSQL it is a stored column with a b-tree
index, and ts_rank (which re-parsed each match's text) is gone. SQLite also gets
`community_search_terms` (fts5vocab), so a prefix can be turned into the terms it stands for. Like the full-text structures,
it lives outside the ORM metadata (marketplace.db.SEARCH_OBJECT_PREFIXES). PostgreSQL also
stores the parsed text (`search_vector`, GIN-indexed, replacing the expression index).
"""

from alembic import op


revision = "d210b9a51867"
down_revision = "a9c4e1f7b3d2"
branch_labels = None
depends_on = None

#: Evidence tier (0–4) above the size (capped at 2^30 − 1), both descending, then the id
#: (below 2^28) ascending: at most 2^61, within a signed 64-bit integer.
RANK = (
    "((8589934592 - (CAST(coalesce(best_evidence, 0) AS BIGINT) * 1073741824"
    " + CASE WHEN coalesce(total_size, 0) > 1073741823 THEN 1073741823"
    " ELSE coalesce(total_size, 0) END)) * 268435456 + id)"
)

SEARCH_TRIGGERS = ("community_search_ai", "community_search_ad", "community_search_au")


def _sqlite_search(rowid: str, columns_changed: str) -> list[str]:
    return [
        f"""CREATE VIRTUAL TABLE community_search USING fts5(
            search_text, facet_text, content='communities', content_rowid='{rowid}',
            tokenize='unicode61 remove_diacritics 2')""",
        f"""CREATE TRIGGER community_search_ai AFTER INSERT ON communities BEGIN
            INSERT INTO community_search(rowid, search_text, facet_text)
            VALUES (new.{rowid}, new.search_text, new.facet_text);
        END""",
        f"""CREATE TRIGGER community_search_ad AFTER DELETE ON communities BEGIN
            INSERT INTO community_search(community_search, rowid, search_text, facet_text)
            VALUES ('delete', old.{rowid}, old.search_text, old.facet_text);
        END""",
        f"""CREATE TRIGGER community_search_au AFTER UPDATE OF {columns_changed} ON communities
        BEGIN
            INSERT INTO community_search(community_search, rowid, search_text, facet_text)
            VALUES ('delete', old.{rowid}, old.search_text, old.facet_text);
            INSERT INTO community_search(rowid, search_text, facet_text)
            VALUES (new.{rowid}, new.search_text, new.facet_text);
        END""",
        "INSERT INTO community_search(community_search) VALUES ('rebuild')",
        # The index's terms, so a search can turn a prefix into the terms it stands for.
        "CREATE VIRTUAL TABLE community_search_terms USING fts5vocab(community_search, 'row')",
    ]


def _drop_sqlite_search() -> None:
    op.execute("DROP TABLE IF EXISTS community_search_terms")
    for trigger in SEARCH_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS community_search")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # A virtual generated column: SQLite cannot add a stored one to an existing table.
        op.execute(
            f"ALTER TABLE communities ADD COLUMN search_rank INTEGER GENERATED ALWAYS AS {RANK}"
        )
        op.execute("CREATE UNIQUE INDEX ix_communities_search_rank ON communities (search_rank)")
        _drop_sqlite_search()
        for statement in _sqlite_search(
            "search_rank", "search_text, facet_text, total_size, best_evidence"
        ):
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(
            f"ALTER TABLE communities ADD COLUMN search_rank BIGINT GENERATED ALWAYS AS {RANK} STORED"
        )
        op.execute("CREATE UNIQUE INDEX ix_communities_search_rank ON communities (search_rank)")
        # The parsed text stored: a match checked outside the GIN index (rows reached by the
        # rank or a filter) no longer parses the whole text again (60 µs a row).
        op.execute(
            "ALTER TABLE communities ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple', coalesce(search_text, ''))) STORED"
        )
        op.execute(
            "CREATE INDEX ix_communities_search_vector ON communities USING gin (search_vector)"
        )
        op.execute("DROP INDEX ix_communities_search")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _drop_sqlite_search()
        for statement in _sqlite_search("id", "search_text, facet_text")[:-1]:
            op.execute(statement)
        op.execute("DROP INDEX ix_communities_search_rank")
        op.execute("ALTER TABLE communities DROP COLUMN search_rank")
    elif dialect == "postgresql":
        op.execute(
            "CREATE INDEX ix_communities_search ON communities "
            "USING gin (to_tsvector('simple', search_text))"
        )
        op.execute("DROP INDEX ix_communities_search_vector")
        op.execute("ALTER TABLE communities DROP COLUMN search_vector")
        op.execute("DROP INDEX ix_communities_search_rank")
        op.execute("ALTER TABLE communities DROP COLUMN search_rank")
