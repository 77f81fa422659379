"""Twenty deliveries of one event at the same moment, on PostgreSQL: one effect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.finance.models import JournalEntry
from tests.http.test_payments_webhook import (
    event,
    events_written,
    hook_config,
    intent,
    post,
    setup_money,
)
from tests.races import together
from tests.stripe_fake import FakeStripe

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def test_twenty_concurrent_deliveries_of_one_event_have_one_effect(
    app_factory: Callable[..., Flask], fake_stripe: FakeStripe, make_user: Any
) -> None:
    app = app_factory(**hook_config(fake_stripe))
    ids = setup_money(app, make_user)
    body = event("payment_intent.succeeded", intent("succeeded", ids["amount"]), 100)
    answers: list[tuple[int, str]] = []

    def deliver() -> None:
        response = post(app.test_client(), body)
        answers.append((response.status_code, (response.json or {}).get("outcome", "")))

    assert together(*[deliver] * 20, app=app, timeout=120) == [None] * 20
    assert [code for code, _ in answers] == [200] * 20
    assert sorted(outcome for _, outcome in answers) == ["applied"] + ["duplicate"] * 19
    assert events_written(app) == 1
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(JournalEntry)
                .where(JournalEntry.kind == "card_payment_captured")
            )
            == 1
        )
