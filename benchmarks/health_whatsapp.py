"""Benchmark: parse and analyse a 1,000,000-message WhatsApp export (goal: at most 10 s).

Writes the export into a temporary directory (it is never committed), then times, best of 3:
`parse_export` + `analyse` from the file's bytes, and a pure-Python baseline that reads the lines,
matches each with a regular expression and counts messages per author in a dict. Prints both and
their ratio; exits 1 when the goal is missed.

    .venv/bin/python benchmarks/health_whatsapp.py [--messages 1000000] [--goal 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import platform
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pricing.health import analyse, parse_export  # noqa: E402

SALT = b"benchmark-salt-000000"
BASELINE_RE = re.compile(r"^(\d{1,2}/\d{1,2}/\d{4}), (\d{1,2}:\d{2}) - ([^:]+): ")


def load_corpus_module() -> ModuleType:
    """Import tests/data/exports/make_corpus.py, which writes the big export."""
    path = ROOT / "tests" / "data" / "exports" / "make_corpus.py"
    spec = importlib.util.spec_from_file_location("make_corpus", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def ours(path: Path) -> tuple[int, int]:
    """Parse and analyse the export the way the web layer will."""
    parsed = parse_export(path.read_bytes(), path.name, salt=SALT)
    report = analyse(parsed)
    return len(parsed.events), report.score


def baseline(path: Path) -> tuple[int, int]:
    """Read lines, match each, count messages per author in a dict."""
    counts: dict[str, int] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            match = BASELINE_RE.match(line)
            if match:
                author = match.group(3)
                counts[author] = counts.get(author, 0) + 1
    return sum(counts.values()), len(counts)


def best_of(runs: int, work: Callable[[], tuple[int, int]]) -> tuple[float, tuple[int, int]]:
    best, result = float("inf"), (0, 0)
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--goal", type=float, default=10.0, help="seconds")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kesher-health-bench-") as folder:
        path = Path(folder) / "WhatsApp Chat with Benchmark.txt"
        started = time.perf_counter()
        size = load_corpus_module().write_big_whatsapp(path, args.messages)
        written = time.perf_counter() - started
        ours_s, (events, score) = best_of(args.runs, lambda: ours(path))
        base_s, (matched, authors) = best_of(args.runs, lambda: baseline(path))

    print(
        f"health_whatsapp  {dt.date.today().isoformat()}  {platform.machine()}  "
        f"{os.cpu_count()} cores  Python {platform.python_version()}"
    )
    megabytes = size / 1e6
    print(
        f"export        {args.messages:,} messages, {megabytes:.1f} MB (written in {written:.1f} s)"
    )
    print(f"parse+analyse {ours_s:6.2f} s  best of {args.runs}  ({events:,} events, score {score})")
    print(
        f"baseline      {base_s:6.2f} s  best of {args.runs}  ({matched:,} lines matched, "
        f"{authors:,} authors; line loop, regex, dict)"
    )
    print(f"ratio         {ours_s / base_s:6.2f} × the baseline")
    if ours_s > args.goal:
        print(f"MISSED: {ours_s:.2f} s > goal {args.goal:.0f} s")
        return 1
    print(f"goal met: {ours_s:.2f} s ≤ {args.goal:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
