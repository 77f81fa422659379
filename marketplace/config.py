"""Configuration defaults, read before `KESHER_*` environment variables and the caller's mapping."""

from __future__ import annotations

import os
import tempfile
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

#: The development secret. Kesher refuses to start with it outside development and testing.
DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105
#: Production's secret key is at least this long (secrets.token_urlsafe(48) gives 64).
MIN_SECRET_KEY_CHARS = 32

#: Where links point outside production when KESHER_PUBLIC_BASE_URL is not set (`flask run`).
DEV_PUBLIC_BASE_URL = "http://127.0.0.1:5000"
#: Hosts a developer's browser, the test client and the live-server tests use.
LOCAL_HOSTS = ("localhost", "127.0.0.1")

DEFAULTS: dict[str, Any] = {
    # "development", "testing" or "production"; production turns on every strict setting.
    "ENV_NAME": "development",
    "SECRET_KEY": DEV_SECRET_KEY,
    # None means: a SQLite file in the instance folder (see create_app).
    "DATABASE_URL": None,
    # Merged over the per-dialect defaults of `engine_options` (JSON in KESHER_SQLALCHEMY_…).
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    # Milliseconds a SQLite writer waits for another writer before "database is locked".
    "SQLITE_BUSY_TIMEOUT": 5000,
    # redis://… shared by every web and job worker: rate-limit counts (unless
    # RATELIMIT_STORAGE_URI says otherwise), the job queue and /readyz's PING.
    "REDIS_URL": None,
    # "json" (one object a line) or "text"; None: json in production, text otherwise.
    "LOG_FORMAT": None,
    "LOG_LEVEL": "INFO",
    # How many reverse proxies (nginx, a load balancer) stand in front of gunicorn and set
    # X-Forwarded-For/-Proto/-Host; 0 trusts none of those headers.
    "PROXY_HOPS": 0,
    # Uploads are capped here; later issues stream bigger files through jobs.
    "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": None,  # None: True outside development/testing
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    # Server-side login sessions expire after this much inactivity.
    "LOGIN_IDLE_TIMEOUT": timedelta(hours=2),
    # ... and after this long from sign-in, however busy (a stolen cookie stops working).
    "LOGIN_ABSOLUTE_TIMEOUT": timedelta(hours=12),
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
    "EMAIL_VERIFICATION_MAX_AGE": 7 * 24 * 3600,
    # None: REDIS_URL when set, else per-process memory (refused in production, where workers
    # must share the counts).
    "RATELIMIT_STORAGE_URI": None,
    # When Redis is down the limits fall back to per-process memory instead of failing requests.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    "RATELIMIT_HEADERS_ENABLED": True,
    "LOGIN_RATE_LIMIT": "10 per minute",
    # Failed logins to one account, from any address (a botnet guessing one password).
    "LOGIN_ACCOUNT_RATE_LIMIT": "20 per hour",
    # Answers to member pulse surveys from one client address (the survey needs no sign-in).
    "PULSE_RATE_LIMIT": "20 per hour",
    # Invitations one brand account may send (each is an e-mail to an address it chooses).
    "INVITE_RATE_LIMIT": "30 per day",
    # Costly routes, per signed-in account (marketplace/ratelimits.py): chat exports read and
    # parsed in memory; other uploads (spreadsheets, screenshots, images), all together;
    # documents rendered on request (PDFs, spreadsheets, CSV exports), all together; API tokens
    # made or rotated.
    "HEALTH_UPLOAD_RATE_LIMIT": "20 per hour",
    "UPLOAD_RATE_LIMIT": "120 per hour",
    "DOCUMENT_RATE_LIMIT": "30 per minute",
    "API_TOKEN_RATE_LIMIT": "20 per day",
    # Co-managers one account may add to its listings (each answer tells whether an e-mail has
    # a community-owner account).
    "CO_MANAGER_RATE_LIMIT": "20 per day",
    # API requests per token (or per client address without one), and refused tokens per
    # client address.
    "API_RATE_LIMIT": "300 per minute",
    "API_AUTH_FAILURE_LIMIT": "30 per minute",
    # Tracked-link clicks from one client address, on all links: beyond, 429 and nothing written
    # (a flood of rows). Generous: a mobile carrier's shared address carries many people.
    "CLICK_RATE_LIMIT": "120 per minute",
    # Clicks on one link from one client address, whatever user agent each claims: beyond, the
    # clicks are recorded as bots (a script rotating its user agent is a new visitor each time).
    "CLICK_BURST_LIMIT": "30 per hour",
    "MAIL_FROM": "Kesher <no-reply@kesher.local>",
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": False,
    # The address users reach Kesher at, e.g. https://kesher.example.co.il: every link in an
    # e-mail is built on it, never on the request's Host header. Required in production; None
    # elsewhere means DEV_PUBLIC_BASE_URL. (KESHER_SITE_URL, its former name, still works.)
    "PUBLIC_BASE_URL": None,
    # Host names (a JSON list or comma-separated) the app answers for; other Host headers get
    # 400. None: the public base URL's host, plus localhost and 127.0.0.1 outside production.
    # ".example.com" also accepts every subdomain.
    "TRUSTED_HOSTS": None,
    # Rendered search results kept per worker, keyed by the catalog's version (0 turns it off).
    "SEARCH_CACHE_SIZE": 512,
    # Where the matching job keeps the built ranking features for every worker to load
    # (docs: benchmarks/README.md, marketplace/matching/records.py). None: the instance folder.
    "MATCHING_FEATURES_DIR": None,
    # The agency's mark-up on owners' rates in media plans (basis points: 2500 = 25%).
    "AGENCY_MARGIN_BP": 2_500,
    # The deal desk warns below this margin (basis points of the brand price); below zero
    # needs an admin whatever it says. Days an offer stays open by default.
    "DEAL_MARGIN_FLOOR_BP": 1_500,
    "DEAL_OFFER_DAYS": 7,
    # Money (docs/money.md): Israeli VAT in basis points (zero-rated for brands abroad); the
    # net amount in agorot above which an invoice needs the Tax Authority's allocation number;
    # days a brand has to pay; the agency as its invoices name it.
    "VAT_RATE_BP": 1_800,
    "VAT_ALLOCATION_THRESHOLD_MINOR": 500_000,
    "BRAND_PAYMENT_DAYS": 30,
    "SELLER_NAME": "Kesher Community Media Ltd",
    "SELLER_NAME_HE": "קשר מדיה קהילתית בע״מ",  # Hebrew invoices print the Hebrew legal name
    "SELLER_ADDRESS_HE": "תל אביב, ישראל",
    "SELLER_VAT_NUMBER": "516000000",
    "SELLER_ADDRESS": "Tel Aviv, Israel",
    "SELLER_EMAIL": "finance@kesher.example",
    # Background jobs (docs/jobs.md): RQ when REDIS_URL is set, else a thread of the app.
    "JOBS_EAGER": False,  # run each job in the enqueuing process right after its commit (tests)
    "JOBS_EMBEDDED_WORKER": True,  # without Redis, the app's first request starts a worker
    "JOBS_SCHEDULER": True,  # workers enqueue the schedule's slots (marketplace/jobs/scheduler)
    "JOBS_QUEUE": "kesher",
    "JOBS_POLL_INTERVAL": 1.0,  # seconds an idle embedded worker waits between looks
    "JOBS_STALE_AFTER": 300,  # seconds without a heartbeat before a running job is recovered
    "JOBS_TIMEOUT": 3600,  # seconds RQ lets one attempt run
    "JOBS_REDIS_RETRY_AFTER": 10,  # after Redis failed, enqueue skips it for this long
    "JOBS_REDISPATCH_AFTER": 600,  # queued this long: check RQ still holds the job
    "JOBS_KEEP_DAYS": 30,  # finished job records are pruned after this many days
    "JOBS_IMPORTS": "",  # extra modules that register job kinds, comma-separated
    # Stripe (docs/money.md): no secret key = no card payments and no Connect payouts (bank
    # transfer only). Production accepts only a live key, and then needs the webhook secret.
    "STRIPE_SECRET_KEY": None,
    "STRIPE_PUBLISHABLE_KEY": None,
    "STRIPE_WEBHOOK_SECRET": None,
    # Another address for Stripe's API (a proxy; refused in production). None: Stripe's own.
    "STRIPE_API_BASE": None,
    "STRIPE_JS_URL": None,
    # Where Stripe's account links send owners to onboard (the CSP's form-action allows it).
    "STRIPE_CONNECT_ORIGIN": None,
    "STRIPE_TIMEOUT": 30,  # seconds; no answer in time leaves a payout "unknown — reconcile"
    # Days the brand may raise a problem after staff verified the placements; its silence
    # releases the payout when they pass.
    "PAYOUT_REVIEW_DAYS": 3,
    # Seconds a payout in "sending" belongs to the run that sent it before another run may
    # send it again (with the same idempotency key).
    "PAYOUT_SEND_LEASE": 120,
}

