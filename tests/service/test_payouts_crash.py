"""The payout job killed with SIGKILL between "row written" and "transfer confirmed", restarted:
exactly one transfer at the Stripe peer.

The worker is a real `flask --app marketplace jobs work` process configured like production
(`KESHER_STRIPE_*`), pointed at the fake Connect peer. The test stops it at each point:

- ``dropped``: the attempt and its idempotency key are committed, the transfer request is on
  the wire and never processed (as if lost);
- ``stalled``: Stripe made the transfer, its answer has not come back;
- ``commit_blocked``: the answer came back, the commit that records it has not happened.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, make_url, text

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.jobs import services as jobs
from marketplace.jobs.worker import sweep
from marketplace.payments.models import Payout
from pricing.payouts import PayoutStatus
from tests.processes import Processes, seconds
from tests.service.test_payouts import agreed_payout, onboard, payout_row
from tests.stripe_fake import FakeStripe
from tests.stripe_peers import stripe_config

ROOT = Path(__file__).resolve().parents[2]


def start_worker(
    processes: Processes, database_url: str, fake: FakeStripe, log: Any, *extra: str
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KESHER_")}
    env.update({f"KESHER_{k}": str(v) for k, v in stripe_config(fake).items()})
    env.update(
        KESHER_DATABASE_URL=database_url,
        KESHER_JOBS_POLL_INTERVAL="0.1",
        KESHER_LOG_FORMAT="text",
        # A restarted run may send a crashed attempt again at once (same key).
        KESHER_PAYOUT_SEND_LEASE="0",
    )
    command = [sys.executable, "-m", "flask", "--app", "marketplace", "jobs", "work"]
    return processes.start(
        [*command, "--no-scheduler", *extra], cwd=ROOT, env=env, stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@contextmanager
def payouts_locked(database_url: str, payout_id: int) -> Iterator[None]:
    """Hold a write lock the worker's next commit on the payout must wait for."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(make_url(database_url).database or "", timeout=30)
        connection.isolation_level = None
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = create_engine(database_url)
    with engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(
            text("SELECT id FROM payouts WHERE id = :id FOR UPDATE"), {"id": payout_id}
        )
        try:
            yield
        finally:
            transaction.rollback()
    engine.dispose()


@pytest.mark.parametrize("point", ["dropped", "stalled", "commit_blocked"])
def test_a_payout_run_killed_at_any_point_then_restarted_pays_exactly_once(
    app_factory: Callable[..., Flask],
    database_url: str,
    fake_stripe: FakeStripe,
    make_user: Any,
    processes: Processes,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    point: str,
) -> None:
    app = app_factory(**stripe_config(fake_stripe), JOBS_EAGER=False, JOBS_EMBEDDED_WORKER=False)
    ids = agreed_payout(app, make_user)
    onboard(app, fake_stripe, ids["owner"])
    with app.app_context():
        payout = db.session.get_one(Payout, ids["payout"])
        payout.status = PayoutStatus.READY  # verified, and the brand's window is over
        jobs.enqueue(db.session, "payments.run_payouts", dispatch=False)
        db.session.commit()
    log_path = tmp_path / "worker.log"
    log = log_path.open("ab")
    request.addfinalizer(log.close)

    held = fake_stripe.hold("drop" if point == "dropped" else "stall")
    worker = start_worker(processes, database_url, fake_stripe, log)
    if point == "dropped":
        wait_for(held.arrived.is_set, seconds(60), "the transfer request")
    else:
        wait_for(held.processed.is_set, seconds(60), "Stripe to make the transfer")
    # The attempt and its key were committed before the call.
    row = payout_row(app, ids["payout"])
    assert (row.status, row.attempt) == (PayoutStatus.SENDING, 1)
    assert row.idempotency_key == f"kesher-payout-{row.id}-attempt-1"
    if point == "commit_blocked":
        with payouts_locked(database_url, ids["payout"]):
            fake_stripe.release()  # the answer goes back; its commit waits for our lock
            time.sleep(1.0)
            os.kill(worker.pid, signal.SIGKILL)
            assert worker.wait(seconds(10)) == -signal.SIGKILL
    else:
        os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait(seconds(10)) == -signal.SIGKILL
        fake_stripe.release()
    assert len(fake_stripe.transfers) == (0 if point == "dropped" else 1)
    assert payout_row(app, ids["payout"]).status is PayoutStatus.SENDING  # nothing recorded

    # Restart: the sweep re-queues the killed run (its heartbeat stopped), a worker runs it.
    sweep(app, now=utcnow() + dt.timedelta(seconds=3600))
    again = start_worker(processes, database_url, fake_stripe, log, "--burst")
    code = again.wait(seconds(60))
    log.flush()
    assert code == 0, log_path.read_text()
    assert len(fake_stripe.transfers) == 1, log_path.read_text()
    [transfer] = fake_stripe.transfers.values()
    done = payout_row(app, ids["payout"])
    assert (done.status, done.transfer_id, done.attempt) == (
        PayoutStatus.PAID, transfer["id"], 1,
    )  # fmt: skip
