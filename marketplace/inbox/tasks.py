"""The inbox's job kinds: the daily digest e-mail."""

from __future__ import annotations

from typing import Any

from marketplace.db import utcnow
from marketplace.inbox.services import send_daily_digests
from marketplace.jobs.registry import JobContext, job


@job("notifications.digest")
def send_notification_digests(ctx: JobContext) -> dict[str, Any]:
    """Queue the day's digest e-mails in the job's success transaction; idempotent by each
    user's claimed day (a second run the same day queues nothing for them)."""
    return {"digests": send_daily_digests(ctx.session, utcnow())}
