"""Configuration defaults, read before `KESHER_*` environment variables and the caller's mapping."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

#: The development secret. Kesher refuses to start with it outside development and testing.
DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105

DEFAULTS: dict[str, Any] = {
    # "development", "testing" or "production"; production turns on every strict setting.
    "ENV_NAME": "development",
    "SECRET_KEY": DEV_SECRET_KEY,
    # None means: a SQLite file in the instance folder (see create_app).
    "DATABASE_URL": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # Uploads are capped here; later issues stream bigger files through jobs.
    "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": None,  # None: True outside development/testing
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    # Server-side login sessions expire after this much inactivity.
    "LOGIN_IDLE_TIMEOUT": timedelta(hours=2),
    "FORCE_HTTPS": None,  # None: True in production
    "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead of a clock
    "BABEL_DEFAULT_LOCALE": "he",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Jerusalem",
    "LANGUAGES": ("he", "en"),
    "DEFAULT_CURRENCY": "ILS",
    # argon2id, OWASP's first profile (m=19 MiB, t=2, p=1); tests use the fast profile.
    "ARGON2_TIME_COST": 2,
    "ARGON2_MEMORY_COST": 19 * 1024,
    "ARGON2_PARALLELISM": 1,
    "PASSWORD_RESET_MAX_AGE": 3600,
    "INVITATION_MAX_AGE": 7 * 24 * 3600,
    # None: per-process memory, refused in production where workers must share the counts.
    "RATELIMIT_STORAGE_URI": None,
    "RATELIMIT_HEADERS_ENABLED": True,
    "LOGIN_RATE_LIMIT": "10 per minute",
    "MAIL_FROM": "Kesher <no-reply@kesher.local>",
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": False,
    "SITE_URL": "http://127.0.0.1:5000",
    # Rendered search results kept per worker, keyed by the catalog's version (0 turns it off).
    "SEARCH_CACHE_SIZE": 512,
    # The agency's mark-up on owners' rates in media plans (basis points: 2500 = 25%).
    "AGENCY_MARGIN_BP": 2_500,
}

#: What tests merge over the defaults: fast hashing, no HTTPS, an in-memory limiter.
TESTING: dict[str, Any] = {
    "ENV_NAME": "testing",
    "TESTING": True,
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 8,
    "ARGON2_PARALLELISM": 1,
}


def finalize(config: dict[str, Any]) -> None:
    """Derive the settings that depend on others and refuse unsafe production settings."""
    env = config["ENV_NAME"]
    if env not in {"development", "testing", "production"}:
        raise RuntimeError(
            f"KESHER_ENV_NAME must be development, testing or production, not {env!r}"
        )
    strict = env == "production"
    if config["SESSION_COOKIE_SECURE"] is None:
        config["SESSION_COOKIE_SECURE"] = env not in {"development", "testing"}
    if config["FORCE_HTTPS"] is None:
        config["FORCE_HTTPS"] = strict
    if strict and config["SECRET_KEY"] in {DEV_SECRET_KEY, "", None}:
        raise RuntimeError(
            "Set KESHER_SECRET_KEY: the development secret is refused in production."
        )
    if config["RATELIMIT_STORAGE_URI"] is None:
        if strict:
            # Per-process memory would multiply the login limit by the number of workers.
            raise RuntimeError(
                "Set KESHER_RATELIMIT_STORAGE_URI in production: redis://… shared by all "
                "workers, or memory:// explicitly when a single process serves Kesher."
            )
        config["RATELIMIT_STORAGE_URI"] = "memory://"
