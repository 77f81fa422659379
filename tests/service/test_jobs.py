"""The job system on a real database: states, idempotency, retries, recovery, the schedule."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.jobs import services
from marketplace.jobs.backends import EmbeddedBackend, backend
from marketplace.jobs.models import Job, JobStatus
from marketplace.jobs.registry import REGISTRY, JobContext, JobError, job
from marketplace.jobs.scheduler import Entry, Scheduler, default_schedule
from marketplace.jobs.views import error_text
from marketplace.outbox import OutboundEmail, queue_email

#: Opened by the tests that hold a job mid-run (first attempt only).
GATE = threading.Event()
REACHED = threading.Event()


@job("test.effect", max_attempts=3, backoff=2.0)
def effect(ctx: JobContext) -> dict[str, Any]:
    """Write one e-mail row, failing first as the parameters say."""
    params = ctx.params
    if ctx.attempt <= int(params.get("transient", 0)):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    if params.get("invalid"):
        raise JobError("The file has 3 problems; nothing was imported.")
    queue_email(ctx.session, to="a@example.com", subject=params.get("subject", "done"), body="x")
    if params.get("boom"):
        raise RuntimeError("a bug after the write")
    ctx.progress(80, "almost")
    return {"wrote": 1}


@job("test.gated", max_attempts=3)
def gated(ctx: JobContext) -> dict[str, Any]:
    """Wait for GATE on the first attempt, then write one row (a stalled worker)."""
    if ctx.attempt == 1:
        REACHED.set()
        GATE.wait(20)
    queue_email(ctx.session, to="a@example.com", subject=f"gated-{ctx.job_id}", body="x")
    return {"attempt": ctx.attempt}


@job("test.slow")
def slow(ctx: JobContext) -> dict[str, Any]:
    """Report progress in steps, checking for cancelling, then write one row."""
    steps = int(ctx.params.get("steps", 10))
    for step in range(steps):
        ctx.check_cancelled()
        ctx.progress(100 * step / steps, f"step {step}")
        time.sleep(float(ctx.params.get("delay", 0.05)))
    queue_email(ctx.session, to="a@example.com", subject=f"slow-{ctx.job_id}", body="x")
    return {"steps": steps}


def emails(app: Flask, subject: str | None = None) -> int:
    with app.app_context():
        query = select(func.count()).select_from(OutboundEmail)
        if subject is not None:
            query = query.where(OutboundEmail.subject == subject)
        return int(db.session.scalar(query) or 0)


def load(app: Flask, job_id: int) -> Job:
    with app.app_context():
        record = db.session.get_one(Job, job_id)
        db.session.expunge(record)
        return record


def enqueue(app: Flask, kind: str, params: dict[str, Any] | None = None, **kw: Any) -> int:
    with app.app_context():
        record = services.enqueue(db.session, kind, params, **kw)
        db.session.commit()
        return record.id


def run(app: Flask, job_id: int) -> JobStatus | None:
    with app.app_context():
        return services.run_job(job_id)


def make_due(app: Flask, job_id: int) -> None:
    """Let a retry's backoff pass without sleeping."""
    with app.app_context():
        db.session.get_one(Job, job_id).next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()


def test_a_job_applies_its_effect_in_the_transaction_that_records_its_success(app: Flask) -> None:
    job_id = enqueue(app, "test.effect", {"subject": "one"})  # eager in tests: runs on commit
    record = load(app, job_id)
    assert record.status is JobStatus.SUCCEEDED
    assert (record.progress, record.progress_message) == (100, "almost")
    assert record.result == {"wrote": 1}
    assert record.attempts == 1
    assert record.lease is None
    assert record.started_at is not None
    assert record.finished_at is not None
    assert record.finished_at >= record.started_at
    assert emails(app, "one") == 1
    # Nothing is left to run: a second run of the same job does nothing.
    assert run(app, job_id) is None
    assert emails(app, "one") == 1


