"""Enqueue, claim, run, retry and recover jobs: the one code path every backend shares.

State changes are one short transaction each (claim, heartbeat, finish), so the job table never
holds a lock while a job works. The job's own writes and the record of its success are one
transaction; the lease taken at the claim must still be ours when it commits.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import JSON, Engine, String, Table, bindparam, event, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from marketplace.auth.models import User
from marketplace.db import SessionLike, UTCDateTime, utcnow
from marketplace.errors import KesherError
from marketplace.extensions import db
from marketplace.jobs.backends import backend
from marketplace.jobs.models import Job, JobStatus
from marketplace.jobs.registry import REGISTRY, JobCancelled, JobContext, JobError, spec_for

log = logging.getLogger(__name__)

#: `session.info` key of the jobs to hand to the queue once the enqueuing transaction commits.
PENDING = "kesher.jobs.pending"

#: Sentinel errors, translated when shown (`marketplace.jobs.views.error_text`).
INTERNAL = "internal"
INTERRUPTED = "interrupted"
UNKNOWN_KIND = "unknown_kind"


# --- enqueue ----------------------------------------------------------------------------------


def enqueue(
    session: SessionLike,
    kind: str,
    params: dict[str, Any] | None = None,
    *,
    user: Any = None,
    key: str | None = None,
    max_attempts: int | None = None,
    run_at: datetime | None = None,
    dispatch: bool = True,
) -> Job:
    """Add a job in the caller's transaction; it reaches the queue when that transaction commits.

    With `key`, enqueuing the same work again (a double click, a second worker ticking the same
    schedule slot) returns the job that already has that key instead of a second one. With
    `dispatch=False` the caller runs the job itself (`run_job`), as `flask pricing recompute`.
    """
    spec = spec_for(kind)
    now = utcnow()
    values: dict[str, Any] = {
        "kind": kind,
        "params": dict(params or {}),
        "status": JobStatus.QUEUED,
        "progress": 0,
        "attempts": 0,
        "max_attempts": max_attempts or spec.max_attempts,
        "next_attempt_at": run_at,
        # Optimistic: cleared again if the queue cannot be reached after the commit.
        "dispatched_at": now if run_at is None or run_at <= now or not dispatch else None,
        "created_by_id": getattr(user, "id", user),
        "created_at": now,
        "cancel_requested": False,
        "idempotency_key": key,
    }
    if key is None:
        record = Job(**values)
        session.add(record)
        session.flush()
    else:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(Job)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(Job.id)
        )
        new_id = session.execute(statement).scalar()
        if new_id is None:
            existing = session.scalars(select(Job).where(Job.idempotency_key == key)).one()
            return existing
        record = session.get_one(Job, new_id)
    if dispatch and values["dispatched_at"] is not None:
        _pending(session).append((record.id, 0))
    return record


def _pending(session: SessionLike) -> list[tuple[int, int]]:
    info = session.info
    if PENDING not in info:
        info[PENDING] = (current_app._get_current_object(), [])  # type: ignore[attr-defined]
    return info[PENDING][1]


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    app, jobs = pending
    backend(app).dispatch(jobs)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


def mark_undispatched(engine: Engine, job_ids: Sequence[int]) -> None:
    """Record that these jobs did not reach the queue; the workers' sweep will send them."""
    if not job_ids:
        return
    with engine.begin() as connection:
        connection.execute(
            update(Job)
            .where(Job.id.in_(job_ids), Job.status == JobStatus.QUEUED)
            .values(dispatched_at=None)
        )


# --- heartbeats -------------------------------------------------------------------------------


