"""The jobs pages: a user's jobs, one job with live progress, and its JSON for polling."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.booleans import parse_bool
from marketplace.errors import KesherError, NotFound
from marketplace.extensions import db
from marketplace.jobs import services
from marketplace.jobs.backends import backend
from marketplace.jobs.forms import CancelJobForm
from marketplace.jobs.models import Job, JobStatus
from marketplace.policy import STAFF_SIDE
from marketplace.web import unit_of_work

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

#: What each kind is called on the jobs pages.
KIND_TITLES: dict[str, Any] = {
    "catalog.import": _l("Catalog import"),
    "pricing.recompute": _l("Price estimates recompute"),
    "health.purge": _l("Health data purge"),
    "outbox.send": _l("E-mail sending"),
    "jobs.recover": _l("Recovery of interrupted jobs"),
    "jobs.prune": _l("Old job records cleanup"),
    "jobs.noop": _l("Worker check"),
    "notifications.digest": _l("Daily notification digests"),
    "deals.expire_offers": _l("Expiry of unanswered offers"),
    "delivery.monitor": _l("Delivery monitoring (late and missed posts)"),
    "payments.run_payouts": _l("Payout run to community owners"),
    "payments.reconcile": _l("Reconciliation with Stripe"),
    "payments.send_refund": _l("Refund sent through Stripe"),
    "matching.rebuild_features": _l("Matching index rebuild"),
}

STATUS_LABELS: dict[JobStatus, Any] = {
    JobStatus.QUEUED: _l("Queued"),
    JobStatus.RUNNING: _l("Running"),
    JobStatus.SUCCEEDED: _l("Succeeded"),
    JobStatus.FAILED: _l("Failed"),
    JobStatus.CANCELLED: _l("Cancelled"),
}


def sees_all() -> bool:
    return bool(current_user.role in STAFF_SIDE)


def visible_job(job_id: int) -> Job:
    """The job, when the signed-in user started it or works on the agency side; else 404."""
    job = db.session.get(Job, job_id)
    if job is None or not (sees_all() or job.created_by_id == current_user.id):
        raise NotFound()
    return job


def error_text(job: Job) -> str | None:
    """The job's error in the reader's language; never a traceback."""
    if job.error is None:
        return None
    return {
        services.INTERNAL: _(
            "The job failed unexpectedly and nothing was changed. The team can find the "
            "details in the logs under job #%(id)s.",
            id=job.id,
        ),
        services.INTERRUPTED: _(
            "The job was interrupted %(n)s times (its worker stopped) and was given up. "
            "Nothing was changed.",
            n=job.attempts,
        ),
        services.UNKNOWN_KIND: _("No worker knows how to run this kind of job."),
    }.get(job.error, job.error)


def summary_text(job: Job) -> str | None:
    """One sentence about a finished job's result."""
    result = job.result or {}
    if job.status is not JobStatus.SUCCEEDED:
        return None
    if job.kind == "catalog.import":
        if result.get("already_applied"):
            return _("This file was already imported.")
        return _(
            "Imported %(c)s communities with %(a)s channels.",
            c=result.get("communities", 0),
            a=result.get("assets", 0),
        )
    if job.kind == "pricing.recompute":
        return _(
            "%(n)s placement(s) of %(c)s communities re-estimated with model version "
            "%(version)s (%(ok)s ok, %(wide)s wide, %(refused)s refused).",
            n=result.get("placements", 0),
            c=result.get("communities", 0),
            version=result.get("model_version", ""),
            ok=result.get("ok", 0),
            wide=result.get("wide", 0),
            refused=result.get("refused", 0),
        )
    if job.kind == "health.purge":
        return _("Deleted %(n)s expired upload(s).", n=result.get("removed", 0))
    if job.kind == "outbox.send":
        return _("Sent %(n)s e-mail(s).", n=result.get("sent", 0))
    return _("Done.")


def delayed(job: Job) -> bool:
    """Whether to say "jobs are delayed": the queue (Redis) did not take this job yet."""
    return backend().name == "rq" and services.is_delayed(job)


def job_json(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "title": str(KIND_TITLES.get(job.kind, job.kind)),
        "status": job.status.value,
        "status_label": str(STATUS_LABELS[job.status]),
        "finished": job.finished,
        "progress": job.progress,
        "message": job.progress_message,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "delayed": delayed(job),
        "error": error_text(job),
        "summary": summary_text(job),
        "result_url": job.result_url,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def page_helpers() -> dict[str, Any]:
    return {
        "kind_titles": KIND_TITLES,
        "status_labels": STATUS_LABELS,
        "job_error": error_text,
        "job_summary": summary_text,
        "job_delayed": delayed,
    }


@bp.get("")
def index() -> ResponseReturnValue:
    """The signed-in user's jobs; agency staff and admins see everyone's, with filters."""
    everyone = sees_all() and not parse_bool(request.args.get("mine"), default=False, name="mine")
    status = request.args.get("status", "")
    kind = request.args.get("kind", "")
    rows = services.list_jobs(
        db.session,
        created_by_id=None if everyone else current_user.id,
        status=JobStatus(status) if status in {s.value for s in JobStatus} else None,
        kind=kind or None,
    )
    return render_template(
        "jobs/index.html",
        jobs=rows,
        everyone=everyone,
        can_see_all=sees_all(),
        status=status,
        kind=kind,
        any_delayed=any(delayed(job) for job in rows),
        **page_helpers(),
    )


@bp.get("/<int:job_id>")
def detail(job_id: int) -> ResponseReturnValue:
    """One job: its state, live progress, its error or its result link."""
    job = visible_job(job_id)
    return render_template(
        "jobs/detail.html", job=job, cancel_form=CancelJobForm(), **page_helpers()
    )


@bp.get("/<int:job_id>.json")
def detail_json(job_id: int) -> ResponseReturnValue:
    """The job's state, polled by the progress bar."""
    return jsonify(job_json(visible_job(job_id)))


@bp.post("/<int:job_id>/cancel")
def cancel(job_id: int) -> ResponseReturnValue:
    """Cancel a queued job, or ask a running one to stop."""
    job = visible_job(job_id)
    if not CancelJobForm().validate_on_submit():
        raise KesherError()
    if job.finished:
        flash(_("This job has already finished."), "info")
    else:
        with unit_of_work(success=_("The job was asked to stop.")):
            services.cancel(db.session, job)
    return redirect(url_for("jobs.detail", job_id=job.id))