def test_the_same_key_returns_the_existing_job_instead_of_a_second_one(app: Flask) -> None:
    first = enqueue(app, "test.effect", {"subject": "k"}, key="import:7")
    second = enqueue(app, "test.effect", {"subject": "k"}, key="import:7")
    assert first == second
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job)) == 1
    assert emails(app, "k") == 1


def test_an_unknown_kind_is_refused_when_enqueued(app: Flask) -> None:
    with app.app_context(), pytest.raises(ValueError, match="unknown job kind 'nope'"):
        services.enqueue(db.session, "nope")


def test_a_validation_error_fails_at_once_with_its_message_and_writes_nothing(
    app: Flask,
) -> None:
    job_id = enqueue(app, "test.effect", {"invalid": True})
    record = load(app, job_id)
    assert record.status is JobStatus.FAILED
    assert record.attempts == 1  # never retried
    assert record.error == "The file has 3 problems; nothing was imported."
    assert emails(app) == 0


def test_a_transient_error_is_retried_with_exponential_backoff_then_succeeds(
    app: Flask,
) -> None:
    before = utcnow()
    job_id = enqueue(app, "test.effect", {"transient": 2, "subject": "retried"})
    record = load(app, job_id)
    assert record.status is JobStatus.QUEUED
    assert record.attempts == 1
    assert record.dispatched_at is None
    assert record.next_attempt_at is not None
    delay = (record.next_attempt_at - before).total_seconds()
    assert 2.0 <= delay < 4.0  # the kind's backoff, 2 s
    assert run(app, job_id) is None  # not due yet: nothing runs early
    make_due(app, job_id)
    started = utcnow()
    assert run(app, job_id) is JobStatus.QUEUED
    record = load(app, job_id)
    assert record.next_attempt_at is not None
    assert 4.0 <= (record.next_attempt_at - started).total_seconds() < 6.0  # doubled
    assert emails(app, "retried") == 0
    make_due(app, job_id)
    assert run(app, job_id) is JobStatus.SUCCEEDED
    assert load(app, job_id).attempts == 3
    assert emails(app, "retried") == 1


