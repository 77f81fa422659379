"""The demo data shows money paid, pending with its reasons, disputed and credited."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.finance import services as finance
from marketplace.finance.models import (
    BatchStatus,
    DocumentKind,
    FinanceDocument,
    JournalEntry,
    PaymentBatch,
)


def test_seed_demo_leaves_paid_pending_and_disputed_money_once(app: Flask, runner: Any) -> None:
    for _ in range(2):
        result = runner.invoke(args=["seed-demo", "--communities", "80"])
        assert result.exit_code == 0, result.output
    with app.test_request_context():
        s = db.session
        kinds = {k for (k,) in s.execute(select(FinanceDocument.kind))}
        assert kinds == {DocumentKind.TAX_INVOICE, DocumentKind.RECEIPT, DocumentKind.CREDIT_NOTE}
        assert s.scalar(select(func.count()).select_from(PaymentBatch)) == 1
        assert s.scalar(select(PaymentBatch.status)) is BatchStatus.PAID
        amounts = finance.owner_amounts(s, include_paid=True)
        reasons = {a.reason for a in amounts}
        assert finance.Pending.HELD in reasons
        assert finance.Pending.NOT_RUN in reasons or finance.Pending.BRAND_UNPAID in reasons
        assert any(a.paid_minor > 0 and a.amount_minor == 0 for a in amounts)
        invoices = s.scalars(select(FinanceDocument).where(
            FinanceDocument.kind == DocumentKind.TAX_INVOICE)).all()  # fmt: skip
        assert {i.buyer["name"] for i in invoices} <= {"שורשים מזון בריא בע״מ",
                                                      "CloudNest Analytics Inc."}  # fmt: skip
        assert s.scalar(select(func.count(JournalEntry.id))) > len(invoices)
