"""The job kinds of the jobs feature itself and of the outbox: checks, e-mail, upkeep.

The features register their own kinds beside their code (`catalog/tasks.py`,
`health/tasks.py`), each listed in `marketplace/features.py`. Each function either writes
through ``ctx.session`` without committing (its effect and the job's success are one
transaction), or commits as it goes and is idempotent by construction; the docstring of each
says which.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from marketplace.db import utcnow
from marketplace.jobs.models import FINISHED, Job
from marketplace.jobs.registry import JobContext, job
from marketplace.jobs.services import recover
from marketplace.outbox import send_pending


@job("jobs.noop", max_attempts=1)
def noop(ctx: JobContext) -> dict[str, Any]:
    """Do nothing: checks a worker end to end, and is the benchmark's trivial job."""
    return {"ok": True}


@job("outbox.send")
def send_outbox(ctx: JobContext) -> dict[str, Any]:
    """Send queued e-mail; idempotent by construction (each sent message is marked and
    committed on its own, so a retry sends only what is left)."""
    return {"sent": send_pending(ctx.session, ctx.app.config, limit=500)}


@job("jobs.recover", max_attempts=1)
def recover_jobs(ctx: JobContext) -> dict[str, Any]:
    """The scheduled recovery sweep: re-queue stale running jobs (workers also do it)."""
    recovered = recover(ctx.session)
    return {"requeued": len(recovered.requeued), "failed": len(recovered.failed)}


@job("jobs.prune", max_attempts=1)
def prune_jobs(ctx: JobContext) -> dict[str, Any]:
    """Delete finished job records older than `JOBS_KEEP_DAYS` (the schedule adds one a slot)."""
    cutoff = utcnow() - timedelta(days=int(ctx.app.config["JOBS_KEEP_DAYS"]))
    result = ctx.session.execute(
        delete(Job)
        .where(Job.status.in_(FINISHED), Job.finished_at < cutoff, Job.id != ctx.job_id)
        .execution_options(synchronize_session=False)
    )
    return {"removed": int(getattr(result, "rowcount", 0) or 0)}