def test_retries_stop_at_max_attempts_and_the_failure_reads_without_a_traceback(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    job_id = enqueue(app, "test.effect", {"transient": 5}, max_attempts=2)
    make_due(app, job_id)
    with caplog.at_level(logging.ERROR, logger="marketplace.jobs.services"):
        assert run(app, job_id) is JobStatus.FAILED
    record = load(app, job_id)
    assert (record.status, record.attempts, record.error) == (JobStatus.FAILED, 2, "internal")
    with app.test_request_context():
        text = error_text(record)
    assert text is not None
    assert f"#{job_id}" in text  # the job's number, to quote to support
    assert "Traceback" not in text
    assert "OperationalError" not in text
    assert "server closed the connection" in caplog.text  # the details are in the log


def test_a_bug_after_the_write_leaves_nothing_written(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="marketplace.jobs.services"):
        job_id = enqueue(app, "test.effect", {"boom": True, "subject": "half"})
    record = load(app, job_id)
    assert (record.status, record.attempts) == (JobStatus.FAILED, 1)  # a bug is not retried
    assert emails(app, "half") == 0
    assert "RuntimeError: a bug after the write" in caplog.text


def test_recovery_requeues_a_stale_running_job_and_fails_it_after_its_last_attempt(
    app: Flask,
) -> None:
    job_id = enqueue(app, "test.effect", dispatch=False, max_attempts=2)
    with app.app_context():
        assert services.claim(db.engine, job_id, "lease-1") is not None
        stale = services.stale_seconds()
        # A fresh heartbeat is left alone.
        assert services.recover(db.session, now=utcnow()).requeued == []
        later = utcnow() + timedelta(seconds=stale + 1)
        assert services.recover(db.session, now=later).requeued == [job_id]
        db.session.commit()
    record = load(app, job_id)
    assert (record.status, record.lease, record.attempts) == (JobStatus.QUEUED, None, 1)
    with app.app_context():
        assert services.claim(db.engine, job_id, "lease-2") is not None
        recovered = services.recover(db.session, now=utcnow() + timedelta(seconds=stale + 1))
        db.session.commit()
    assert recovered.failed == [job_id]
    record = load(app, job_id)
    assert (record.status, record.error, record.attempts) == (JobStatus.FAILED, "interrupted", 2)
    assert emails(app) == 0


def test_a_worker_presumed_dead_cannot_apply_its_effect_after_another_attempt_took_over(
    app_factory: Any,
) -> None:
    app = app_factory(JOBS_EAGER=False, JOBS_EMBEDDED_WORKER=False)
    GATE.clear()
    REACHED.clear()
    job_id = enqueue(app, "test.gated")
    stalled = threading.Thread(target=run, args=(app, job_id))
    stalled.start()
    try:
        assert REACHED.wait(10)
        with app.app_context():
            later = utcnow() + timedelta(seconds=services.stale_seconds() + 1)
            assert services.recover(db.session, now=later).requeued == [job_id]
            db.session.commit()
        assert run(app, job_id) is JobStatus.SUCCEEDED  # attempt 2 applies the effect
    finally:
        GATE.set()
        stalled.join(20)
    record = load(app, job_id)
    assert (record.status, record.result) == (JobStatus.SUCCEEDED, {"attempt": 2})
    assert emails(app, f"gated-{job_id}") == 1  # attempt 1's late write was undone


def test_cancelling_a_queued_job_means_it_never_runs(app_factory: Any) -> None:
    app = app_factory(JOBS_EAGER=False, JOBS_EMBEDDED_WORKER=False)
    job_id = enqueue(app, "test.effect", {"subject": "never"})
    with app.app_context():
        services.cancel(db.session, db.session.get_one(Job, job_id))
        db.session.commit()
    assert run(app, job_id) is None
    assert load(app, job_id).status is JobStatus.CANCELLED
    assert emails(app, "never") == 0


def test_the_embedded_thread_runs_jobs_with_visible_progress_and_can_cancel_one(
    app_factory: Any,
) -> None:
    app = app_factory(JOBS_EAGER=False, JOBS_POLL_INTERVAL=0.2, JOBS_SCHEDULER=False)
    queue = backend(app)
    assert isinstance(queue, EmbeddedBackend)
    assert not queue.thread_alive  # not in create_app: only a served request starts it
    app.test_client().get("/healthz")
    assert queue.thread_alive
    try:
        job_id = enqueue(app, "test.slow", {"steps": 20, "delay": 0.1})
        seen: set[int] = set()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            record = load(app, job_id)
            if record.status is JobStatus.RUNNING:
                seen.add(record.progress)
            if record.finished:
                break
            time.sleep(0.1)
        assert record.status is JobStatus.SUCCEEDED
        assert any(0 < p < 100 for p in seen), seen  # progress was visible mid-run
        assert emails(app, f"slow-{job_id}") == 1

        doomed = enqueue(app, "test.slow", {"steps": 200, "delay": 0.05})
        deadline = time.monotonic() + 20
        while load(app, doomed).progress < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        with app.app_context():
            services.cancel(db.session, db.session.get_one(Job, doomed))
            db.session.commit()
        while not load(app, doomed).finished and time.monotonic() < deadline:
            time.sleep(0.05)
        assert load(app, doomed).status is JobStatus.CANCELLED
        assert emails(app, f"slow-{doomed}") == 0
    finally:
        queue.stop_thread()
    assert not queue.thread_alive


def test_the_work_command_runs_waiting_jobs_in_burst_and_lists_them(app_factory: Any) -> None:
    app = app_factory(JOBS_EAGER=False, JOBS_EMBEDDED_WORKER=False)
    ids = [enqueue(app, "jobs.noop") for _ in range(3)]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "work", "--burst", "--no-scheduler"])
    assert result.exit_code == 0, result.output
    assert "Ran 3 job(s)." in result.output
    assert {load(app, i).status for i in ids} == {JobStatus.SUCCEEDED}
    listing = runner.invoke(args=["jobs", "list"]).output.splitlines()
    assert [line.split("\t")[:3] for line in listing] == [
        [str(i), "jobs.noop", "succeeded"] for i in reversed(ids)
    ]
    assert "Re-queued 0, failed 0" in runner.invoke(args=["jobs", "recover"]).output
    queued = runner.invoke(args=["jobs", "enqueue", "jobs.noop", "--key", "once"])
    again = runner.invoke(args=["jobs", "enqueue", "jobs.noop", "--key", "once"])
    assert queued.output == again.output


