"""Where queued jobs go: RQ on Redis, a worker thread in the app, or (tests) right away.

Every backend ends in :func:`marketplace.jobs.services.run_job`; they differ only in how a job
id travels to the process that runs it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import redis
import redis.exceptions
from flask import Flask, current_app

log = logging.getLogger(__name__)

#: The RQ function a job id is enqueued with (importable by any worker process).
RQ_FUNCTION = "marketplace.jobs.worker.rq_perform"


class Backend:
    """Hands committed jobs to whatever runs them."""

    name = "base"

    def __init__(self, app: Flask) -> None:
        self.app = app

    def dispatch(self, jobs: Sequence[tuple[int, int]]) -> None:
        """Send (job id, attempts so far) pairs; never raises for an unreachable queue."""
        raise NotImplementedError

    def available(self) -> bool:
        return True


class EagerBackend(Backend):
    """Run each job at once in the enqueuing process, after its commit (tests, `JOBS_EAGER`)."""

    name = "eager"

    def dispatch(self, jobs: Sequence[tuple[int, int]]) -> None:
        from marketplace.jobs.services import run_job

        with self.app.app_context():
            for job_id, _attempts in jobs:
                try:
                    run_job(job_id)
                except Exception:  # the caller's commit already happened; the record says why
                    log.exception("eager job %s could not run", job_id)


class EmbeddedBackend(Backend):
    """A worker thread inside the app: it polls the job table, and wakes at once on enqueue."""

    name = "embedded"

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
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
            from marketplace.jobs.worker import EmbeddedWorker

            worker = EmbeddedWorker(self.app, wake=self.wake, stop=self._stop)
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

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        url = app.config["REDIS_URL"]
        self.connection = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
        )
        self.queue_name = app.config["JOBS_QUEUE"]
        self.retry_after = float(app.config["JOBS_REDIS_RETRY_AFTER"])
        self._down_until = 0.0

    def queue(self) -> Any:
        from rq import Queue

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
        from rq.exceptions import NoSuchJobError
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
        from marketplace.extensions import db
        from marketplace.jobs.services import mark_undispatched

        with self.app.app_context():
            try:
                mark_undispatched(db.engine, job_ids)
            except Exception:  # the sweep re-checks dispatched jobs that RQ lost, too
                log.exception("could not mark jobs %s as delayed", job_ids)


def make_backend(app: Flask) -> Backend:
    if app.config["JOBS_EAGER"]:
        return EagerBackend(app)
    if app.config.get("REDIS_URL"):
        return RQBackend(app)
    return EmbeddedBackend(app)


def backend(app: Flask | None = None) -> Backend:
    """This app's backend, made once per app."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    existing = app.extensions.get("kesher.jobs.backend")
    if existing is None:
        existing = app.extensions["kesher.jobs.backend"] = make_backend(app)
    return existing


def redispatch_cutoff(now: datetime, app: Flask) -> datetime:
    return now - timedelta(seconds=float(app.config["JOBS_REDISPATCH_AFTER"]))
