"""The commit boundary of a request: one unit of work, committed once or rolled back.

Services take the session, change objects and flush; they never commit. A view runs them
inside :func:`unit_of_work`, which commits when the block ends normally and rolls back when it
raises, as indico's request handlers do. Views never call ``db.session.commit()`` or
``rollback()`` themselves (``tests/unit/test_view_boundaries.py`` checks it).

The errors a view expects (a form's problems, a refused file) are named when the block opens:
they roll the work back and are handed to the view on the outcome, which shows them next to
the form. Anything else rolls back and propagates to the app's error handlers
(``marketplace/errors.py``): a domain error becomes its page or JSON body, a database that
is busy or gone becomes 503 "try again", without a second failure.

    with unit_of_work(CatalogValidationError, success=_("Saved.")) as work:
        services.save_community(db.session, data, actor=me)
    if work.error is not None:
        attach_problems(form, work.error)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import flash
from sqlalchemy import exc as sa_exc

from marketplace.extensions import db

E = TypeVar("E", bound=BaseException)


@dataclass
class Outcome(Generic[E]):
    """What a unit of work ended with: `error` is the expected error it rolled back, if any."""

    error: E | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@contextmanager
def unit_of_work(
    *expected: type[E],
    success: str | None = None,
    category: str = "success",
) -> Iterator[Outcome[E]]:
    """Commit the block's changes once, or roll them all back.

    `expected` errors raised in the block are rolled back and kept on the outcome instead of
    propagating; every other error rolls back and propagates. `success` is flashed after the
    commit succeeded (never before: a commit that fails must not say "Saved").
    """
    outcome: Outcome[E] = Outcome()
    try:
        yield outcome
    except expected as error:
        db.session.rollback()
        outcome.error = error
        return
    except BaseException:
        _roll_back_quietly()
        raise
    try:
        db.session.commit()
    except BaseException:
        _roll_back_quietly()
        raise
    if success is not None:
        flash(success, category)


def _roll_back_quietly() -> None:
    # The error being raised is the one to report; a connection that is gone cannot roll back
    # either, and the pool replaces it on the next checkout.
    with contextlib.suppress(sa_exc.SQLAlchemyError):
        db.session.rollback()


def discard_changes() -> None:
    """Drop whatever the request has read or changed so far, without ending the request.

    For reads that may leave objects in the session (planning an import) and for trying a
    step again after a lost race (a unique row another request created meanwhile).
    """
    db.session.rollback()
