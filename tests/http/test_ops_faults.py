"""Database faults: PostgreSQL restarted (before and during a request) or down, SQLite locked.

Each failing request answers a clean 503 "try again" (HTML or JSON, with the request id as a
reference and in the log, no traceback), and the next request after the fault works. The
PostgreSQL tests run their own throwaway cluster (scripts/postgres.sh), since they stop and
restart it.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import sqlite3
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, make_url, text

from marketplace import create_app
from marketplace.auth import services
from marketplace.auth.models import Role, User
from marketplace.extensions import db
from marketplace.observability import make_handler
from marketplace.policy import POLICY, public
from tests.conftest import DEMO_PASSWORD, _migrate, test_config, unavailable
from tests.processes import seconds

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_SH = ROOT / "scripts" / "postgres.sh"
MESSAGE = "The database is temporarily unavailable"


class Cluster:
    """A throwaway PostgreSQL cluster this module may stop and restart at will."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.url = ""

    def run(self, action: str) -> str:
        done = subprocess.run(  # noqa: S603  (our own script)
            [str(POSTGRES_SH), action, str(self.directory)],
            check=True, capture_output=True, text=True, timeout=seconds(40),
        )  # fmt: skip
        return done.stdout.strip()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        unavailable("PostgreSQL server binaries are not installed")
    directory = Path(tempfile.mkdtemp(prefix="kesher-pg-faults-"))
    cluster = Cluster(directory)
    try:
        server = cluster.run("start")
    except subprocess.CalledProcessError as error:
        shutil.rmtree(directory, ignore_errors=True)
        unavailable(f"a throwaway PostgreSQL did not start: {error.stderr}")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('CREATE DATABASE "kesher_faults"'))
    admin.dispose()
    cluster.url = make_url(server).set(database="kesher_faults").render_as_string(False)
    _migrate(cluster.url)
    try:
        yield cluster
    finally:
        cluster.run("stop")


@pytest.fixture
def pg_app(cluster: Cluster) -> Iterator[Flask]:
    app = create_app(test_config(cluster.url))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    engine = create_engine(cluster.url)
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE users, organisations RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def log_lines(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    caplog.set_level(logging.INFO)
    stream = io.StringIO()
    handler = make_handler("json", stream)
    logging.getLogger().addHandler(handler)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)


def signed_in_client(app: Flask, role: str) -> Any:
    """A test client with a real login session of a new user."""
    with app.app_context():
        user = services.create_user(
            db.session, email=f"{role}@faults.example", password=DEMO_PASSWORD,
            display_name="Fault Tester", role=Role(role),
        )  # fmt: skip
        token = services.start_login_session(db.session, db.session.get(User, user.id))
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return client


def assert_clean_503(response: Any, log_lines: io.StringIO) -> None:
    """A 503 that says "try again", names the request id, hides internals, and was logged."""
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    request_id = response.headers["X-Request-ID"]
    if response.is_json:
        assert response.json["error"]["code"] == "database_unavailable"
        assert response.json["error"]["reference"] == request_id
        body = json.dumps(response.json)
    else:
        body = response.get_data(as_text=True)
        assert f"<code>{request_id}</code>" in body
        assert "לנסות שוב" in body or "try again" in body
    for internal in ("Traceback", "OperationalError", "psycopg", "sqlite3", "SELECT", "INSERT"):
        assert internal not in body
    warnings = [
        line
        for line in map(json.loads, log_lines.getvalue().splitlines())
        if line["logger"] == "marketplace.errors" and line["request_id"] == request_id
    ]
    assert warnings
    assert warnings[0]["message"].startswith("database unavailable")


def test_a_postgresql_outage_answers_503_and_the_next_request_after_it_works(
    cluster: Cluster, pg_app: Flask, log_lines: io.StringIO
) -> None:
    client = signed_in_client(pg_app, "owner")
    assert client.get("/community/").status_code == 200
    cluster.run("down")
    try:
        as_json = client.get("/community/", headers={"Accept": "application/json"})
        as_html = client.get("/community/")
    finally:
        cluster.run("up")
    assert_clean_503(as_json, log_lines)
    assert_clean_503(as_html, log_lines)
    assert client.get("/community/").status_code == 200  # still signed in, nothing to do by hand


def test_a_restart_between_requests_costs_no_failed_request(
    cluster: Cluster, pg_app: Flask
) -> None:
    client = signed_in_client(pg_app, "staff")
    assert client.get("/agency/").status_code == 200  # a pooled connection now exists
    cluster.run("restart")  # ... and the restart has cut it
    assert client.get("/agency/").status_code == 200  # pre-ping replaced it
    assert client.get("/readyz").json["status"] == "ready"


def test_a_restart_in_the_middle_of_a_request_fails_it_cleanly(
    cluster: Cluster, pg_app: Flask, log_lines: io.StringIO
) -> None:
    entered = threading.Event()

    def slow() -> str:
        entered.set()
        db.session.execute(text("SELECT pg_sleep(20)"))
        return "finished"

    pg_app.add_url_rule("/slow", "slow", slow)
    POLICY["slow"] = public()
    answers: list[Any] = []
    try:
        client = pg_app.test_client()
        worker = threading.Thread(
            target=lambda: answers.append(
                client.get("/slow", headers={"Accept": "application/json"})
            )
        )
        worker.start()
        assert entered.wait(10)
        engine = create_engine(cluster.url)
        with engine.connect() as connection:  # wait until the query runs on the server
            for _ in range(100):
                running = connection.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'"
                    )
                ).scalar()
                if running:
                    break
                connection.execute(text("SELECT pg_sleep(0.05)"))
        engine.dispose()
        cluster.run("restart")
        worker.join(30)
    finally:
        del POLICY["slow"]
    [answer] = answers
    assert_clean_503(answer, log_lines)
    assert pg_app.test_client().get("/healthz").status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_locked_sqlite_database_answers_503_and_then_recovers(
    app_factory: Any, make_user: Any, database_url: str, log_lines: io.StringIO
) -> None:
    app: Flask = app_factory(SQLITE_BUSY_TIMEOUT=100)
    user = make_user("owner", email="locked@example.com")
    client = app.test_client()
    locker = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        login = {"email": user.email, "password": DEMO_PASSWORD}
        refused = client.post("/auth/login", data=login, headers={"Accept": "application/json"})
        refused_html = client.post("/auth/login", data=login)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert_clean_503(refused, log_lines)
    assert_clean_503(refused_html, log_lines)
    assert client.post("/auth/login", data=login).status_code == 302