class Heartbeat:
    """One thread per process that writes running jobs' progress and heartbeat.

    Progress is written from its own connection, never from the job's transaction, so it is
    visible while the job works; every write is conditional on the job's lease, so a late write
    after the job finished changes nothing.
    """

    def __init__(self, *, tick: float = 0.3, every: float = 10.0) -> None:
        self.tick = tick
        self.every = every
        self._lock = threading.Lock()
        self._contexts: dict[int, tuple[JobContext, Engine]] = {}
        self._thread: threading.Thread | None = None

    def register(self, ctx: JobContext, engine: Engine) -> None:
        ctx.last_flush = time.monotonic()
        ctx.dirty = False
        with self._lock:
            self._contexts[id(ctx)] = (ctx, engine)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="kesher-jobs-heartbeat", daemon=True
                )
                self._thread.start()

    def unregister(self, ctx: JobContext) -> None:
        ctx.closed = True
        with self._lock:
            self._contexts.pop(id(ctx), None)

    def _run(self) -> None:
        while True:
            time.sleep(self.tick)
            with self._lock:
                contexts = list(self._contexts.values())
            for ctx, engine in contexts:
                now = time.monotonic()
                if ctx.closed or not (ctx.dirty or now - ctx.last_flush >= self.every):
                    continue
                try:
                    self.flush(ctx, engine)
                except Exception:  # noqa: BLE001 - a missed heartbeat is retried next tick
                    log.debug("heartbeat of job %s failed", ctx.job_id, exc_info=True)

    @staticmethod
    def flush(ctx: JobContext, engine: Engine) -> None:
        with ctx.lock:
            percent, message, ctx.dirty = ctx.percent, ctx.message, False
        ctx.last_flush = time.monotonic()
        with engine.begin() as connection:
            cancel = connection.execute(
                update(Job)
                .where(Job.id == ctx.job_id, Job.lease == ctx.lease)
                .values(progress=percent, progress_message=message, heartbeat_at=utcnow())
                .returning(Job.cancel_requested)
            ).scalar()
        if cancel:
            ctx.cancel_seen = True


HEARTBEAT = Heartbeat()


# --- running ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    kind: str
    params: dict[str, Any]
    attempts: int
    max_attempts: int
    created_by_id: int | None


def _claim_statement() -> Any:
    """The claim as one prepared UPDATE … RETURNING (built once: it runs for every job)."""
    table = cast(Table, Job.__table__)
    now = bindparam("b_now", type_=UTCDateTime())
    return (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            table.c.status == JobStatus.QUEUED,
            or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
        )
        .values(
            status=JobStatus.RUNNING,
            attempts=table.c.attempts + 1,
            lease=bindparam("b_lease", type_=String()),
            started_at=now,
            heartbeat_at=now,
            progress=0,
            progress_message=None,
        )  # fmt: skip
        .returning(
            table.c.kind,
            table.c.params,
            table.c.attempts,
            table.c.max_attempts,
            table.c.created_by_id,
        )  # fmt: skip
    )


def _success_statement() -> Any:
    """Record success, only while the attempt still holds its lease (built once)."""
    table = cast(Table, Job.__table__)
    now = bindparam("b_now", type_=UTCDateTime())
    return (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            table.c.lease == bindparam("b_lease", type_=String()),
            table.c.status == JobStatus.RUNNING,
        )
        .values(
            status=JobStatus.SUCCEEDED,
            progress=100,
            error=None,
            lease=None,
            progress_message=bindparam("b_message", type_=String()),
            result=bindparam("b_result", type_=JSON()),
            result_url=bindparam("b_url", type_=String()),
            finished_at=now,
            heartbeat_at=now,
        )  # fmt: skip
    )


_STATEMENTS: dict[str, Any] = {}


def _statement(name: str) -> Any:
    if name not in _STATEMENTS:
        _STATEMENTS[name] = {"claim": _claim_statement, "success": _success_statement}[name]()
    return _STATEMENTS[name]


def claim(engine: Engine, job_id: int, lease: str, now: datetime | None = None) -> Claimed | None:
    """Take a queued, due job for one attempt; None when it is not (another worker has it)."""
    values = {"b_id": job_id, "b_lease": lease, "b_now": now or utcnow()}
    with engine.begin() as connection:
        row = connection.execute(_statement("claim"), values).first()
    return None if row is None else Claimed(*row)


