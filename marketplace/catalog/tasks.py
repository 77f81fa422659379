"""The catalog's job kinds: writing a confirmed import, and re-estimating the catalog's value.

Registered by the app factory (`marketplace/features.py`); see `marketplace/jobs/registry.py`
for what a job function may and may not do with its session.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from marketplace.auth.models import User
from marketplace.catalog import imports, services
from marketplace.catalog.models import CatalogImport, Community
from marketplace.db import utcnow
from marketplace.jobs import JobContext, JobError, job
from marketplace.valuation import services as valuation


@job("catalog.import")
def import_catalog(ctx: JobContext) -> dict[str, Any]:
    """Write a previewed catalog import, all or nothing, in the job's success transaction.

    Idempotent by its record: an import already marked applied is not written again.
    """
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
        counts += services.revalue(ctx.session, ids[start : start + batch], batch=batch)
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
