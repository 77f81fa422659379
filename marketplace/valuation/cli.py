"""`flask --app marketplace pricing recompute [--all | --community ID]`."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from marketplace.extensions import db
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
def recompute_command(everything: bool, community_id: int | None, batch: int) -> None:
    """Re-estimate the value of every placement of the listed communities (or --all, or one)."""
    started = time.perf_counter()
    if community_id is not None:
        ids = [community_id] if db.session.get(services.Community, community_id) else []
        if not ids:
            raise click.ClickException(f"No community has id {community_id}.")
    else:
        ids = services.listed_ids(db.session, everything=everything)
    counts = services.recompute(db.session, ids, batch=batch)
    db.session.commit()
    elapsed = time.perf_counter() - started
    click.echo(
        f"Estimated {sum(counts.values())} placement(s) of {len(ids)} communities in "
        f"{elapsed:.1f} s: {counts['ok']} ok, {counts['wide']} wide, {counts['refused']} refused."
    )
