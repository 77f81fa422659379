"""What an import says is wrong with a file, and the limits it keeps to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marketplace import spreadsheet
from marketplace.spreadsheet import shorten

#: Largest file accepted by an import (the web caps requests a little above this).
MAX_IMPORT_BYTES = 20 * 1024 * 1024
#: Stop listing problems after this many; the file needs fixing anyway.
MAX_PROBLEMS = 500
#: The longest message a problem carries (the values it quotes are shortened further).
MAX_MESSAGE_CHARS = 500
#: More digits than any real figure or price has.
MAX_NUMBER_CHARS = 30

# --- problems ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with the file: where (row, column) and what."""

    row: int | None
    column: str | None
    message: str

    def __post_init__(self) -> None:
        # The last guard against quoting the file back at length (a 400 MB cell once made a
        # 400 MB error page): each value is shortened where it is quoted, and whatever a
        # message still carries is cut here.
        if self.column is not None and len(self.column) > spreadsheet.ECHO_CHARS:
            object.__setattr__(self, "column", shorten(self.column))
        if len(self.message) > MAX_MESSAGE_CHARS:
            object.__setattr__(self, "message", shorten(self.message, MAX_MESSAGE_CHARS))

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where) or 'file'}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportRefused(Exception):
    """The whole file is unusable (encoding, format, size); nothing can be checked further."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.problem = ImportProblem(None, None, message)


class ImportProblems(Exception):
    """Problems found before the rows could be read (headers, structure)."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems
