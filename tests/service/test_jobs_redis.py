"""Jobs on RQ with a real redis-server, and what happens while Redis is down."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from rq import Queue
from sqlalchemy import func, select

from marketplace.catalog.models import Community
from marketplace.extensions import db
from marketplace.jobs import services
from marketplace.jobs.backends import RQBackend, backend
from marketplace.jobs.models import Job, JobStatus
from marketplace.jobs.worker import sweep
from marketplace.outbox import OutboundEmail
from tests.conftest import unavailable
from tests.processes import Processes, seconds
from tests.service.test_jobs_crash import ROOT, start_worker

CORPUS = ROOT / "tests" / "data" / "catalog_import"
REDIS_SH = ROOT / "scripts" / "redis.sh"


def redis_sh(action: str, directory: Path) -> str:
    done = subprocess.run(  # noqa: S603 - our own script
        [str(REDIS_SH), action, str(directory)],
        capture_output=True, text=True, check=True, timeout=seconds(30),
    )  # fmt: skip
    return done.stdout.strip()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A redis-server of this test's own, so the test can stop and start it."""
    if shutil.which("redis-server") is None and not Path("/usr/bin/redis-server").exists():
        unavailable("redis-server is not installed (sudo apt-get install -y redis-server)")
    directory = tmp_path / "redis"
    url = redis_sh("start", directory)
    try:
        yield url, directory
    finally:
        redis_sh("stop", directory)


def status(app: Flask, job_id: int) -> Job:
    with app.app_context():
        row = db.session.get_one(Job, job_id)
        db.session.expunge(row)
        return row


def burst(processes: Processes, database_url: str, redis_url: str, tmp_path: Path) -> None:
    """Run a burst worker until the queue is empty; on any failure it is stopped and reaped."""
    with (tmp_path / "worker.log").open("ab") as log:
        worker = start_worker(processes, database_url, redis_url, log, "--burst")
        code = worker.wait(seconds(60))
    assert code == 0, (tmp_path / "worker.log").read_text()


def test_jobs_enqueued_by_the_app_run_on_an_rq_worker_once_each(
    app_factory: Any, database_url: str, redis_url: str, tmp_path: Path, processes: Processes
) -> None:
    app = app_factory(JOBS_EAGER=False, REDIS_URL=redis_url)
    queue = backend(app)
    assert isinstance(queue, RQBackend)
    with app.app_context():
        ids = [services.enqueue(db.session, "jobs.noop").id for _ in range(5)]
        db.session.commit()  # one pipeline to Redis after the commit
    rq_queue = Queue(app.config["JOBS_QUEUE"], connection=redis.Redis.from_url(redis_url))
    assert rq_queue.count == 5
    # A job sent twice (two sweeps racing) still runs once: the claim is conditional.
    queue.push([(ids[0], 0)])
    burst(processes, database_url, redis_url, tmp_path)
    jobs = [status(app, i) for i in ids]
    assert {j.status for j in jobs} == {JobStatus.SUCCEEDED}
    assert [j.attempts for j in jobs] == [1] * 5
    assert rq_queue.count == 0


def test_with_redis_down_the_web_serves_and_says_jobs_are_delayed_until_redis_is_back(
    app_factory: Any,
    database_url: str,
    own_redis: tuple[str, Path],
    make_user: Any,
    auth: Any,
    tmp_path: Path,
    processes: Processes,
) -> None:
    url, directory = own_redis
    app = app_factory(JOBS_EAGER=False, REDIS_URL=url)
    client = app.test_client()
    make_user("owner", email="owner@example.com")
    staff = make_user("staff")
    client.post("/auth/login", data={"email": staff.email, "password": "correct-horse-battery"})
    upload = client.post(
        "/catalog/import",
        data={"file": (io.BytesIO((CORPUS / "valid_hebrew_headers.xlsx").read_bytes()), "c.xlsx")},
        content_type="multipart/form-data",
    )
    preview_url = upload.headers["Location"]
    preview = client.get(preview_url).get_data(as_text=True)
    apply_url = re.search(r'action="(/catalog/import/\d+/apply)"', preview)
    assert apply_url

    redis_sh("down", directory)
    started = time.monotonic()
    response = client.post(apply_url.group(1))
    assert time.monotonic() - started < 3  # a refused connection costs nothing
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    job = status(app, job_id)
    assert (job.status, job.dispatched_at) == (JobStatus.QUEUED, None)
    delayed = "data-job-delayed"  # the notice, in whichever language the page speaks
    assert delayed in client.get(f"/jobs/{job_id}").text
    assert delayed in client.get("/jobs").text
    assert delayed in client.get(preview_url).text  # the page that started it
    assert client.get(f"/jobs/{job_id}.json").json["delayed"] is True
    assert client.get("/catalog/").status_code == 200  # the web keeps serving
    assert client.get("/healthz").status_code == 200
    # A worker's sweep while Redis is still down leaves the job waiting, without failing.
    assert sweep(app).dispatched == []

    redis_sh("up", directory)
    assert sweep(app).dispatched == [job_id]  # the sweep hands it over once Redis is back
    assert client.get(f"/jobs/{job_id}.json").json["delayed"] is False
    burst(processes, database_url, url, tmp_path)
    job = status(app, job_id)
    assert job.status is JobStatus.SUCCEEDED, job.error
    assert job.result == {"communities": 2, "assets": 3}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Community)) == 2
        assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 0
    page = client.get(f"/jobs/{job_id}").text
    assert delayed not in page
    assert 'href="/catalog/"' in page  # the result link