# --- the schedule, on a fake clock -------------------------------------------------------------


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_schedule_entry_is_due_once_per_slot() -> None:
    schedule = Scheduler([Entry("nightly", "30 0 * * *", "jobs.noop")])
    [(entry, slot)] = schedule.due(at("2026-11-23T00:29:59"))
    assert slot == at("2026-11-22T00:30")  # the latest slot (missed while down) runs once
    assert entry.key(slot) == "nightly@2026-11-22T00:30Z"
    assert schedule.due(at("2026-11-23T00:30:00"))[0][1] == at("2026-11-23T00:30")
    assert schedule.due(at("2026-11-23T13:00"))[0][1] == at("2026-11-23T00:30")


def test_ticking_enqueues_each_slot_once_across_workers(app: Flask) -> None:
    one, two = (Scheduler().add("purge", "*/15 * * * *", "jobs.noop") for _ in range(2))
    with app.app_context():
        first = list(one.tick(db.session, at("2026-11-23T10:14")))
        assert one.due(at("2026-11-23T10:14:59")) == []  # this worker remembers the slot
        same = list(two.tick(db.session, at("2026-11-23T10:14:30")))  # another worker
        assert [j.id for j in first] == [j.id for j in same]
        next_slot = list(one.tick(db.session, at("2026-11-23T10:15")))
        assert next_slot[0].id != first[0].id
        keys = db.session.scalars(select(Job.idempotency_key).order_by(Job.id)).all()
    assert keys == ["purge@2026-11-23T10:00Z", "purge@2026-11-23T10:15Z"]


def test_the_default_schedule_lists_the_recurring_work_and_skips_unconfigured_entries(
    app: Flask,
) -> None:
    schedule = default_schedule()
    kinds = {entry.name: entry.kind for entry in schedule.entries}
    assert kinds == {
        "pricing.recompute.nightly": "pricing.recompute",
        "health.purge": "health.purge",
        "outbox.send": "outbox.send",
        "jobs.recover": "jobs.recover",
        "jobs.prune": "jobs.prune",
        "notifications.digest": "notifications.digest",
        "deals.expire_offers": "deals.expire_offers",
        "delivery.monitor": "delivery.monitor",
        "payments.run_payouts": "payments.run_payouts",
        "payments.reconcile": "payments.reconcile",
    }
    assert all(entry.kind in REGISTRY for entry in schedule.entries)
    due = {entry.name for entry, _ in schedule.due(at("2026-11-23T10:00"), app.config)}
    assert "outbox.send" not in due  # no SMTP_HOST: nothing to send
    with app.app_context():
        ran = [j.id for j in schedule.tick(db.session, at("2026-11-23T10:00"))]
    assert len(ran) == 9
    assert {load(app, i).status for i in ran} == {JobStatus.SUCCEEDED}
    with pytest.raises(ValueError, match="listed twice"):
        schedule.add("jobs.prune", "0 * * * *", "jobs.prune")
    with pytest.raises(ValueError, match="out of range"):
        Scheduler().add("typo", "61 * * * *", "jobs.noop")