#: What tests merge over the defaults: fast hashing, no HTTPS, an in-memory limiter.
TESTING: dict[str, Any] = {
    "ENV_NAME": "testing",
    "TESTING": True,
    "JOBS_EAGER": True,
    # One folder per test process (made on first use): a database another session reused
    # under the same URL never reads this session's stored ranking features.
    "MATCHING_FEATURES_DIR": os.path.join(
        tempfile.gettempdir(), f"kesher-test-matching-features-{uuid.uuid4().hex[:12]}"
    ),
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
    if strict and len(str(config["SECRET_KEY"])) < MIN_SECRET_KEY_CHARS:
        # It signs session cookies, CSRF tokens and reset links: a short one can be guessed
        # offline from any cookie, and then any session forged.
        raise RuntimeError(
            f"KESHER_SECRET_KEY is too short: use at least {MIN_SECRET_KEY_CHARS} random "
            "characters (python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    _public_address(config, strict=strict)
    if config["RATELIMIT_STORAGE_URI"] is None and config["REDIS_URL"]:
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]
    if config["RATELIMIT_STORAGE_URI"] is None:
        if strict:
            # Per-process memory would multiply the login limit by the number of workers.
            raise RuntimeError(
                "Set KESHER_REDIS_URL (or KESHER_RATELIMIT_STORAGE_URI) in production: "
                "redis://… shared by all workers, or KESHER_RATELIMIT_STORAGE_URI=memory:// "
                "explicitly when a single process serves Kesher."
            )
        config["RATELIMIT_STORAGE_URI"] = "memory://"
    if not str(config["RATELIMIT_STORAGE_URI"]).startswith(("redis://", "rediss://")):
        config["RATELIMIT_STORAGE_OPTIONS"] = {}  # the socket options are Redis's alone
    if config["LOG_FORMAT"] is None:
        config["LOG_FORMAT"] = "json" if strict else "text"
    if config["LOG_FORMAT"] not in {"json", "text"}:
        raise RuntimeError(f"KESHER_LOG_FORMAT must be json or text, not {config['LOG_FORMAT']!r}")
    url = config.get("SQLALCHEMY_DATABASE_URI") or ""
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **engine_options(url),
        **(config["SQLALCHEMY_ENGINE_OPTIONS"] or {}),
    }


