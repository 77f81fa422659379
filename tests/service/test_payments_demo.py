"""The demo data shows owners' money paid, pending with its reason, and disputed, once."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.payments.models import Payout
from pricing.payouts import PayoutStatus


def test_seed_demo_leaves_money_paid_pending_and_disputed(app: Flask, runner: Any) -> None:
    for _ in range(2):  # as `make run` seeds it
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        payouts = list(db.session.scalars(select(Payout).order_by(Payout.id)))
        states = {(p.status, p.reason) for p in payouts}
        # Paid through Stripe, and pending in the brand's window; the finance desk's demo adds
        # a payout paid by bank and one held over a dispute, which Stripe leaves alone.
        assert {
            (PayoutStatus.PAID, "paid"),
            (PayoutStatus.REVIEW_WINDOW, "review_window"),
        } <= states
        assert {(PayoutStatus.PARKED, "paid_by_bank"), (PayoutStatus.PARKED, "held")} <= states
        assert all(p.paid_at is not None for p in payouts if p.status is PayoutStatus.PAID)
        # What the finance desk paid by bank is never sent through Stripe as well.
        bank_paid = [p for p in payouts if p.reason == "paid_by_bank"]
        assert all(p.transfer_id is None for p in bank_paid)
