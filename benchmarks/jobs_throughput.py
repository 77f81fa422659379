"""Benchmark: 1,000 trivial jobs with one worker in <= 10 s, on RQ (real Redis) and embedded.

For each backend: start one worker process (`flask --app marketplace jobs work`), let it take a
warm-up job, then enqueue 1,000 `jobs.noop` jobs one transaction each (as 1,000 web requests
would) and time from the first enqueue to the last success, read from the job table. Baselines
in the same run: raw RQ (enqueue 1,000 calls of a trivial function, then an RQ SimpleWorker
burst, no job records) and 1,000 direct calls of the job function. Prints machine info, the
figures and the ratios; exits 1 if a backend misses the 10-second goal.

    .venv/bin/python benchmarks/jobs_throughput.py [--jobs N] [--database-url URL]

Without --database-url the database is a fresh SQLite file (WAL); redis-server is started on
loopback with scripts/redis.sh and stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
import rq
import sqlalchemy
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from marketplace import create_app  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.jobs import services  # noqa: E402
from marketplace.jobs.models import Job, JobStatus  # noqa: E402
from marketplace.jobs.registry import REGISTRY  # noqa: E402

GOAL_SECONDS = 10.0


def make_app(database_url: str, redis_url: str | None) -> Any:
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "JOBS_EMBEDDED_WORKER": False,
            "JOBS_SCHEDULER": False,
            "LOG_LEVEL": "WARNING",
        }
    )


def start_worker(database_url: str, redis_url: str | None, log: Any) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KESHER_")}
    env.update(KESHER_DATABASE_URL=database_url, KESHER_JOBS_POLL_INTERVAL="0.05")
    env["KESHER_LOG_LEVEL"] = "WARNING"
    if redis_url:
        env["KESHER_REDIS_URL"] = redis_url
    command = [sys.executable, "-m", "flask", "--app", "marketplace", "jobs", "work"]
    return subprocess.Popen(
        [*command, "--no-scheduler"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )


def succeeded(app: Any) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(Job).where(Job.status == JobStatus.SUCCEEDED)
        )
        db.session.remove()
        return int(count or 0)


def wait_for(app: Any, target: int, timeout: float) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if succeeded(app) >= target:
            return time.perf_counter()
        time.sleep(0.02)
    raise SystemExit(f"only {succeeded(app)} of {target} jobs succeeded in {timeout:.0f} s")


def run_backend(name: str, database_url: str, redis_url: str | None, jobs: int, log: Any) -> float:
    """Seconds from the first enqueue to the last success of `jobs` jobs on one worker."""
    app = make_app(database_url, redis_url)
    with app.app_context():
        db.session.execute(Job.__table__.delete())
        db.session.commit()
    worker = start_worker(database_url, redis_url, log)
    try:
        with app.app_context():
            services.enqueue(db.session, "jobs.noop")  # warm-up: the worker is up and pooled
            db.session.commit()
        wait_for(app, 1, 60)
        with app.app_context():
            start = time.perf_counter()
            for _ in range(jobs):
                services.enqueue(db.session, "jobs.noop")
                db.session.commit()
            enqueued = time.perf_counter() - start
            db.session.remove()
        end = wait_for(app, jobs + 1, 120)
    finally:
        worker.terminate()
        worker.wait(30)
    with app.app_context():
        db.engine.dispose()
    total = end - start
    print(f"{name:<9} {jobs:,} jobs: {total:6.2f} s total ({jobs / total:,.0f} jobs/s; "
          f"enqueue alone {enqueued:.2f} s)")  # fmt: skip
    return total


def raw_rq(redis_url: str, jobs: int) -> float:
    """RQ without Kesher: enqueue `jobs` trivial calls, then one SimpleWorker burst."""
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    queue = Queue("raw", connection=connection)
    start = time.perf_counter()
    for n in range(jobs):
        queue.enqueue("math.sqrt", n, result_ttl=0)
    SimpleWorker([queue], connection=connection).work(burst=True, logging_level="WARNING")
    total = time.perf_counter() - start
    print(f"raw RQ    {jobs:,} jobs: {total:6.2f} s total (enqueue + SimpleWorker burst)")
    return total


def direct_calls(jobs: int) -> float:
    func_ = REGISTRY["jobs.noop"].func
    start = time.perf_counter()
    for _ in range(jobs):
        func_(None)  # type: ignore[arg-type]
    total = time.perf_counter() - start
    print(f"direct    {jobs:,} calls of the job function: {total * 1000:.2f} ms")
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000)
    parser.add_argument("--database-url", help="a migrated database (default: fresh SQLite)")
    args = parser.parse_args(argv)

    print(f"date {datetime.now(UTC):%Y-%m-%d}  machine {platform.machine()} {platform.system()} "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"python {platform.python_version()}  rq {rq.__version__}  redis-py {redis.__version__}"
          f"  sqlalchemy {sqlalchemy.__version__}")  # fmt: skip

    with tempfile.TemporaryDirectory(prefix="kesher-jobs-bench-") as tmp:
        database_url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        if not args.database_url:
            from flask_migrate import upgrade

            app = make_app(database_url, None)
            with app.app_context():
                upgrade()
                db.engine.dispose()
        print(f"database {database_url.split(':', 1)[0]}")
        redis_dir = Path(tmp) / "redis"
        redis_url = subprocess.run(
            [str(ROOT / "scripts" / "redis.sh"), "start", str(redis_dir)],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        try:
            with (Path(tmp) / "worker.log").open("ab") as log:
                rq_total = run_backend("rq", database_url, redis_url, args.jobs, log)
                embedded_total = run_backend("embedded", database_url, None, args.jobs, log)
            raw = raw_rq(redis_url, args.jobs)
            direct_calls(args.jobs)
        finally:
            stop = [str(ROOT / "scripts" / "redis.sh"), "stop", str(redis_dir)]
            subprocess.run(stop, check=False)
            log_text = (Path(tmp) / "worker.log").read_text(errors="replace")
    print(
        f"load average at the end {os.getloadavg()[0]:.1f} (other work on the machine inflates all)"
    )
    print(
        f"ratio rq/raw RQ: {rq_total / raw:.1f}x  (job records in the database, 3 short "
        "transactions a job)"
    )
    print(
        f"goal <= {GOAL_SECONDS:.0f} s: rq {'met' if rq_total <= GOAL_SECONDS else 'MISSED'}, "
        f"embedded {'met' if embedded_total <= GOAL_SECONDS else 'MISSED'}"
    )
    if max(rq_total, embedded_total) > GOAL_SECONDS:
        print(log_text[-3000:])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
