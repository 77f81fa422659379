"""What the admin pages read: the users list, the outbox, the pricing table versions.

Changes (creating a user, activating a pricing version) are the owning feature's services
(`auth.services`, `valuation.services`); these are the admin's own queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.auth.models import User
from marketplace.db import SessionLike
from marketplace.outbox import OutboundEmail
from marketplace.valuation.models import PricingTableVersion


@dataclass(frozen=True)
class UsersPage:
    users: Sequence[User]
    page: int
    pages: int
    total: int


def users_page(session: SessionLike, page: int, *, size: int) -> UsersPage:
    """One page of every user, by role, then e-mail (page 1 when `page` is below it)."""
    page = max(page, 1)
    total = session.scalar(select(func.count()).select_from(User)) or 0
    rows = session.scalars(
        select(User)
        .options(selectinload(User.organisation))
        .order_by(User.role, User.email, User.id)
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return UsersPage(rows, page, max((total + size - 1) // size, 1), total)


def latest_emails(session: SessionLike, limit: int = 100) -> Sequence[OutboundEmail]:
    """The latest outgoing e-mails, sent or waiting, newest first."""
    return session.scalars(
        select(OutboundEmail).order_by(OutboundEmail.id.desc()).limit(limit)
    ).all()


def pricing_versions(session: SessionLike) -> Sequence[PricingTableVersion]:
    """Every uploaded version of the benchmark tables, newest first."""
    return session.scalars(
        select(PricingTableVersion).order_by(PricingTableVersion.id.desc())
    ).all()
