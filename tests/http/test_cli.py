"""The `flask` commands: users, the demo and the outbox (over a real SMTP server)."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import func, select

from marketplace.auth.models import Organisation, Role, User
from marketplace.catalog.models import ChannelAsset, Community, ListingStatus
from marketplace.cli import DEMO_PASSWORD, DEMO_USERS
from marketplace.extensions import db
from marketplace.outbox import OutboundEmail, queue_email


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_users_create_makes_a_staff_account(app: Flask, runner: Any) -> None:
    result = runner.invoke(
        args=["users", "create", "--email", "Noa@Kesher.demo", "--name", "נועה",
              "--role", "staff", "--password", "a long enough passphrase"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.role) == ("noa@kesher.demo", Role.STAFF)


def test_users_create_refuses_a_duplicate_and_a_weak_password(app: Flask, runner: Any) -> None:
    args = ["users", "create", "--email", "a@kesher.demo", "--name", "A", "--role", "finance"]
    assert runner.invoke(args=[*args, "--password", "a long enough passphrase"]).exit_code == 0
    duplicate = runner.invoke(args=[*args, "--password", "a long enough passphrase"])
    assert duplicate.exit_code != 0
    weak = runner.invoke(
        args=[*args[:2], "--email", "b@kesher.demo", *args[4:], "--password", "123"]
    )
    assert weak.exit_code != 0
    assert count(app, User) == 1


def test_seed_demo_creates_every_role_and_a_catalog_and_is_idempotent(
    app: Flask, runner: Any
) -> None:
    for _ in range(2):
        result = runner.invoke(args=["seed-demo", "--communities", "30"])
        assert result.exit_code == 0, result.output
    # The named demo users, plus generated community managers up to 15 owners in all.
    named_owners = sum(1 for _e, _n, role, *_ in DEMO_USERS if role is Role.OWNER)
    assert count(app, User) == len(DEMO_USERS) + 15 - named_owners
    assert count(app, Organisation) == 2
    assert count(app, Community) == 30
    with app.app_context():
        roles = set(db.session.scalars(select(User.role)))
        listed = db.session.scalar(
            select(func.count()).where(Community.status == ListingStatus.LISTED)
        )
        platforms = set(db.session.scalars(select(ChannelAsset.platform)))
    assert roles == set(Role)
    assert listed > 15
    assert len(platforms) >= 8


def test_demo_logins_work(app: Flask, runner: Any) -> None:
    runner.invoke(args=["seed-demo", "--communities", "0"])
    client = app.test_client()
    for email, *_ in DEMO_USERS:
        response = client.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        client.post("/auth/logout")


def test_seed_demo_refuses_production(app_factory: Any) -> None:
    app = app_factory(
        ENV_NAME="production",
        SECRET_KEY="s" * 40,
        RATELIMIT_STORAGE_URI="memory://",
        PUBLIC_BASE_URL="https://kesher.example.com",
    )
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert count(app, User) == 0


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Any:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_outbox_mail_is_delivered_over_smtp_after_commit(
    app_factory: Any, smtp_server: Any
) -> None:
    inbox, port = smtp_server
    app = app_factory(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    with app.app_context():
        queue_email(db.session, to="maya@example.com", subject="שלום", body="גוף ההודעה")
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert len(inbox.messages) == 1
    assert inbox.messages[0].rcpt_tos == ["maya@example.com"]
    with app.app_context():
        assert db.session.scalar(select(OutboundEmail)).sent_at is not None


def test_outbox_keeps_mail_when_smtp_is_down(app_factory: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app = app_factory(SMTP_HOST="127.0.0.1", SMTP_PORT=closed_port)
    with app.app_context():
        queue_email(db.session, to="x@example.com", subject="s", body="b")
        db.session.commit()
    app.test_cli_runner().invoke(args=["outbox", "send"])
    with app.app_context():
        message = db.session.scalar(select(OutboundEmail))
        assert message.sent_at is None
        assert message.attempts == 1
        assert message.last_error
