"""PostgreSQL: the facet words in the search vector, so the GIN index intersects the filters

Revision ID: dcb4d2213f94
Revises: ac628ead6ff8
Create Date: 2026-12-07 10:20:00

`communities.search_vector` held the parsed search text only; a text search with filters read
every text match from the GIN index (14,475 rows for a common word), then tested each filter
as a correlated EXISTS on `community_facets`. The vector now also holds `facet_text` (one word
per facet value, "fplatform0whatsappgroup"), as SQLite's FTS5 index already does, so the GIN
index intersects the text's matches with the filters (685 rows for the same search). The text
is weighted A and the facet words D, and queries name the weight, so a user's word never
matches a facet word. SQLite is unchanged.
"""

from alembic import op


revision = "dcb4d2213f94"
down_revision = "ac628ead6ff8"
branch_labels = None
depends_on = None

TEXT_ONLY = "to_tsvector('simple', coalesce(search_text, ''))"
WITH_FACETS = (
    "setweight(to_tsvector('simple', coalesce(search_text, '')), 'A')"
    " || setweight(to_tsvector('simple', coalesce(facet_text, '')), 'D')"
)


def _vector(expression: str) -> None:
    op.execute("DROP INDEX ix_communities_search_vector")
    op.execute("ALTER TABLE communities DROP COLUMN search_vector")
    op.execute(
        "ALTER TABLE communities ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({expression}) STORED"
    )
    op.execute("CREATE INDEX ix_communities_search_vector ON communities USING gin (search_vector)")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _vector(WITH_FACETS)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _vector(TEXT_ONLY)
