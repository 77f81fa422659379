"""Benchmark: CPU time per search request in-process, which other processes' load does not change.

The test client (one thread, no server) signs in as a brand and requests `/healthz`, one search
page again and again (cached), and the search mix of catalog_search.py (every request different,
no cache), against the SQLite catalog that catalog_search.py builds (or, with --database-url, any
catalog, such as the PostgreSQL one). Prints the mean, p50 and p95 of each request's CPU time
(`time.process_time`: SQLite's work runs in this process, so it is included; PostgreSQL's runs
in the server, so the time each statement waited for it is printed too) and of its wall time,
and the mix's cost as a share of `/healthz`'s. On a shared machine compare two checkouts with
this rather than with wrk's throughput. `--profile N` prints cProfile's top N functions of the
search mix, `--statements` each statement's count and time per mix request.

    .venv/bin/python benchmarks/catalog_search_cpu.py --requests 300
    .venv/bin/python benchmarks/catalog_search_cpu.py --database-url postgresql+psycopg://…
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import random
import runpy
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from catalog_search import CACHE, SEARCH, search_mix, vocabulary

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=str(CACHE / "catalog-100k.sqlite3"))
    parser.add_argument("--database-url", help="a catalog's SQLAlchemy URL (instead of --db)")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's top N")
    parser.add_argument("--sort", default="tottime", help="cProfile's order (tottime, cumulative)")
    parser.add_argument("--statements", action="store_true", help="time each SQL statement")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import event

    from marketplace import create_app
    from marketplace.extensions import db

    logging.disable(logging.INFO)  # the request log would be most of the time
    url = args.database_url or f"sqlite:///{Path(args.db).resolve()}"
    paths = search_mix(vocabulary(url), args.requests * 2 + 300)
    random.Random(5).shuffle(paths)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "JOBS_EMBEDDED_WORKER": False, "RATELIMIT_ENABLED": False})  # fmt: skip
    # As a gunicorn worker does once it has loaded the app (gunicorn.conf.py's hook).
    runpy.run_path(str(ROOT / "gunicorn.conf.py"))["post_worker_init"](None)
    client = app.test_client()
    login = {"email": "maya@shorashim-foods.demo", "password": "kesher-demo-2026"}
    client.post("/auth/login", data=login)
    for path in paths[:300]:  # templates, filter panels and the prefixes' terms warm up
        client.get(path)

    statements: dict[str, list[float]] = defaultdict(list)
    sql_wall: list[float] = [0.0]
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def started(conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        conn.info["kesher_started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def finished(conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        took = time.perf_counter() - conn.info.pop("kesher_started", time.perf_counter())
        sql_wall[0] += took
        if args.statements:
            statements[" ".join(statement.split())[:110]].append(took)

    def run(label: str, urls: list[str]) -> float:
        cpu, wall = [], []
        sql_wall[0] = 0.0
        statements.clear()
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
            f"   SQL wall mean {1000 * sql_wall[0] / len(urls):6.2f}"
        )
        for statement, took in sorted(statements.items(), key=lambda kv: -sum(kv[1])):
            print(
                f"    {len(took) / len(urls):4.1f}× {1000 * sum(took) / len(urls):6.2f} ms"
                f"  {statement}"
            )
        return sum(cpu) / len(cpu)

    baseline = run("GET /healthz", ["/healthz"] * args.requests)
    run("one search, repeated", [SEARCH] * args.requests)
    mix_paths = paths[300 : 300 + args.requests]
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
    mix = run("search mix (no cache)", mix_paths)
    if args.profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.profile)
    print(f"search mix vs /healthz (CPU per request): {baseline / mix:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
