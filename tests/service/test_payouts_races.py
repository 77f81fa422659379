"""Two payout runs at once, on PostgreSQL (SQLite serialises writers and would hide the race)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from marketplace.payments.tasks import run_payouts
from tests.races import race
from tests.service.test_payouts import agreed_payout, later, onboard, verify_and_release
from tests.stripe_fake import FakeStripe

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def test_two_concurrent_payout_runs_make_one_transfer(
    stripe_app: Flask, make_user: Any, fake_stripe: FakeStripe
) -> None:
    ids = [agreed_payout(stripe_app, make_user) for _ in range(3)]
    for each in ids:
        onboard(stripe_app, fake_stripe, each["owner"])
        verify_and_release(stripe_app, each)

    def run(session: Session) -> None:
        run_payouts(session, later())

    assert race(stripe_app, run, run, timeout=120) == [None, None]
    assert len(fake_stripe.transfers) == 3
    assert sorted(t["metadata"]["kesher_payout"] for t in fake_stripe.transfers.values()) == sorted(
        str(each["payout"]) for each in ids
    )
