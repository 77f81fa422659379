"""`flask --app marketplace ...` commands: users, demo data and the outbox.

Registered with the other features' commands from `marketplace.features.FEATURES`.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from marketplace.auth import services as auth_services
from marketplace.auth.models import Organisation, Role, User
from marketplace.briefs.demo import seed_briefs
from marketplace.catalog import demo
from marketplace.db import utcnow
from marketplace.errors import KesherError
from marketplace.extensions import db
from marketplace.matching.demo import seed_plans
from marketplace.outbox import send_pending

#: The password of every demo account (listed in the README; refused in production).
DEMO_PASSWORD = "kesher-demo-2026"  # noqa: S105

#: (e-mail, name, role, organisation, org admin, locale)
DEMO_USERS: list[tuple[str, str, Role, str | None, bool, str]] = [
    ("admin@kesher.demo", "אורית אדמין", Role.ADMIN, None, False, "he"),
    ("noa@kesher.demo", "נועה כהן", Role.STAFF, None, False, "he"),
    ("daniel@kesher.demo", "Daniel Mizrahi", Role.STAFF, None, False, "en"),
    ("finance@kesher.demo", "יעל פיננסים", Role.FINANCE, None, False, "he"),
    ("maya@shorashim-foods.demo", "מאיה ברק", Role.BRAND, "שורשים מזון בריא", True, "he"),
    ("omer@shorashim-foods.demo", "עומר לוי", Role.BRAND, "שורשים מזון בריא", False, "he"),
    ("dana@cloudnest.demo", "Dana Friedman", Role.BRAND, "CloudNest Analytics", True, "en"),
    ("rivka@community.demo", "רבקה אלון", Role.OWNER, None, False, "he"),
    ("yossi@community.demo", "יוסי דהן", Role.OWNER, None, False, "he"),
    ("sarah@community.demo", "Sarah Katz", Role.OWNER, None, False, "en"),
]

users_cli = AppGroup("users", help="Manage user accounts.")
outbox_cli = AppGroup("outbox", help="Outgoing e-mail.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role if r is not Role.BRAND]),
    required=True,
    help="Brand members sign up or are invited by their organisation.",
)
@click.password_option("--password", help="Prompted for when not given.")
def create_user_command(email: str, display_name: str, role: str, password: str) -> None:
    """Create a staff, finance, admin or community-owner account."""
    try:
        user = auth_services.create_user(
            db.session, email=email, password=password, display_name=display_name, role=Role(role)
        )
    except KesherError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


@users_cli.command("list")
def list_users_command() -> None:
    """Print every account with its role."""
    for user in db.session.scalars(select(User).order_by(User.id)):
        state = "" if user.is_active else " (disabled)"
        click.echo(f"{user.id}\t{user.role.value}\t{user.email}\t{user.display_name}{state}")


@outbox_cli.command("send")
def send_outbox_command() -> None:
    """Send queued e-mail over the configured SMTP server."""
    if not current_app.config.get("SMTP_HOST"):
        raise click.ClickException("KESHER_SMTP_HOST is not set; e-mail stays in the outbox.")
    click.echo(f"Sent {send_pending(db.session, current_app.config, limit=10_000)} e-mail(s).")


def seed_demo_accounts() -> int:
    """Create the demo organisations and users that do not exist yet; return how many users."""
    created = 0
    organisations: dict[str, Organisation] = {}
    for email, name, role, org_name, org_admin, locale in DEMO_USERS:
        organisation = None
        if org_name is not None:
            organisation = organisations.get(org_name) or db.session.scalar(
                select(Organisation).where(Organisation.name == org_name)
            )
            if organisation is None:
                organisation = Organisation(name=org_name)
                db.session.add(organisation)
            organisations[org_name] = organisation
        if auth_services.get_user_by_email(db.session, email) is not None:
            continue
        auth_services.create_user(
            db.session,
            email=email,
            password=DEMO_PASSWORD,
            display_name=name,
            role=role,
            organisation=organisation,
            is_org_admin=org_admin,
            locale=locale,
        )
        created += 1
    return created


def demo_owners(count: int) -> list[User]:
    """The demo community owners: the named ones plus generated managers, created once."""
    owners = list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.OWNER, User.email.like("%@community.demo"))
            .order_by(User.id)
        )
    )
    password_hash = auth_services.hasher().hash(DEMO_PASSWORD)
    for n in range(len(owners) + 1, count + 1):
        owner = User(
            email=f"manager{n}@community.demo", display_name=f"מנהלת קהילה {n}",
            password_hash=password_hash, role=Role.OWNER, locale="he",
            email_verified_at=utcnow(),
        )  # fmt: skip
        db.session.add(owner)
        owners.append(owner)
    db.session.flush()
    return owners


@click.command("seed-demo")
@click.option(
    "--communities",
    type=click.IntRange(0, 1_000_000),
    default=200,
    show_default=True,
    help="How many demo communities; above 1,000 they are bulk-inserted for benchmarks.",
)
@with_appcontext
def seed_demo_command(communities: int) -> None:
    """Fill the database with a believable demo marketplace; safe to run again."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Refusing to create demo accounts in production.")
    created = seed_demo_accounts()
    owners = demo_owners(15 if communities <= 1000 else 200)
    if communities <= 1000:
        added = demo.seed_small(db.session, owners, communities)
    else:
        added = demo.seed_bulk(db.session, owners, communities)
    briefs = seed_briefs(db.session)
    db.session.flush()
    seed_plans(db.session)
    from marketplace.deals.demo import seed_deals
    from marketplace.finance.demo import seed_billing_profiles, seed_finance

    seed_billing_profiles(db.session)  # before the deals: their invoices copy the details

    db.session.flush()
    seed_deals(db.session)
    from marketplace.creative.demo import seed_creative

    db.session.flush()
    seed_creative(db.session)
    from marketplace.delivery.demo import seed_delivery

    db.session.flush()
    seed_delivery(db.session)
    from marketplace.links.demo import seed_links

    db.session.flush()
    seed_links(db.session)
    from marketplace.reports.demo import seed_results

    db.session.flush()
    seed_results(db.session)

    db.session.flush()
    seed_finance(db.session)
    from marketplace.payments.demo import seed_money

    db.session.flush()
    seed_money(db.session)
    from marketplace.reports.demo import seed_finished

    db.session.flush()
    seed_finished(db.session)  # last: the demos above keep the desk brief's data as it was
    db.session.commit()
    click.echo(
        f"Demo ready: {created} new user(s), {added} new communities, {briefs} new brief(s); "
        f"every demo password is {DEMO_PASSWORD}."
    )
