"""The health feature's job kinds: deleting uploads left unconfirmed."""

from __future__ import annotations

from typing import Any

from marketplace.health.services import purge_expired
from marketplace.jobs import JobContext, job


@job("health.purge")
def purge_health_uploads(ctx: JobContext) -> dict[str, Any]:
    """Delete anonymised rows of uploads left unconfirmed past their hour (one transaction)."""
    return {"removed": purge_expired(ctx.session)}
