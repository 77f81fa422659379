"""`flask --app marketplace pricing recompute [--all | --community ID]`."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from marketplace import jobs
from marketplace.catalog.models import Community
from marketplace.extensions import db
from marketplace.jobs.views import error_text
from marketplace.valuation import services

pricing_cli = AppGroup("pricing", help="Media value estimates of the catalog's placements.")


@pricing_cli.command("recompute")
@click.option("--all", "everything", is_flag=True, help="Every community, not only listed ones.")
@click.option("--community", "community_id", type=int, help="One community, by id.")
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=services.BATCH,
    show_default=True,
    help="Communities per engine call.",
)
@click.option(
    "--background", is_flag=True, help="Only queue the job for a worker (`flask jobs work`)."
)
def recompute_command(
    everything: bool, community_id: int | None, batch: int, background: bool
) -> None:
    """Re-estimate the value of every placement of the listed communities (or --all, or one).

    Runs as a `pricing.recompute` job (visible on the jobs page), here in the foreground unless
    --background hands it to the workers.
    """
    started = time.perf_counter()
    if community_id is not None and db.session.get(Community, community_id) is None:
        raise click.ClickException(f"No community has id {community_id}.")
    params = {"all": everything, "community_id": community_id, "batch": batch}
    if background:
        job = jobs.enqueue(db.session, "pricing.recompute", params)
        db.session.commit()
        click.echo(f"Queued job {job.id}; follow it with `flask jobs list`.")
        return
    # Not handed to the queue but run here: the same code path and record as a worker's run
    # (an embedded worker polling the table may take it first; then this waits for it).
    job = jobs.enqueue(db.session, "pricing.recompute", params, dispatch=False)
    db.session.commit()
    job_id = job.id
    jobs.run_job(job_id)
    while True:
        db.session.expire_all()
        job = db.session.get_one(jobs.Job, job_id)
        if job.finished:
            break
        time.sleep(0.5)
    if job.status is not jobs.JobStatus.SUCCEEDED:
        raise click.ClickException(f"Job {job_id} {job.status.value}: {error_text(job)}")
    result = job.result or {}
    elapsed = time.perf_counter() - started
    click.echo(
        f"Estimated {result['placements']} placement(s) of {result['communities']} communities "
        f"in {elapsed:.1f} s: {result['ok']} ok, {result['wide']} wide, "
        f"{result['refused']} refused (job {job_id})."
    )
