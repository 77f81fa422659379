"""What the dashboards count: accounts by role, brands, e-mail waiting to go out."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.auth.models import Organisation, Role, User
from marketplace.db import SessionLike
from marketplace.outbox import OutboundEmail


def users_by_role(session: SessionLike) -> dict[Role, int]:
    """How many accounts each role has (roles without any are left out)."""
    rows = session.execute(select(User.role, func.count()).group_by(User.role)).all()
    return {role: count for role, count in rows}  # noqa: C416 - Row pairs, typed


def brand_count(session: SessionLike) -> int:
    """How many brand organisations there are."""
    return session.scalar(select(func.count()).select_from(Organisation)) or 0


def unsent_email_count(session: SessionLike) -> int:
    """How many e-mails wait in the outbox."""
    return (
        session.scalar(
            select(func.count()).select_from(OutboundEmail).where(OutboundEmail.sent_at.is_(None))
        )
        or 0
    )
