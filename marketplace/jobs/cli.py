"""`flask --app marketplace jobs work|list|recover|enqueue`."""

from __future__ import annotations

import json
import signal
import threading
from types import FrameType

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.jobs import services
from marketplace.jobs.backends import RQBackend, backend
from marketplace.jobs.models import Job, JobStatus
from marketplace.jobs.worker import EmbeddedWorker, run_rq_worker, sweep

jobs_cli = AppGroup("jobs", help="Background jobs: run a worker, list and recover jobs.")


@jobs_cli.command("work")
@click.option("--burst", is_flag=True, help="Exit when no job is waiting.")
@click.option(
    "--scheduler/--no-scheduler",
    default=None,
    help="Enqueue the schedule's due slots (default: JOBS_SCHEDULER, on).",
)
def work_command(burst: bool, scheduler: bool | None) -> None:
    """Run jobs: an RQ worker when KESHER_REDIS_URL is set, else the embedded loop."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    use_scheduler = app.config["JOBS_SCHEDULER"] if scheduler is None else scheduler
    if app.config.get("JOBS_EAGER"):
        raise click.ClickException("JOBS_EAGER runs jobs where they are enqueued; no worker.")
    queue = backend(app)
    if isinstance(queue, RQBackend):
        click.echo(f"RQ worker on queue {queue.queue_name!r} ({'burst' if burst else 'steady'})")
        run_rq_worker(app, burst=burst, scheduler=use_scheduler)
        return
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    click.echo(f"Embedded worker on the database ({'burst' if burst else 'steady'})")
    ran = EmbeddedWorker(app, stop=stop, scheduler=use_scheduler).run(burst=burst)
    click.echo(f"Ran {ran} job(s).")


@jobs_cli.command("list")
@click.option("--status", type=click.Choice([s.value for s in JobStatus]))
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
def list_command(status: str | None, limit: int) -> None:
    """Print the latest jobs, newest first."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if status:
        query = query.where(Job.status == JobStatus(status))
    for job in db.session.scalars(query):
        line = (
            f"{job.id}\t{job.kind}\t{job.status.value}\t{job.progress}%\t"
            f"attempt {job.attempts}/{job.max_attempts}\t{job.created_at:%Y-%m-%d %H:%M}"
        )
        if services.is_delayed(job) and isinstance(backend(), RQBackend):
            line += "\tdelayed"
        if job.error:
            line += f"\t{job.error}"
        click.echo(line)


@jobs_cli.command("recover")
def recover_command() -> None:
    """Re-queue running jobs whose worker died, fail those out of attempts, send delayed ones."""
    swept = sweep(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(
        f"Re-queued {len(swept.requeued)}, failed {len(swept.failed)}, "
        f"sent {len(swept.dispatched)} waiting job(s) to the queue."
    )


@jobs_cli.command("enqueue")
@click.argument("kind")
@click.option("--params", default="{}", help="The job's parameters as a JSON object.")
@click.option("--key", help="An idempotency key: enqueuing the same key again does nothing.")
def enqueue_command(kind: str, params: str, key: str | None) -> None:
    """Queue a job of KIND for the workers (e.g. `jobs.noop`, `health.purge`)."""
    try:
        values = json.loads(params)
        job = services.enqueue(db.session, kind, values, key=key)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Job {job.id} ({job.kind}) is {job.status.value}.")
