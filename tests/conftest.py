"""Test fixtures: an app per test on SQLite and on PostgreSQL, users per role, a live server.

Database-backed tests run once per backend: `[sqlite]` always, `[postgresql]` when
KESHER_TEST_POSTGRES_URL names a server (``make test`` starts a throwaway one). The schema is
built by the Alembic migrations, once per backend, and every table is emptied after each test.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import create_engine, event, make_url, text

from marketplace.config import TESTING
from tests.processes import processes  # noqa: F401 - the fixture, for every test that starts one
from tests.stripe_peers import fake_stripe, localstripe_url, stripe_app  # noqa: F401 - Stripe peers

# Property tests judge values, never time: Hypothesis's 200 ms deadline per example failed a
# desk property on a busy machine (CI's two cores run Chromium and two databases beside it).
# Examples stay bounded by each test's max_examples; nothing is written into the checkout.
settings.register_profile("kesher", deadline=None, database=None)
settings.load_profile("kesher")

REQUIRE_ALL = os.environ.get("KESHER_REQUIRE_ALL") == "1"
POSTGRES_URL = os.environ.get("KESHER_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("KESHER_TEST_REDIS_URL", "")
TIERS = ("unit", "service", "http", "browser")
DEMO_PASSWORD = "correct-horse-battery"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the translations when they are missing or stale (``make`` does it too)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent / "marketplace" / "translations"
    for po in root.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)


class NetworkBlocked(RuntimeError):
    """A test tried to reach a host that is not this machine (no test reaches the internet)."""


#: Every attempt this process made to leave the machine, reported by the test that made it.
ESCAPES: list[str] = []
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def _is_loopback(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str) or host.lower().rstrip(".") in _LOOPBACK_NAMES:
        return True  # no host part (a Unix socket's path is not a tuple), or this machine's name
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False  # a name: connect() would resolve it, out of getaddrinfo's sight


def _refuse(what: str) -> NoReturn:
    ESCAPES.append(what)
    # Not an OSError: code that treats "network down" as a normal outcome must not swallow it.
    raise NetworkBlocked(f"a test tried to leave the machine: {what}")


def _guard_network() -> None:
    """Refuse every connection (and name lookup) to a host other than loopback, in this process.

    Subprocesses (localstripe, workers, Chromium) are not patched; they are given loopback
    addresses by the fixtures that start them.
    """
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            _refuse(f"connect to {address!r}")
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            _refuse(f"connect to {address!r}")
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_loopback(host):
            try:
                ipaddress.ip_address(host if isinstance(host, str) else host.decode())
            except ValueError:
                _refuse(f"look up {host!r}")  # a DNS query; an address literal is checked above
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo


_guard_network()


@pytest.fixture(autouse=True)
def no_network_escapes() -> Iterator[None]:
    """Fail a test that tried to leave the machine, even when its code caught the error."""
    before = len(ESCAPES)
    yield
    escaped = ESCAPES[before:]
    assert not escaped, f"this test tried to reach the network: {escaped}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its tier, taken from its folder."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        for tier in TIERS:
            if tier in parts:
                item.add_marker(getattr(pytest.mark, tier))


def unavailable(reason: str) -> None:
    """Skip a tier loudly, or fail when KESHER_REQUIRE_ALL=1 says nothing may skip."""
    if REQUIRE_ALL:
        pytest.fail(f"KESHER_REQUIRE_ALL=1 but {reason}", pytrace=False)
    pytest.skip(f"SKIPPED TIER: {reason}")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated, empty database on each backend, for the whole session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'kesher-test.sqlite3'}"
        _migrate(url)
        yield url
        return
    if not POSTGRES_URL:
        unavailable("KESHER_TEST_POSTGRES_URL is not set (run `make test` to start PostgreSQL)")
    server = make_url(POSTGRES_URL)
    name = f"kesher_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any failure to reach the server means the same
        admin.dispose()
        unavailable(f"PostgreSQL at {server.render_as_string()} is unreachable: {error}")
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database (KESHER_TEST_REDIS_URL; ``make test`` starts one), flushed per test."""
    import redis

    if not REDIS_URL:
        unavailable("KESHER_TEST_REDIS_URL is not set (run `make test` to start Redis)")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.exceptions.RedisError as error:
        client.close()
        unavailable(f"Redis at {REDIS_URL} is unreachable: {error}")
    try:
        yield REDIS_URL
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def scratch_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty, unmigrated database on the same backend as `database_url`."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    server = make_url(database_url)
    name = f"kesher_scratch_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    from marketplace import create_app
    from marketplace.extensions import db

    app = create_app({**TESTING, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def test_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    """The configuration of a test app on `database_url`."""
    return {
        **TESTING,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        **overrides,
    }


test_config.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


class _TemplateBytecode(BytecodeCache):
    """Compiled templates kept in memory for the session: each test's app compiles none again.

    Jinja checks each template's source checksum before reusing its code, and every test app
    is made by the same ``create_app``, so a reused template is the one that app would compile.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_BYTECODE = _TemplateBytecode()


@pytest.fixture
def app_factory(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test database; every table is emptied afterwards."""
    from marketplace import create_app
    from marketplace.extensions import db

    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        # Each app stores its ranking features apart: tables are emptied between tests.
        overrides.setdefault("MATCHING_FEATURES_DIR", str(tmp_path_factory.mktemp("features")))
        app = create_app(test_config(database_url, **overrides))
        app.jinja_env.bytecode_cache = TEMPLATE_BYTECODE
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    _empty_tables(database_url)


def _empty_tables(url: str) -> None:
    from marketplace.db import Base

    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        # A throwaway database: waiting for the disk after every test's purge only costs time.
        event.listen(
            engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA synchronous=OFF")
        )
    # catalog_state is the catalog's version counter (one row the migration made), not data.
    tables = [t.name for t in Base.metadata.sorted_tables if t.name != "catalog_state"]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            _empty_postgres(connection, tables)
        else:
            # The append-only guards (``immutable_*`` triggers, see the deal desk migration)
            # refuse DELETE; they step aside for the purge and come back as they were.
            guards = connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                     "AND name LIKE 'immutable_%'")
            ).all()  # fmt: skip
            for name, _sql in guards:
                connection.execute(text(f'DROP TRIGGER "{name}"'))
            for table in reversed(tables):
                connection.execute(text(f'DELETE FROM "{table}"'))
            for _name, sql in guards:
                connection.execute(text(sql))
    engine.dispose()


