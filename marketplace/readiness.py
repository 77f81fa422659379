"""`/readyz`: may this process take traffic? The database answers, Redis answers (when
configured), and the database schema is at the migrations' head.

`/healthz` is liveness (the process runs; restart it if not); `/readyz` is readiness (route
traffic here; keep it away during a deploy whose migrations have not run yet, or while the
database or Redis is down). Both are public and cheap: the migrations' head revisions are read
from the script directory once per process, and each check is one tiny query or a PING with a
one-second timeout.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from marketplace.extensions import db


@dataclass(frozen=True)
class Check:
    """The outcome of one readiness check."""

    ok: bool
    detail: str


def migration_heads(app: Flask) -> frozenset[str]:
    """The head revision(s) of the shipped migrations, read once per app and cached."""
    cached = app.extensions.get("kesher.migration_heads")
    if cached is None:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", app.extensions["migrate"].directory)
        cached = frozenset(ScriptDirectory.from_config(config).get_heads())
        app.extensions["kesher.migration_heads"] = cached
    return cached


def check_database() -> Check:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return Check(False, "unavailable")
    return Check(True, "ok")


def check_migrations(app: Flask) -> Check:
    heads = migration_heads(app)
    try:
        applied = frozenset(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        db.session.rollback()
        return Check(False, "not migrated: run `flask --app marketplace db upgrade`")
    if applied != heads:
        return Check(
            False,
            f"database at {', '.join(sorted(applied)) or 'nothing'}, "
            f"code at {', '.join(sorted(heads))}: run `flask --app marketplace db upgrade`",
        )
    return Check(True, "ok")


def check_redis(url: str) -> Check:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        return Check(False, "unavailable")
    finally:
        client.close()
    return Check(True, "ok")


def readyz() -> ResponseReturnValue:
    """Report each check; 200 when all pass, 503 naming the ones that failed."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    checks = {"database": check_database()}
    checks["migrations"] = (
        check_migrations(app) if checks["database"].ok else Check(False, "database unavailable")
    )
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        checks["redis"] = check_redis(redis_url)
    failed = sorted(name for name, check in checks.items() if not check.ok)
    body = {
        "status": "unavailable" if failed else "ready",
        "checks": {name: check.detail for name, check in checks.items()},
        "failed": failed,
    }
    return jsonify(body), 503 if failed else 200


def init_app(app: Flask) -> None:
    """Register `/readyz` (listed as public in marketplace/policy.py)."""
    app.add_url_rule("/readyz", "readyz", readyz, methods=["GET"])