def run_job(job_id: int) -> JobStatus | None:
    """Run one attempt of a job, in the current app context; every backend calls this.

    Returns the state the attempt left the job in, or None when there was nothing to run
    (already taken, finished, or not due yet).
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    engine = db.engine
    lease = uuid.uuid4().hex
    claimed = claim(engine, job_id, lease)
    if claimed is None:
        return None
    spec = REGISTRY.get(claimed.kind)
    if spec is None:
        log.error("job %s has kind %r that no module registered", job_id, claimed.kind)
        return _finish(engine, job_id, lease, JobStatus.FAILED, error=UNKNOWN_KIND)
    session = Session(bind=engine, expire_on_commit=False)
    ctx = JobContext(
        app=app, job_id=job_id, kind=claimed.kind, params=claimed.params or {},
        attempt=claimed.attempts, user_id=claimed.created_by_id, session=session,
        lease=lease, started=utcnow(),
    )  # fmt: skip
    HEARTBEAT.register(ctx, engine)
    try:
        result = _call(spec.func, ctx)
        HEARTBEAT.unregister(ctx)
        done = session.connection().execute(
            _statement("success"),
            {
                "b_id": job_id,
                "b_lease": lease,
                "b_now": utcnow(),
                "b_message": ctx.message,
                "b_result": result,
                "b_url": ctx.result_url,
            },  # fmt: skip
        )
        if getattr(done, "rowcount", 0) != 1:
            session.rollback()
            log.warning("job %s: lease lost (recovered elsewhere); attempt undone", job_id)
            return None
        session.commit()
        log.info("job %s %s succeeded (attempt %s)", job_id, claimed.kind, claimed.attempts)
        return JobStatus.SUCCEEDED
    except JobCancelled:
        session.rollback()
        return _finish(engine, job_id, lease, JobStatus.CANCELLED, error=None)
    except JobError as error:
        session.rollback()
        log.info("job %s %s failed: %s", job_id, claimed.kind, error.message)
        return _finish(engine, job_id, lease, JobStatus.FAILED, error=error.message[:500])
    except Exception as error:
        session.rollback()
        if spec.retryable(error) and claimed.attempts < claimed.max_attempts:
            delay = spec.delay(claimed.attempts)
            log.warning(
                "job %s %s attempt %s failed, retrying in %.0f s: %r",
                job_id, claimed.kind, claimed.attempts, delay, error,
            )  # fmt: skip
            return _retry(engine, job_id, lease, delay)
        log.exception("job %s %s failed (attempt %s)", job_id, claimed.kind, claimed.attempts)
        message = error.message if isinstance(error, KesherError) else INTERNAL
        return _finish(engine, job_id, lease, JobStatus.FAILED, error=message[:500])
    finally:
        HEARTBEAT.unregister(ctx)
        session.close()


def _call(func: Any, ctx: JobContext) -> dict[str, Any] | None:
    """Run the function in its creator's language, so messages it stores read right."""
    locale = None
    if ctx.user_id is not None:
        locale = ctx.session.scalar(select(User.locale).where(User.id == ctx.user_id))
    with ctx.app.app_context(), force_locale(locale or ctx.app.config["BABEL_DEFAULT_LOCALE"]):
        return func(ctx)


def _finish(
    engine: Engine, job_id: int, lease: str, status: JobStatus, *, error: str | None
) -> JobStatus | None:
    with engine.begin() as connection:
        result = connection.execute(
            update(Job)
            .where(Job.id == job_id, Job.lease == lease)
            .values(status=status, error=error, lease=None, finished_at=utcnow())
        )
    return status if result.rowcount == 1 else None


def _retry(engine: Engine, job_id: int, lease: str, delay: float) -> JobStatus | None:
    now = utcnow()
    with engine.begin() as connection:
        result = connection.execute(
            update(Job)
            .where(Job.id == job_id, Job.lease == lease)
            .values(
                status=JobStatus.QUEUED,
                lease=None,
                dispatched_at=None,
                next_attempt_at=now + timedelta(seconds=delay),
                heartbeat_at=None,
            )  # fmt: skip
        )
    return JobStatus.QUEUED if result.rowcount == 1 else None


# --- finding work, recovering from crashes ----------------------------------------------------


def due_filter(now: datetime) -> Any:
    return (Job.status == JobStatus.QUEUED) & or_(
        Job.next_attempt_at.is_(None), Job.next_attempt_at <= now
    )


