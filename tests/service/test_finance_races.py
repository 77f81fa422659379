"""Two finance users at once, on PostgreSQL: a batch is paid once, a payable is paid once (M4)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.auth.models import User
from marketplace.deals.models import Deal
from marketplace.extensions import db
from marketplace.finance import ledger
from marketplace.finance import services as finance
from marketplace.finance.models import JournalEntry
from pricing import ledger as rules
from pricing.ledger import Account, EntryKind, Parties
from tests.factories import make_invoice, verify_deal_posts
from tests.races import race, row_lock

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def paid_invoice(app: Flask, make_user: Any) -> dict[str, Any]:
    ids = {r: make_user(r).id for r in ("brand", "owner", "staff", "finance")}
    with app.test_request_context():
        s = db.session
        people = {r: s.get(User, i) for r, i in ids.items()}
        invoice = make_invoice(s, brand=people["brand"], staff=people["staff"],
                               owner=people["owner"])  # fmt: skip
        finance.record_bank_payment(s, invoice.id, amount_minor=invoice.gross_minor,
                                    currency=invoice.currency, reference="R",
                                    actor=people["finance"])  # fmt: skip
        # A batch pays verified work only.
        verify_deal_posts(s, invoice.deal_id, owner=people["owner"], staff=people["staff"])
        s.commit()
        return {"invoice_id": invoice.id, "deal_id": invoice.deal_id, "finance": ids["finance"],
                "currency": invoice.currency, "owner": invoice.owner_minor}  # fmt: skip


def payouts(app: Flask) -> int:
    with app.app_context():
        return (
            db.session.scalar(
                select(func.count(JournalEntry.id)).where(
                    JournalEntry.kind == EntryKind.BANK_PAYOUT_TO_OWNER
                )
            )
            or 0
        )


def test_two_finance_users_making_a_batch_at_once_put_each_owner_in_one(
    app: Flask, paid_invoice: dict[str, Any]
) -> None:
    """Both read the owner's amount as ready and made a batch of it: two bank files paying
    the same owner, the ledger refusing the second only once the bank had paid it."""
    from marketplace.finance.models import PaymentBatchItem

    later = dt.date.today() + dt.timedelta(days=400)

    def batch(session: Session) -> None:
        finance.create_batch(session, paid_invoice["currency"], today=later,
                             actor=session.get_one(User, paid_invoice["finance"]))  # fmt: skip

    outcomes = race(app, batch, batch, hold=row_lock("deals", id=paid_invoice["deal_id"]))
    assert sorted(type(o).__name__ for o in outcomes) == ["NoneType", "PaymentRefused"]
    with app.app_context():
        items = db.session.scalars(select(PaymentBatchItem.deal_id)).all()
        assert items == [paid_invoice["deal_id"]]


def test_two_bank_payments_or_credits_at_once_never_exceed_the_invoice(
    app: Flask, make_user: Any
) -> None:
    """Each read what the invoice still owed (or could still be credited) before the other
    committed: two transfers of the whole amount, under two references, were both receipted,
    and two credit notes of the whole invoice both issued."""
    from marketplace.finance.models import DocumentKind, FinanceDocument

    ids = {r: make_user(r).id for r in ("brand", "owner", "staff", "finance")}
    with app.test_request_context():
        people = {r: db.session.get_one(User, i) for r, i in ids.items()}
        invoice = make_invoice(db.session, brand=people["brand"], staff=people["staff"],
                               owner=people["owner"])  # fmt: skip
        db.session.commit()
        invoice_id, gross, currency = invoice.id, invoice.gross_minor, invoice.currency

    def pay(reference: str) -> Any:
        def action(session: Session) -> None:
            finance.record_bank_payment(session, invoice_id, amount_minor=gross,
                                        currency=currency, reference=reference,
                                        actor=session.get_one(User, ids["finance"]))  # fmt: skip

        return action

    def credit(session: Session) -> None:
        finance.issue_credit_note(session, invoice_id, gross_minor=gross, currency=currency,
                                  reason="cancelled", refund=False,
                                  actor=session.get_one(User, ids["finance"]))  # fmt: skip

    for actions, kind in (((pay("R1"), pay("R2")), DocumentKind.RECEIPT),
                          ((credit, credit), DocumentKind.CREDIT_NOTE)):  # fmt: skip
        outcomes = race(app, *actions, hold=row_lock("finance_documents", id=invoice_id))
        assert sorted(type(o).__name__ for o in outcomes) == ["NoneType", "PaymentRefused"]
        with app.app_context():
            issued = db.session.scalars(
                select(FinanceDocument.gross_minor).where(
                    FinanceDocument.related_id == invoice_id, FinanceDocument.kind == kind
                )
            ).all()
            assert issued == [gross]


def test_a_hold_and_a_batch_at_once_never_pay_a_held_amount(
    app: Flask, paid_invoice: dict[str, Any]
) -> None:
    """A hold landing between the batch's read of the amounts and its commit would let the
    bank pay an amount finance had just held. The batch locks its deals' rows and reads the
    amounts again; the hold's row references the deal, and PostgreSQL takes a key-share lock
    on the deal for that reference, which waits for the batch's lock (the race's held lock on
    the deal makes both wait: without that the race fails). So the hold comes first and the
    batch finds nothing ready, or the batch comes first and the hold is on a batched amount."""
    from marketplace.finance.models import PaymentBatchItem, PayoutHold
    from tests.races import row_lock

    later = dt.date.today() + dt.timedelta(days=400)
    deal_id = paid_invoice["deal_id"]

    def batch(session: Session) -> None:
        finance.create_batch(session, paid_invoice["currency"], today=later,
                             actor=session.get_one(User, paid_invoice["finance"]))  # fmt: skip

    def hold(session: Session) -> None:
        finance.hold_payout(session, deal_id, "the post came down after a day",
                            actor=session.get_one(User, paid_invoice["finance"]))  # fmt: skip

    outcomes = race(app, hold, batch, hold=row_lock("deals", id=deal_id))
    assert outcomes[0] is None  # the hold is always recorded
    with app.app_context():
        items = db.session.scalars(select(PaymentBatchItem.deal_id)).all()
        holds = db.session.scalars(select(PayoutHold.deal_id)).all()
    assert holds == [deal_id]
    if outcomes[1] is None:  # the batch went first and took the amount
        assert items == [deal_id]
    else:  # the hold went first: nothing was ready
        assert type(outcomes[1]).__name__ == "PaymentRefused"
        assert items == []


def test_two_finance_users_marking_one_batch_paid_pay_once(
    app: Flask, paid_invoice: dict[str, Any]
) -> None:
    with app.test_request_context():
        actor = db.session.get(User, paid_invoice["finance"])
        later = dt.date.today() + dt.timedelta(days=400)
        batch_id = finance.create_batch(db.session, paid_invoice["currency"], actor=actor,
                                        today=later).id  # fmt: skip
        db.session.commit()

    def mark(session: Session) -> None:
        finance.mark_batch_paid(session, batch_id, reference="B",
                                actor=session.get(User, paid_invoice["finance"]))  # fmt: skip

    outcomes = race(app, mark, mark)
    assert sorted(type(o).__name__ for o in outcomes) == ["NoneType", "PaymentRefused"]
    assert payouts(app) == 1


def test_two_payouts_of_the_whole_payable_at_once_leave_it_at_zero(
    app: Flask, paid_invoice: dict[str, Any]
) -> None:
    with app.app_context():
        deal = db.session.get(Deal, paid_invoice["deal_id"])
        who = Parties(deal.organisation_id, deal.owner_id, deal.brief_id, deal.id)
    amount, cur = paid_invoice["owner"], paid_invoice["currency"]

    def pay(session: Session) -> None:
        payable = ledger.balance(session, Account.OWNER_PAYABLE, cur, deal_id=who.deal_id)
        posting = rules.bank_payout_to_owner(amount, cur, who, owner_payable_minor=payable)
        ledger.post(session, [posting])
        time.sleep(0.5)  # both have posted before either commits (unless one waits for the other)

    outcomes = race(app, pay, pay)
    assert sum(o is None for o in outcomes) == 1
    assert payouts(app) == 1
    with app.app_context():
        assert ledger.balance(db.session, Account.OWNER_PAYABLE, cur, deal_id=who.deal_id) == 0
