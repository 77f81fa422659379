"""Processes started by tests: always stopped and reaped, pass or fail, with generous timeouts.

A test that starts a process does it through `started(...)` (a context manager) or the
`processes` fixture. Each process runs in a session of its own, so stopping it stops whatever
it started too (an RQ worker's work horse, a shell's children): SIGTERM to the group, SIGKILL
after a grace period, then `wait()` so no zombie and no "subprocess is still running"
ResourceWarning is left for a later test to trip over.

Timeouts say what a quiet machine needs and are multiplied by `KESHER_TEST_TIMEOUT_FACTOR`
(default 3), so a loaded two-core machine fails a test only when something is really stuck.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

TIMEOUT_FACTOR = float(os.environ.get("KESHER_TEST_TIMEOUT_FACTOR") or 3)

#: How long a process gets to exit after SIGTERM before it is killed, on a quiet machine.
GRACE = 5.0


def seconds(quiet: float) -> float:
    """A timeout: what a quiet machine needs, times the factor for a busy one."""
    return quiet * TIMEOUT_FACTOR


def _signal(process: subprocess.Popen[Any], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        try:
            os.killpg(process.pid, signum)  # its own session: the group id is its pid
        except PermissionError:
            process.send_signal(signum)


def stop(process: subprocess.Popen[Any], grace: float = GRACE) -> int:
    """Stop a process and its group: SIGTERM, SIGKILL if it lingers; reap it; close its pipes."""
    try:
        if process.poll() is None:
            _signal(process, signal.SIGTERM)
            try:
                process.wait(seconds(grace))
            except subprocess.TimeoutExpired:
                _signal(process, signal.SIGKILL)
                process.wait()
        # Whatever it started and left behind in its group goes too.
        _signal(process, signal.SIGKILL)
    finally:
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    return process.returncode


@contextlib.contextmanager
def started(args: Sequence[str], **popen: Any) -> Iterator[subprocess.Popen[Any]]:
    """Start a process for the block; it is stopped and reaped when the block ends, however."""
    process = subprocess.Popen(args, start_new_session=True, **popen)  # noqa: S603 - tests' own
    try:
        yield process
    finally:
        stop(process)


class Processes:
    """The processes one test started; all stopped and reaped at its end, pass or fail."""

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()

    def start(self, args: Sequence[str], **popen: Any) -> subprocess.Popen[Any]:
        """Start a process that lives until the test ends (or until it is stopped earlier)."""
        return self._stack.enter_context(started(args, **popen))

    def stop_all(self) -> None:
        self._stack.close()


@pytest.fixture
def processes() -> Iterator[Processes]:
    """Start processes in a test without ever leaving one behind."""
    owned = Processes()
    try:
        yield owned
    finally:
        owned.stop_all()
