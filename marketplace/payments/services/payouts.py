"""Owner payouts: holds, releases, the claim of one attempt and the transfer, and what it books."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection
from typing import Any

from sqlalchemy import select

from marketplace.auth.models import Role, User
from marketplace.db import SessionLike, utcnow
from marketplace.deals.models import Deal
from marketplace.finance import gateway as gw
from marketplace.finance import ledger
from marketplace.finance.models import JournalEntry, JournalLine, PayoutHold
from marketplace.payments.models import ConnectedAccount, Payout
from marketplace.payments.services.common import (
    MONEY_DESK,
    IllegalMoneyMove,
    MoneyConflict,
    PayoutNotFound,
    add_item,
    flush_or_conflict,
    flush_or_none,
    gateway,
    move_payout_to,
    parties,
    send_lease,
)
from pricing import ledger as postings
from pricing.ledger import Account, EntryKind
from pricing.payouts import IN_FLIGHT, PayoutStatus, idempotency_key

log = logging.getLogger(__name__)


def book_transfer(session: SessionLike, payout: Payout) -> None:
    """A transfer reached the owner: the agency owes them that much less.

    The owner's payable comes from the brand's invoice (the finance desk posts it). When it is
    short — an invoice not issued yet — the transfer is still a fact at Stripe: it becomes a
    reconciliation item for finance instead of a posting the ledger would refuse.
    """
    deal = payout.deal
    owed = ledger.balance(session, Account.OWNER_PAYABLE, payout.currency, deal_id=deal.id)
    if owed < payout.amount_minor:
        add_item(
            session, kind="ledger_payable_short", kesher_ref=f"payout {payout.id}",
            stripe_ref=str(payout.transfer_id), kesher_minor=owed,
            stripe_minor=payout.amount_minor, currency=payout.currency,
        )  # fmt: skip
        return
    ledger.post(
        session,
        [
            postings.transfer_to_owner(
                payout.amount_minor, payout.currency, parties(deal), owner_payable_minor=owed,
                key=f"stripe:payout:{payout.id}:transfer", memo=f"transfer {payout.transfer_id}",
            )
        ],
    )  # fmt: skip


def set_reversed(session: SessionLike, payout: Payout, total: int) -> bool:
    """Stripe took back (part of) a transfer: book the difference, keyed by the new total."""
    if total <= payout.reversed_minor:
        return False
    delta = total - payout.reversed_minor
    payout.reversed_minor = total
    ledger.post(
        session,
        [
            postings.transfer_reversed(
                delta, payout.currency, parties(payout.deal),
                key=f"stripe:payout:{payout.id}:reversed-to:{total}",
                memo=f"transfer {payout.transfer_id} reversed",
            )
        ],
    )  # fmt: skip
    return True


#: A payout in these states is Stripe's to pay: released for the next run, on its way, unknown
#: (the transfer may exist) or paid. A bank batch must not pay it too.
STRIPE_PAYS = (PayoutStatus.READY, PayoutStatus.SENDING, PayoutStatus.UNKNOWN, PayoutStatus.PAID)


def deals_paid_by_stripe(session: SessionLike, deal_ids: Collection[int]) -> set[int]:
    """Of ``deal_ids``, the deals whose owner Stripe pays (finance's bank batches skip them)."""
    if not deal_ids:
        return set()
    return set(
        session.scalars(
            select(Payout.deal_id).where(
                Payout.deal_id.in_(list(deal_ids)), Payout.status.in_(STRIPE_PAYS)
            )
        )
    )


def confirm_paid(session: SessionLike, payout: Payout, transfer: gw.Transfer) -> bool:
    """Stripe says the transfer exists: the payout is paid (whatever we last heard)."""
    if payout.status is PayoutStatus.PAID:
        return False
    if payout.status not in IN_FLIGHT:
        log.error("transfer %s for payout %s in state %s", transfer.id, payout.id, payout.status)
        return False
    move_payout_to(payout, PayoutStatus.PAID, "paid")
    payout.transfer_id = transfer.id
    payout.paid_at = utcnow()
    payout.sending_until = None
    session.flush()
    book_transfer(session, payout)
    return True


def payouts_query(user: User) -> Any:
    query = select(Payout)
    if user.role in MONEY_DESK:
        return query
    if user.role is Role.OWNER:
        return query.where(Payout.owner_id == user.id)
    if user.role is Role.BRAND and user.organisation_id is not None:
        # A brand sees its deals' payouts only to dispute them (never their amounts: the views).
        return query.join(Deal, Deal.id == Payout.deal_id).where(
            Deal.organisation_id == user.organisation_id
        )
    return query.where(Payout.id.is_(None))


def get_payout(session: SessionLike, payout_id: int, user: User) -> Payout:
    payout = session.scalar(payouts_query(user).where(Payout.id == payout_id))
    if payout is None:
        raise PayoutNotFound()
    return payout


#: Where the brand may still object (before verification the agency is still checking).
BRAND_MAY_DISPUTE = (PayoutStatus.REVIEW_WINDOW, PayoutStatus.READY, PayoutStatus.PARKED)


def dispute_payout(session: SessionLike, payout: Payout, *, actor: User, text: str = "") -> Payout:
    """The brand objects to the delivery, saying what is wrong: the payout is held."""
    if payout.status not in BRAND_MAY_DISPUTE:
        raise IllegalMoneyMove()
    move_payout_to(payout, PayoutStatus.DISPUTED, "disputed")
    payout.reason_text = text.strip()
    flush_or_conflict(session)
    return payout


def settle_dispute(session: SessionLike, payout: Payout, *, pay: bool, actor: User) -> Payout:
    """Staff decide a dispute: release the payout, or cancel it."""
    if payout.status is not PayoutStatus.DISPUTED:
        raise IllegalMoneyMove()
    if pay:
        move_payout_to(payout, PayoutStatus.READY, "ready")
        payout.released_by_id = actor.id
    else:
        move_payout_to(payout, PayoutStatus.CANCELLED, "cancelled")
    flush_or_conflict(session)
    return payout


def release_payout(session: SessionLike, payout: Payout, *, actor: User) -> Payout:
    """Finance releases a payout before the window ends, or retries a parked one.

    Two finance users releasing at once: the second one's UPDATE finds the version moved on
    and loses with a conflict; one transfer follows either way.
    """
    if payout.status not in {PayoutStatus.REVIEW_WINDOW, PayoutStatus.PARKED}:
        raise IllegalMoneyMove()
    move_payout_to(payout, PayoutStatus.READY, "ready")
    payout.released_by_id = actor.id
    flush_or_conflict(session)
    return payout


def release_due(session: SessionLike, now: dt.datetime) -> int:
    """Payouts whose review window passed in the brand's silence are released."""
    count = 0
    for payout in session.scalars(
        select(Payout).where(Payout.status == PayoutStatus.REVIEW_WINDOW, Payout.release_at <= now)
    ):
        move_payout_to(payout, PayoutStatus.READY, "ready")
        count += 1
    session.flush()
    return count


def due_payout_ids(session: SessionLike, now: dt.datetime) -> list[int]:
    """Ready payouts, and attempts that no run holds any more (crashed, or no answer)."""
    return list(
        session.scalars(
            select(Payout.id)
            .where(
                (Payout.status == PayoutStatus.READY)
                | (Payout.status == PayoutStatus.UNKNOWN)
                | ((Payout.status == PayoutStatus.SENDING) & (Payout.sending_until <= now))
            )
            .order_by(Payout.id)
        )
    )


def paid_or_held_elsewhere(session: SessionLike, payout: Payout) -> str | None:
    """Finance's side of the same money: a bank payout of the deal, or an open hold on it."""
    bank_paid = session.scalar(
        select(JournalEntry.id)
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .where(
            JournalEntry.kind == EntryKind.BANK_PAYOUT_TO_OWNER,
            JournalLine.deal_id == payout.deal_id,
        )
        .limit(1)
    )
    if bank_paid is not None:
        return "paid_by_bank"
    held = session.scalar(
        select(PayoutHold.id).where(
            PayoutHold.deal_id == payout.deal_id, PayoutHold.released_at.is_(None)
        )
    )
    return "held" if held is not None else None


def _reason_for(account: ConnectedAccount | None) -> str | None:
    if account is None or account.account_id is None:
        return "no_account"
    if not account.payouts_enabled:
        return "account_incomplete"
    return None


def claim_payout(session: SessionLike, payout_id: int, now: dt.datetime) -> Payout | None:
    """Take a payout for one attempt: record the attempt and its key (commit before calling).

    Returns None when there is nothing to send (parked, another run holds it, or it changed
    under us). A ready payout starts a new attempt; one left SENDING by a crash, or UNKNOWN
    after a timeout, keeps its attempt and key, so sending again cannot pay twice.
    """
    payout = session.get(Payout, payout_id, populate_existing=True)
    if payout is None:
        return None
    if payout.status is PayoutStatus.READY:
        account = session.scalar(
            select(ConnectedAccount).where(ConnectedAccount.owner_id == payout.owner_id)
        )
        reason = paid_or_held_elsewhere(session, payout) or _reason_for(account)
        if reason is not None:
            move_payout_to(payout, PayoutStatus.PARKED, reason)
            payout.reason_text = ""
            if not flush_or_none(session):
                raise MoneyConflict()
            return None
        payout.attempt += 1
        payout.idempotency_key = idempotency_key(payout.id, payout.attempt)
    elif payout.status is PayoutStatus.SENDING:
        if payout.sending_until is not None and payout.sending_until > now:
            return None
    elif payout.status is not PayoutStatus.UNKNOWN:
        return None
    move_payout_to(payout, PayoutStatus.SENDING, "sending")
    payout.sending_until = now + send_lease()
    if not flush_or_none(session):
        raise MoneyConflict()
    return payout


def send_payout(session: SessionLike, payout: Payout) -> PayoutStatus:
    """Make the transfer of a claimed payout (committed SENDING) and record the answer."""
    gateway_ = gateway()
    account = session.scalar(
        select(ConnectedAccount).where(ConnectedAccount.owner_id == payout.owner_id)
    )
    assert account is not None
    assert account.account_id is not None
    assert payout.idempotency_key is not None
    try:
        if payout.attempt > 0:
            # An earlier try of this attempt may have landed: Stripe's list says so.
            for transfer in gateway_.transfers_in_group(payout.transfer_group):
                if transfer.metadata.get("kesher_payout") == str(payout.id):
                    confirm_paid(session, payout, transfer)
                    session.flush()
                    return payout.status
        transfer = gateway_.create_transfer(
            amount=payout.amount_minor,
            currency=payout.currency,
            destination=account.account_id,
            transfer_group=payout.transfer_group,
            metadata={"kesher_payout": str(payout.id), "kesher_deal": str(payout.deal_id)},
            idempotency_key=payout.idempotency_key,
        )
    except gw.GatewayUnknown as error:
        log.warning("payout %s: no answer from Stripe (%s); reconcile", payout.id, error)
        move_payout_to(payout, PayoutStatus.UNKNOWN, "unknown")
        payout.reason_text = error.message[:500]
        session.flush()
        return payout.status
    except gw.GatewayError as error:
        log.warning("payout %s refused by Stripe: %s", payout.id, error)
        move_payout_to(payout, PayoutStatus.PARKED, "refused")
        payout.reason_text = error.message[:500]
        payout.sending_until = None
        session.flush()
        return payout.status
    confirm_paid(session, payout, transfer)
    session.flush()
    return payout.status
