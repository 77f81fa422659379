"""Production operations: request ids and JSON logs, static cache headers, /readyz, rate-limit
storage shared through Redis, and the production configuration checks."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from sqlalchemy import create_engine, text

from marketplace import config as config_module
from marketplace import create_app
from marketplace.observability import make_handler
from marketplace.policy import POLICY, public
from marketplace.readiness import migration_heads
from tests.conftest import TESTING, test_config, unavailable
from tests.processes import seconds, started

STATIC = Path(__file__).resolve().parents[2] / "marketplace" / "static"


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture
def log_lines(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    """Every log record of the test, as the JSON lines production writes."""
    caplog.set_level(logging.INFO)
    stream = io.StringIO()
    handler = make_handler("json", stream)
    logging.getLogger().addHandler(handler)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)


def records(stream: io.StringIO, logger: str | None = None) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [line for line in lines if logger is None or line["logger"] == logger]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real, throwaway redis-server on loopback (no persistence)."""
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server is not installed (sudo apt-get install -y redis-server)")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", str(workdir)]  # fmt: skip
    import redis

    with started(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        client = redis.Redis(port=port)
        deadline = time.monotonic() + seconds(5)
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    client.close()
                    pytest.fail("redis-server did not start")
                time.sleep(0.05)
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            client.close()


@pytest.fixture
def clean_redis(redis_url: str) -> str:
    import redis

    with redis.Redis.from_url(redis_url) as client:
        client.flushall()
    return redis_url


# --- request ids and structured logs -------------------------------------------------------


def test_every_response_carries_a_fresh_request_id(client: Any) -> None:
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_a_sane_incoming_request_id_is_kept_and_junk_is_replaced(client: Any) -> None:
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c1e.42:0"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a9c1e.42:0"
    for junk in ("short", "has spaces in it", 'quote"d-0123456', "x" * 129):
        replaced = client.get("/healthz", headers={"X-Request-ID": junk})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-ID"]), junk


def test_one_json_line_per_request_with_its_context(
    client: Any, auth: Any, make_user: Any, log_lines: io.StringIO
) -> None:
    brand = make_user("brand")
    client.get("/auth/login")
    auth.login(brand.email)
    response = client.get("/brand/?q=private+words", headers={"X-Request-ID": "req-0123456789"})
    assert response.status_code == 200
    [line] = [r for r in records(log_lines, "kesher.request") if r["path"] == "/brand/"]
    assert line["request_id"] == "req-0123456789" == response.headers["X-Request-ID"]
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert line["user_id"] == brand.id
    assert line["remote_addr"] == "127.0.0.1"
    assert line["message"] == "GET /brand/ 200"
    assert isinstance(line["duration_ms"], float)
    assert 0 < line["duration_ms"] < 10_000
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["ts"])
    assert "private" not in log_lines.getvalue()  # query strings are never logged
    first = records(log_lines, "kesher.request")[0]
    assert first["message"] == "GET /auth/login 200"
    assert "user_id" not in first


def test_secret_tokens_and_cookies_never_reach_the_logs(
    client: Any, auth: Any, make_user: Any, log_lines: io.StringIO
) -> None:
    user = make_user("owner")
    auth.login(user.email)
    client.get("/auth/reset/Sup3rSecretResetToken.abc", headers={"Cookie": "tracking=c00kie"})
    client.get("/auth/invitation/InviteSecretToken123")
    written = log_lines.getvalue()
    assert "Sup3rSecretResetToken" not in written
    assert "InviteSecretToken123" not in written
    assert "c00kie" not in written
    assert "session=" not in written
    paths = {r["path"] for r in records(log_lines, "kesher.request")}
    assert {"/auth/reset/[redacted]", "/auth/invitation/[redacted]"} <= paths


def test_log_records_inside_a_request_carry_its_id(
    app_factory: Any, log_lines: io.StringIO
) -> None:
    app: Flask = app_factory()

    def noisy() -> str:
        logging.getLogger("marketplace.somewhere").warning("something to know")
        return "ok"

    app.add_url_rule("/noisy", "noisy", noisy)
    POLICY["noisy"] = public()
    try:
        response = app.test_client().get("/noisy")
    finally:
        del POLICY["noisy"]
    [line] = records(log_lines, "marketplace.somewhere")
    assert line["message"] == "something to know"
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["path"] == "/noisy"


