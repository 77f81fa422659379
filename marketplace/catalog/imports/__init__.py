"""Import a catalog file (CSV, XLSX or JSON, Hebrew or English headers): plan, then apply.

An import is planned first — decoded, parsed and checked completely, every problem named by
row and column — and written only when the plan has no problem, in one transaction. Matching
is by stable keys (a community's key, an asset's normalised URL), so importing the same file
twice changes nothing the second time. The format is documented in docs/catalog-import.md and
docs/catalog-import.schema.json; spreadsheets are read by `marketplace.spreadsheet`.

The package's modules: `problems` (what is wrong, the limits), `reading` (the file into rows),
`checking` (the rows, then the database: the plan) and `writing` (applying a plan).
"""

from marketplace.catalog.imports.checking import (
    ImportedAsset,
    ImportedCommunity,
    ImportPlan,
    check_rows,
    dmy_date,
    iso_date,
    plan_import,
)

# `reports.imports` still imports the date readers by their old, private names.
from marketplace.catalog.imports.checking import dmy_date as _dmy_date  # noqa: F401
from marketplace.catalog.imports.checking import iso_date as _iso_date  # noqa: F401
from marketplace.catalog.imports.problems import (
    MAX_IMPORT_BYTES,
    MAX_MESSAGE_CHARS,
    MAX_NUMBER_CHARS,
    MAX_PROBLEMS,
    ImportProblem,
    ImportProblems,
    ImportRefused,
)
from marketplace.catalog.imports.reading import Row, Table, read_table
from marketplace.catalog.imports.writing import apply_import

__all__ = [
    "ImportPlan",
    "ImportProblem",
    "ImportProblems",
    "ImportRefused",
    "ImportedAsset",
    "ImportedCommunity",
    "MAX_IMPORT_BYTES",
    "MAX_MESSAGE_CHARS",
    "MAX_NUMBER_CHARS",
    "MAX_PROBLEMS",
    "Row",
    "Table",
    "apply_import",
    "check_rows",
    "dmy_date",
    "iso_date",
    "plan_import",
    "read_table",
]