def _public_address(config: dict[str, Any], *, strict: bool) -> None:
    """Check PUBLIC_BASE_URL (required in production) and derive TRUSTED_HOSTS from it."""
    base = config.get("PUBLIC_BASE_URL") or config.get("SITE_URL")
    if not base:
        if strict:
            raise RuntimeError(
                "Set KESHER_PUBLIC_BASE_URL in production, e.g. https://kesher.example.co.il: "
                "links in e-mails are built on it, never on the request's Host header."
            )
        base = DEV_PUBLIC_BASE_URL
    parts = urlsplit(str(base))
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(
            f"KESHER_PUBLIC_BASE_URL must be an http(s) address such as "
            f"https://kesher.example.co.il, not {base!r}"
        )
    config["PUBLIC_BASE_URL"] = str(base).rstrip("/")
    hosts = config.get("TRUSTED_HOSTS")
    if isinstance(hosts, str):
        hosts = [h for h in (part.strip() for part in hosts.split(",")) if h]
    if not hosts:
        hosts = [] if strict else list(LOCAL_HOSTS)
    # The public host first: it is also the name health probes sent to an address are given.
    config["TRUSTED_HOSTS"] = list(dict.fromkeys([parts.hostname, *map(str, hosts)]))


def engine_options(url: str) -> dict[str, Any]:
    """SQLAlchemy engine defaults for a database URL.

    Every backend pings a pooled connection before lending it out, so a connection that a
    database restart cut is replaced instead of failing the next request. PostgreSQL also gets a
    bounded pool (workers × threads × (pool_size + max_overflow) must stay under the server's
    max_connections), connections recycled before idle-killing proxies drop them, a short
    connect timeout so an outage answers 503 quickly, and a short wait for a free connection.
    """
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        options.update(
            pool_size=5,
            max_overflow=5,
            pool_recycle=1800,
            pool_timeout=10,
            connect_args={"connect_timeout": 5},
        )
    return options
