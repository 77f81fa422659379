"""Counting the SQL a block of a test sends, for checks that a page's queries do not grow."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event

from marketplace.extensions import db


@contextmanager
def counted_queries(app: Flask) -> Iterator[list[str]]:
    """The statements the app's engine sends inside the block, in order (the test may clear it)."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
