"""Background jobs: RQ on Redis when `KESHER_REDIS_URL` is set, else a worker thread in the app.

Public API::

    from marketplace import jobs

    job = jobs.enqueue(db.session, "catalog.import", {"import_id": 7}, user=me,
                       key="catalog.import:7")
    db.session.commit()          # the job reaches the queue after this commit

    @jobs.job("reports.pdf", max_attempts=3)
    def build_pdf(ctx: jobs.JobContext) -> dict: ...

See docs/jobs.md for states, retries, crash recovery and the schedule.

Inside the package the imports go one way: `registry` and `backends` (the backend interface) at
the bottom; `services` (enqueue, claim, run) on them; `scheduler` on services; `worker` on all
three; this module wires them together, handing each backend the functions it runs.
"""

from __future__ import annotations

import importlib
import logging
import threading

from flask import Flask

from marketplace.jobs.backends import EmbeddedBackend, Handlers, backend, install
from marketplace.jobs.models import Job, JobStatus
from marketplace.jobs.registry import (
    REGISTRY,
    JobCancelled,
    JobContext,
    JobError,
    RetryableError,
    job,
)
from marketplace.jobs.services import (
    cancel,
    enqueue,
    is_delayed,
    mark_undispatched,
    recover,
    run_job,
)
from marketplace.jobs.worker import EmbeddedWorker

__all__ = [
    "REGISTRY",
    "Job",
    "JobCancelled",
    "JobContext",
    "JobError",
    "JobStatus",
    "RetryableError",
    "cancel",
    "enqueue",
    "init_app",
    "is_delayed",
    "job",
    "recover",
    "run_job",
]

log = logging.getLogger(__name__)


def import_job_modules(app: Flask) -> None:
    """Register the kinds of the modules named in `JOBS_IMPORTS`.

    Kesher's own kinds are registered by the app factory from each feature's `job_modules`
    (marketplace/features.py).
    """
    extra = app.config.get("JOBS_IMPORTS") or []
    if isinstance(extra, str):
        extra = [name.strip() for name in extra.split(",") if name.strip()]
    for name in extra:
        importlib.import_module(name)


def _embedded_worker(app: Flask, wake: threading.Event, stop: threading.Event) -> EmbeddedWorker:
    return EmbeddedWorker(app, wake=wake, stop=stop)


#: What every backend hands its jobs to.
HANDLERS = Handlers(run=run_job, undispatched=mark_undispatched, worker=_embedded_worker)


def init_app(app: Flask) -> None:
    """Register the job kinds, and start the embedded worker thread with the first request.

    Starting on the first request, not in `create_app`, keeps the thread out of CLI commands
    and of the reloader's watching process, and starts it after gunicorn forked its workers
    (a thread does not survive a fork).
    """
    install(app, HANDLERS)
    import_job_modules(app)
    if app.config["JOBS_EAGER"] or not app.config["JOBS_EMBEDDED_WORKER"]:
        return
    if app.config.get("REDIS_URL"):
        return

    @app.before_request
    def start_embedded_worker() -> None:
        if app.extensions.get("kesher.jobs.started"):
            return
        app.extensions["kesher.jobs.started"] = True
        queue = backend(app)
        if isinstance(queue, EmbeddedBackend):
            queue.start_thread()
