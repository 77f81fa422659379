"""Owners' money: what is owed, why it waits and when it is expected; the bank's payment batches.

Amounts come from the ledger; a batch pays only what is ready and what no other route (a
Stripe transfer) pays. Services flush, never commit.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from marketplace.auth.models import User
from marketplace.db import SessionLike, utcnow
from marketplace.deals.models import Deal
from marketplace.delivery.progress import delivery_states
from marketplace.errors import N_
from marketplace.finance import ledger
from marketplace.finance.models import (
    BatchStatus,
    JournalEntry,
    JournalLine,
    PaymentBatch,
    PaymentBatchItem,
    PayoutHold,
)
from marketplace.finance.services.common import (
    BatchNotFound,
    PaymentRefused,
    deal_parties,
    require_finance,
)
from marketplace.finance.services.documents import last_invoice
from pricing import ledger as rules
from pricing.ledger import Account

# --- owners' money: why pending, when expected ----------------------------------------------


class Pending(enum.StrEnum):
    """Why an owner's amount is not paid yet (the first that applies), or that it is ready."""

    HELD = "held"
    IN_BATCH = "in_batch"
    #: The agency disputed a post's proof: nothing is paid until a new proof is verified.
    POST_DISPUTED = "post_disputed"
    #: A post was missed: the agency decides (an amendment credits it, or it runs again).
    POST_MISSED = "post_missed"
    NOT_RUN = "not_run"
    #: The posts ran but not all are verified yet (detail: "waiting/live").
    UNVERIFIED = "unverified"
    BRAND_UNPAID = "brand_unpaid"
    NOT_DUE = "not_due"
    READY = "ready"


@dataclass(frozen=True)
class OwnerAmount:
    """What the agency owes an owner for one deal, why it is not paid yet and when it will be."""

    deal_id: int
    owner_id: int
    community: str
    currency: str
    amount_minor: int
    paid_minor: int
    reason: Pending
    detail: str
    expected_on: dt.date | None


def _agreed_on(deal: Deal) -> tuple[dt.date | None, int]:
    done = [a for a in deal.agreements if a.complete]
    if not done:
        return None, 30
    last = done[-1]
    moment = max(filter(None, (last.confirmed_by_owner_at, last.confirmed_by_agency_at)))
    terms = last.offer_version.terms if last.offer_version else {}
    return moment.date(), int(terms.get("payment_terms_days", 30))


