"""Finance services: invoices, receipts and credit notes; bank payments; owners' money; batches.

Every amount comes from the stored agreement or the ledger, never from the request: a request
names a document and says what it believes (amount, currency), and a mismatch is refused before
anything is written. Each money fact is posted to the ledger (:mod:`marketplace.finance.ledger`)
in the same transaction as its document. Services flush, never commit.

The modules, lowest first: ``common`` (finance's roles, errors and settings), ``documents``
(numbering, invoices and credit notes from agreements, the ``deal.agreed``/``deal.cancelled``
handlers, reading documents), ``desk`` (bank payments received, credit notes and refunds,
payout holds) and ``owners`` (what owners are owed and why it waits, the bank's payment
batches). This package is finance's public surface: callers import it, not its modules.
"""

from marketplace.errors import Forbidden
from marketplace.finance.services.common import (
    FINANCE_ROLES,
    BatchNotFound,
    DocumentNotFound,
    PaymentRefused,
    allocation_threshold_minor,
    brand_payment_days,
    seller,
    vat_rate_bp,
)
from marketplace.finance.services.desk import (
    RefundElsewhere,
    credited_gross,
    hold_payout,
    issue_credit_note,
    open_holds,
    record_bank_payment,
    refunded_elsewhere,
    register_refund_route,
    release_hold,
)
from marketplace.finance.services.documents import (
    Billed,
    billed,
    billing_details,
    billing_profile,
    enter_allocation_number,
    get_document,
    invoice_agreement,
    next_number,
    on_deal_agreed,
    on_deal_cancelled,
    outstanding,
    register_event_handlers,
    related_documents,
    series_for,
    update_billing_profile,
    visible_documents,
)
from marketplace.finance.services.owners import (
    OwnerAmount,
    PaidElsewhere,
    Pending,
    batches,
    create_batch,
    get_batch,
    mark_batch_paid,
    owner_amounts,
    paid_elsewhere,
    register_payment_route,
)

__all__ = [
    "FINANCE_ROLES",
    "BatchNotFound",
    "Billed",
    "DocumentNotFound",
    "Forbidden",
    "OwnerAmount",
    "PaidElsewhere",
    "PaymentRefused",
    "Pending",
    "RefundElsewhere",
    "allocation_threshold_minor",
    "batches",
    "billed",
    "billing_details",
    "billing_profile",
    "brand_payment_days",
    "create_batch",
    "credited_gross",
    "enter_allocation_number",
    "get_batch",
    "get_document",
    "hold_payout",
    "invoice_agreement",
    "issue_credit_note",
    "mark_batch_paid",
    "next_number",
    "on_deal_agreed",
    "on_deal_cancelled",
    "open_holds",
    "outstanding",
    "owner_amounts",
    "paid_elsewhere",
    "record_bank_payment",
    "refunded_elsewhere",
    "register_event_handlers",
    "register_payment_route",
    "register_refund_route",
    "related_documents",
    "release_hold",
    "seller",
    "series_for",
    "update_billing_profile",
    "vat_rate_bp",
    "visible_documents",
]
