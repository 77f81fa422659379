"""Payment jobs: the payout run and the reconciliation with Stripe, on the job queue.

The payout run commits as it goes (the jobs registry allows it for idempotent work): each
payout's attempt and idempotency key are committed before the transfer call, and its answer
right after, so a run killed at any point leaves rows the next run finishes without paying twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from marketplace.db import utcnow
from marketplace.jobs.registry import JobContext, job
from marketplace.payments import services
from pricing.payouts import PayoutStatus


def run_payouts(session: Session, now: dt.datetime | None = None) -> dict[str, int]:
    """One payout run: follow delivery, release what is due, then claim → commit → send →
    commit, per payout."""
    now = now or utcnow()
    counts = {"verified": 0, "released": 0, "paid": 0, "parked": 0, "unknown": 0, "skipped": 0}
    try:
        # Delivery's events move payouts at once; this catches up with any they missed.
        counts["verified"] = services.sync_payouts_with_delivery(session, now)
        session.commit()
    except services.MoneyConflict:
        session.rollback()  # someone moved one at the same moment: the next run looks again
    if not services.gateway().enabled:
        return counts  # bank transfer only: finance's payment batch pays them
    try:
        counts["released"] = services.release_due(session, now)
        session.commit()
    except StaleDataError:
        session.rollback()  # another run released them at the same moment

    for payout_id in services.due_payout_ids(session, now):
        try:
            payout = services.claim_payout(session, payout_id, now)
            session.commit()
        except services.MoneyConflict:
            session.rollback()  # another run took it first
            counts["skipped"] += 1
            continue
        if payout is None:
            counts[
                "parked" if _status(session, payout_id) is PayoutStatus.PARKED else "skipped"
            ] += 1
            continue
        try:
            status = services.send_payout(session, payout)
            session.commit()
        except StaleDataError:
            # Stripe's webhook recorded the same transfer first: nothing left to record.
            session.rollback()
            counts["skipped"] += 1
            continue
        key = {PayoutStatus.PAID: "paid", PayoutStatus.UNKNOWN: "unknown"}.get(status, "parked")
        counts[key] += 1
    return counts


def _status(session: Session, payout_id: int) -> PayoutStatus | None:
    payout = session.get(services.Payout, payout_id)
    return None if payout is None else payout.status


@job("payments.run_payouts", max_attempts=5, title="Payout run")
def payout_run(ctx: JobContext) -> dict[str, Any]:
    """Send every due payout to Stripe (scheduled, and after each release)."""
    return run_payouts(ctx.session)


@job("payments.reconcile", max_attempts=3, title="Reconciliation with Stripe")
def reconcile(ctx: JobContext) -> dict[str, Any]:
    """Compare our payouts and charges with Stripe's balance; differences become items."""
    if not services.gateway().enabled:
        return {"items": 0}
    return {"items": len(services.reconcile(ctx.session))}


@job("payments.send_refund", max_attempts=5, title="Card refund")
def send_refund(ctx: JobContext) -> dict[str, Any]:
    """Make a recorded card refund at Stripe (a credit note's refund), with its own key."""
    refund = ctx.session.get(services.CardRefund, int(ctx.params["refund_id"]))
    if refund is None:
        return {"status": "missing"}
    services.send_refund(ctx.session, refund)
    ctx.session.commit()
    return {"status": refund.status.value}