def owner_amounts(
    session: SessionLike,
    *,
    owner_id: int | None = None,
    today: dt.date | None = None,
    include_paid: bool = False,
) -> list[OwnerAmount]:
    """Each deal with money owed to its owner, the reason it waits and the expected date.

    The expected date is the agreement's date plus its payment terms, never before the last
    placement ran; a brand that has not paid yet delays it to its invoice's due date. Like a
    Stripe payout, an amount waits for delivery: a deal with posts is ready only once every
    post still owed is verified (a disputed or missed post holds it until the agency acts).
    """
    today = today or utcnow().date()
    payable = ledger.balances(session, by="deal_id", owner_id=owner_id)
    paid = _paid_by_deal(session, owner_id)
    deal_ids = {key[2] for key in payable if key[0] is Account.OWNER_PAYABLE and key[2]}
    if include_paid:
        deal_ids |= {deal_id for deal_id, _currency in paid}
    holds = {h.deal_id: h for h in session.scalars(
        select(PayoutHold).where(PayoutHold.released_at.is_(None)))}  # fmt: skip
    batched = {
        item.deal_id: item.batch
        for item in session.scalars(
            select(PaymentBatchItem).join(PaymentBatch)
            .where(PaymentBatch.status == BatchStatus.EXPORTED)
        )
    }  # fmt: skip
    posts = delivery_states(session, deal_ids)
    out: list[OwnerAmount] = []
    for deal in session.scalars(select(Deal).where(Deal.id.in_(deal_ids)).order_by(Deal.id)):
        currency = deal.currency
        amount = payable.get((Account.OWNER_PAYABLE, currency, deal.id), 0)
        paid_here = paid.get((deal.id, currency), 0)
        if amount <= 0 and not (include_paid and paid_here):
            continue
        agreed_on, terms_days = _agreed_on(deal)
        last_run = max((p.ends_on for p in deal.placements), default=agreed_on)
        expected = None
        if agreed_on is not None:
            expected = max(agreed_on + dt.timedelta(days=terms_days), last_run or agreed_on)
        brand_owes = ledger.balance(session, Account.BRAND_RECEIVABLE, currency, deal_id=deal.id)
        if amount <= 0:
            reason, detail, expected = Pending.READY, "paid", None
        elif deal.id in holds:
            reason, detail, expected = Pending.HELD, holds[deal.id].reason, None
        elif deal.id in batched:
            batch = batched[deal.id]
            reason, detail = Pending.IN_BATCH, str(batch.id)
            expected = batch.created_at.date() + dt.timedelta(days=3)
        elif posts[deal.id].disputed:
            reason, detail, expected = Pending.POST_DISPUTED, str(posts[deal.id].disputed), None
        elif posts[deal.id].missed:
            reason, detail, expected = Pending.POST_MISSED, str(posts[deal.id].missed), None
        elif last_run is not None and last_run > today:
            reason, detail = Pending.NOT_RUN, last_run.isoformat()
        elif posts[deal.id].live and not posts[deal.id].all_verified:
            state = posts[deal.id]
            reason, detail = Pending.UNVERIFIED, f"{state.unverified}/{state.live}"
        elif brand_owes > 0:
            invoice = last_invoice(session, deal.id)
            reason = Pending.BRAND_UNPAID
            detail = invoice.display_number if invoice else ""
            if invoice is not None and invoice.due_on and expected:
                expected = max(expected, invoice.due_on)
        elif expected is not None and expected > today:
            reason, detail = Pending.NOT_DUE, expected.isoformat()
        else:
            reason, detail, expected = Pending.READY, "", today
        out.append(OwnerAmount(deal.id, deal.owner_id, deal.community.display_name, currency,
                               max(amount, 0), paid_here, reason, detail, expected))  # fmt: skip
    return out


def _paid_by_deal(session: SessionLike, owner_id: int | None) -> dict[tuple[int, str], int]:
    """What was paid out to owners per deal (bank payouts and Stripe transfers, net)."""
    statement = (
        select(JournalLine.deal_id, JournalEntry.currency, func.sum(JournalLine.amount_minor))
        .join(JournalEntry, JournalLine.entry_id == JournalEntry.id)
        .where(
            JournalLine.account.in_([Account.BANK, Account.STRIPE_CASH]),
            JournalEntry.kind.in_(
                [rules.EntryKind.BANK_PAYOUT_TO_OWNER, rules.EntryKind.TRANSFER_TO_OWNER]
            ),
            JournalLine.deal_id.is_not(None),
        )
        .group_by(JournalLine.deal_id, JournalEntry.currency)
    )
    if owner_id is not None:
        statement = statement.where(JournalLine.owner_id == owner_id)
    return {(int(d or 0), str(c)): -int(s) for d, c, s in session.execute(statement)}


# --- bank payment batches -------------------------------------------------------------------


#: Other routes that pay owners, which a bank batch must leave alone: each check returns, of
#: the deal ids it is given, those it is already paying or will pay. Finance cannot import
#: them (they are built on it), so each registers its check at start-up (the Stripe payouts:
#: ``payments.services.register_event_handlers``).
PaidElsewhere = Callable[[SessionLike, Collection[int]], set[int]]
_PAID_ELSEWHERE: list[PaidElsewhere] = []


def register_payment_route(check: PaidElsewhere) -> None:
    """Tell bank batches which deals another route pays (registering twice is once)."""
    if check not in _PAID_ELSEWHERE:
        _PAID_ELSEWHERE.append(check)


