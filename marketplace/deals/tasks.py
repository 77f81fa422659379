"""The deal desk's background jobs: recording offers whose expiry has passed."""

from __future__ import annotations

from typing import Any

from marketplace.db import utcnow
from marketplace.jobs.registry import JobContext, job


@job("deals.expire_offers")
def expire_offers(ctx: JobContext) -> dict[str, Any]:
    """Expire every open offer past its deadline (the run commits; a retry finds the rest)."""
    from marketplace.deals.services import expire_due_offers

    return {"expired": expire_due_offers(ctx.session, utcnow())}
