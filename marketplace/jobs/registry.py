"""The job kinds: a registry of functions, each run with a context for progress and cancelling.

    @job("catalog.import", max_attempts=3)
    def import_catalog(ctx: JobContext) -> dict[str, Any]:
        ...  # write through ctx.session; do not commit: success is recorded in the same commit

A kind's function gets a :class:`JobContext`; what it returns (a JSON-able dict, or None)
becomes the job's `result`. Its writes through ``ctx.session`` are committed together with the
job's success, so an interrupted attempt leaves nothing behind. A function that commits as it
goes (a long recompute, so it does not hold a write lock for minutes) must be idempotent by
construction: running it again gives the same state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import redis.exceptions
from sqlalchemy.exc import DBAPIError, OperationalError

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

#: Errors that say "the infrastructure hiccuped", never "the input is wrong": worth a retry.
RETRYABLE: tuple[type[BaseException], ...] = (
    OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)


class JobError(Exception):
    """A job cannot succeed with this input; the message is shown to the user, never retried."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RetryableError(Exception):
    """A transient failure a job function signals itself (a remote service said "later")."""


class JobCancelled(Exception):
    """Raised by :meth:`JobContext.check_cancelled` once someone asked the job to stop."""


JobFunction = Callable[["JobContext"], dict[str, Any] | None]


@dataclass(frozen=True)
class JobSpec:
    """A registered kind: its function and its retry policy."""

    kind: str
    func: JobFunction
    max_attempts: int = 3
    #: Seconds before the first retry; doubled for each further one, up to `backoff_cap`.
    backoff: float = 10.0
    backoff_cap: float = 3600.0
    retry_on: tuple[type[BaseException], ...] = RETRYABLE + (RetryableError,)
    #: Who may see or cancel such jobs besides their creator is decided by the views; this
    #: names the page a finished job links to when the function sets no result URL.
    title: str = ""

    def retryable(self, error: BaseException) -> bool:
        if isinstance(error, DBAPIError) and getattr(error, "connection_invalidated", False):
            return True
        return isinstance(error, self.retry_on)

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1-based): exponential, capped."""
        return float(min(self.backoff * 2 ** max(attempt - 1, 0), self.backoff_cap))


REGISTRY: dict[str, JobSpec] = {}


def job(
    kind: str,
    *,
    max_attempts: int = 3,
    backoff: float = 10.0,
    retry_on: tuple[type[BaseException], ...] | None = None,
    title: str = "",
) -> Callable[[JobFunction], JobFunction]:
    """Register a job function under `kind` (re-registering a kind replaces it)."""

    def register(func: JobFunction) -> JobFunction:
        REGISTRY[kind] = JobSpec(
            kind=kind,
            func=func,
            max_attempts=max_attempts,
            backoff=backoff,
            retry_on=retry_on if retry_on is not None else RETRYABLE + (RetryableError,),
            title=title,
        )
        return func

    return register


def spec_for(kind: str) -> JobSpec:
    """The registered kind, or ValueError for a name nothing registered."""
    try:
        return REGISTRY[kind]
    except KeyError:
        raise ValueError(f"unknown job kind {kind!r}; registered: {sorted(REGISTRY)}") from None


@dataclass
class JobContext:
    """What a job function sees: its parameters, a session, and ways to report and stop."""

    app: Flask
    job_id: int
    kind: str
    params: dict[str, Any]
    attempt: int
    user_id: int | None
    session: Session
    lease: str
    started: datetime
    #: Set by the function for the finished job's link (a path, e.g. from :meth:`url_for`).
    result_url: str | None = None
    # Reported state, written by the heartbeat thread (never by the job's own transaction).
    percent: int = 0
    message: str | None = None
    dirty: bool = True
    closed: bool = False
    cancel_seen: bool = False
    last_flush: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def progress(self, percent: float, message: str | None = None) -> None:
        """Report how far the job is (0–100) and what it is doing; cheap, call it freely."""
        with self.lock:
            self.percent = max(0, min(100, int(percent)))
            if message is not None:
                self.message = message[:200]
            self.dirty = True

    def cancelled(self) -> bool:
        """Whether someone asked this job to stop (seen at the last heartbeat)."""
        return self.cancel_seen

    def check_cancelled(self) -> None:
        """Stop here, undoing this attempt's uncommitted writes, when cancelling was asked."""
        if self.cancel_seen:
            raise JobCancelled()

    def url_for(self, endpoint: str, **values: Any) -> str:
        """A path to a page of the app, outside any request."""
        adapter = self.app.url_map.bind("")
        return adapter.build(endpoint, values)
