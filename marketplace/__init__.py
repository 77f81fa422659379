"""Kesher: a marketplace and brokerage for campaigns inside existing communities."""

from __future__ import annotations

import importlib
import logging
import sqlite3
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask, g, jsonify, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_talisman import Talisman
from sqlalchemy import event, text
from sqlalchemy.exc import SQLAlchemyError

from marketplace import config as config_module
from marketplace.auth.passwords import make_hasher
from marketplace.extensions import csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def _find_dir(name: str) -> str:
    """Find a top-level folder in a checkout, or inside the package when installed as a wheel."""
    packaged = Path(__file__).resolve().parent / name
    return str(packaged if packaged.is_dir() else ROOT / name)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure a Kesher application."""
    app = Flask(
        __name__,
        template_folder=_find_dir("templates"),
        instance_path=str(ROOT / "instance") if (ROOT / "pyproject.toml").exists() else None,
        instance_relative_config=True,
    )
    app.config.update(config_module.DEFAULTS)
    app.config.from_prefixed_env("KESHER")
    if config:
        app.config.update(config)
    _configure_database_url(app)
    config_module.finalize(app.config)
    from marketplace import observability, safety

    # Before the blueprints: their `<int:…>` routes take the bounded converter.
    safety.init_app(app)

    # First, so every later hook (rate limits, policy) already runs under a request id.
    observability.init_app(app)
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )

    register_extensions(app)
    register_blueprints(app)
    register_event_handlers(app)
    register_request_hooks(app)
    from marketplace.errors import register_error_handlers

    register_error_handlers(app)
    register_commands(app)
    return app


def _configure_database_url(app: Flask) -> None:
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or app.config.get("DATABASE_URL")
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{Path(app.instance_path) / 'kesher.sqlite3'}"
    # Accept the plain URLs that hosting providers hand out, and use psycopg 3 for them.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    app.config["SQLALCHEMY_DATABASE_URI"] = url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, busy_timeout: int = 5000) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Readers never block the writer (and the writer never blocks readers) in WAL mode.
        cursor.execute("PRAGMA journal_mode=WAL")
        # With WAL, NORMAL syncs at checkpoints instead of every commit: still never corrupt,
        # and an application crash loses nothing; a power cut may lose the last commits. Job
        # state changes (three short commits a job) would otherwise each wait for an fsync.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout)}")
        cursor.close()


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    import marketplace.models  # noqa: F401  (registers every table on the metadata)

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                busy_timeout = int(app.config["SQLITE_BUSY_TIMEOUT"])
                event.listen(engine, "connect", partial(_sqlite_pragmas, busy_timeout=busy_timeout))
    migrate.init_app(app, db, directory=_find_dir("migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    limiter.init_app(app)
    app.extensions["kesher.hasher"] = make_hasher(app.config)
    from marketplace import static_files

    static_files.init_app(app)

    from marketplace import i18n, navigation

    i18n.init_app(app)
    navigation.init_app(app)
    # Every feature module imports this package first: the list is imported when an app is made.
    from marketplace.features import FEATURES, job_modules

    for name in job_modules():
        importlib.import_module(name)
    for feature in FEATURES:
        if feature.init_app is not None:
            feature.init_app(app)
    # Talisman keeps its settings on the instance, so each app gets its own.
    app.extensions["kesher.talisman"] = Talisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        content_security_policy=_content_security_policy(app),
    )

    @login_manager.user_loader
    def load_user(token: str) -> Any:
        from marketplace.auth.services import load_login_session

        # The page's values (badge, catalog version) come with the login for a feature's GET
        # page; a form may change what they count before it renders, and /healthz and the
        # other app-level routes print none of them.
        return load_login_session(
            db.session,
            token,
            idle_timeout=app.config["LOGIN_IDLE_TIMEOUT"],
            absolute_timeout=app.config["LOGIN_ABSOLUTE_TIMEOUT"],
            with_values=request.method in ("GET", "HEAD") and request.blueprint is not None,
        )


#: `app.extensions` key where features add sources to the CSP (directive → list of sources).
CSP_EXTRA = "kesher.csp.extra"


def _content_security_policy(app: Flask) -> dict[str, str]:
    """Only the app itself, plus what a feature declared it needs (Stripe.js when cards are on)."""
    policy = {
        "default-src": "'self'",
        "img-src": "'self' data:",
        "style-src": "'self'",
        "script-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    for directive, sources in app.extensions.get(CSP_EXTRA, {}).items():
        policy[directive] = " ".join([policy.get(directive, "'self'"), *sources])
    return policy


def register_blueprints(app: Flask) -> None:
    """Attach every feature's blueprints, from the one list of features."""
    from marketplace.features import FEATURES  # see register_extensions

    for feature in FEATURES:
        for blueprint in feature.blueprints:
            app.register_blueprint(blueprint)
            if feature.csrf_exempt:
                # Bearer tokens, never cookies: nothing for a forged form to ride on.
                csrf.exempt(blueprint)
    from marketplace.policy import POLICY

    for endpoint, rule in POLICY.items():
        if rule.signed_body and endpoint in app.view_functions:
            # A provider's signed webhook: the signature, not a CSRF token, proves the sender.
            csrf.exempt(app.view_functions[endpoint])

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        """Report liveness and whether the database answers."""
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            db.session.rollback()
            return jsonify(status="error", database="unavailable"), 503
        return jsonify(status="ok", database="ok")

    from marketplace import readiness

    readiness.init_app(app)


def register_event_handlers(app: Flask) -> None:
    """Subscribe the features that react to other features' domain events (marketplace.events)."""
    from marketplace.features import FEATURES  # see register_extensions

    for feature in FEATURES:
        if feature.subscribe is not None:
            feature.subscribe()


def register_request_hooks(app: Flask) -> None:
    """Enforce the policy table before every request, and keep API requests cookie-free."""
    from marketplace.policy import Decision, decide
    from marketplace.safety import drop_trailing_slash

    app.before_request(drop_trailing_slash)  # a path no route has: nothing for the policy

    @app.before_request
    def enforce_policy() -> ResponseReturnValue | None:
        if request.endpoint is None:
            return None  # no route: the 404/405 handlers answer
        user = current_user if current_user.is_authenticated else None
        decision = decide(request.endpoint, user, request.method)
        g.policy_decision = decision
        if decision is Decision.ALLOW:
            return None
        from marketplace.errors import error_response, wants_json

        if decision is Decision.AUTHENTICATE:
            if wants_json(request):
                return error_response(401, "unauthenticated", "Please log in to continue.")
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        log.info("denied %s %s to %s", request.method, request.path, getattr(user, "id", None))
        if decision is Decision.VERIFY:
            from marketplace.errors import EmailNotConfirmed

            raise EmailNotConfirmed()
        from marketplace.errors import Forbidden

        raise Forbidden()

    @app.after_request
    def no_store_for_signed_in(response: Any) -> Any:
        # Pages of signed-in users must not linger in shared caches or the back button.
        if current_user.is_authenticated and not request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        if request.path.startswith("/api/") and "_user_id" not in session:
            session.modified = False
        return response


def register_commands(app: Flask) -> None:
    """Register every feature's `flask` commands, from the one list of features."""
    from marketplace.features import FEATURES  # see register_extensions

    for feature in FEATURES:
        for command in feature.commands:
            app.cli.add_command(command)
