"""Where queued jobs go: RQ on Redis, a worker thread in the app, or (tests) right away.

Every backend ends in :func:`marketplace.jobs.services.run_job`; they differ only in how a job
id travels to the process that runs it. This module sits at the bottom of the package beside
the registry: it imports no other job module, and a backend receives what it runs
(:class:`Handlers`, given by :func:`marketplace.jobs.init_app`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import redis
import redis.exceptions
from flask import Flask, current_app
from sqlalchemy import Engine

from marketplace.extensions import db

log = logging.getLogger(__name__)

#: The RQ function a job id is enqueued with (importable by any worker process).
RQ_FUNCTION = "marketplace.jobs.worker.rq_perform"


class Loop(Protocol):
    """A worker loop a backend runs in a thread of the app."""

    def run(self) -> object: ...


@dataclass(frozen=True)
class Handlers:
    """What backends hand jobs to; given by the package, so backends import no job code."""

    #: One attempt of a job, in an app context (`services.run_job`).
    run: Callable[[int], object]
    #: Record that jobs did not reach the queue (`services.mark_undispatched`).
    undispatched: Callable[[Engine, Sequence[int]], None]
    #: The embedded worker loop for (app, wake event, stop event).
    worker: Callable[[Flask, threading.Event, threading.Event], Loop]


#: `app.extensions` keys: the handlers `init_app` installs, and the backend made from them.
HANDLERS_KEY = "kesher.jobs.handlers"
BACKEND_KEY = "kesher.jobs.backend"


class Backend:
    """Hands committed jobs to whatever runs them."""

    name = "base"

    def __init__(self, app: Flask, handlers: Handlers) -> None:
        self.app = app
        self.handlers = handlers

    def dispatch(self, jobs: Sequence[tuple[int, int]]) -> None:
        """Send (job id, attempts so far) pairs; never raises for an unreachable queue."""
        raise NotImplementedError

    def available(self) -> bool:
        return True


class EagerBackend(Backend):
    """Run each job at once in the enqueuing process, after its commit (tests, `JOBS_EAGER`)."""

    name = "eager"

    def dispatch(self, jobs: Sequence[tuple[int, int]]) -> None:
        with self.app.app_context():
            for job_id, _attempts in jobs:
                try:
                    self.handlers.run(job_id)
                except Exception:  # the caller's commit already happened; the record says why
                    log.exception("eager job %s could not run", job_id)


class EmbeddedBackend(Backend):
    """A worker thread inside the app: it polls the job table, and wakes at once on enqueue."""

    name = "embedded"

    def __init__(self, app: Flask, handlers: Handlers) -> None:
        super().__init__(app, handlers)
        self.wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def dispatch(self, jobs: Sequence[tuple[int, int]]) -> None:
        self.wake.set()

    def start_thread(self) -> bool:
        """Start the in-app worker thread once per process; True when this call started it."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return False
            worker = self.handlers.worker(self.app, self.wake, self._stop)
            self._thread = threading.Thread(
                target=worker.run, name="kesher-jobs-embedded", daemon=True
            )
            self._thread.start()
            log.info("embedded job worker thread started")
            return True

    def stop_thread(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None
        self._stop = threading.Event()

    @property
    def thread_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


class RQBackend(Backend):
    """RQ on Redis; when Redis cannot be reached, jobs stay queued and say they are delayed.

    After a failure Redis is not tried again for `JOBS_REDIS_RETRY_AFTER` seconds, so a dead
    Redis does not slow every request that enqueues; the workers' sweep sends those jobs later.
    """

    name = "rq"

    def __init__(self, app: Flask, handlers: Handlers) -> None:
        super().__init__(app, handlers)
        url = app.config["REDIS_URL"]
        self.connection = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
        )
        self.queue_name = app.config["JOBS_QUEUE"]
        self.retry_after = float(app.config["JOBS_REDIS_RETRY_AFTER"])
        self._down_until = 0.0

    def queue(self) -> Any:
        from rq import Queue  # rq is loaded only by apps that use Redis

        return Queue(self.queue_name, connection=self.connection)

    @staticmethod
    def rq_id(job_id: int, attempts: int) -> str:
        return f"kesher-{job_id}-a{attempts}"

    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def dispatch(self, jobs: Sequence[tuple[int, int]]) -> None:
        if not jobs:
            return
        if not self.available():
            self._undispatched([job_id for job_id, _ in jobs])
            return
        try:
            self.push(jobs)
        except redis.exceptions.RedisError as error:
            self._down_until = time.monotonic() + self.retry_after
            log.warning("Redis unreachable, %s job(s) delayed: %s", len(jobs), error)
            self._undispatched([job_id for job_id, _ in jobs])
        else:
            self._down_until = 0.0

    def push(self, jobs: Sequence[tuple[int, int]]) -> None:
        """Enqueue on RQ in one round trip; raises RedisError when Redis is down."""
        queue = self.queue()
        timeout = int(self.app.config["JOBS_TIMEOUT"])
        with self.connection.pipeline() as pipe:
            for job_id, attempts in jobs:
                queue.enqueue_call(
                    RQ_FUNCTION, args=(job_id,), job_id=self.rq_id(job_id, attempts),
                    timeout=timeout, result_ttl=0, failure_ttl=24 * 3600, pipeline=pipe,
                )  # fmt: skip
            pipe.execute()

    def alive_in_queue(self, job_id: int, attempts: int) -> bool:
        """Whether RQ still holds this attempt (waiting or running)."""
        from rq.exceptions import NoSuchJobError  # rq is loaded only by apps that use Redis
        from rq.job import Job as RQJob
        from rq.job import JobStatus as RQStatus

        try:
            rq_job = RQJob.fetch(self.rq_id(job_id, attempts), connection=self.connection)
        except NoSuchJobError:
            return False
        status = rq_job.get_status(refresh=False)
        if status in {RQStatus.QUEUED, RQStatus.STARTED, RQStatus.SCHEDULED, RQStatus.DEFERRED}:
            return True
        rq_job.delete()
        return False

    def _undispatched(self, job_ids: list[int]) -> None:
        with self.app.app_context():
            try:
                self.handlers.undispatched(db.engine, job_ids)
            except Exception:  # the sweep re-checks dispatched jobs that RQ lost, too
                log.exception("could not mark jobs %s as delayed", job_ids)


def make_backend(app: Flask, handlers: Handlers) -> Backend:
    """The backend the app's configuration asks for."""
    if app.config["JOBS_EAGER"]:
        return EagerBackend(app, handlers)
    if app.config.get("REDIS_URL"):
        return RQBackend(app, handlers)
    return EmbeddedBackend(app, handlers)


def install(app: Flask, handlers: Handlers) -> None:
    """Give the app the handlers its backend runs jobs with (the backend is made on first use)."""
    app.extensions[HANDLERS_KEY] = handlers


def backend(app: Flask | None = None) -> Backend:
    """This app's backend, made once per app from the handlers `install` gave it."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    existing = app.extensions.get(BACKEND_KEY)
    if existing is None:
        handlers = app.extensions.get(HANDLERS_KEY)
        if handlers is None:
            raise RuntimeError("marketplace.jobs.init_app(app) was not called for this app")
        existing = app.extensions[BACKEND_KEY] = make_backend(app, handlers)
    return existing


def redispatch_cutoff(now: datetime, app: Flask) -> datetime:
    return now - timedelta(seconds=float(app.config["JOBS_REDISPATCH_AFTER"]))
