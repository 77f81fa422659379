"""`flask --app marketplace catalog import|export FILE`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from marketplace.auth.models import Role, User
from marketplace.catalog import exports, imports
from marketplace.extensions import db

catalog_cli = AppGroup("catalog", help="Import and export the community catalog.")


def _actor(email: str | None) -> User:
    query = select(User).where(User.is_active.is_(True))
    if email:
        query = query.where(User.email == email.strip().lower())
    else:
        query = query.where(User.role == Role.ADMIN).order_by(User.id)
    user = db.session.scalars(query).first()
    if user is None or user.role not in (Role.STAFF, Role.ADMIN):
        raise click.ClickException(
            "Name an agency staff or admin account with --as EMAIL (it is recorded as the author)."
        )
    return user


@catalog_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report, without writing.")
@click.option("--as", "as_email", help="The staff account recorded as the importer.")
def import_command(path: Path, dry_run: bool, as_email: str | None) -> None:
    """Import communities, channels and figures from a CSV, XLSX or JSON file (all or nothing)."""
    if path.stat().st_size > imports.MAX_IMPORT_BYTES:
        raise click.ClickException(
            f"{path.name} is larger than {imports.MAX_IMPORT_BYTES // 1024 // 1024} MB; split it."
        )
    actor = _actor(as_email)
    plan = imports.plan_import(db.session, path.read_bytes(), path.name, actor=actor)
    if not plan.ok:
        db.session.rollback()
        for problem in plan.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(plan.problems)} problem(s); nothing was imported.")
    summary = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in plan.summary.items())
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run, nothing written. {summary}")
        return
    imports.apply_import(db.session, plan, actor=actor)
    db.session.commit()
    click.echo(f"Imported. {summary}")


@catalog_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--hebrew-headers", is_flag=True, help="Write the column headers in Hebrew.")
@click.option("--as", "as_email", help="Export what this staff account sees.")
def export_command(path: Path, hebrew_headers: bool, as_email: str | None) -> None:
    """Export the catalog to FILE; the format follows the extension (.csv, .xlsx, .json)."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in {"csv", "xlsx", "json"}:
        raise click.ClickException("The file must end in .csv, .xlsx or .json.")
    rows = exports.export_rows(db.session, actor=_actor(as_email))
    path.write_bytes(exports.export_file(rows, fmt, hebrew_headers=hebrew_headers))
    click.echo(f"Exported {len(rows)} channel row(s) to {path}.")
