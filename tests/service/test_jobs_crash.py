"""A worker process killed with SIGKILL mid-job: the job is recovered and its effect applied once.

The worker is a real `flask --app marketplace jobs work` process (embedded loop without Redis,
an RQ worker with it) that imports this module for the slow test job below.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.jobs import services
from marketplace.jobs.models import Job, JobStatus
from marketplace.jobs.registry import JobContext, job
from marketplace.jobs.worker import sweep
from marketplace.outbox import OutboundEmail, queue_email
from tests.processes import Processes, seconds

ROOT = Path(__file__).resolve().parents[2]


@job("test.crash_slow", max_attempts=3)
def crash_slow(ctx: JobContext) -> dict[str, Any]:
    """Report progress slowly, then write one row in the job's final transaction."""
    steps = int(ctx.params["steps"])
    for step in range(steps):
        ctx.progress(100 * step / steps, f"step {step} of {steps}")
        time.sleep(float(ctx.params["delay"]))
    queue_email(ctx.session, to="a@example.com", subject=ctx.params["subject"], body="once")
    return {"attempt": ctx.attempt}


def start_worker(
    processes: Processes, database_url: str, redis_url: str | None, log: Any, *burst: str
) -> subprocess.Popen[bytes]:
    """A `jobs work` process, stopped and reaped when the test ends however it ends."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KESHER_")}
    env.update(
        KESHER_DATABASE_URL=database_url,
        KESHER_JOBS_IMPORTS=__name__,
        KESHER_JOBS_POLL_INTERVAL="0.1",
        KESHER_LOG_FORMAT="text",
    )
    if redis_url:
        env["KESHER_REDIS_URL"] = redis_url
    command = [sys.executable, "-m", "flask", "--app", "marketplace", "jobs", "work"]
    return processes.start(
        [*command, "--no-scheduler", *burst],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(params=["embedded", "rq"])
def queue_url(request: pytest.FixtureRequest) -> str | None:
    """No Redis (the embedded loop) or a real Redis (RQ)."""
    return None if request.param == "embedded" else request.getfixturevalue("redis_url")


def test_a_job_killed_mid_run_is_recovered_and_applies_its_effect_exactly_once(
    app_factory: Any,
    database_url: str,
    queue_url: str | None,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    processes: Processes,
) -> None:
    app: Flask = app_factory(JOBS_EAGER=False, JOBS_EMBEDDED_WORKER=False, REDIS_URL=queue_url)
    log_path = tmp_path / "worker.log"
    log = log_path.open("ab")
    request.addfinalizer(log.close)
    with app.app_context():
        record = services.enqueue(
            db.session, "test.crash_slow", {"steps": 50, "delay": 0.1, "subject": "crash-once"}
        )
        db.session.commit()
        job_id = record.id

    def state() -> Job:
        with app.app_context():
            row = db.session.get_one(Job, job_id)
            db.session.expunge(row)
            return row

    def effects() -> int:
        with app.app_context():
            return int(
                db.session.scalar(
                    select(func.count())
                    .select_from(OutboundEmail)
                    .where(OutboundEmail.subject == "crash-once")
                )
                or 0
            )

    worker = start_worker(processes, database_url, queue_url, log)
    wait_for(lambda: state().progress >= 20, seconds(60), "the job to be well under way")
    os.kill(worker.pid, signal.SIGKILL)
    assert worker.wait(seconds(10)) == -signal.SIGKILL
    killed = state()
    assert killed.status is JobStatus.RUNNING  # left running, with a heartbeat that stopped
    assert killed.attempts == 1
    assert 20 <= killed.progress < 100
    assert effects() == 0  # nothing half-applied

    # The recovery sweep (every worker runs it) sees the stale heartbeat, on a clock moved past
    # the staleness limit instead of waiting for it.
    later = utcnow() + timedelta(seconds=float(app.config["JOBS_STALE_AFTER"]) + 1)
    swept = sweep(app, now=later)
    assert swept.requeued == [job_id]
    if queue_url:
        assert swept.dispatched == [job_id]  # handed to RQ again
    requeued = state()
    assert (requeued.status, requeued.lease) == (JobStatus.QUEUED, None)

    again = start_worker(processes, database_url, queue_url, log, "--burst")
    code = again.wait(seconds(60))
    log.flush()
    assert code == 0, log_path.read_text()
    done = state()
    assert done.status is JobStatus.SUCCEEDED, (done.status, done.error, log_path.read_text())
    assert done.attempts == 2
    assert done.result == {"attempt": 2}
    assert effects() == 1  # exactly once
