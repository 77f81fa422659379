"""A brief's shortlist and its media plans."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.plan import PlanStatus
from marketplace.auth.models import User, enum_column
from marketplace.catalog.models import Community
from marketplace.db import Base, UTCDateTime, created_at, intpk, utcnow


class ShortlistEntry(Base):
    """A community agency staff chose from the ranked list for a brief, with their note.

    ``locked`` forces it into every plan, ``excluded`` keeps it out (while staying on the list
    with its note, so the decision is remembered). The score and components are the ranking's
    at the time it was added, kept to explain later why it was picked.
    """

    __tablename__ = "shortlist_entries"
    __table_args__ = (UniqueConstraint("brief_id", "community_id"),)

    id: Mapped[intpk]
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float | None] = mapped_column(Float)
    components: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]

    community: Mapped[Community] = relationship()
    added_by: Mapped[User | None] = relationship()


class MediaPlan(Base):
    """One optimiser run over a brief's shortlist, kept with its inputs and its answer."""

    __tablename__ = "media_plans"

    id: Mapped[intpk]
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id", ondelete="CASCADE"), index=True)
    status: Mapped[PlanStatus] = mapped_column(
        enum_column(PlanStatus, "media_plan_status"), default=PlanStatus.DRAFT
    )
    #: The run this one is a "what if the budget were higher" of, if any.
    based_on_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_plans.id", ondelete="SET NULL")
    )
    budget_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    margin_bp: Mapped[int] = mapped_column(Integer)
    solver_status: Mapped[str] = mapped_column(String(20))
    cost_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    owner_payout_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    margin_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    reach_p10: Mapped[int] = mapped_column(BigInteger, default=0)
    reach_p50: Mapped[int] = mapped_column(BigInteger, default=0)
    reach_p90: Mapped[int] = mapped_column(BigInteger, default=0)
    value_p10_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    value_p50_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    value_p90_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    #: The settings, the plan's lines and its reasons and notes, as the optimiser gave them.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User | None] = relationship()
