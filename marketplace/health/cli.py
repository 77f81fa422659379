"""`flask --app marketplace health analyze FILE [--json]` and `health purge`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.health import services
from pricing.health import DEFAULT_LIMITS, DEFAULT_TIMEZONE, ExportError

health_cli = AppGroup("health", help="Community health from chat exports.")


@health_cli.command("analyze")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@click.option(
    "--members",
    type=click.IntRange(min=0),
    help="The community's member count now (a chat export only shows those who wrote).",
)
@click.option(
    "--admin",
    "admins",
    multiple=True,
    help="An admin's name or phone number as it appears in the chat; repeat for each admin.",
)
@click.option("--timezone", default=DEFAULT_TIMEZONE, show_default=True, help="WhatsApp's clock.")
def analyze_command(
    path: Path, as_json: bool, members: int | None, admins: tuple[str, ...], timezone: str
) -> None:
    """Analyse a chat export FILE and print its health figures; nothing is stored.

    People are hashed with a random salt that is thrown away, so the hashes in the output
    cannot be linked to anyone, nor to any other run.
    """
    size = path.stat().st_size
    if size > DEFAULT_LIMITS.max_bytes:
        raise click.ClickException(
            f"{path.name} is {size / 1024 / 1024:.1f} MB; the most Kesher accepts is "
            f"{DEFAULT_LIMITS.max_bytes / 1024 / 1024:.0f} MB. Export without media, or a "
            "shorter period."
        )
    try:
        report = services.analyse_file(
            path.read_bytes(), path.name, members=members, admin_names=admins, timezone=timezone
        )
    except ExportError as error:
        raise click.ClickException(f"{error} [{error.code}]") from error
    except ValueError as error:  # an unknown time zone, or nothing to analyse
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    headline = report.headline
    click.echo(
        f"Health score {report.score}/100 · {report.interaction_mode.value} · "
        f"{report.source.value} · {headline.figures.days} days to {report.now.date()}"
    )
    for component in headline.score.components:
        mark = "–" if component.score is None else f"{component.score:.0f}"
        click.echo(
            f"  {component.name:<20} weight {component.weight:>3}  mark {mark:>3}  "
            f"points {component.points:6.2f}"
        )
    for penalty in headline.score.penalties:
        click.echo(f"  penalty {penalty.kind}: −{penalty.points}")
    for kind, value in report.metric_snapshot().items():
        click.echo(f"  {kind.value}: {value:g}")
    for note in report.notes:
        click.echo(f"  note: {note}")


@health_cli.command("purge")
def purge_command() -> None:
    """Delete the anonymised rows of uploads left unconfirmed for over an hour (run from cron)."""
    removed = services.purge_expired(db.session)
    db.session.commit()
    click.echo(f"Deleted {removed} expired upload(s).")
