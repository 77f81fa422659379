"""Steps of running campaigns: posts to prove and review, approvals, payments to make.

Split from ``steps`` (which lists them per role) when they took it past 600 lines.
"""

from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from campaigns.deals.creative import CreativeStatus
from campaigns.delivery import PostStatus
from marketplace.auth.models import User
from marketplace.catalog.models import Community
from marketplace.creative.models import Creative
from marketplace.dashboards.step import Step, count, name_of
from marketplace.db import SessionLike
from marketplace.deals.models import Deal, DealPlacement
from marketplace.deals.services import scoped
from marketplace.delivery import services as delivery
from marketplace.delivery.models import Post
from marketplace.finance import ledger
from marketplace.finance import services as finance
from marketplace.payments import services as payments
from pricing.ledger import Account
from pricing.payouts import PaymentStatus


def owner_post_steps(session: SessionLike, user: User) -> list[Step]:
    """Posts of agreed deals that are due now, and proofs the agency disputed."""
    counts = [c.counts for c in delivery.campaigns_visible_to(session, user)]
    due = sum(c[PostStatus.DUE.value] for c in counts)
    disputed = sum(c[PostStatus.DISPUTED.value] for c in counts)
    steps = []
    if due:
        # One post due: straight to it, where its proof is submitted.
        only = (
            session.scalars(
                scoped(user, Post).where(Post.status == PostStatus.DUE).limit(1)
            ).first()
            if due == 1
            else None
        )
        steps.append(
            Step(
                ngettext(
                    "%(num)s post is due: publish it and submit the proof of posting.",
                    "%(num)s posts are due: publish them and submit the proof of posting.",
                    due,
                ),
                url_for("delivery.post", post_id=only.id) if only else url_for("delivery.index"),
            )
        )
    if disputed:
        steps.append(
            Step(
                ngettext(
                    "The agency disputed the proof of %(num)s post: read why and send a new one.",
                    "The agency disputed the proofs of %(num)s posts: read why and send new ones.",
                    disputed,
                ),
                url_for("delivery.index"),
            )
        )
    return steps


def posts_to_approve(
    session: SessionLike, status: str, organisation_id: int | None = None
) -> list[tuple[int, Community]]:
    """(placement id, community) of each post whose approval chain stands at ``status``."""
    query = (
        select(Creative.deal_placement_id, Community)
        .join(DealPlacement, DealPlacement.id == Creative.deal_placement_id)
        .join(Deal, Deal.id == DealPlacement.deal_id)
        .join(Community, Community.id == Deal.community_id)
        .where(Creative.status == status)
        .order_by(Creative.id)
    )
    if organisation_id is not None:
        query = query.where(Deal.organisation_id == organisation_id)
    return [(placement_id, community) for placement_id, community in session.execute(query)]


def brand_campaign_steps(session: SessionLike, user: User) -> list[Step]:
    """Posts the agency approved that wait for the brand, and payments that are due."""
    steps = [
        Step(
            _(
                "Approve the post for %(name)s: the agency approved it and it waits for you.",
                name=name_of(community),
            ),
            url_for("creative.placement", placement_id=placement_id),
        )  # fmt: skip
        for placement_id, community in posts_to_approve(
            session, CreativeStatus.AGENCY_APPROVED.value, user.organisation_id or 0
        )[:5]
    ]
    due = [
        p
        for p in payments.payments_for(session, user)
        if p.status in (PaymentStatus.DUE, PaymentStatus.FAILED)
    ]
    if due:
        steps.append(
            Step(
                ngettext(
                    "%(num)s payment waits for you.", "%(num)s payments wait for you.", len(due)
                ),
                url_for("payments.index"),
            )
        )
    return steps


def staff_campaign_steps(session: SessionLike) -> list[Step]:
    """Posts the owners approved that wait for the agency, and proofs to verify."""
    steps = []
    posts = posts_to_approve(session, CreativeStatus.OWNER_APPROVED.value)
    if posts:
        steps.append(
            Step(
                ngettext(
                    "%(num)s post approved by its owner waits for the agency's approval.",
                    "%(num)s posts approved by their owners wait for the agency's approval.",
                    len(posts),
                ),
                url_for("creative.placement", placement_id=posts[0][0]),
            )
        )
    proofs = count(
        session,
        select(func.count()).select_from(Post).where(Post.status == PostStatus.POSTED),
    )
    if proofs:
        steps.append(
            Step(
                ngettext(
                    "%(num)s proof of posting waits for review.",
                    "%(num)s proofs of posting wait for review.",
                    proofs,
                ),
                url_for("delivery.index"),
            )
        )
    return steps


def finance_money_steps(session: SessionLike) -> list[Step]:
    """Deals whose brand still owes money, and owners' amounts ready to go in a batch."""
    owing = {
        deal_id
        for (account, _currency, deal_id), amount in ledger.balances(session, by="deal_id").items()
        if account is Account.BRAND_RECEIVABLE and amount > 0
    }
    ready = [
        a for a in finance.owner_amounts(session, today=date.today())
        if a.reason is finance.Pending.READY
    ]  # fmt: skip
    steps = []
    if owing:
        steps.append(
            Step(
                ngettext(
                    "%(num)s deal waits for the brand's payment: record it when the transfer "
                    "arrives.",
                    "%(num)s deals wait for the brand's payment: record each when the transfer "
                    "arrives.",
                    len(owing),
                ),
                url_for("finance.documents"),
            )
        )
    if ready:
        steps.append(
            Step(
                ngettext(
                    "%(num)s owner amount is ready to pay: put it in a payment batch.",
                    "%(num)s owner amounts are ready to pay: put them in a payment batch.",
                    len(ready),
                ),
                url_for("finance.desk"),
            )
        )
    return steps
