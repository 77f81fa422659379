"""Benchmark: catalog searches over 100,000 communities, against /healthz, on loopback.

gunicorn (gunicorn.conf.py, 2 workers × 4 threads) serves Kesher on SQLite and/or PostgreSQL;
wrk (4 connections, fixed duration, 127.0.0.1 only) loads, in this order:

1. ``/healthz``, the baseline;
2. **the search mix** (the goal): every request a different search, as users type them — a
   word drawn from the catalog's own vocabulary (names, descriptions and tags, Hebrew and
   English) × maybe a platform × maybe a region × maybe a size band; none repeats, so none
   comes from the results cache;
3. one search page repeated (a brand's "ריצה", WhatsApp group, Tel Aviv): after its first
   request it comes from the results cache;
4. a page deep in a browse (page 200, reached by keyset cursor);
5. the search mix again, on the same server after all that load (a server that slows down
   after earlier load shows here).

Prints p50, p95, p99 and throughput, and the ratio to /healthz measured in the same run. Exits
1 when the goal is missed on any database: the search mix's p95 <= 50 ms and its throughput
>= 25% of /healthz, without errors.

    .venv/bin/python benchmarks/catalog_search.py --duration 15               # SQLite
    .venv/bin/python benchmarks/catalog_search.py --database both --pg-dir /tmp/kesher-bench-pg

The catalogs are built and kept as benchmarks/load_pages.py does (SQLite in benchmarks/.cache,
PostgreSQL in a throwaway cluster, or one kept in --pg-dir). The load generator shares the
machine's cores with the server, so the figures are floors.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CACHE = ROOT / "benchmarks" / ".cache"
SEARCH = "/catalog/?" + urllib.parse.urlencode(
    [("q", "ריצה"), ("platform", "whatsapp_group"), ("region", "tel_aviv")]
)
WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "seconds": %f, "p50": %d, "p95": %d, "p99": %d,' ..
    ' "status_errors": %d, "socket_errors": %d}\\n', summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(database_url: str, name: str) -> Iterator[str]:
    """gunicorn with gunicorn.conf.py (2 workers × 4 threads) on a free port; yields its URL."""
    # Jobs run in their own worker process here (`flask jobs work`), not in the web workers: a
    # catalog of 100,000 starts with its nightly recompute due, which would share their cores.
    env = {**os.environ, "KESHER_DATABASE_URL": database_url, "KESHER_JOBS_EMBEDDED_WORKER": "0"}
    port = free_port()
    log = (CACHE / f"catalog-search-{name}.log").open("wb")
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "-c", str(ROOT / "gunicorn.conf.py"), "marketplace:create_app()"],
        cwd=ROOT, env=env, stdout=log, stderr=log,
    )  # fmt: skip
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("the server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)


def sign_in(base: str, email: str, password: str) -> str:
    """Log in through the real form and return the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/auth/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
    opener.open(f"{base}/auth/login", data=form.encode()).read()
    # The first page after signing in stores a new CSRF token in the session cookie; a browser
    # keeps the cookie it is sent, so wrk must too (with the older one, every page re-signed
    # and re-sent the cookie).
    opener.open(f"{base}/catalog/").read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def deep_url(base: str, cookie: str, pages: int) -> str:
    """Follow the browse's next-page links `pages` times (keyset cursors) and return the URL."""
    url = "/catalog/?sort=largest"
    for _ in range(pages):
        request = urllib.request.Request(base + url, headers={"Cookie": cookie})
        page = urllib.request.urlopen(request).read().decode()
        found = re.search(r'href="([^"]+)" rel="next"', page)
        if not found:
            break
        url = found.group(1).replace("&amp;", "&")
    return url


PLATFORMS = ["whatsapp_group", "facebook_group", "telegram_channel", "instagram", "newsletter"]
REGIONS = ["tel_aviv", "center", "north", "jerusalem", "haifa", "south", "nationwide"]
SIZES = ["xs", "s", "m", "l", "xl"]