def paid_elsewhere(session: SessionLike, deal_ids: Collection[int]) -> set[int]:
    """The deals among ``deal_ids`` that another payment route pays, or is paying."""
    taken: set[int] = set()
    for check in _PAID_ELSEWHERE:
        taken |= check(session, deal_ids)
    return taken


def create_batch(
    session: SessionLike, currency: str, *, actor: User, today: dt.date | None = None
) -> PaymentBatch:
    """Put every ready owner amount in ``currency`` in a new batch for the bank.

    An amount another route is paying (a Stripe transfer released, on its way or unknown) stays
    out: the bank must never pay what Stripe may have paid.
    """
    require_finance(actor)

    def ready_now() -> list[OwnerAmount]:
        return [
            a
            for a in owner_amounts(session, today=today)
            if a.reason is Pending.READY and a.currency == currency and a.amount_minor > 0
        ]

    # Two finance users making a batch at once each read the same amounts as ready, and the
    # bank got two files paying the same owners (the ledger refused the second only when it
    # was marked paid, after the money had left). The deals' rows are locked in id order and
    # the amounts read again: the second waits, then sees the first batch's items.
    first = ready_now()
    session.execute(
        select(Deal.id)
        .where(Deal.id.in_(sorted({a.deal_id for a in first})))
        .order_by(Deal.id)
        .with_for_update()
    )
    ready = ready_now() if first else []
    taken = paid_elsewhere(session, [a.deal_id for a in ready])
    ready = [a for a in ready if a.deal_id not in taken]
    if not ready:
        raise PaymentRefused(N_("no owner amount is ready to pay in this currency"))
    batch = PaymentBatch(currency=currency, created_by_id=actor.id)
    batch.items = [PaymentBatchItem(deal_id=a.deal_id, owner_id=a.owner_id,
                                    amount_minor=a.amount_minor) for a in ready]  # fmt: skip
    session.add(batch)
    session.flush()
    return batch


def get_batch(session: SessionLike, batch_id: int) -> PaymentBatch:
    """A payment batch by id."""
    batch = session.get(PaymentBatch, batch_id)
    if batch is None:
        raise BatchNotFound("no such batch")
    return batch


def batches(session: SessionLike) -> Sequence[PaymentBatch]:
    """Every payment batch, newest first."""
    return session.scalars(select(PaymentBatch).order_by(PaymentBatch.id.desc())).all()


def mark_batch_paid(
    session: SessionLike,
    batch_id: int,
    *,
    reference: str,
    actor: User,
    on: dt.date | None = None,
) -> PaymentBatch:
    """The bank paid the batch: one payout entry per owner amount, the batch closed."""
    require_finance(actor)
    batch = session.scalars(
        select(PaymentBatch).where(PaymentBatch.id == batch_id).with_for_update()
    ).one_or_none()
    if batch is None:
        raise BatchNotFound("no such batch")
    if batch.status is BatchStatus.PAID:
        raise PaymentRefused(N_("this batch is already paid"))
    reference = reference.strip()
    if not reference:
        raise PaymentRefused(N_("a bank reference is required"))
    on = on or utcnow().date()
    for item in batch.items:
        deal = item.deal
        payable = ledger.balance(session, Account.OWNER_PAYABLE, batch.currency, deal_id=deal.id)
        try:
            posting = rules.bank_payout_to_owner(
                item.amount_minor, batch.currency, deal_parties(deal), owner_payable_minor=payable,
                key=f"batch:{batch.id}:deal:{deal.id}", memo=f"batch {batch.id} {reference}",
            )  # fmt: skip
        except rules.PayableWouldGoNegative as error:
            raise PaymentRefused(N_("deal %(id)s: %(error)s"), id=deal.id, error=error) from error
        ledger.post(session, [posting], on=on, actor=actor)
    batch.status, batch.paid_on = BatchStatus.PAID, on
    batch.paid_by_id, batch.bank_reference = actor.id, reference
    session.flush()
    return batch
