"""Demo money: the desk brief's agreed deals with payouts paid, in review, disputed and parked."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from marketplace.auth.models import User
from marketplace.briefs.models import Brief
from marketplace.db import SessionLike, utcnow
from marketplace.deals.demo import DESK_TITLE
from marketplace.deals.models import Deal
from marketplace.finance import gateway as gw
from marketplace.payments import services
from marketplace.payments.models import CardPayment, Payout
from pricing.payouts import PaymentStatus, PayoutStatus

#: States only this demo leaves (delivery's demo may already have opened a review window).
SEEDED = (PayoutStatus.PAID, PayoutStatus.PARKED, PayoutStatus.DISPUTED)


def _verified(session: SessionLike, payout: Payout, staff: User, now: dt.datetime) -> None:
    """In the brand's window since five days ago (demo data: posts or not)."""
    if payout.status is PayoutStatus.AWAITING_DELIVERY:
        services.open_review_window(session, payout, now=now - dt.timedelta(days=5), actor=staff)


def seed_money(session: SessionLike) -> int:
    """Move the desk brief's payouts to a spread of states, once; return how many moved."""
    brief = session.scalar(select(Brief).where(Brief.title == DESK_TITLE))
    staff = session.scalar(select(User).where(User.email == "noa@kesher.demo"))
    if brief is None or staff is None:
        return 0
    payouts = list(
        session.scalars(
            select(Payout)
            .join(Deal, Deal.id == Payout.deal_id)
            .where(Deal.brief_id == brief.id)
            .order_by(Payout.id)
        )
    )
    if not payouts or any(p.status in SEEDED for p in payouts):
        return 0  # none yet, or already seeded
    now = utcnow()
    moved = 0
    free = []
    for payout in payouts:
        # The finance desk's demo paid one owner by bank and holds one: say so, never pay twice.
        elsewhere = services.paid_or_held_elsewhere(session, payout)
        if elsewhere is None:
            free.append(payout)
            continue
        _verified(session, payout, staff, now)
        payout.status, payout.reason = PayoutStatus.PARKED, elsewhere
        moved += 1
    for index, payout in enumerate(free[:4]):
        _verified(session, payout, staff, now)
        if index == 0:  # paid by card and transferred a day ago
            payment = session.scalar(
                select(CardPayment).where(CardPayment.deal_id == payout.deal_id)
            )
            if payment is not None:
                services.apply_intent(session, payment, PaymentStatus.SUCCEEDED, None)
            payout.status, payout.attempt = PayoutStatus.READY, 1
            payout.status = PayoutStatus.SENDING
            transfer = gw.Transfer(
                id=f"tr_demo_{payout.id}", amount=payout.amount_minor, currency=payout.currency,
                destination="acct_demo", transfer_group=payout.transfer_group,
            )  # fmt: skip
            services.confirm_paid(session, payout, transfer)
            payout.paid_at = now - dt.timedelta(days=1)
        elif index == 1:
            payout.release_at = now + dt.timedelta(days=2)  # still in the brand's window
        elif index == 2:
            services.dispute_payout(
                session, payout, actor=staff, text="לא מצאנו את הפוסט בקבוצה; נבקש קישור אליו."
            )
        else:
            payout.status, payout.reason = PayoutStatus.PARKED, "no_account"
        moved += 1
    session.flush()
    return moved