def vocabulary(database_url: str) -> list[str]:
    """The catalog's own words (3+ letters) from names, descriptions and tags, both languages."""
    engine = create_engine(database_url)
    query = text(
        "SELECT name_he, name_en, description, member_type, tags FROM communities "
        "ORDER BY id LIMIT 5000"
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    engine.dispose()
    words = {
        word
        for row in rows
        for value in row
        if value
        for word in re.findall(r"[^\W\d_]{3,}", str(value))
    }
    return sorted(words)


def search_mix(words: list[str], count: int, seed: int = 17) -> list[str]:
    """`count` different search URLs: a word × maybe a platform, a region and a size band."""
    rng = random.Random(seed)
    seen: set[str] = set()
    paths: list[str] = []
    for _attempt in range(count * 3):
        if len(paths) == count:
            break
        query = [("q", rng.choice(words))]
        if rng.random() < 0.5:
            query.append(("platform", rng.choice(PLATFORMS)))
        if rng.random() < 0.5:
            query.append(("region", rng.choice(REGIONS)))
        if rng.random() < 0.3:
            query.append(("size", rng.choice(SIZES)))
        path = "/catalog/?" + urllib.parse.urlencode(query)
        if path not in seen:
            seen.add(path)
            paths.append(path)
    return paths


def rotating_script(paths: list[str]) -> str:
    """A wrk script whose every request is the next of `paths` (each thread its own half)."""
    listed = ",\n".join(json.dumps(p) for p in paths)
    return (
        WRK_REPORT
        + f"""
paths = {{{listed}}}
local threads = 0
setup = function(thread)
  thread:set("offset", threads * math.floor(#paths / 2))
  threads = threads + 1
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[((offset or 0) + n) % #paths + 1])
end
"""
    )


def wrk(url: str, cookie: str, seconds: int, script: Path) -> dict[str, float]:
    command = ["wrk", "-t", "2", "-c", "4", "-d", f"{seconds}s", "--latency", "-s", str(script)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def measure(name: str, database_url: str, seconds: int) -> dict[str, dict[str, float]]:
    """Every target's figures against one server, in the order of the module's docstring."""
    words = vocabulary(database_url)
    mix = search_mix(words, 40_000)
    print(f"{name}: {len(words):,} words in the vocabulary, {len(mix):,} different searches")
    with ExitStack() as stack:
        base = stack.enter_context(server(database_url, name))
        cookie = sign_in(base, "maya@shorashim-foods.demo", "kesher-demo-2026")
        deep = deep_url(base, cookie, 200)
        scripts = []
        for body in (WRK_REPORT, rotating_script(mix[: len(mix) // 2]),
                     rotating_script(mix[len(mix) // 2 :])):  # fmt: skip
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
                script.write(body)
            scripts.append(Path(script.name))
            stack.callback(Path(script.name).unlink)
        report, first_mix, second_mix = scripts
        targets = [("GET /healthz", base + "/healthz", "", report),
                   ("search mix (no cache)", base + "/", cookie, first_mix),
                   ("one search, repeated", base + SEARCH, cookie, report),
                   ("browse, page 200", base + deep, cookie, report),
                   ("search mix, again", base + "/", cookie, second_mix)]  # fmt: skip
        for _name, url, header, lua in targets:  # warm connections and the pages' first render
            if lua is report:
                wrk(url, header, 2, lua)
        return {label: wrk(url, header, seconds, lua) for label, url, header, lua in targets}


def verdict(name: str, results: dict[str, dict[str, float]], seconds: int) -> bool:
    floor = results["GET /healthz"]["rps"]
    print(f"\n{name}: gunicorn 2 workers x 4 threads; wrk 2 threads x 4 connections x "
          f"{seconds} s on 127.0.0.1")  # fmt: skip
    header = ("target", "req/s", "p50 ms", "p95 ms", "p99 ms", "vs /healthz", "errors")
    print(f"{header[0]:<25}" + "".join(f"{h:>12}" for h in header[1:]))
    for label, r in results.items():
        errors = r["status_errors"] + r["socket_errors"]
        cells = [f"{r['rps']:.0f}", *(f"{r[p] / 1000:.1f}" for p in ("p50", "p95", "p99")),
                 f"{r['rps'] / floor:.0%}", f"{errors:.0f}"]  # fmt: skip
        print(f"{label:<25}" + "".join(f"{c:>12}" for c in cells))
    mix = results["search mix (no cache)"]
    ok = (
        mix["p95"] <= 50_000
        and mix["rps"] >= 0.25 * floor
        and all(results[t]["status_errors"] + results[t]["socket_errors"] == 0
                for t in ("GET /healthz", "search mix (no cache)"))
    )  # fmt: skip
    print(
        f"{name} goal: search mix p95 <= 50 ms and >= 25% of /healthz throughput, no errors: "
        f"{'MET' if ok else 'MISSED'} (p95 {mix['p95'] / 1000:.1f} ms, "
        f"{mix['rps'] / floor:.0%})"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communities", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per target")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--pg-dir", help="keep the PostgreSQL cluster here and reuse it")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: sudo apt-get install -y wrk")
    # Here, not at the top: load_pages imports this module's SEARCH and sign_in.
    from load_pages import postgres_database, sqlite_database

    ok = True
    if args.database in ("sqlite", "both"):
        with sqlite_database(args.communities) as url:
            ok &= verdict("SQLite", measure("sqlite", url, args.duration), args.duration)
    if args.database in ("postgresql", "both"):
        with postgres_database(args.communities, args.pg_dir) as url:
            ok &= verdict("PostgreSQL", measure("postgresql", url, args.duration), args.duration)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
