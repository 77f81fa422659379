"""Benchmark: the tracked-link redirect /r/<slug> against /healthz, in the same load run.

gunicorn (the project's gunicorn.conf.py: gthread, 4 threads a worker; 2 workers here, as in
the other load benchmarks) serves Kesher on SQLite with the demo data (`flask seed-demo
--communities 200`, whose agreed placements have tracked links). wrk (2 threads, 4
connections, fixed duration, 127.0.0.1 only, a phone browser's User-Agent) loads /healthz, then
one demo link's /r/<slug> — every request a real click: the slug looked up, the click INSERTed
with its duplicate check, committed, and a 302 to the stored target. Prints req/s, p50, p95
and p99 of each and the redirect's share of /healthz throughput; the pair is run --rounds
times (3), and the goal is judged on the median round's share, so one burst of load from
elsewhere on a shared machine does not decide it. Exits 1 when the redirect sustains less than
50% of /healthz, or answers anything but 302.

    .venv/bin/python benchmarks/redirect.py                 # builds the demo database once
    .venv/bin/python benchmarks/redirect.py --duration 10

The load generator shares the machine's cores with the server, so the figures are floors.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CACHE = ROOT / "benchmarks" / ".cache"
DB = CACHE / "redirect-demo.sqlite3"
GOAL = 0.50
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "seconds": %f, "p50": %d, "p95": %d, "p99": %d,' ..
    ' "status_errors": %d, "socket_errors": %d}\\n', summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def flask(*args: str) -> None:
    env = {
        **os.environ,
        "KESHER_DATABASE_URL": f"sqlite:///{DB}",
        "KESHER_JOBS_EMBEDDED_WORKER": "0",
    }
    subprocess.run([str(BIN / "flask"), "--app", "marketplace", *args], check=True, env=env)


def a_slug() -> str | None:
    if not DB.exists():
        return None
    try:
        with sqlite3.connect(DB) as connection:
            row = connection.execute(
                "SELECT slug FROM tracked_links ORDER BY id LIMIT 1"
            ).fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def ensure_demo() -> str:
    """The slug of a demo link, building the demo database first if needed."""
    if DB.exists():
        flask("db", "upgrade")  # a database cached by an older checkout
    slug = a_slug()
    if slug is None:
        DB.unlink(missing_ok=True)
        DB.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        flask("db", "upgrade")
        flask("seed-demo", "--communities", "200")
        print(f"built the demo database in {time.perf_counter() - started:.0f} s")
        slug = a_slug()
    if slug is None:
        raise SystemExit("the demo data has no tracked link")
    return slug


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KESHER_DATABASE_URL": f"sqlite:///{DB}",
        "KESHER_JOBS_EMBEDDED_WORKER": "0",
        "KESHER_WEB_WORKERS": "2",
        "KESHER_BIND": f"127.0.0.1:{port}",
    }
    log = (CACHE / "redirect-server.log").open("wb")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "marketplace:create_app()"],
        cwd=ROOT, env=env, stdout=log, stderr=log,
    )  # fmt: skip
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def redirect_target(base: str, slug: str) -> tuple[int, str]:
    """One request by hand: the status and Location the redirect answers."""

    class NoFollow(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoFollow)
    request = urllib.request.Request(f"{base}/r/{slug}", headers={"User-Agent": PHONE})
    try:
        response = opener.open(request, timeout=5)
        return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


def wrk(url: str, seconds: int, script: Path) -> dict[str, float]:
    command = ["wrk", "-t", "2", "-c", "4", "-d", f"{seconds}s", "--latency", "-s", str(script),
               "-H", f"User-Agent: {PHONE}", url]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def clicks() -> int:
    with sqlite3.connect(DB) as connection:
        return int(connection.execute("SELECT count(*) FROM link_clicks").fetchone()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per target")
    parser.add_argument("--rounds", type=int, default=3, help="/healthz-then-redirect rounds")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: sudo apt-get install -y wrk")
    slug = ensure_demo()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port)
    try:
        status, location = redirect_target(base, slug)
        if status != 302 or not location.startswith("http"):
            raise SystemExit(f"/r/{slug} answered {status} {location!r}, not a 302 to the target")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_REPORT)
        report = Path(script.name)
        targets = [("GET /healthz", f"{base}/healthz"), ("GET /r/<slug>", f"{base}/r/{slug}")]
        for _name, url in targets:  # warm the connections, the workers and the caches
            wrk(url, 2, report)
        before = clicks()
        rounds = [
            {name: wrk(url, args.duration, report) for name, url in targets}
            for _ in range(args.rounds)
        ]
        recorded = clicks() - before
        report.unlink()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    print(f"\nSQLite demo database; gunicorn -c gunicorn.conf.py, 2 workers x 4 threads; "
          f"wrk 2 threads x 4 connections x {args.duration} s per target on 127.0.0.1, "
          f"{args.rounds} rounds of /healthz then the redirect")  # fmt: skip
    header = ("round", "target", "req/s", "p50 ms", "p95 ms", "p99 ms", "vs /healthz", "errors")
    print(f"{header[0]:<6}{header[1]:<16}" + "".join(f"{h:>12}" for h in header[2:]))
    shares = []
    for number, results in enumerate(rounds, start=1):
        floor = results["GET /healthz"]["rps"]
        shares.append((results["GET /r/<slug>"]["rps"] / floor, number))
        for name, r in results.items():
            errors = r["status_errors"] + r["socket_errors"]
            cells = [f"{r['rps']:.0f}", *(f"{r[p] / 1000:.1f}" for p in ("p50", "p95", "p99")),
                     f"{r['rps'] / floor:.0%}", f"{errors:.0f}"]  # fmt: skip
            print(f"{number:<6}{name:<16}" + "".join(f"{c:>12}" for c in cells))
    responses = sum(r["GET /r/<slug>"]["requests"] for r in rounds)
    print(f"clicks recorded during the redirect's runs: {recorded:,} "
          f"(wrk counted {responses:,.0f} responses)")  # fmt: skip
    share, median_round = sorted(shares)[len(shares) // 2]
    follow = rounds[median_round - 1]["GET /r/<slug>"]
    errors = sum(r[t]["status_errors"] + r[t]["socket_errors"] for r in rounds for t in r)
    ok = share >= GOAL and errors == 0
    print(
        f"\ngoal: the redirect sustains >= {GOAL:.0%} of /healthz throughput (median round), "
        f"no errors: {share:.0%} (round {median_round}), p95 {follow['p95'] / 1000:.1f} ms — "
        f"{'MET' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
