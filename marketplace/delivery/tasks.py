"""Delivery's background job: the monitor that opens and misses posts and sends the alerts."""

from __future__ import annotations

from typing import Any

from marketplace.db import utcnow
from marketplace.delivery.services import monitor
from marketplace.jobs.registry import JobContext, job


@job("delivery.monitor")
def monitor_posts(ctx: JobContext) -> dict[str, Any]:
    """Move posts by the calendar and alert once for late and missed posts (the run commits
    with its alerts; a second run the same day finds nothing new)."""
    return monitor(ctx.session, utcnow()).as_dict()
