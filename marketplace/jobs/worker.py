"""Workers: the embedded loop (a thread of the app, or `flask jobs work` without Redis) and the
RQ worker (`flask jobs work` with Redis), both with the same maintenance: recovery of stale
jobs, sending jobs that never reached the queue, and the schedule.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

import redis.exceptions
from flask import Flask
from sqlalchemy import select, update

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.jobs import services
from marketplace.jobs.backends import RQBackend, backend, redispatch_cutoff
from marketplace.jobs.models import Job, JobStatus
from marketplace.jobs.scheduler import Scheduler, default_schedule

log = logging.getLogger(__name__)

#: The app RQ jobs run in, set by `flask jobs work` (a plain `rq worker` builds one).
_RQ_APP: Flask | None = None


@dataclass
class Maintenance:
    """What every worker does besides running jobs, each at its own pace.

    `sweep_every`: re-queue stale jobs and send undispatched ones; `tick_every`: enqueue the
    schedule's due slots. Both also run once when the worker starts.
    """

    app: Flask
    scheduler: bool = True
    sweep_every: float = 5.0
    tick_every: float = 15.0
    _last_sweep: float = field(default=-1e18, repr=False)
    _last_tick: float = field(default=-1e18, repr=False)
    _schedule: Scheduler | None = field(default=None, repr=False)

    def due(self) -> bool:
        now = time.monotonic()
        return now - self._last_sweep >= self.sweep_every or (
            self.scheduler and now - self._last_tick >= self.tick_every
        )

    def run(self, *, now: datetime | None = None, force: bool = False) -> None:
        """Run whichever task is due (all of them with `force`); errors are logged, not raised."""
        clock = time.monotonic()
        if force or clock - self._last_sweep >= self.sweep_every:
            self._last_sweep = clock
            try:
                sweep(self.app, now=now)
            except Exception:  # noqa: BLE001 - the database may be restarting; next round
                log.exception("job sweep failed")
        if self.scheduler and (force or clock - self._last_tick >= self.tick_every):
            self._last_tick = clock
            try:
                self.tick(now or utcnow())
            except Exception:  # noqa: BLE001
                log.exception("schedule tick failed")

    def tick(self, now: datetime) -> list[Job]:
        if self._schedule is None:
            self._schedule = default_schedule()
        with self.app.app_context():
            try:
                return list(self._schedule.tick(db.session, now))
            finally:
                db.session.remove()


@dataclass(frozen=True)
class Swept:
    requeued: list[int]
    failed: list[int]
    dispatched: list[int]


def sweep(app: Flask, *, now: datetime | None = None) -> Swept:
    """Recover stale jobs, then hand undispatched (and lost) jobs to the queue."""
    now = now or utcnow()
    with app.app_context():
        try:
            recovered = services.recover(db.session, now=now)
            db.session.commit()
            dispatched: list[int] = []
            queue = backend(app)
            if isinstance(queue, RQBackend):
                try:
                    dispatched = _send_waiting(app, queue, now)
                except redis.exceptions.RedisError as error:
                    log.warning("Redis still unreachable; waiting jobs stay delayed: %s", error)
            return Swept(recovered.requeued, recovered.failed, dispatched)
        finally:
            db.session.remove()


def _send_waiting(app: Flask, queue: RQBackend, now: datetime) -> list[int]:
    """Hand RQ the queued jobs it does not hold: never sent, or lost; returns their ids."""
    pairs = services.pending_pairs(services.undispatched(db.session, now))
    # Sent long ago but still queued: RQ may have lost them (a Redis restart without
    # persistence); send again what RQ no longer holds.
    old = db.session.execute(
        select(Job.id, Job.attempts)
        .where(Job.status == JobStatus.QUEUED, Job.dispatched_at < redispatch_cutoff(now, app))
        .limit(500)
    ).all()
    pairs += [(i, a) for i, a in old if not queue.alive_in_queue(i, a)]
    db.session.rollback()
    if not pairs:
        return []
    queue.push(pairs)
    ids = [job_id for job_id, _ in pairs]
    db.session.execute(
        update(Job)
        .where(Job.id.in_(ids), Job.status == JobStatus.QUEUED)
        .values(dispatched_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    log.info("sent %s waiting job(s) to the queue", len(ids))
    return ids


class EmbeddedWorker:
    """Take due jobs from the table one at a time; used by the app's thread and the CLI."""

    def __init__(
        self,
        app: Flask,
        *,
        wake: threading.Event | None = None,
        stop: threading.Event | None = None,
        scheduler: bool | None = None,
    ) -> None:
        self.app = app
        self.wake = wake or threading.Event()
        self.stop = stop or threading.Event()
        self.poll = float(app.config["JOBS_POLL_INTERVAL"])
        self.maintenance = Maintenance(
            app, scheduler=app.config["JOBS_SCHEDULER"] if scheduler is None else scheduler
        )

    def run(self, *, burst: bool = False) -> int:
        """Work until stopped (or, with `burst`, until nothing is due); return jobs run."""
        ran = 0
        self.maintenance.run(force=True)
        with self.app.app_context():
            while not self.stop.is_set():
                if self.maintenance.due():
                    self.maintenance.run()
                try:
                    job_id = services.next_due_id(db.session)
                    db.session.rollback()  # end the read; run_job uses its own connections
                except Exception:  # noqa: BLE001 - database away: wait and try again
                    log.exception("embedded worker cannot read the job table")
                    db.session.remove()
                    if burst:
                        raise
                    self.stop.wait(self.poll)
                    continue
                if job_id is not None:
                    try:
                        if services.run_job(job_id) is not None:
                            ran += 1
                    except Exception:  # noqa: BLE001 - e.g. the database went away mid-claim
                        log.exception("embedded worker could not run job %s", job_id)
                        if burst:
                            raise
                        self.stop.wait(self.poll)
                    continue
                if burst:
                    break
                self.wake.wait(self.poll)
                self.wake.clear()
            db.session.remove()
        return ran


def rq_perform(job_id: int) -> None:
    """The function RQ runs: one attempt of our job, in the worker's app."""
    global _RQ_APP
    if _RQ_APP is None:
        # An entry point (a plain `rq worker` has no app yet): the app factory is above every
        # package, so only entry points import it, and only when they run.
        from marketplace import create_app

        _RQ_APP = create_app()
    with _RQ_APP.app_context():
        services.run_job(job_id)


def run_rq_worker(app: Flask, *, burst: bool = False, scheduler: bool = True) -> bool:
    """Run an RQ SimpleWorker on the app's queue, with maintenance in a side thread.

    SimpleWorker runs jobs in this process (no fork per job): the database pool is reused and
    1,000 small jobs take seconds, not minutes. Isolation from a crashing job is what the
    heartbeat and recovery give instead.
    """
    global _RQ_APP
    from rq import SimpleWorker  # rq is loaded only by apps that use Redis

    _RQ_APP = app
    queue_backend = backend(app)
    assert isinstance(queue_backend, RQBackend)
    maintenance = Maintenance(app, scheduler=scheduler)
    maintenance.run(force=True)
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(1.0):
            if maintenance.due():
                maintenance.run()

    side = threading.Thread(target=loop, name="kesher-jobs-maintenance", daemon=True)
    if not burst:
        side.start()
    worker = SimpleWorker([queue_backend.queue()], connection=queue_backend.connection)
    try:
        return bool(worker.work(burst=burst, logging_level="WARNING"))
    finally:
        stop.set()
