"""Demo money: billing details, then paid, pending (with their reasons) and disputed amounts.

The deal desk's demo agrees several deals, and each agreement issued its invoice (the
``deal.agreed`` handler). This walks those invoices to the states finance meets every day:
one brand paid and its owner was paid by a bank batch; one paid while the posts still run; one
not paid yet; one payout held over a dispute; one partly credited for a missed post.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from marketplace.auth.models import Organisation, User
from marketplace.db import SessionLike
from marketplace.finance import services
from marketplace.finance.models import BillingProfile, DocumentKind, FinanceDocument

#: Billing details of the demo brands, by organisation name.
PROFILES = {
    "שורשים מזון בריא": {"legal_name": "שורשים מזון בריא בע״מ", "vat_number": "514123456",
                         "address": "רחוב הנביאים 12, חיפה", "country": "IL"},
    "CloudNest Analytics": {"legal_name": "CloudNest Analytics Inc.", "vat_number": "US-84-1234567",
                            "address": "500 Market St, San Francisco, CA", "country": "US"},
}  # fmt: skip


def seed_billing_profiles(session: SessionLike) -> int:
    """Give the demo brands their billing details (once); returns how many were added."""
    added = 0
    for organisation in session.scalars(select(Organisation)):
        details = PROFILES.get(organisation.name)
        if details is None or session.get(BillingProfile, organisation.id) is not None:
            continue
        session.add(BillingProfile(organisation_id=organisation.id, **details))
        added += 1
    session.flush()
    return added


def seed_finance(session: SessionLike, *, today: dt.date | None = None) -> int:
    """Walk the demo's invoices to paid, pending and disputed (once); returns how many."""
    today = today or dt.date.today()
    actor = session.scalar(select(User).where(User.email == "finance@kesher.demo"))
    if actor is None:
        return 0
    already = session.scalar(
        select(FinanceDocument.id).where(FinanceDocument.kind == DocumentKind.RECEIPT)
    )
    if already is not None:
        return 0
    invoices = list(
        session.scalars(
            select(FinanceDocument)
            .where(FinanceDocument.kind == DocumentKind.TAX_INVOICE)
            .order_by(FinanceDocument.id)
        )
    )
    if len(invoices) < 2:
        return 0

    def pay(invoice: FinanceDocument, reference: str) -> None:
        services.record_bank_payment(session, invoice.id, amount_minor=invoice.gross_minor,
                                     currency=invoice.currency, reference=reference, actor=actor,
                                     on=today)  # fmt: skip

    # Paid in full, and the owner paid by a bank batch (the batch looks past the posts' dates).
    pay(invoices[0], "HAP-20411")
    batch = services.create_batch(session, invoices[0].currency, actor=actor,
                                  today=today + dt.timedelta(days=120))  # fmt: skip
    services.mark_batch_paid(session, batch.id, reference="MASAV-0001", actor=actor, on=today)
    # Paid, while the posts still run: the owner sees when their money comes.
    pay(invoices[1], "HAP-20488")
    rest = invoices[2:]
    if rest:  # Disputed: the brand paid, finance holds the payout.
        pay(rest[0], "HAP-20502")
        why = "הפוסט הוסר אחרי שעה; בודקים מול בעלי הקהילה"
        services.hold_payout(session, rest[0].deal_id or 0, why, actor=actor)
    if len(rest) > 1:  # A missed post: a partial credit note, refunded after the payment.
        pay(rest[1], "HAP-20517")
        services.issue_credit_note(session, rest[1].id, gross_minor=rest[1].gross_minor // 4,
                                   currency=rest[1].currency, reason="סטורי אחד לא פורסם",
                                   refund=True, actor=actor, on=today)  # fmt: skip
    # Whatever is left waits for the brand to pay.
    session.flush()
    return len(invoices)
