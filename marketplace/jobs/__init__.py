"""Background jobs: RQ on Redis when `KESHER_REDIS_URL` is set, else a worker thread in the app.

Public API::

    from marketplace import jobs

    job = jobs.enqueue(db.session, "catalog.import", {"import_id": 7}, user=me,
                       key="catalog.import:7")
    db.session.commit()          # the job reaches the queue after this commit

    @jobs.job("reports.pdf", max_attempts=3)
    def build_pdf(ctx: jobs.JobContext) -> dict: ...

See docs/jobs.md for states, retries, crash recovery and the schedule.
"""

from __future__ import annotations

import importlib
import logging

from flask import Flask

from marketplace.jobs.models import Job, JobStatus
from marketplace.jobs.registry import (
    REGISTRY,
    JobCancelled,
    JobContext,
    JobError,
    RetryableError,
    job,
)
from marketplace.jobs.services import cancel, enqueue, is_delayed, recover, run_job

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
    """Register Kesher's kinds and those of the modules named in `JOBS_IMPORTS`."""
    import marketplace.deals.tasks  # noqa: F401
    import marketplace.jobs.tasks  # noqa: F401

    extra = app.config.get("JOBS_IMPORTS") or []
    if isinstance(extra, str):
        extra = [name.strip() for name in extra.split(",") if name.strip()]
    for name in extra:
        importlib.import_module(name)


def init_app(app: Flask) -> None:
    """Register the job kinds, and start the embedded worker thread with the first request.

    Starting on the first request, not in `create_app`, keeps the thread out of CLI commands
    and of the reloader's watching process, and starts it after gunicorn forked its workers
    (a thread does not survive a fork).
    """
    import_job_modules(app)
    from marketplace.jobs.backends import EmbeddedBackend, backend

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
