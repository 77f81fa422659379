"""Benchmark: CPU time per search request in-process, which other processes' load does not change.

The test client (one thread, no server) signs in as a brand and requests `/healthz`, one search
page again and again (cached), and the search mix of catalog_search.py (every request different,
no cache), against the SQLite catalog that catalog_search.py builds. Prints the mean, p50 and p95
of each request's CPU time (`time.process_time`: the search's SQLite work runs in this process,
so it is included) and of its wall time, and the mix's cost as a share of `/healthz`'s. On a
shared machine compare two checkouts with this rather than with wrk's throughput.

    .venv/bin/python benchmarks/catalog_search_cpu.py --requests 300
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import time
from pathlib import Path

from catalog_search import CACHE, SEARCH, search_mix, vocabulary

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=str(CACHE / "catalog-100k.sqlite3"))
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from marketplace import create_app

    logging.disable(logging.INFO)  # the request log would be most of the time
    url = f"sqlite:///{Path(args.db).resolve()}"
    paths = search_mix(vocabulary(url), args.requests * 2 + 300)
    random.Random(5).shuffle(paths)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "JOBS_EMBEDDED_WORKER": False, "RATELIMIT_ENABLED": False})  # fmt: skip
    client = app.test_client()
    login = {"email": "maya@shorashim-foods.demo", "password": "kesher-demo-2026"}
    client.post("/auth/login", data=login)
    for path in paths[:300]:  # templates, filter panels and the prefixes' terms warm up
        client.get(path)

    def run(label: str, urls: list[str]) -> float:
        cpu, wall = [], []
        for target in urls:
            started, clock = time.process_time(), time.perf_counter()
            response = client.get(target)
            cpu.append(time.process_time() - started)
            wall.append(time.perf_counter() - clock)
            assert response.status_code == 200, (target, response.status_code)
        cpu.sort()
        wall.sort()

        def at(values: list[float], p: float) -> float:
            return 1000 * values[int(p * (len(values) - 1))]

        mean = 1000 * sum(cpu) / len(cpu)
        print(
            f"{label:<24} CPU mean {mean:6.2f} ms  p50 {at(cpu, 0.5):6.2f}  "
            f"p95 {at(cpu, 0.95):6.2f}   wall p50 {at(wall, 0.5):6.1f}  p95 {at(wall, 0.95):6.1f}"
        )
        return sum(cpu) / len(cpu)

    baseline = run("GET /healthz", ["/healthz"] * args.requests)
    run("one search, repeated", [SEARCH] * args.requests)
    mix = run("search mix (no cache)", paths[300 : 300 + args.requests])
    print(f"search mix vs /healthz (CPU per request): {baseline / mix:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
