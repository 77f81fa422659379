"""Browser tier: Debian's Chromium driven by Playwright against a live Kesher on loopback."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import unavailable
from tests.processes import seconds

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
# Chromium's background services would try to reach the internet; this machine has none.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    configured = os.environ.get("KESHER_CHROMIUM")
    if configured and Path(configured).exists():
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    path = chromium_path()
    if path is None:
        unavailable("Chromium is not installed (sudo apt-get install -y chromium)")
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def live_server(app_factory: Any) -> Iterator[str]:
    """Serve a Kesher app (CSRF on, as in production) on a free loopback port."""
    app = app_factory(WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, static_read_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=seconds(5))
        server.server_close()


def static_read_whole(app: Any) -> Any:
    """The app, with each static file read whole before it is sent.

    A static file is answered with an open file that the server closes after sending. When
    Chromium drops the connection first (a favicon abandoned by a navigation), werkzeug's
    development server can skip that close, and the unclosed file is a ResourceWarning, an
    error here, in whichever test runs next. Files read whole leave nothing open.
    """

    def serve(environ: dict[str, Any], start_response: Any) -> Any:
        body = app(environ, start_response)
        if not environ.get("PATH_INFO", "").startswith("/static/"):
            return body
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return serve


@pytest.fixture
def screenshot(page: Any) -> Any:
    """Save a full-page screenshot under tests/artifacts/ (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
