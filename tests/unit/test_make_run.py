"""`make run` serves the demo where its links point (README: `PORT=8000 make run`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_make_run_on_another_port_builds_its_links_on_that_port() -> None:
    # Tracked links, QR codes and the mails' links are built on KESHER_PUBLIC_BASE_URL (never on
    # the request's Host); unset, they pointed at :5000 while the server listened on PORT.
    make = shutil.which("make")
    assert make is not None, "make is part of the documented setup"
    recipe = subprocess.run(  # noqa: S603 - a dry run: make prints the commands, runs none
        [make, "-n", "-C", str(ROOT), "run", "PORT=8123"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout  # fmt: skip
    served = recipe[recipe.rindex("KESHER_PUBLIC_BASE_URL") :]
    assert "http://127.0.0.1:8123" in served
    assert "--port 8123" in served
