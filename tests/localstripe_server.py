"""Run localstripe on loopback only (its own CLI binds every interface and pickles to /tmp).

    python -m tests.localstripe_server PORT

A test-only process: localstripe (GPL-3.0) is never imported by the application.
"""

from __future__ import annotations

import sys

from aiohttp import web
from localstripe.resources import Store
from localstripe.server import app

if __name__ == "__main__":
    # State lives in memory only: no shared /tmp/localstripe.pickle between test runs.
    Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