def test_text_format_reads_as_one_line_with_the_request_id(app: Flask) -> None:
    stream = io.StringIO()
    handler = make_handler("text", stream)
    record = logging.LogRecord("kesher.request", logging.INFO, __file__, 1, "GET / 200", None, None)
    record.request_id, record.status, record.duration_ms = "abcdef0123456789", 200, 3.5
    handler.handle(record)
    assert re.search(r"INFO kesher.request \[abcdef01\]: GET / 200 200 3.5 ms$", stream.getvalue())


def test_log_format_defaults_to_json_in_production_and_text_otherwise() -> None:
    production = create_app(
        {**TESTING, "ENV_NAME": "production", "SECRET_KEY": "s" * 40,
         "RATELIMIT_STORAGE_URI": "memory://", "TESTING": True,
         "PUBLIC_BASE_URL": "https://kesher.example.com"}
    )  # fmt: skip
    assert production.config["LOG_FORMAT"] == "json"
    assert create_app({**TESTING, "ENV_NAME": "development"}).config["LOG_FORMAT"] == "text"
    with pytest.raises(RuntimeError, match="KESHER_LOG_FORMAT"):
        create_app({**TESTING, "LOG_FORMAT": "xml"})


def test_server_errors_give_the_request_id_as_a_support_reference(
    app_factory: Any, log_lines: io.StringIO
) -> None:
    app: Flask = app_factory(PROPAGATE_EXCEPTIONS=False)

    def explode() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/explode", "explode", explode)
    POLICY["explode"] = public()
    try:
        client = app.test_client()
        as_json = client.get("/explode", headers={"Accept": "application/json"})
        html = client.get("/explode", headers={"X-Request-ID": "support-case-12345"})
    finally:
        del POLICY["explode"]
    assert as_json.status_code == 500
    assert as_json.json["error"]["reference"] == as_json.headers["X-Request-ID"]
    page = html.get_data(as_text=True)
    assert "<code>support-case-12345</code>" in page
    assert "secret internals" not in page
    assert "Traceback" not in page
    failure = [r for r in records(log_lines) if r.get("exc_type") == "RuntimeError"]
    assert failure[-1]["request_id"] == "support-case-12345"
    assert "secret internals" in failure[-1]["exc"]  # the traceback is for the log alone


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(
    app_factory: Any, log_lines: io.StringIO
) -> None:
    direct = app_factory().test_client()
    direct.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    proxied = app_factory(PROXY_HOPS=1).test_client()
    proxied.get("/healthz", headers={"X-Forwarded-For": "203.0.113.7"})
    addresses = [r["remote_addr"] for r in records(log_lines, "kesher.request")]
    assert addresses == ["127.0.0.1", "203.0.113.7"]  # trusted only when configured


# --- static files --------------------------------------------------------------------------


def test_static_urls_are_fingerprinted_and_cached_for_a_year(app: Flask, client: Any) -> None:
    digest = hashlib.sha256((STATIC / "kesher.css").read_bytes()).hexdigest()[:12]
    with app.test_request_context():
        url = url_for("static", filename="kesher.css")
    assert url == f"/static/kesher.css?v={digest}"
    assert f'href="{url}"' in client.get("/auth/login").get_data(as_text=True)
    response = client.get(url)
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.immutable
    assert response.cache_control.public
    assert not response.cache_control.no_cache
    response.close()


@pytest.mark.parametrize("query", ["", "?v=0123456789ab"])
def test_unversioned_or_stale_static_urls_are_cached_briefly(client: Any, query: str) -> None:
    response = client.get(f"/static/kesher.css{query}")
    assert response.status_code == 200
    assert response.cache_control.max_age == 300
    assert not response.cache_control.immutable
    assert "ETag" in response.headers  # revalidation stays cheap
    response.close()


# --- /readyz -------------------------------------------------------------------------------


def test_readyz_is_ready_on_a_migrated_database(client: Any) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok"},
        "failed": [],
    }


def test_readyz_refuses_traffic_before_migrations(
    app_factory: Any, scratch_database_url: str
) -> None:
    app = app_factory(SQLALCHEMY_DATABASE_URI=scratch_database_url)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["migrations"]
    assert response.json["checks"]["database"] == "ok"
    assert "db upgrade" in response.json["checks"]["migrations"]


