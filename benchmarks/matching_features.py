"""Benchmark: ranking features off the request path (#17 item 2).

Goal at 100,000 communities: the first ranking in a fresh worker <= 1 s when it loads the
stored artifact, and the rebuild job <= 30 s. Baseline in the same run: today's request path
before this change, which fitted the features inline (``build_features``) on the first
ranking after every catalog change.

Times, on a seeded synthetic catalog (``campaigns.matching.synthetic``):

* the rebuild job's work: ``build_features`` + ``save_features`` (the database read,
  ``load_records``, is not included: it needs a seeded database, and today's inline path
  paid it too, so the ratio below is if anything in today's favour);
* a fresh worker's first ranking with the artifact: a new Python process that loads the
  newest artifact and ranks a brief (the time from the start of the load to the answer;
  the interpreter's imports are printed apart);
* today's first ranking: ``build_features`` + ``rank`` in this process.

Checks that the loaded artifact ranks every brief exactly as the fresh build does; exits 1 if
a goal is missed at the size run.

    .venv/bin/python benchmarks/matching_features.py [--communities N] [--briefs N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy

from campaigns.matching import build_features, rank
from campaigns.matching.store import load_features, save_features
from campaigns.matching.synthetic import synthetic_briefs, synthetic_records

GOAL_FIRST_S = 1.0
GOAL_REBUILD_S = 30.0

#: What a fresh worker runs: import, then load the newest artifact and rank one brief.
FRESH_WORKER = """
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from campaigns.matching import rank
from campaigns.matching.store import load_features
from campaigns.matching.synthetic import synthetic_briefs
brief = synthetic_briefs(1, seed=7)[0]
t1 = time.perf_counter()
features = load_features(Path(sys.argv[1]))
t2 = time.perf_counter()
result = rank(brief, features, top=20)
t3 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "load": t2 - t1, "rank": t3 - t2,
                  "top": [r.community_id for r in result.rows]}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=100_000)
    parser.add_argument("--briefs", type=int, default=6)
    parser.add_argument("--workers", type=int, default=3, help="fresh worker processes to time")
    args = parser.parse_args(argv)

    print(f"date {datetime.now(UTC):%Y-%m-%d}  machine {platform.machine()} {platform.system()}")
    print(
        f"cores {os.cpu_count()}  python {platform.python_version()}  numpy {np.__version__}",
        end="",
    )
    print(f"  scipy {scipy.__version__}  load average {os.getloadavg()[0]:.1f}")

    records = synthetic_records(args.communities, seed=2026)
    briefs = synthetic_briefs(args.briefs, seed=7)

    # Today's path: the first ranking after a change builds the features inline.
    start = time.perf_counter()
    built = build_features(records)
    built_s = time.perf_counter() - start
    start = time.perf_counter()
    expected = rank(briefs[0], built, top=20)
    first_rank_s = time.perf_counter() - start
    today_s = built_s + first_rank_s

    with tempfile.TemporaryDirectory(prefix="kesher-features-") as folder:
        directory = Path(folder)
        # The job: build (timed above, same work) and store.
        start = time.perf_counter()
        save_features(built, directory, version=1)
        saved_s = time.perf_counter() - start
        rebuild_s = built_s + saved_s
        size = sum(p.stat().st_size for p in directory.iterdir())

        loaded = load_features(directory)
        assert loaded is not None
        agree = all(rank(b, loaded, top=20) == rank(b, built, top=20) for b in briefs)

        runs = []
        root = Path(__file__).resolve().parent.parent
        env = dict(os.environ, PYTHONPATH=str(root))
        for _ in range(args.workers):
            out = subprocess.run(
                [sys.executable, "-c", FRESH_WORKER, str(directory)],
                check=True, capture_output=True, text=True, cwd=root, env=env,
            )  # fmt: skip
            runs.append(json.loads(out.stdout))
        agree &= all(run["top"] == [r.community_id for r in expected.rows] for run in runs)

    first = [run["load"] + run["rank"] for run in runs]
    fresh_s = statistics.median(first)
    print(
        f"catalog: {args.communities:,} synthetic communities; "
        f"{built.text_csc.shape[1]:,} n-grams, {built.text_csc.nnz:,} non-zeros; "
        f"artifact {size / 1e6:.0f} MB"
    )
    print(
        f"rebuild job: build {built_s:.2f} s + store {saved_s:.2f} s = {rebuild_s:.2f} s "
        f"(database read not included)"
    )
    print(
        f"fresh worker, first ranking with the artifact: median {fresh_s:.3f} s "
        f"(load {statistics.median(r['load'] for r in runs):.3f} s + rank "
        f"{statistics.median(r['rank'] for r in runs):.3f} s; worst {max(first):.3f} s "
        f"of {len(runs)} processes; imports {statistics.median(r['imports'] for r in runs):.2f} s "
        f"before it, not counted)"
    )
    print(
        f"today's path, first ranking after a change: build {built_s:.2f} s + rank "
        f"{first_rank_s:.3f} s = {today_s:.2f} s (database read not included)"
    )
    print(f"ratio today / artifact (first ranking): {today_s / fresh_s:.1f}x")
    print(f"loaded artifact ranks every brief as the fresh build: {agree}")
    ok = agree and fresh_s <= GOAL_FIRST_S and rebuild_s <= GOAL_REBUILD_S
    print(
        f"goals (first ranking <= {GOAL_FIRST_S:.0f} s, rebuild <= {GOAL_REBUILD_S:.0f} s) "
        f"at {args.communities:,} communities: {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