#: Restart the identity sequences of the given tables that handed out a value since their last
#: restart, as TRUNCATE ... RESTART IDENTITY would (ids start at 1 in every test).
_RESTART_SEQUENCES = text("""
    SELECT setval(seq.oid, used.start_value, false)
    FROM pg_sequences used
    JOIN pg_class seq ON seq.relname = used.sequencename
     AND seq.relnamespace = used.schemaname::regnamespace
    JOIN pg_depend dep ON dep.objid = seq.oid AND dep.deptype IN ('a', 'i')
     AND dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
    JOIN pg_class tab ON tab.oid = dep.refobjid
    WHERE used.last_value IS NOT NULL AND used.schemaname = current_schema()
      AND tab.relname = ANY(:tables)
""")  # fmt: skip


def _empty_postgres(connection: Any, tables: list[str]) -> None:
    """Delete the rows of the tables that hold any, and restart the sequences that moved.

    TRUNCATE of every table gives each table and index a new file, 150-260 ms after every
    test, whatever the test wrote; a test leaves a few rows in a few tables, and deleting them
    costs a few milliseconds. ``session_replication_role = replica`` (a superuser's setting,
    as the throwaway server's ``postgres`` is) keeps the triggers quiet for this transaction
    only: the append-only guards, which refuse DELETE, and the foreign keys, so the order does
    not matter. Without it, TRUNCATE as before.
    """
    quoted = {t: '"' + t.replace('"', '""') + '"' for t in tables}
    try:
        with connection.begin_nested():
            connection.execute(text("SET LOCAL session_replication_role = replica"))
    except Exception:  # noqa: BLE001 - not a superuser: the slower purge is just as clean
        connection.execute(text(f"TRUNCATE {', '.join(quoted.values())} RESTART IDENTITY CASCADE"))
        return
    filled = connection.execute(
        text(" UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT FROM {q})"
                                for t, q in quoted.items()))
    ).scalars().all()  # fmt: skip
    for table in filled:
        connection.execute(text(f"DELETE FROM {quoted[table]}"))
    connection.execute(_RESTART_SEQUENCES, {"tables": tables})


@pytest.fixture
def app(app_factory: Callable[..., Flask]) -> Flask:
    """The app under test; CSRF and rate limits are off except in the tests about them."""
    return app_factory()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Any]:
    """Create a user of a role (brand users get their own organisation unless one is given)."""
    from marketplace.auth import services
    from marketplace.auth.models import Organisation, Role
    from marketplace.extensions import db

    counter = iter(range(1, 10_000))

    def make(
        role: Role | str = "brand",
        *,
        email: str | None = None,
        organisation: Organisation | None = None,
        org_admin: bool | None = None,
        locale: str | None = None,
        password: str = DEMO_PASSWORD,
    ) -> Any:
        role = Role(role)
        n = next(counter)
        with app.app_context():
            if role is Role.BRAND and organisation is None:
                organisation = Organisation(name=f"Brand {n}")
                db.session.add(organisation)
                org_admin = True if org_admin is None else org_admin
            elif organisation is not None:
                organisation = db.session.merge(organisation)
            user = services.create_user(
                db.session,
                email=email or f"{role.value}{n}@example.com",
                password=password,
                display_name=f"{role.value.title()} {n}",
                role=role,
                organisation=organisation,
                is_org_admin=bool(org_admin),
                locale=locale,
            )
            db.session.commit()
            db.session.refresh(user)
            _ = user.organisation  # loaded now, so the detached copy can still show it
            db.session.expunge_all()
            return user

    return make


class AuthActions:
    """Log a test client in and out, as flaskr's tests do."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = DEMO_PASSWORD) -> Any:
        return self._client.post("/auth/login", data={"email": email, "password": password})

    def logout(self) -> Any:
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)
