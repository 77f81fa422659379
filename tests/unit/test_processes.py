"""A process a test starts is stopped and reaped even when the test fails (#11 item 17).

The check runs a small pytest session of its own, with warnings as errors: its first test starts
a child (which starts a grandchild) through the `processes` fixture and then fails; its second
test checks by pid that both are gone and collects garbage, where a forgotten Popen would raise
"subprocess … is still running" (a ResourceWarning that once failed an unrelated test).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.processes import TIMEOUT_FACTOR, seconds, started

ROOT = Path(__file__).resolve().parents[2]

INNER = '''
import gc
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.processes import processes  # noqa: F401 - the fixture

PIDS = Path(__file__).with_name("pids.txt")
FAMILY = """
import subprocess, sys, time
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print(grandchild.pid, flush=True)
time.sleep(600)
"""


def running(pid):
    """Whether pid is a live process (a zombie waiting to be reaped counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_body_that_fails_while_its_children_run(processes):
    child = processes.start([sys.executable, "-c", FAMILY], stdout=subprocess.PIPE, text=True)
    grandchild = int(child.stdout.readline())
    PIDS.write_text(f"{child.pid} {grandchild}")
    assert running(child.pid) and running(grandchild)
    raise AssertionError("the body fails while its children run")


def test_afterwards_the_children_are_gone_and_nothing_warns():
    child, grandchild = map(int, PIDS.read_text().split())
    gc.collect()  # a forgotten Popen would warn here, failing this test
    try:
        os.kill(child, 0)
    except ProcessLookupError:
        pass  # killed and reaped: not even a zombie is left
    else:
        raise AssertionError(f"child {child} is still there")
    deadline = time.monotonic() + 10
    while running(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)  # an orphan is reaped by init, a moment later
    assert not running(grandchild)
'''


def test_a_child_that_outlives_a_failing_test_is_killed_reaped_and_never_warns(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_inner.py").write_text(INNER)
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
        "-W", "error", str(tmp_path / "test_inner.py"),
    ]  # fmt: skip
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    with started(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True) as inner:
        output, _ = inner.communicate(timeout=seconds(60))
    assert "1 failed, 1 passed" in output, output
    assert "the body fails while its children run" in output
    assert "ResourceWarning" not in output
    assert "is still running" not in output


def test_timeouts_scale_with_the_factor() -> None:
    assert TIMEOUT_FACTOR >= 1
    assert seconds(10) == 10 * TIMEOUT_FACTOR


def test_every_test_starts_its_processes_through_the_helper() -> None:
    """A bare Popen in a test is how a process outlived its test; only tests/processes.py may."""
    tests = ROOT / "tests"
    bare = [
        str(path.relative_to(ROOT))
        for path in tests.rglob("*.py")
        if path.name not in {"processes.py", "test_processes.py"}
        and any(word in path.read_text() for word in ("Popen(", "multiprocessing", "os.fork("))
    ]
    assert bare == []