def test_readyz_names_a_database_behind_the_head(
    app_factory: Any, scratch_database_url: str
) -> None:
    engine = create_engine(scratch_database_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('0001older')"))
    engine.dispose()
    app = app_factory(SQLALCHEMY_DATABASE_URI=scratch_database_url)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    [head] = migration_heads(app)
    assert response.json["checks"]["migrations"].startswith(
        f"database at 0001older, code at {head}"
    )


def test_readyz_names_the_database_when_it_is_unreachable(app_factory: Any) -> None:
    app = app_factory(SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent-dir/kesher.sqlite3")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["database", "migrations"]


def test_readyz_names_redis_when_it_does_not_answer(app_factory: Any) -> None:
    port = free_port()  # nothing listens there
    app = app_factory(REDIS_URL=f"redis://127.0.0.1:{port}/0")
    started = time.perf_counter()
    response = app.test_client().get("/readyz")
    assert time.perf_counter() - started < 3  # a probe must not hang
    assert response.status_code == 503
    assert response.json["failed"] == ["redis"]
    assert response.json["checks"] == {"database": "ok", "migrations": "ok", "redis": "unavailable"}


def test_readyz_pings_a_live_redis(app_factory: Any, redis_url: str) -> None:
    response = app_factory(REDIS_URL=redis_url).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["redis"] == "ok"


def test_readyz_and_healthz_are_public_in_the_policy() -> None:
    assert POLICY["readyz"] == public()
    assert POLICY["healthz"] == public()


# --- rate limits shared through Redis, and production settings ----------------------------


def test_login_limits_are_counted_once_across_workers_through_redis(
    app_factory: Any, make_user: Any, clean_redis: str
) -> None:
    # Two apps on one Redis stand for two gunicorn workers: the limit holds across both.
    overrides = {
        "REDIS_URL": clean_redis,
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": "3/minute",
    }
    workers = [app_factory(**overrides), app_factory(**overrides)]
    assert all(w.config["RATELIMIT_STORAGE_URI"] == clean_redis for w in workers)
    user = make_user("owner")
    statuses = []
    for attempt in range(4):
        client = workers[attempt % 2].test_client()
        response = client.post("/auth/login", data={"email": user.email, "password": "wrong"})
        statuses.append(response.status_code)
    assert statuses[:3] == [401, 401, 401]  # the form again, with its error
    assert statuses[3] == 429


def test_an_explicit_rate_limit_storage_wins_over_redis_url() -> None:
    config = {**config_module.DEFAULTS, **TESTING, "REDIS_URL": "redis://h:1/0",
              "RATELIMIT_STORAGE_URI": "memory://"}  # fmt: skip
    config_module.finalize(config)
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["RATELIMIT_STORAGE_OPTIONS"] == {}


def test_production_needs_shared_rate_limit_storage_and_takes_redis_url() -> None:
    production = {**config_module.DEFAULTS, "ENV_NAME": "production", "SECRET_KEY": "s" * 40,
                  "PUBLIC_BASE_URL": "https://kesher.example.com"}  # fmt: skip
    with pytest.raises(RuntimeError, match="KESHER_REDIS_URL"):
        config_module.finalize(dict(production))
    config = {**production, "REDIS_URL": "redis://cache.internal:6379/0"}
    config_module.finalize(config)
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/0"
    assert config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True  # Redis down: keep serving


def test_postgresql_engines_get_a_bounded_pinged_pool_and_overrides_win() -> None:
    config = {**config_module.DEFAULTS, **TESTING,
              "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@db/kesher",
              "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 20}}  # fmt: skip
    config_module.finalize(config)
    options = config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True
    assert options["pool_size"] == 20
    assert options["max_overflow"] == 5
    assert options["pool_recycle"] == 1800
    assert options["connect_args"] == {"connect_timeout": 5}
    assert config_module.DEFAULTS["SQLALCHEMY_ENGINE_OPTIONS"] == {}  # defaults untouched
    sqlite = {**config_module.DEFAULTS, **TESTING, "SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"}
    config_module.finalize(sqlite)
    assert sqlite["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}


def test_the_app_builds_its_engine_with_those_options(database_url: str) -> None:
    app = create_app(test_config(database_url))
    from marketplace.extensions import db

    with app.app_context():
        assert db.engine.pool._pre_ping is True
        db.engine.dispose()
