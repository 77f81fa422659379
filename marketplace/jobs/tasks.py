"""Kesher's job kinds: the long work of the catalog, pricing, health data and the outbox.

Each function either writes through ``ctx.session`` without committing (its effect and the
job's success are one transaction), or commits as it goes and is idempotent by construction;
the docstring of each says which.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete

from marketplace.db import utcnow
from marketplace.jobs.models import FINISHED, Job
from marketplace.jobs.registry import JobContext, JobError, job


@job("jobs.noop", max_attempts=1)
def noop(ctx: JobContext) -> dict[str, Any]:
    """Do nothing: checks a worker end to end, and is the benchmark's trivial job."""
    return {"ok": True}


@job("catalog.import")
def import_catalog(ctx: JobContext) -> dict[str, Any]:
    """Write a previewed catalog import, all or nothing, in the job's success transaction.

    Idempotent by its record: an import already marked applied is not written again.
    """
    from marketplace.auth.models import User
    from marketplace.catalog import imports
    from marketplace.catalog.models import CatalogImport

    ctx.result_url = ctx.url_for("catalog.browse")
    record = ctx.session.get(CatalogImport, int(ctx.params["import_id"]))
    if record is None:
        raise JobError(_("The uploaded file is no longer there; upload it again."))
    if record.state == "applied":
        return dict(record.summary or {}, already_applied=True)
    actor = ctx.session.get_one(User, record.created_by_id)
    ctx.progress(5, _("Checking the file again"))
    plan = imports.plan_import(ctx.session, record.data, record.filename, actor=actor)
    if not plan.ok:  # the catalog changed since the preview
        first = "; ".join(str(p) for p in plan.problems[:3])
        raise JobError(
            ngettext(
                "The catalog changed since the preview: %(num)d problem (%(first)s). "
                "Nothing was imported.",
                "The catalog changed since the preview: %(num)d problems (%(first)s). "
                "Nothing was imported.",
                len(plan.problems),
                first=first,
            )
        )
    ctx.check_cancelled()
    ctx.progress(50, _("Writing %(n)s communities", n=len(plan.communities)))
    result = imports.apply_import(ctx.session, plan, actor=actor)
    record.state, record.applied_at = "applied", utcnow()
    ctx.progress(95, _("Saving"))
    return {"communities": result["communities"], "assets": result["assets"]}


@job("pricing.recompute")
def recompute_prices(ctx: JobContext) -> dict[str, Any]:
    """Re-estimate placements with the active tables, committing after each batch.

    Idempotent by construction: an estimate depends only on the listing and the active tables,
    so a batch written twice (an interrupted attempt, then its retry) is the same batch. Per
    batch commits keep SQLite's write lock short for the web requests meanwhile.
    """
    from marketplace.catalog.models import Community
    from marketplace.valuation import services as valuation

    params = ctx.params
    batch = int(params.get("batch") or valuation.BATCH)
    if params.get("community_id") is not None:
        community_id = int(params["community_id"])
        if ctx.session.get(Community, community_id) is None:
            raise JobError(_("No community has id %(id)s.", id=community_id))
        ids = [community_id]
    else:
        ids = valuation.listed_ids(ctx.session, everything=bool(params.get("all")))
    ctx.session.rollback()
    total = len(ids)
    counts: Counter[str] = Counter()
    ctx.progress(0, _("%(done)s of %(total)s communities", done=0, total=total))
    for start in range(0, total, batch):
        ctx.check_cancelled()
        counts += valuation.recompute(ctx.session, ids[start : start + batch], batch=batch)
        ctx.session.commit()
        done = min(start + batch, total)
        ctx.progress(
            100 * done / total, _("%(done)s of %(total)s communities", done=done, total=total)
        )
    model_version = valuation.active_priors(ctx.session).model_version
    ctx.result_url = ctx.url_for("admin.pricing")
    return {
        "communities": total,
        "placements": sum(counts.values()),
        "ok": counts["ok"],
        "wide": counts["wide"],
        "refused": counts["refused"],
        "model_version": model_version,
    }


@job("health.purge")
def purge_health_uploads(ctx: JobContext) -> dict[str, Any]:
    """Delete anonymised rows of uploads left unconfirmed past their hour (one transaction)."""
    from marketplace.health.services import purge_expired

    return {"removed": purge_expired(ctx.session)}


@job("outbox.send")
def send_outbox(ctx: JobContext) -> dict[str, Any]:
    """Send queued e-mail; idempotent by construction (each sent message is marked and
    committed on its own, so a retry sends only what is left)."""
    from marketplace.outbox import send_pending

    return {"sent": send_pending(ctx.session, ctx.app.config, limit=500)}


@job("notifications.digest")
def send_notification_digests(ctx: JobContext) -> dict[str, Any]:
    """Queue the day's digest e-mails in the job's success transaction; idempotent by each
    user's claimed day (a second run the same day queues nothing for them)."""
    from marketplace.inbox.services import send_daily_digests

    return {"digests": send_daily_digests(ctx.session, utcnow())}


@job("jobs.recover", max_attempts=1)
def recover_jobs(ctx: JobContext) -> dict[str, Any]:
    """The scheduled recovery sweep: re-queue stale running jobs (workers also do it)."""
    from marketplace.jobs.services import recover

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
