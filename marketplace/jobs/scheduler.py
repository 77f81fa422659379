"""The worker's own cron: each entry enqueues a job once per slot, whichever worker ticks first.

Why not rq-scheduler or RQ 3's `rq cron`: both live in Redis and need a Redis-only process,
while Kesher must also schedule with no Redis at all (the embedded backend); and they dedupe
in Redis, where a job record would not show who ran what. Here a slot becomes a job with the
idempotency key ``"<entry>@<slot time>"``, so two workers ticking the same slot insert one job,
the slot's run is visible on the jobs page, and a fake clock is just a datetime argument.

A worker that was down through a slot runs the latest missed slot once when it starts (and
skips older ones). Entries are UTC cron expressions (croniter, which RQ already depends on).

Adding work to the schedule is one line in :func:`default_schedule`::

    schedule.add("offers.expire", "*/10 * * * *", "offers.expire")
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from croniter import croniter
from flask import current_app

from marketplace.db import SessionLike
from marketplace.jobs.models import Job
from marketplace.jobs.registry import spec_for
from marketplace.jobs.services import enqueue


@dataclass(frozen=True)
class Entry:
    """One line of the schedule."""

    name: str
    #: A cron expression in UTC, e.g. "30 0 * * *" (00:30 UTC, 02:30/03:30 in Israel).
    cron: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    #: A config key that must be set for the entry to run (e.g. SMTP_HOST for the outbox).
    requires: str | None = None

    def slot(self, now: datetime) -> datetime:
        """The latest slot at or before `now`."""
        start = now.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
        return croniter(self.cron, start).get_prev(datetime).astimezone(UTC)

    def key(self, slot: datetime) -> str:
        return f"{self.name}@{slot.astimezone(UTC):%Y-%m-%dT%H:%MZ}"


class Scheduler:
    """A list of entries and, per process, the last slot each one enqueued."""

    def __init__(self, entries: list[Entry] | None = None) -> None:
        self.entries: list[Entry] = []
        self._done: dict[str, datetime] = {}
        for entry in entries or []:
            self._add(entry)

    def add(
        self,
        name: str,
        cron: str,
        kind: str,
        params: dict[str, Any] | None = None,
        *,
        requires: str | None = None,
    ) -> Scheduler:
        """Add an entry (returns the scheduler, so entries chain)."""
        return self._add(Entry(name, cron, kind, dict(params or {}), requires))

    def _add(self, entry: Entry) -> Scheduler:
        croniter(entry.cron)  # a typo fails at start-up, not at 3 a.m.
        spec_for(entry.kind)
        if any(e.name == entry.name for e in self.entries):
            raise ValueError(f"schedule entry {entry.name!r} is listed twice")
        self.entries.append(entry)
        return self

    def due(self, now: datetime, config: Any = None) -> list[tuple[Entry, datetime]]:
        """The entries whose current slot this process has not enqueued yet, with that slot."""
        due = []
        for entry in self.entries:
            if entry.requires and config is not None and not config.get(entry.requires):
                continue
            slot = entry.slot(now)
            if self._done.get(entry.name) != slot:
                due.append((entry, slot))
        return due

    def tick(self, session: SessionLike, now: datetime) -> Iterator[Job]:
        """Enqueue every due slot (one job per slot across all workers) and commit."""
        created = []
        due = self.due(now, current_app.config)
        for entry, slot in due:
            created.append(enqueue(session, entry.kind, entry.params, key=entry.key(slot)))
        session.commit()
        for entry, slot in due:
            self._done[entry.name] = slot
        return iter(created)


def default_schedule() -> Scheduler:
    """Kesher's schedule. Payout release windows and reminders attach here (one line each)
    when the money features land."""
    return (
        Scheduler()
        .add("pricing.recompute.nightly", "30 0 * * *", "pricing.recompute", {"all": False})
        .add("health.purge", "*/15 * * * *", "health.purge")
        .add("outbox.send", "*/2 * * * *", "outbox.send", requires="SMTP_HOST")
        .add("jobs.recover", "*/5 * * * *", "jobs.recover")
        .add("jobs.prune", "15 3 * * *", "jobs.prune")
        # 04:00 UTC: 06:00 or 07:00 in Israel, before the working day.
        .add("notifications.digest", "0 4 * * *", "notifications.digest")
        # Offers also read as expired the moment their deadline passes; this records it.
        .add("deals.expire_offers", "*/10 * * * *", "deals.expire_offers")
        # Hourly: posts open and go missed by the day; alerts go out once per post.
        .add("delivery.monitor", "5 * * * *", "delivery.monitor")
        # Releases payouts whose review window passed, sends due ones, finishes crashed ones.
        .add("payments.run_payouts", "*/15 * * * *", "payments.run_payouts")
        .add("payments.reconcile", "45 2 * * *", "payments.reconcile")
    )
