"""The finance desk's money in and back: bank payments received, credit notes, refunds, holds.

A request names a document and says what it believes (amount, currency), and a mismatch is
refused before anything is written. Each money fact is posted to the ledger in the same
transaction as its document. Services flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy import func, select

from marketplace.auth.models import User
from marketplace.db import SessionLike, utcnow
from marketplace.deals.models import Deal
from marketplace.errors import N_, NotFound
from marketplace.finance import ledger
from marketplace.finance.models import DocumentKind, FinanceDocument, PayoutHold
from marketplace.finance.services.common import PaymentRefused, deal_parties, require_finance
from marketplace.finance.services.documents import (
    credit_invoice,
    get_document,
    issue_document,
    outstanding,
    related_documents,
)
from marketplace.i18n import format_money
from pricing import ledger as rules
from pricing.ledger import Account, Parties

# --- money in: bank payments, credit notes and refunds --------------------------------------


def _invoice_for_money(session: SessionLike, invoice_id: int, actor: User) -> FinanceDocument:
    """The tax invoice money is recorded against, its row locked (``FOR UPDATE``).

    What it still owes and may still be credited is read after the lock, so two finance users
    recording a transfer (or a credit note) at once take turns and the second counts the
    first: two receipts of the whole amount under two references were both issued before.
    """
    require_finance(actor)
    invoice = get_document(session, invoice_id, actor)
    if invoice.kind is not DocumentKind.TAX_INVOICE:
        raise PaymentRefused(N_("money is recorded against a tax invoice"))
    session.execute(
        select(FinanceDocument.id).where(FinanceDocument.id == invoice.id).with_for_update()
    )
    return invoice


def record_bank_payment(
    session: SessionLike,
    invoice_id: int,
    *,
    amount_minor: int,
    currency: str,
    reference: str,
    actor: User,
    on: dt.date | None = None,
) -> FinanceDocument:
    """Finance saw the brand's bank transfer: a receipt and its ledger entry.

    The amount must be positive and at most what the deal still owes, in the invoice's
    currency; a reference is required and is used once per invoice. Anything else is refused
    before anything is written.
    """
    invoice = _invoice_for_money(session, invoice_id, actor)
    reference = reference.strip()
    if currency != invoice.currency:
        raise PaymentRefused(
            N_("the invoice is in %(invoice)s, not %(currency)s"),
            invoice=invoice.currency,
            currency=currency,
        )
    if not reference:
        raise PaymentRefused(N_("a bank reference is required"))
    due = outstanding(session, invoice)
    if not 0 < amount_minor <= due:
        raise PaymentRefused(
            N_("the amount must be more than zero and at most %(due)s"),
            due=format_money(due, invoice.currency),
        )
    key = f"receipt:{invoice.id}:{reference}"
    if session.scalar(select(FinanceDocument.id).where(FinanceDocument.key == key)) is not None:
        raise PaymentRefused(N_("this reference is already recorded for this invoice"))
    on = on or utcnow().date()
    deal = session.get(Deal, invoice.deal_id) if invoice.deal_id else None
    parties = deal_parties(deal) if deal else Parties(organisation_id=invoice.organisation_id)
    posting = rules.bank_payment_received(amount_minor, invoice.currency, parties, key=key,
                                          memo=f"bank transfer {reference}")  # fmt: skip
    split = rules.InvoiceSplit(owner_minor=0, margin_minor=amount_minor, vat_minor=0)
    lines = [{"description": "bank transfer", "quantity": 1, "net_minor": amount_minor}]
    return issue_document(session, kind=DocumentKind.RECEIPT, deal=deal,
                          organisation_id=invoice.organisation_id, currency=invoice.currency,
                          lines=lines, split=split, rate_bp=0, key=key, posting=posting, on=on,
                          actor=actor, related=invoice, reference=reference,
                          language=invoice.language)  # fmt: skip


def credited_gross(session: SessionLike, invoice: FinanceDocument) -> int:
    """The gross of the credit notes already issued against an invoice."""
    total = session.scalar(
        select(func.coalesce(func.sum(FinanceDocument.gross_minor), 0)).where(
            FinanceDocument.related_id == invoice.id,
            FinanceDocument.kind == DocumentKind.CREDIT_NOTE,
        )
    )
    return int(total or 0)


def issue_credit_note(
    session: SessionLike,
    invoice_id: int,
    *,
    gross_minor: int,
    currency: str,
    reason: str,
    refund: bool,
    actor: User,
    on: dt.date | None = None,
) -> FinanceDocument:
    """Credit (part of) an invoice, e.g. for a missed placement; refund what was overpaid.

    The credit is at most what the invoice still bills; with ``refund`` the money the brand
    paid beyond what it now owes goes back the way it came: to the card through Stripe when a
    registered refund route takes it (the deal was paid by card), else by bank transfer (a
    refund entry now).
    """
    invoice = _invoice_for_money(session, invoice_id, actor)
    if currency != invoice.currency:
        raise PaymentRefused(
            N_("the invoice is in %(invoice)s, not %(currency)s"),
            invoice=invoice.currency,
            currency=currency,
        )
    reason = reason.strip()
    if not reason:
        raise PaymentRefused(N_("say why the brand is credited"))
    room = invoice.gross_minor - credited_gross(session, invoice)
    if not 0 < gross_minor <= room:
        raise PaymentRefused(
            N_("the credit must be more than zero and at most %(room)s"),
            room=format_money(room, invoice.currency),
        )
    whole = rules.InvoiceSplit(invoice.owner_minor, invoice.margin_minor, invoice.vat_minor)
    split = rules.credit_split(whole, gross_minor, invoice.vat_rate_bp)
    if gross_minor == room and room != invoice.gross_minor:
        # The last credit takes exactly what the earlier ones left, so the invoice nets to zero.
        earlier = session.execute(
            select(
                func.sum(FinanceDocument.owner_minor),
                func.sum(FinanceDocument.margin_minor),
                func.sum(FinanceDocument.vat_minor),
            ).where(
                FinanceDocument.related_id == invoice.id,
                FinanceDocument.kind == DocumentKind.CREDIT_NOTE,
            )
        ).one()
        split = rules.InvoiceSplit(
            invoice.owner_minor - int(earlier[0] or 0),
            invoice.margin_minor - int(earlier[1] or 0),
            invoice.vat_minor - int(earlier[2] or 0),
        )
    on = on or utcnow().date()
    count = len([d for d in related_documents(session, invoice)
                 if d.kind is DocumentKind.CREDIT_NOTE])  # fmt: skip
    document = credit_invoice(session, invoice, split, key=f"credit:{invoice.id}:{count + 1}",
                              reason=reason, on=on, actor=actor)  # fmt: skip
    if refund:
        owed_back = -outstanding(session, invoice)
        if owed_back > 0 and not refunded_elsewhere(
            session, deal_id=invoice.deal_id, amount_minor=owed_back, currency=invoice.currency,
            reason=reason, actor=actor,
        ):  # fmt: skip
            deal = session.get(Deal, invoice.deal_id) if invoice.deal_id else None
            parties = (
                deal_parties(deal) if deal else Parties(organisation_id=invoice.organisation_id)
            )
            ledger.post(
                session,
                [
                    rules.refund(
                        owed_back,
                        invoice.currency,
                        parties,
                        via=Account.BANK,
                        key=f"refund:{document.id}",
                        memo=reason,
                    )
                ],
                on=on,
                actor=actor,
            )
    return document


#: Routes that can return a brand's money the way it paid (a card refund through Stripe).
#: Each takes (session, deal_id, amount_minor, currency, reason, actor) by keyword and returns
#: whether it took the refund (and books it itself when done); none taking it means bank.
RefundElsewhere = Callable[..., bool]
_REFUND_ROUTES: list[RefundElsewhere] = []


def register_refund_route(route: RefundElsewhere) -> None:
    """Tell credit notes of another way to refund (registering twice is once)."""
    if route not in _REFUND_ROUTES:
        _REFUND_ROUTES.append(route)


def refunded_elsewhere(
    session: SessionLike,
    *,
    deal_id: int | None,
    amount_minor: int,
    currency: str,
    reason: str,
    actor: User,
) -> bool:
    """Whether another route (the card the brand paid with) takes this refund."""
    if deal_id is None:
        return False
    return any(
        route(session, deal_id=deal_id, amount_minor=amount_minor, currency=currency,
              reason=reason, actor=actor)
        for route in _REFUND_ROUTES
    )  # fmt: skip


# --- payout holds ---------------------------------------------------------------------------


def hold_payout(session: SessionLike, deal_id: int, reason: str, *, actor: User) -> PayoutHold:
    """Hold a deal's payout while it is disputed (the reason is shown to the owner)."""
    require_finance(actor)
    if session.get(Deal, deal_id) is None:
        raise NotFound("no such deal")
    reason = reason.strip()
    if not reason:
        raise PaymentRefused(N_("say why the payout is held"))
    hold = PayoutHold(deal_id=deal_id, reason=reason, opened_by_id=actor.id)
    session.add(hold)
    session.flush()
    return hold


def release_hold(session: SessionLike, hold_id: int, *, actor: User) -> PayoutHold:
    """End a hold: the amount goes back to its other reasons (or is ready)."""
    require_finance(actor)
    hold = session.get(PayoutHold, hold_id)
    if hold is None or hold.released_at is not None:
        raise NotFound("no such open hold")
    hold.released_at, hold.released_by_id = utcnow(), actor.id
    session.flush()
    return hold


def open_holds(session: SessionLike) -> Sequence[PayoutHold]:
    """Holds not released yet."""
    return session.scalars(
        select(PayoutHold).where(PayoutHold.released_at.is_(None)).order_by(PayoutHold.id)
    ).all()
