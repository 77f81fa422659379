"""The admin's audit trail: every change an admin made to an account, kept in the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.auth.models import User
from marketplace.db import Base, created_at, intpk


class UserChange(Base):
    """One admin edit of one account: which fields, their values before and after, by whom.

    Rows are only ever added, in the same transaction as the change they record, so the trail
    cannot say a change happened that was rolled back, or miss one that was committed.
    """

    __tablename__ = "user_changes"

    id: Mapped[intpk]
    created_at: Mapped[created_at]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    #: {field: [before, after]} for each field that changed (the e-mail in full, no password).
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)

    actor: Mapped[User] = relationship(foreign_keys=[actor_id])
