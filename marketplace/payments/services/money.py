"""The owner's money page: why each amount waits and when it is expected, and what was paid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.auth.models import User
from marketplace.db import SessionLike, utcnow
from marketplace.delivery.forms import REASON_LABELS as DISPUTE_LABELS
from marketplace.delivery.models import Post
from marketplace.delivery.progress import post_kind
from marketplace.finance import services as finance
from marketplace.finance.models import JournalEntry, JournalLine
from marketplace.payments.models import Payout
from marketplace.payments.services.common import REASONS, gateway, review_days
from pricing.ledger import EntryKind
from pricing.payouts import POST_DISPUTED, PayoutStatus


@dataclass(frozen=True)
class MoneyLine:
    payout: Payout
    why: str
    when: dt.datetime | None
    detail: str


def expected_date(payout: Payout, now: dt.datetime) -> dt.datetime | None:
    """When the owner can expect the money (None when it depends on someone's action)."""
    if payout.status is PayoutStatus.REVIEW_WINDOW:
        return payout.release_at
    if payout.status in {PayoutStatus.READY, PayoutStatus.SENDING, PayoutStatus.UNKNOWN}:
        return now + dt.timedelta(days=1)
    if payout.status is PayoutStatus.PAID:
        return payout.paid_at
    return None


def owner_money(
    session: SessionLike, owner: User, now: dt.datetime | None = None
) -> list[MoneyLine]:
    """Every payout of the owner, each with why it waits and when it is expected."""
    payouts = session.scalars(
        select(Payout).where(Payout.owner_id == owner.id).order_by(Payout.id.desc())
    )
    return money_lines(session, list(payouts), now or utcnow())


def money_lines(
    session: SessionLike, payouts: Sequence[Payout], now: dt.datetime
) -> list[MoneyLine]:
    """Why each payout waits and when it is expected (the owner's page and the desk's)."""
    enabled = gateway().enabled
    posts = _posts_of(session, [p.deal_id for p in payouts if _follows_posts(p)])
    lines = []
    for payout in payouts:
        reason = payout.reason or payout.status.value
        if not enabled and payout.status is PayoutStatus.READY:
            reason = "bank_transfer"
        why, when = str(REASONS.get(reason, REASONS["ready"])), expected_date(payout, now)
        if payout.deal_id in posts:
            why, when = _delivery_why(payout, posts[payout.deal_id], why, when, now)
        detail = payout.reason_text if reason == "refused" else ""
        lines.append(MoneyLine(payout, why, when, detail))
    return lines


def _follows_posts(payout: Payout) -> bool:
    return payout.status is PayoutStatus.AWAITING_DELIVERY or (
        payout.status is PayoutStatus.DISPUTED and payout.reason == POST_DISPUTED
    )


def _posts_of(session: SessionLike, deal_ids: Collection[int]) -> dict[int, list[Post]]:
    found: dict[int, list[Post]] = {}
    if deal_ids:
        for post in session.scalars(
            select(Post)
            .where(Post.deal_id.in_(list(deal_ids)))
            .order_by(Post.due_on, Post.deal_placement_id, Post.number)
        ):
            found.setdefault(post.deal_id, []).append(post)
    return found


def post_label(post: Post) -> str:
    """A post as the owner knows it: its number in the placement and its due date."""
    return str(_l("#%(number)s (due %(date)s)", number=post.number,
                  date=format_date(post.due_on)))  # fmt: skip


def _delivery_why(
    payout: Payout, posts: Sequence[Post], why: str, when: dt.datetime | None, now: dt.datetime
) -> tuple[str, dt.datetime | None]:
    """What the deal's posts say about a payout waiting for them (or held by one)."""
    kinds = [(post, post_kind(post.status, post.closed_reason)) for post in posts]
    live = [(post, kind) for post, kind in kinds if kind is not None]
    if not live:
        return why, when  # no posts: staff verify by hand
    if payout.status is PayoutStatus.DISPUTED:
        held = [post for post, kind in live if kind == 2]
        if not held:
            return why, when
        proof = held[0].proofs[-1] if held[0].proofs else None
        words = str(DISPUTE_LABELS.get(proof.reason, proof.reason)) if proof else ""
        if proof is not None and proof.reason_text:
            words = f"{words}: {proof.reason_text}"
        text = _l("Post %(post)s was disputed by the agency (%(reason)s): held until a new "
                  "proof is verified.", post=post_label(held[0]), reason=words)  # fmt: skip
        return str(text), None
    missed = [post for post, kind in live if kind == 3]
    if missed:
        text = _l("Post %(post)s was missed: the agency decides (a refund or a re-run).",
                  post=", ".join(post_label(post) for post in missed))  # fmt: skip
        return str(text), None
    waiting = [post for post, kind in live if kind != 1]
    text = _l("Waiting for %(count)s of %(total)s posts to be verified.",
              count=len(waiting), total=len(live))  # fmt: skip
    # The last post is due on its date; the brand's review window follows its verification.
    last = max((post.due_on for post in waiting), default=now.date())
    start = max(dt.datetime.combine(last, dt.time(), dt.UTC), now)
    return str(text), start + dt.timedelta(days=review_days())


@dataclass(frozen=True)
class OwnerRow:
    """One deal on the owner's money page: Stripe's payout or finance's amount, and its date.

    ``payout`` is set when the deal's money goes through Stripe (its status says why and when);
    otherwise ``amount`` is finance's (owed by bank, with its reason and expected date).
    """

    deal_id: int
    community: str
    amount_minor: int
    currency: str
    line: MoneyLine | None
    amount: finance.OwnerAmount | None
    paid_on: dt.date | None


def _paid_on(session: SessionLike, deal_id: int) -> dt.date | None:
    """The day the owner was last paid for a deal (a bank payout or a Stripe transfer)."""
    day = session.scalar(
        select(func.max(JournalEntry.effective_on))
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .where(
            JournalLine.deal_id == deal_id,
            JournalEntry.kind.in_([EntryKind.BANK_PAYOUT_TO_OWNER, EntryKind.TRANSFER_TO_OWNER]),
        )
    )
    return day if isinstance(day, dt.date) else None


def owner_overview(
    session: SessionLike, owner: User, now: dt.datetime | None = None
) -> list[OwnerRow]:
    """Every deal's money for its owner on one page: what is pending (why, when) and paid.

    A deal paid through Stripe shows its payout; one paid by bank (no Stripe key, or finance
    paid it) shows finance's amount; money already paid shows the day it was paid.
    """
    now = now or utcnow()
    lines = {line.payout.deal_id: line for line in owner_money(session, owner, now)}
    amounts = {
        a.deal_id: a
        for a in finance.owner_amounts(
            session, owner_id=owner.id, today=now.date(), include_paid=True
        )
    }
    stripe_on = gateway().enabled
    rows = []
    for deal_id in sorted(set(lines) | set(amounts), reverse=True):
        line, amount = lines.get(deal_id), amounts.get(deal_id)
        paid_by_finance = amount is not None and amount.amount_minor <= 0
        by_stripe = line is not None and line.payout.status is PayoutStatus.PAID
        if line is not None and (
            by_stripe or not paid_by_finance and (stripe_on or amount is None)
        ):
            payout = line.payout
            paid = (
                payout.paid_at.date()
                if payout.status is PayoutStatus.PAID and payout.paid_at
                else None
            )
            rows.append(
                OwnerRow(deal_id, payout.deal.community.display_name, payout.amount_minor,
                         payout.currency, line, None, paid)
            )  # fmt: skip
        elif amount is not None:
            owed = amount.amount_minor if amount.amount_minor > 0 else amount.paid_minor
            rows.append(
                OwnerRow(deal_id, amount.community, owed, amount.currency, None, amount,
                         _paid_on(session, deal_id) if paid_by_finance else None)
            )  # fmt: skip
    return rows