def next_due_id(session: SessionLike, now: datetime | None = None) -> int | None:
    """The oldest queued job that may start now (what an embedded worker takes next)."""
    return session.scalar(
        select(Job.id).where(due_filter(now or utcnow())).order_by(Job.id).limit(1)
    )


def undispatched(session: SessionLike, now: datetime | None = None, limit: int = 500) -> list[Job]:
    """Queued, due jobs that never reached the queue (Redis was down, or a backoff ended)."""
    return list(
        session.scalars(
            select(Job)
            .where(due_filter(now or utcnow()), Job.dispatched_at.is_(None))
            .order_by(Job.id)
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Recovered:
    requeued: list[int]
    failed: list[int]


def recover(
    session: SessionLike, *, now: datetime | None = None, stale_after: float | None = None
) -> Recovered:
    """Re-queue running jobs whose worker stopped beating, or fail them after their last attempt.

    The attempt that was interrupted wrote nothing (its writes and its success are one
    transaction), so running the job again applies its effect once.
    """
    now = now or utcnow()
    stale = stale_after if stale_after is not None else stale_seconds()
    cutoff = now - timedelta(seconds=stale)
    requeued: list[int] = []
    failed: list[int] = []
    rows = session.execute(
        select(Job.id, Job.attempts, Job.max_attempts, Job.lease).where(
            Job.status == JobStatus.RUNNING,
            or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < cutoff),
        )
    ).all()
    for job_id, attempts, max_attempts, lease in rows:
        guard = (Job.id == job_id, Job.status == JobStatus.RUNNING, Job.lease == lease)
        if attempts < max_attempts:
            session.execute(
                update(Job)
                .where(*guard)
                .values(
                    status=JobStatus.QUEUED,
                    lease=None,
                    dispatched_at=None,
                    next_attempt_at=None,
                    progress_message=None,
                    heartbeat_at=None,
                )  # fmt: skip
                .execution_options(synchronize_session=False)
            )
            requeued.append(job_id)
        else:
            session.execute(
                update(Job)
                .where(*guard)
                .values(status=JobStatus.FAILED, lease=None, error=INTERRUPTED, finished_at=now)
                .execution_options(synchronize_session=False)
            )
            failed.append(job_id)
    if requeued or failed:
        log.warning("recovered stale jobs: re-queued %s, failed %s", requeued, failed)
    return Recovered(requeued, failed)


def stale_seconds() -> float:
    return float(current_app.config["JOBS_STALE_AFTER"])


def list_jobs(
    session: SessionLike,
    *,
    created_by_id: int | None = None,
    status: JobStatus | None = None,
    kind: str | None = None,
    limit: int = 200,
) -> Sequence[Job]:
    """The newest jobs first: one user's (or everyone's), of one status and kind if given."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if created_by_id is not None:
        query = query.where(Job.created_by_id == created_by_id)
    if status is not None:
        query = query.where(Job.status == status)
    if kind is not None:
        query = query.where(Job.kind == kind)
    return session.scalars(query).all()


def find_by_key(session: SessionLike, key: str) -> Job | None:
    """The job queued under this idempotency key, if any (say, the one applying an import)."""
    return session.scalars(select(Job).where(Job.idempotency_key == key)).one_or_none()


def cancel(session: SessionLike, job: Job) -> None:
    """Stop a queued job now, or ask a running one to stop at its next check."""
    if job.status is JobStatus.QUEUED:
        job.status = JobStatus.CANCELLED
        job.finished_at = utcnow()
    elif job.status is JobStatus.RUNNING:
        job.cancel_requested = True
    session.flush()


def is_delayed(job: Job, now: datetime | None = None) -> bool:
    """Queued and due, but not handed to the queue: the queue (Redis) is unreachable."""
    now = now or utcnow()
    return (
        job.status is JobStatus.QUEUED
        and job.dispatched_at is None
        and (job.next_attempt_at is None or job.next_attempt_at <= now)
    )


def pending_pairs(jobs: Iterable[Job]) -> list[tuple[int, int]]:
    return [(job.id, job.attempts) for job in jobs]
