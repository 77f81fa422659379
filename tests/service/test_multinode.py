"""Two machines on loopback: two gunicorn nodes and two RQ job workers on one PostgreSQL and one
Redis, in production settings, driven together over HTTP.

What scale-out promises (docs/deploy.md, "Several machines"): every job runs once whichever
worker takes it, a schedule slot fires once though every worker's scheduler ticks, a search on
one node sees a catalog change made through the other at once, a login on one node is a login on
all (and a logout everywhere), and a rate limit counts requests on all nodes together.

The processes run as in production (KESHER_ENV_NAME=production, HTTPS through a proxy that sets
X-Forwarded-Proto, secure cookies): the test is the proxy, so it carries the cookies itself.
It shares the test PostgreSQL server (a database of its own) and Redis (a queue name and client
addresses of its own, so nothing else on that Redis is touched).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
import requests
from flask import Flask
from rq import Queue, Worker
from sqlalchemy import create_engine, func, make_url, select, text

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.jobs import services as job_services
from marketplace.jobs.models import Job, JobStatus
from marketplace.jobs.registry import JobContext, job
from marketplace.jobs.scheduler import default_schedule
from marketplace.outbox import OutboundEmail, queue_email
from tests.conftest import DEMO_PASSWORD, POSTGRES_URL, REDIS_URL, _migrate, unavailable
from tests.processes import Processes, seconds

ROOT = Path(__file__).resolve().parents[2]
HOST = "kesher.test"
HEADER = ("community_key,owner_email,name_he,name_en,topics,languages,region,city,platform,url,"
          "size,interaction_mode,currency,rate_post,rate_pinned_post,as_of,evidence,"
          "active_members,source")  # fmt: skip


@job("test.multinode_count", max_attempts=3)
def count_once(ctx: JobContext) -> dict[str, Any]:
    """A visible, non-idempotent effect: one outbox row per run, naming the worker process."""
    queue_email(
        ctx.session, to="count@example.com", subject=ctx.params["tag"], body=str(os.getpid())
    )
    return {"pid": os.getpid()}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], bool], quiet: float, what: str) -> None:
    deadline = time.monotonic() + seconds(quiet)
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Browser:
    """One client behind the proxy: its own address, its own cookies, any node."""

    address: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, node: str, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "X-Forwarded-Host": HOST,
            # A browser's form posts say where they come from; CSRF checks it over HTTPS.
            "Referer": f"https://{HOST}{path}",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = requests.request(
            method, node + path, headers=headers, allow_redirects=False, timeout=seconds(20),
            **kwargs,
        )  # fmt: skip
        for cookie in response.cookies:
            if cookie.value:
                self.cookies[cookie.name] = cookie.value
            else:
                self.cookies.pop(cookie.name, None)
        return response

    def get(self, node: str, path: str) -> requests.Response:
        return self.request(node, "GET", path)

    def csrf(self, node: str, path: str) -> str:
        page = self.get(node, path)
        assert page.status_code == 200, (path, page.status_code)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def login(self, node: str, email: str, password: str = DEMO_PASSWORD) -> requests.Response:
        token = self.csrf(node, "/auth/login")
        data = {"email": email, "password": password, "csrf_token": token}
        return self.request(node, "POST", "/auth/login", data=data)


@dataclass
class Cluster:
    nodes: list[str]
    database_url: str
    redis_url: str
    queue: str
    app: Flask  # the test's own view of the database (and a third enqueuer)
    logs: Path
    started_at: datetime
    ready_at: datetime

    def logs_text(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in self.logs.glob("*.log"))


def own_redis_database(url: str) -> str:
    """The test Redis server, in another database than the one other tests flush between tests.

    Nothing is flushed here: the queue name and the client addresses are this run's own, so two
    runs sharing a server (or anything else on it) do not meet.
    """
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(number + 1) % 16}"))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not POSTGRES_URL:
        unavailable("KESHER_TEST_POSTGRES_URL is not set (run `make test` to start PostgreSQL)")
    if not REDIS_URL:
        unavailable("KESHER_TEST_REDIS_URL is not set (run `make test` to start Redis)")
    redis_url = own_redis_database(REDIS_URL)
    probe = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
    try:
        probe.ping()
    except redis.exceptions.RedisError as error:
        unavailable(f"Redis at {REDIS_URL} is unreachable: {error}")
    finally:
        probe.close()
    server = make_url(POSTGRES_URL)
    name = f"kesher_multinode_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = server.set(database=name).render_as_string(hide_password=False)
    logs = tmp_path_factory.mktemp("multinode")
    owned = Processes()
    queue = f"kesher-multinode-{uuid.uuid4().hex[:8]}"
    children: list[subprocess.Popen[Any]] = []
    app: Flask | None = None
    try:
        _migrate(database_url)
        from marketplace import create_app
        from marketplace.config import TESTING

        app = create_app(
            {**TESTING, "SQLALCHEMY_DATABASE_URI": database_url, "JOBS_EAGER": False,
             "REDIS_URL": redis_url, "JOBS_QUEUE": queue}
        )  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("KESHER_")}
        env.update(
            KESHER_ENV_NAME="production",
            KESHER_SECRET_KEY=secrets.token_urlsafe(48),  # the same on every machine
            KESHER_PUBLIC_BASE_URL=f"https://{HOST}",
            KESHER_DATABASE_URL=database_url,
            KESHER_REDIS_URL=redis_url,
            KESHER_JOBS_QUEUE=queue,
            KESHER_JOBS_IMPORTS=__name__,
            KESHER_PROXY_HOPS="1",
            KESHER_LOG_FORMAT="text",
            KESHER_LOG_LEVEL="WARNING",
            KESHER_WEB_WORKERS="2",
            KESHER_WEB_THREADS="2",
        )
        nodes = []
        started_at = utcnow()
        for n in (1, 2):
            port = free_port()
            with (logs / f"web{n}.log").open("ab") as log:  # the child keeps its own copy
                children.append(owned.start(
                    [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                     "marketplace:create_app()"],
                    cwd=ROOT, env={**env, "KESHER_BIND": f"127.0.0.1:{port}"},
                    stdout=log, stderr=subprocess.STDOUT,
                ))  # fmt: skip
            nodes.append(f"http://127.0.0.1:{port}")
        for n in (1, 2):
            with (logs / f"worker{n}.log").open("ab") as log:
                children.append(owned.start(
                    [sys.executable, "-m", "flask", "--app", "marketplace", "jobs", "work"],
                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                ))  # fmt: skip
        connection = redis.Redis.from_url(redis_url)
        rq_queue = Queue(queue, connection=connection)

        def ready(node: str) -> bool:
            try:
                return Browser("127.0.0.1").get(node, "/readyz").status_code == 200
            except requests.RequestException:
                return False

        def workers_up() -> bool:
            # An RQ worker registers after its first maintenance round (sweep and schedule tick).
            return len(Worker.all(queue=rq_queue)) == 2

        try:
            for node in nodes:
                wait_for(lambda node=node: ready(node), 30, f"{node}/readyz")
            wait_for(workers_up, 30, "two RQ workers")
        except AssertionError as error:
            states = [Browser("127.0.0.1").get(n, "/readyz").text for n in nodes]
            raise AssertionError(
                f"{error}: {states}, {Worker.all(queue=rq_queue)}\n"
                + "\n".join(p.read_text() for p in logs.glob("*.log"))
            ) from None
        connection.close()
        yield Cluster(nodes, database_url, redis_url, queue, app, logs, started_at, utcnow())
    finally:
        # All four shut down together (each finishes what it is doing), then each is reaped.
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGTERM)
        owned.stop_all()
        leftovers = redis.Redis.from_url(redis_url)
        for key in leftovers.scan_iter(match=f"*{queue}*"):
            leftovers.delete(key)  # the queue's own keys; rate-limit counts expire by themselves
        leftovers.srem("rq:queues", f"rq:queue:{queue}")  # workers' own keys expire in a minute
        leftovers.close()
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def people(cluster: Cluster) -> dict[str, str]:
    """A staff member and the owner the imported rows name."""
    from marketplace.auth import services
    from marketplace.auth.models import Role

    emails = {"staff": "staff@example.com", "owner": "owner@example.com"}
    with cluster.app.app_context():
        for role, email in emails.items():
            services.create_user(
                db.session, email=email, password=DEMO_PASSWORD, display_name=role.title(),
                role=Role(role),
            )  # fmt: skip
        db.session.commit()
    return emails


def client_address() -> str:
    """A client address no other test run uses, so its rate-limit counts are its own."""
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


def scalar(app: Flask, query: Any) -> Any:
    with app.app_context():
        try:
            return db.session.scalar(query)
        finally:
            db.session.remove()


def import_through(browser: Browser, node: str, key: str, name: str) -> int:
    """Upload a one-community CSV on `node`, confirm it there; the import is a job."""
    row = (f"{key},owner@example.com,{name},{name},local,he,tel_aviv,תל אביב,instagram,"
           f"https://www.instagram.com/{key},5200,one_to_many,ILS,800,,2026-10-01,"
           "self_reported,,")  # fmt: skip
    token = browser.csrf(node, "/catalog/import")
    upload = browser.request(
        node, "POST", "/catalog/import", data={"csrf_token": token},
        files={"file": (f"{key}.csv", f"{HEADER}\n{row}\n".encode(), "text/csv")},
    )  # fmt: skip
    assert upload.status_code == 302, upload.text[-2000:]
    preview = browser.get(node, upload.headers["Location"].removeprefix(f"https://{HOST}"))
    action = re.search(r'action="(/catalog/import/\d+/apply)"', preview.text)
    assert action, preview.text[-2000:]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', preview.text)
    assert token
    applied = browser.request(node, "POST", action.group(1), data={"csrf_token": token.group(1)})
    assert applied.status_code == 302, applied.text[-2000:]
    return int(applied.headers["Location"].rsplit("/", 1)[1])


def test_jobs_from_both_nodes_and_the_test_run_once_each_on_two_workers(
    cluster: Cluster, people: dict[str, str]
) -> None:
    a, b = cluster.nodes
    staff = Browser(client_address())
    assert staff.login(a, people["staff"]).status_code == 302
    # Imports confirmed through either node: each a job that a worker runs.
    import_ids = [
        import_through(staff, node, f"mn-{i}", f"Multinode {i}")
        for i, node in enumerate([a, b, a, b])
    ]
    # And a burst of jobs whose every run leaves a row, each also pushed to RQ a second time
    # (two sweeps racing): the claim in the database lets only one run happen.
    with cluster.app.app_context():
        ids = [
            job_services.enqueue(db.session, "test.multinode_count", {"tag": f"count-{i}"}).id
            for i in range(40)
        ]
        db.session.commit()
        from marketplace.jobs.backends import backend

        backend(cluster.app).push([(i, 0) for i in ids])
    everything = [*import_ids, *ids]

    def finished() -> bool:
        done = scalar(
            cluster.app,
            select(func.count())
            .select_from(Job)
            .where(Job.id.in_(everything), Job.status == JobStatus.SUCCEEDED),
        )
        return done == len(everything)

    try:
        wait_for(finished, 60, "every job to succeed")
    except AssertionError:
        raise AssertionError(cluster.logs_text()) from None
    with cluster.app.app_context():
        jobs = db.session.scalars(select(Job).where(Job.id.in_(everything))).all()
        assert {j.attempts for j in jobs} == {1}
        assert all(not (j.result or {}).get("already_applied") for j in jobs)
        rows = db.session.execute(
            select(OutboundEmail.subject, OutboundEmail.body).where(
                OutboundEmail.to_address == "count@example.com"
            )
        ).all()
        db.session.remove()
    assert sorted(subject for subject, _ in rows) == sorted(f"count-{i}" for i in range(40))
    # Both workers took part (each row names the process that ran it).
    assert len({body for _, body in rows}) == 2
    # Four imports, four new communities.
    from marketplace.catalog.models import Community

    assert scalar(cluster.app, select(func.count()).select_from(Community)) == 4


def test_a_schedule_slot_fires_once_although_both_workers_tick(cluster: Cluster) -> None:
    # Both workers ticked the schedule when they started (before registering with RQ, which
    # the fixture waited for). A slot is one job whichever worker got there first.
    with cluster.app.app_context():
        keys = db.session.scalars(select(Job.idempotency_key)).all()
        db.session.remove()
    for entry in default_schedule().entries:
        if entry.requires and not cluster.app.config.get(entry.requires):
            continue
        slots = {entry.slot(cluster.started_at), entry.slot(cluster.ready_at)}
        mine = [k for k in keys if k and k.startswith(f"{entry.name}@")]
        assert sorted(mine) == sorted(entry.key(s) for s in slots), entry.name


def test_a_catalog_change_through_one_node_shows_in_a_search_on_the_other(
    cluster: Cluster, people: dict[str, str]
) -> None:
    a, b = cluster.nodes
    staff = Browser(client_address())
    assert staff.login(b, people["staff"]).status_code == 302
    name = f"Fresh{secrets.token_hex(4)}"
    found = re.compile(rf'<a href="/catalog/(\d+)">{name}</a>')  # a result, not the echoed query
    # Every worker process of node B has now rendered (and cached) a search without it.
    for _ in range(4):
        before = staff.get(b, f"/catalog/?q={name}")
        assert before.status_code == 200
        assert not found.search(before.text)
    job_id = import_through(staff, a, name.lower(), name)

    def done() -> bool:
        status = scalar(cluster.app, select(Job.status).where(Job.id == job_id))
        return bool(status is JobStatus.SUCCEEDED)

    wait_for(done, 30, "the import job")
    for _ in range(4):
        after = staff.get(b, f"/catalog/?q={name}")
        assert after.status_code == 200
        assert found.search(after.text), after.text[-3000:]


def test_a_login_on_one_node_is_a_login_on_the_other_and_a_logout_ends_it_everywhere(
    cluster: Cluster, people: dict[str, str]
) -> None:
    a, b = cluster.nodes
    staff = Browser(client_address())
    assert staff.get(b, "/jobs").status_code == 302  # not signed in: to the login page
    assert staff.login(a, people["staff"]).status_code == 302
    kept = dict(staff.cookies)
    assert staff.get(b, "/jobs").status_code == 200
    assert staff.get(a, "/jobs").status_code == 200
    # A form token from node A is good on node B: the logout form posts to B.
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', staff.get(a, "/jobs").text)
    assert token
    assert (
        staff.request(b, "POST", "/auth/logout", data={"csrf_token": token.group(1)}).status_code
        == 302
    )
    # The old cookie (say, a copy someone kept) no longer signs anyone in on node A.
    replay = Browser(staff.address, cookies=kept)
    assert replay.get(a, "/jobs").status_code == 302


def test_the_login_rate_limit_counts_both_nodes_together(
    cluster: Cluster, people: dict[str, str]
) -> None:
    a, b = cluster.nodes
    guesser = Browser(client_address())
    limit = int(str(cluster.app.config["LOGIN_RATE_LIMIT"]).split()[0])  # "10 per minute"
    codes = []
    for attempt in range(limit + 1):
        node = (a, b)[attempt % 2]
        codes.append(guesser.login(node, people["staff"], password="wrong-guess").status_code)
    # Each node saw about half the attempts; only a shared count reaches the limit.
    assert codes == [401] * limit + [429]
    # The other node refuses as well, and another client is unaffected.
    other = (a, b)[(limit + 1) % 2]
    assert guesser.login(other, people["staff"], password="wrong").status_code == 429
    assert Browser(client_address()).login(a, people["staff"]).status_code == 302
