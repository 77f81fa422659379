"""gunicorn settings for Kesher in production; every value can be overridden from the environment.

    gunicorn -c gunicorn.conf.py "marketplace:create_app()"      # or: make serve

Environment (all optional):
    KESHER_BIND             address to listen on             (127.0.0.1:8000)
    KESHER_WEB_WORKERS      worker processes                 (2 × cores + 1, at most 8)
    KESHER_WEB_THREADS      threads per worker               (4)
    KESHER_WEB_TIMEOUT      seconds before a stuck worker is killed and replaced   (30)
    KESHER_FORWARDED_ALLOW_IPS  proxies trusted for X-Forwarded-Proto  (127.0.0.1,::1)
    KESHER_PRELOAD_APP      1: import the app once in the master before forking    (0)
    KESHER_LOG_LEVEL        gunicorn's own log level          (info)
    KESHER_LOG_FORMAT       json or text, as for the app      (json here: this is production)

The app's settings (database, Redis, secrets) are the KESHER_* variables of docs/deploy.md.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from typing import Any

_env = os.environ.get

# Listen on loopback by default: a reverse proxy (nginx, Caddy, a load balancer) terminates TLS
# in front and forwards here. Use 0.0.0.0:8000 only when that proxy runs on another machine.
bind = [_env("KESHER_BIND", "127.0.0.1:8000")]

# Processes: the classic 2 × cores + 1, capped at 8 because each one holds its own pool of
# database connections (PostgreSQL's default max_connections is 100) and its own memory.
workers = int(_env("KESHER_WEB_WORKERS") or min(2 * multiprocessing.cpu_count() + 1, 8))

# Threads per process (gthread worker): a request waiting on the database or on Redis does not
# hold up the others, and keep-alive connections from the proxy are served. Kesher's request
# code keeps no per-process mutable state, and SQLAlchemy's scoped session is per thread.
worker_class = "gthread"
threads = int(_env("KESHER_WEB_THREADS", "4"))

# A request running longer than this is stuck (long work belongs in jobs): the worker is killed
# and replaced. Uploads are capped at 25 MB, which loopback proxies deliver well within it.
timeout = int(_env("KESHER_WEB_TIMEOUT", "30"))

# On SIGTERM/SIGHUP, workers finish their in-flight requests for up to this long before exiting.
graceful_timeout = 30

# Seconds an idle keep-alive connection from the proxy stays open (the proxy reuses it).
keepalive = 5

# Replace each worker after about this many requests (0: never). Off by default: a worker's
# start builds the app (about a second), and at a few hundred requests a second a limit of a
# few thousand restarted each worker every few seconds — measured as 1.7 s p99 stalls under
# load. Caches are bounded (LRU), so there is no slow leak to recycle away; set
# KESHER_WEB_MAX_REQUESTS (e.g. 100000) if a deployment wants recycling anyway.
max_requests = int(_env("KESHER_WEB_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10

# Which peers may set X-Forwarded-Proto (HTTPS detection). Client addresses (X-Forwarded-For)
# are read by the app itself when KESHER_PROXY_HOPS is set (werkzeug's ProxyFix), which the
# rate limits need to tell clients apart behind a proxy.
forwarded_allow_ips = _env("KESHER_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# No gunicorn access log: the app writes one structured line per request (request id, user,
# status, duration; see marketplace/observability.py), so the same request is not logged twice.
accesslog = None
# gunicorn's own messages (worker boots, timeouts) go to stderr, in JSON like the app's lines.
errorlog = "-"
loglevel = _env("KESHER_LOG_LEVEL", "info")
if _env("KESHER_LOG_FORMAT", "json") == "json":
    logconfig_dict: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "marketplace.observability.JsonFormatter"}},
        "handlers": {
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
        },
        # The app installs its own handler on the root logger (marketplace/observability.py).
        "root": {"level": loglevel.upper(), "handlers": []},
        "loggers": {
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
            "gunicorn.error": {
                "level": loglevel.upper(),
                "handlers": ["error_console"],
                "propagate": False,
            },
        },
    }

# preload_app: off by default. Preloading imports the app once in the master (less memory,
# faster worker restarts) but anything created at import time is shared across fork — database
# connections, and threads, which do not survive fork at all (the embedded job runner starts
# one). With KESHER_PRELOAD_APP=1 the engines' pools are discarded in each child (post_fork
# below), as SQLAlchemy's documentation prescribes for pools that cross a fork.
preload_app = _env("KESHER_PRELOAD_APP", "0") == "1"

# Heartbeat files on tmpfs: a worker blocked on a slow disk is not mistaken for a stuck one.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# The name ps and top show.
proc_name = "kesher-web"

# gunicorn's control socket (`gunicornc`) lives at one path per user by default, which two
# servers on a machine would fight over; off unless KESHER_CONTROL_SOCKET names a path.
control_socket_disable = not _env("KESHER_CONTROL_SOCKET")
if _env("KESHER_CONTROL_SOCKET"):
    control_socket = _env("KESHER_CONTROL_SOCKET")


def post_fork(server: Any, worker: Any) -> None:
    """In each new worker, drop database connections inherited from a preloaded master."""
    app = getattr(server.app, "callable", None)
    if app is None or not hasattr(app, "app_context"):
        return
    from marketplace.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            # close=False: the parent's connections stay open for the parent; the child starts
            # with an empty pool instead of sharing sockets with its siblings.
            engine.dispose(close=False)


def post_worker_init(worker: Any) -> None:
    """Once this worker has loaded the app, take its objects out of the cyclic collector's sight.

    The loaded app is about 250,000 objects (modules, SQLAlchemy's mappers, Babel's data) that
    live as long as the worker; every collection of the oldest generation scanned them all —
    150-180 ms of CPU with the GIL held, every thousand requests or so of a search mix at
    100,000 communities. Frozen (`gc.freeze`), they are never scanned again; what requests
    make is collected as before.
    """
    gc.collect()
    gc.freeze()
